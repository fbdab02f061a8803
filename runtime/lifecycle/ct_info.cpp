#include "runtime/lifecycle/ct_info.h"

#include <filesystem>
#include <system_error>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/log.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/config/ctid.h"
#include "runtime/features/features.h"
#include "runtime/lifecycle/ct_ubc.h"
#include "runtime/lifecycle/run_state.h"

namespace vessel::lifecycle {

std::string_view status_name(CtStatus s)
{
    switch (s) {
    case CtStatus::Running: return "running";
    case CtStatus::Mounted: return "mounted";
    case CtStatus::Suspended: return "suspended";
    case CtStatus::Stopped: break;
    }
    return "stopped";
}

CtStatus CtInfo::status() const
{
    if (running)
        return CtStatus::Running;
    if (suspended)
        return CtStatus::Suspended;
    if (mounted)
        return CtStatus::Mounted;
    return CtStatus::Stopped;
}

std::string CtInfo::value(std::string_view key) const
{
    if (!config)
        return {};
    return config->get(key).value_or("");
}

CtInfo inspect(const config::GlobalConfig& global, config::CtId id, bool with_ubc)
{
    CtInfo info;
    info.ctid = id;
    info.config = config::CtConfig::load_if_exists(global, id);
    std::filesystem::path priv = info.config ? info.config->ve_private() : global.ve_private(id);
    std::filesystem::path root = info.config ? info.config->ve_root() : global.ve_root(id);
    std::error_code ec;
    info.exists = std::filesystem::is_directory(priv, ec);
    info.mounted = fs::is_mount_point(root);
    info.running = is_running(global, id);
    if (info.running) {
        // numproc counts tasks (threads too), as the beancounter did.
        auto state = load_run_state(global, id);
        if (state)
            info.uptime = seconds_since(state->init.start_time);
        if (state && !state->cgroups.empty()) {
            try {
                auto cg = cgroup::ProcessContainer::open(features::probe().cgroups, state->cgroups);
                if (auto cur = cg->get("pids.current"))
                    info.numproc = std::stoull(*cur);
                else
                    info.numproc = cg->pids().size();
            } catch (const std::exception& e) {
                log::verbose("numproc of " + std::to_string(id) + ": " + e.what());
            }
        }
        if (with_ubc && info.config) {
            // A figure that cannot be read is shown as unknown, not as a failed list.
            try {
                info.ubc = read_ct_ubc(global, *info.config);
            } catch (const std::exception& e) {
                log::verbose("beancounters of " + std::to_string(id) + ": " + e.what());
            }
        }
    }
    info.suspended = std::filesystem::exists(global.dump_dir() / ("Dump." + std::to_string(id)), ec);
    return info;
}

std::vector<CtInfo> inspect_all(const config::GlobalConfig& global, bool with_ubc)
{
    std::vector<CtInfo> out;
    for (auto id : config::list_ctids(global)) {
        // One broken config must not hide every other container.
        try {
            out.push_back(inspect(global, id, with_ubc));
        } catch (const Error& e) {
            log::warning("skipping container " + std::to_string(id) + ": " + e.what());
        }
    }
    return out;
}

}  // namespace vessel::lifecycle
