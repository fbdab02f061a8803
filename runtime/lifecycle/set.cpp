#include "runtime/lifecycle/set.h"

#include <map>
#include <set>

#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/cgroup/limits.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/config/ct_config.h"
#include "runtime/config/devices.h"
#include "runtime/config/keys.h"
#include "runtime/features/features.h"
#include "runtime/lifecycle/ip_registry.h"
#include "runtime/lifecycle/lock.h"
#include "runtime/lifecycle/process_limits.h"
#include "runtime/lifecycle/run_state.h"
#include "runtime/lifecycle/set_ip.h"
#include "runtime/lifecycle/set_live.h"
#include "runtime/lifecycle/teardown.h"
#include "runtime/security/caps.h"
#include "runtime/spec/resources.h"
#include "runtime/spec/userns.h"

namespace vessel::lifecycle {

namespace {

// Keys whose new value reaches a running CT only when it starts again.
constexpr std::string_view kAtNextStart[] = {"NUMPTY", "CAPABILITY", "LOCAL_UID", "LOCAL_GID", "IDMAPPED_MOUNTS"};

}  // namespace

void set_ct(const config::GlobalConfig& global, config::CtId id, const SetRequest& req)
{
    const bool netif_given = !req.netif.empty();
    if (req.empty())
        throw Error(ExitCode::InvalidParameter, "nothing to set");
    check_device_change(req.devices);
    // Syntax first, every value, before anything is looked at or locked.
    std::map<std::string, std::string, std::less<>> changes;
    for (const auto& [key, value] : req.values) {
        if (config::find_key(key) == nullptr)
            throw Error(ExitCode::InvalidParameter, "unknown parameter " + key);
        with_context(key, [&] { config::validate_value(key, value); });
        // The last one given wins, as in a config file; capabilities add up.
        auto it = changes.find(key);
        changes[key] = key == "CAPABILITY" && it != changes.end() ? it->second + " " + value : value;
    }
    // With --ifname the addresses are the bridged interface's, else venet0's.
    NetifChange netif_change = req.netif;
    IpChange ip_change;
    if (req.netif.ifname.empty()) {
        ip_change = parse_ip_change(req.ipadd, req.ipdel);
    } else {
        netif_change.ipadd = req.ipadd;
        netif_change.ipdel = req.ipdel;
    }

    auto lock = CtLock::acquire(global, id);
    auto ct = config::CtConfig::load(global, id);
    // --capability adds to what the CT has, as vzctl's does.
    if (auto it = changes.find("CAPABILITY"); it != changes.end())
        it->second = with_context("CAPABILITY", [&] {
            return security::merge_capability_setting(ct.file().get("CAPABILITY").value_or(""), it->second);
        });
    std::optional<CtLock> ip_lock;
    if (!ip_change.empty()) {
        // Host-wide, so that two CTs cannot take one address at once.
        ip_lock.emplace(CtLock::acquire_path(global.lock_dir() / "ip.lck"));
        std::vector<net::IpAddr> added, removed;
        changes["IP_ADDRESS"] = edit_ip_address(ct.get("IP_ADDRESS").value_or(""), ip_change, &added, &removed);
        check_addresses_free(global, id, ip_change.add);
    }
    std::optional<NetifEdit> netif_edit;
    if (netif_given) {
        netif_edit = edit_netif(ct.get("NETIF").value_or(""), id, netif_change);
        changes["NETIF"] = netif_edit->value;
    }
    if (!req.devices.devnodes.empty())
        changes["DEVNODES"] = config::edit_devnodes(ct.get("DEVNODES").value_or(""), req.devices.devnodes);
    if (!req.devices.devices.empty())
        changes["DEVICES"] = config::edit_devices(ct.get("DEVICES").value_or(""), req.devices.devices);
    auto merged = [&](std::string_view key) -> std::optional<std::string> {
        if (auto it = changes.find(key); it != changes.end())
            return it->second;
        return ct.get(key);
    };
    std::set<std::string, std::less<>> only;
    for (const auto& [key, value] : changes)
        only.insert(key);
    // Meaning next: a CPU list or a combination the syntax check cannot see.
    const spec::Resources resources = spec::resources_from(merged, ct.ve_private(), &only);
    // The pair is checked together: one alone stands for both.
    if (changes.count("LOCAL_UID") || changes.count("LOCAL_GID"))
        spec::user_namespace_from(merged);
    // The host's /dev names the nodes: a name it lacks is refused here.
    std::optional<DevicePlan> device_plan;
    if (changes.count("DEVNODES") || changes.count("DEVICES"))
        device_plan = plan_devices([&ct](std::string_view key) { return ct.get(key); }, merged);

    const bool running = recover_leftovers(global, id);
    auto state = running ? load_run_state(global, id) : std::nullopt;
    if (netif_edit)
        check_host_names_free(*netif_edit, state ? &*state : nullptr);
    if (running && state) {
        auto pc = cgroup::ProcessContainer::open(features::probe().cgroups, state->cgroups);
        auto skipped = with_context("set", [&] { return cgroup::apply_limits(*pc, resources.limits); });
        with_context("set", [&] { apply_process_limits(*pc, resources); });
        if (device_plan)
            for (auto& w : with_context("set", [&] { return apply_devices_live(*state, *pc, *device_plan); }))
                skipped.push_back(std::move(w));
        for (const auto& note : resources.notes)
            skipped.push_back(note);
        const std::string devs = ct.get("NEIGHBOUR_DEVS").value_or("detect");
        for (const auto& w : net::venet_host_warnings(ip_change.add, {devs}))
            skipped.push_back(w);
        with_context("set", [&] { apply_ip_change_live(global, id, *state, ip_change, devs); });
        if (netif_edit)
            with_context("set", [&] { apply_netif_change_live(global, id, *state, *netif_edit); });
        for (const auto& why : skipped)
            log::warning(why);
        for (auto key : kAtNextStart)
            if (changes.count(key))
                log::info(std::string(key) + " takes effect at the next start of the container");
        // Keys applied by other means than limits: set_live.cpp's table.
        apply_live({*state, only, merged});
    }

    if (req.save) {
        auto& file = ct.file();
        for (const auto& [key, value] : changes)
            file.set(key, value);
        with_context("save " + global.ct_conf(id).string(), [&] { file.save(global.ct_conf(id)); });
        log::info("Saved parameters for CT " + std::to_string(id));
    } else if (!running) {
        log::warning("Container is not running: nothing was applied; add --save to keep the values");
    } else {
        log::info("Applied to the running container; not saved (add --save to keep them after a restart)");
    }
}

}  // namespace vessel::lifecycle
