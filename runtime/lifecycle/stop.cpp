#include "runtime/lifecycle/stop.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <memory>
#include <string>

#include "ns/clone.h"
#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/config/ct_config.h"
#include "runtime/features/features.h"
#include "runtime/lifecycle/exec.h"
#include "runtime/lifecycle/lock.h"
#include "runtime/lifecycle/run_state.h"
#include "runtime/lifecycle/teardown.h"
#include "runtime/spec/container_spec.h"

namespace vessel::lifecycle {

namespace {

using Clock = std::chrono::steady_clock;

// Waits until the process behind pidfd has exited; false on timeout.
bool wait_exit(int pidfd, const ProcessRef& process, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (process.alive()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0)
            return false;
        struct pollfd p {pidfd, POLLIN, 0};
        if (pidfd >= 0)
            ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
        else
            ::usleep(20000);
    }
    return true;
}

// A pidfd for a process that may end at any moment: none (and polling
// instead) when it already has.
UniqueFd open_pidfd_if_alive(const ProcessRef& process)
{
    if (!process.alive())
        return UniqueFd();
    try {
        return ns::pidfd_open(process.pid);
    } catch (const Error&) {
        return UniqueFd();
    }
}

// The signal a container's init takes as "power off": systemd's
// SIGRTMIN+4, busybox init's SIGUSR2, sysvinit's SIGPWR; a shell as init
// gets SIGTERM.
int poweroff_signal(pid_t init)
{
    char buf[PATH_MAX];
    std::string exe = "/proc/" + std::to_string(init) + "/exe";
    ssize_t n = ::readlink(exe.c_str(), buf, sizeof buf - 1);
    std::string target = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    if (target.find("systemd") != std::string::npos)
        return SIGRTMIN + 4;
    if (target.find("busybox") != std::string::npos)
        return SIGUSR2;
    if (target.find("init") != std::string::npos)
        return SIGPWR;
    return SIGTERM;
}

}  // namespace

void stop_ct(const config::GlobalConfig& global, config::CtId id, const StopOptions& opts)
{
    auto ct = config::CtConfig::load(global, id);
    auto spec = spec::build_spec(ct, global, features::probe());
    const unsigned timeout = opts.timeout.value_or(spec.stop_timeout);

    auto lock = std::make_unique<CtLock>(CtLock::acquire(global, id));
    if (!recover_leftovers(global, id))
        throw Error(ExitCode::NotRunning, "Container is not running");
    auto state = *load_run_state(global, id);
    UniqueFd pidfd = ns::pidfd_open(state.init.pid);
    UniqueFd monitor_fd = open_pidfd_if_alive(state.monitor);
    if (!state.init.alive())
        throw Error(ExitCode::NotRunning, "Container is not running");

    log::info("Stopping container ...");
    bool stopped = false;
    if (!opts.fast) {
        ExecRequest halt;
        halt.argv = {"halt"};
        halt.quiet = true;
        int rc = 127;
        try {
            rc = exec_in_ct_child(global, id, halt, std::chrono::seconds(timeout));
        } catch (const Error& e) {
            log::verbose(std::string("halt: ") + e.what());
        }
        if (rc != 0) {
            int sig = poweroff_signal(state.init.pid);
            log::verbose("halt inside the container failed (" + std::to_string(rc) + "); sending signal " +
                         std::to_string(sig) + " to its init");
            ns::send_signal(pidfd.get(), state.init.pid, sig);
        }
        stopped = wait_exit(pidfd.get(), state.init, std::chrono::seconds(timeout));
        if (!stopped)
            log::info("Container did not stop in " + std::to_string(timeout) + " s; killing it");
    }
    if (!stopped) {
        auto cg = cgroup::ProcessContainer::open(features::probe().cgroups, state.cgroups);
        cg->kill_all(std::chrono::seconds(10));
        if (!wait_exit(pidfd.get(), state.init, std::chrono::seconds(10)))
            throw Error(ExitCode::CannotStop, "Unable to stop container: init survived SIGKILL");
    }
    teardown(global, id, state);
    // The monitor wakes on init's death and then waits for this lock; it
    // finds the state gone and exits. Waiting for that here means nothing of
    // the CT still runs when stop returns. A monitor that does not go (one
    // stuck in the kernel) is reported, not a failed stop: the CT is down.
    lock.reset();
    if (!wait_exit(monitor_fd.get(), state.monitor, std::chrono::seconds(5)))
        log::info("The container's monitor (pid " + std::to_string(state.monitor.pid) + ") has not exited yet");
    log::info("Container was stopped");
    if (state.mounted_by_start)
        log::info("Container is unmounted");
}

}  // namespace vessel::lifecycle
