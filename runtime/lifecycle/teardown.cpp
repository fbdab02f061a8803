#include "runtime/lifecycle/teardown.h"

#include <sys/mount.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/log.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/features/features.h"

namespace vessel::lifecycle {

using namespace std::chrono_literals;

void teardown(const config::GlobalConfig& global, config::CtId id, const RunState& state)
{
    if (!state.cgroups.empty()) {
        auto cg = cgroup::ProcessContainer::open(features::probe().cgroups, state.cgroups);
        if (!cg->kill_all(10s))
            throw Error(ExitCode::CannotStop, "processes of the container survived SIGKILL");
        cg->destroy();
    }
    // The CT's end went with its namespace; the host keeps the proxy entries.
    const bool elsewhere = (state.venet && !net::teardown_venet(*state.venet)) ||
                           (state.bridged && !net::teardown_netifs(*state.bridged));
    if (elsewhere)
        log::warning("the container was started in another network namespace; the host side of its network is "
                     "left to that namespace");
    if (state.mounted_by_start) {
        auto ct = config::CtConfig::load_if_exists(global, id);
        auto root = ct ? ct->ve_root() : global.ve_root(id);
        if (fs::is_mount_point(root) && ::umount2(root.c_str(), 0) != 0) {
            if (errno != EBUSY)
                throw_errno("umount " + root.string(), ExitCode::Umount);
            // Something on the host still uses it (a shell cd'ed into it):
            // detach, so the CT is down and the mount goes when it is free.
            log::warning("umount " + root.string() + ": busy, detaching it lazily");
            ::umount2(root.c_str(), MNT_DETACH);
        }
    }
    remove_run_state(global, id);
}

bool recover_leftovers(const config::GlobalConfig& global, config::CtId id)
{
    auto state = load_run_state(global, id);
    if (!state)
        return false;
    if (state->phase == RunState::Phase::Starting) {
        // A starter that died after forking the monitor: the monitor finishes
        // the start on its own and records it; give it a moment.
        for (int i = 0; i < 200 && state && state->phase == RunState::Phase::Starting &&
                        (state->starter.alive() || state->monitor.alive());
             ++i) {
            std::this_thread::sleep_for(50ms);
            state = load_run_state(global, id);
        }
        if (!state)
            return false;
        if (state->phase == RunState::Phase::Starting && state->monitor.alive())
            throw Error(ExitCode::Locked, "Container start in progress");
    }
    if (state->phase == RunState::Phase::Running && state->init.alive())
        return true;
    log::verbose("removing leftovers of container " + std::to_string(id));
    teardown(global, id, *state);
    return false;
}

}  // namespace vessel::lifecycle
