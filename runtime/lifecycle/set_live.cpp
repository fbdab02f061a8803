#include "runtime/lifecycle/set_live.h"

#include <fcntl.h>

#include "ns/clone.h"
#include "ns/userns.h"
#include "runtime/base/error.h"
#include "runtime/base/unique_fd.h"

namespace vessel::lifecycle {

namespace {

// Only the keys this set changes: `set --hostname` leaves resolv.conf alone
// even when vessel.conf has NAMESERVER=inherit.
ValueOf only_changed(const LiveTarget& t)
{
    return [&t](std::string_view key) -> std::optional<std::string> {
        if (!t.changed.count(key))
            return std::nullopt;
        return t.value(key);
    };
}

void apply_identity(const LiveTarget& t)
{
    const Identity id = identity_from(only_changed(t));
    const pid_t pid = t.state.init.pid;
    UniqueFd pidfd = ns::pidfd_open(pid);
    if (!t.state.init.alive())
        throw Error(ExitCode::NotRunning, "Container is not running");
    if (!id.hostname.empty())
        set_uts_name(pid, pidfd.get(), id.hostname);
    // The CT's root as the CT sees it, in its own mount namespace; checked
    // against init again, so a recycled PID never hands us another root.
    const std::string root_path = "/proc/" + std::to_string(pid) + "/root";
    UniqueFd root(::open(root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        throw_errno("open " + root_path);
    if (!t.state.init.alive())
        throw Error(ExitCode::NotRunning, "Container is not running");
    // Written as the CT's root (the root may be an idmapped mount).
    ns::FsIdsAs as_ct_root(ns::host_ids_of_root(pid));
    write_identity_files(root.get(), id);
}

constexpr std::string_view kIdentityKeys[] = {"HOSTNAME", "NAMESERVER", "SEARCHDOMAIN"};

constexpr LiveHandler kHandlers[] = {
    {"host name and DNS", kIdentityKeys, apply_identity},
};

}  // namespace

std::span<const LiveHandler> live_handlers() { return kHandlers; }

void apply_live(const LiveTarget& target)
{
    for (const auto& h : live_handlers()) {
        bool touched = false;
        for (auto key : h.keys)
            touched = touched || target.changed.count(key) > 0;
        if (touched)
            with_context(h.what, [&] { h.apply(target); });
    }
}

}  // namespace vessel::lifecycle
