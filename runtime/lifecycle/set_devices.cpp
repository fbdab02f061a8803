#include "runtime/lifecycle/set_devices.h"

#include <fcntl.h>
#include <sched.h>

#include <algorithm>

#include "ns/join.h"
#include "runtime/base/error.h"
#include "runtime/base/unique_fd.h"
#include "runtime/cgroup/devices.h"
#include "runtime/config/devices.h"

namespace vessel::lifecycle {

namespace {

// The CT's /dev as its init sees it (its mount namespace, its tmpfs),
// checked against init again so that a recycled PID never hands us another
// container's /dev. "dev" itself is opened with O_NOFOLLOW: the container
// owns its root directory.
UniqueFd open_ct_dev(const RunState& state)
{
    const std::string root_path = "/proc/" + std::to_string(state.init.pid) + "/root";
    UniqueFd root(::open(root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        throw_errno("open " + root_path);
    UniqueFd dev(::openat(root.get(), "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dev)
        throw_errno("open the container's /dev (a directory, not a symlink)");
    if (!state.init.alive())
        throw Error(ExitCode::NotRunning, "Container is not running");
    return dev;
}

}  // namespace

void check_device_change(const DeviceChange& change)
{
    for (const auto& w : change.devnodes)
        with_context("--devnodes", [&] { config::parse_devnode(w); });
    for (const auto& w : change.devices)
        with_context("--devices", [&] { config::parse_device(w); });
}

DevicePlan plan_devices(const spec::Lookup& before, const spec::Lookup& after)
{
    DevicePlan plan;
    plan.after = spec::devices_from(after);
    try {
        plan.before_rules = spec::devices_from(before).rules;
    } catch (const Error&) {
        plan.before_rules = spec::default_device_rules();
    }
    // Only the names matter for what goes: each is looked up on its own, so
    // one the host lost does not keep the others in place.
    std::vector<std::string> gone;
    if (auto v = before("DEVNODES"))
        for (const auto& e : config::parse_devnodes(*v))
            if (e.access != config::kDevNone &&
                std::none_of(plan.after.nodes.begin(), plan.after.nodes.end(),
                             [&](const ns::ExtraDevNode& n) { return n.name == e.name; }))
                gone.push_back(e.name + ":r");
    for (const auto& word : gone) {
        try {
            auto one = spec::devices_from([&](std::string_view key) -> std::optional<std::string> {
                return key == "DEVNODES" ? std::optional<std::string>(word) : std::nullopt;
            });
            plan.removed_nodes.push_back(one.nodes.front());
        } catch (const Error&) {
            // Not a device on the host any more: left in the CT.
        }
    }
    return plan;
}

std::vector<std::string> apply_devices_live(const RunState& state, cgroup::ProcessContainer& pc,
                                            const DevicePlan& plan)
{
    std::vector<std::string> warnings = cgroup::apply_device_rules(pc, plan.after.rules);
    // A node made from here in the /dev of a CT with its own user namespace
    // could not be opened (that tmpfs is nodev); the start binds the host's
    // node instead, which needs the CT's mount namespace.
    if ((ns::namespaces_of(state.init.pid) & CLONE_NEWUSER) != 0) {
        if (!plan.after.nodes.empty() || !plan.removed_nodes.empty())
            warnings.push_back("the container has a user namespace: its /dev nodes change at the next start; "
                               "the access rules apply now");
        return warnings;
    }
    try {
        UniqueFd dev = open_ct_dev(state);
        for (const auto& n : plan.after.nodes)
            ns::make_dev_node(dev.get(), n);
        for (const auto& n : plan.removed_nodes)
            if (!ns::remove_dev_node(dev.get(), n))
                warnings.push_back("/dev/" + n.name + " in the container is not the host's device; left as it is");
    } catch (const Error&) {
        try {
            cgroup::apply_device_rules(pc, plan.before_rules);
        } catch (const Error&) {
            // Best effort: the error that matters is the first one.
        }
        throw;
    }
    return warnings;
}

}  // namespace vessel::lifecycle
