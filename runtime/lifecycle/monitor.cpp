#include "runtime/lifecycle/monitor.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>

#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/base/report.h"
#include "runtime/base/sibling_exe.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/features/features.h"
#include "runtime/lifecycle/ct_ubc.h"
#include "runtime/lifecycle/launch.h"
#include "ns/envid.h"
#include "runtime/lifecycle/lock.h"
#include "runtime/lifecycle/run_state.h"
#include "runtime/lifecycle/teardown.h"

namespace vessel::lifecycle {

namespace {

using namespace std::chrono_literals;

void detach(int keep_fd)
{
    ::setsid();
    ::chdir("/");
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
        if (null > 2)
            ::close(null);
    }
    // Above all, the CT lock's fd: the lock is released when `vessel start` exits.
    if (keep_fd > 3)
        ::close_range(3, static_cast<unsigned>(keep_fd - 1), 0);
    ::close_range(static_cast<unsigned>(keep_fd + 1), ~0U, 0);
    // Terminal signals are not for us; SIGTERM from an operator still ends
    // the monitor (the CT keeps running; the next command recovers).
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGQUIT, SIG_IGN);
}

// How often the monitor samples the beancounters whose kernel counters keep
// no peak (runtime/bc/peaks.h).
constexpr int kSampleIntervalMs = 10000;

// Waits for init to end. With a pidfd, the wait wakes every sampling
// interval to raise the CT's peak file; a failed sample is only logged, it
// never disturbs the CT. Without one, the monitor just blocks (and maxheld
// rests on the samples of `vessel ubc` and `vessel list`).
int wait_for_init(const config::GlobalConfig& global, config::CtId id, const cgroup::ProcessContainer& cg,
                  const LaunchedInit& init)
{
    int status = 0;
    if (init.pidfd) {
        pollfd p{init.pidfd.get(), POLLIN, 0};
        for (;;) {
            int n = ::poll(&p, 1, kSampleIntervalMs);
            if (n > 0)
                break;
            if (n < 0 && errno != EINTR)
                break;
            if (n == 0) {
                try {
                    sample_ct_ubc(global, id, cg, init.ref.pid);
                } catch (const std::exception& e) {
                    log::verbose(std::string("beancounter sample: ") + e.what());
                }
                // What the sample allocated goes back to the kernel, so a
                // running CT's monitor stays as small as it started.
                ::malloc_trim(0);
            }
        }
    }
    while (::waitpid(init.ref.pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

// How init ended: a PID-namespace init is killed with SIGHUP by reboot(2)
// and with SIGINT by halt/poweroff.
bool wants_reboot(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP; }

}  // namespace

void report_failure(int report, const Error& e)
{
    write_report(report, error_report(e));
}

std::string monitor_executable() { return sibling_executable("vessel-monitor"); }

[[noreturn]] void run_monitor(const config::GlobalConfig& global, const spec::ContainerSpec& spec, int report)
{
    detach(report);
    const config::CtId id = spec.id;
    int exit_code = 0;
    try {
        auto state = load_run_state(global, id);
        if (!state)
            throw Error(ExitCode::System, "run state vanished during start");
        // With the kernel's envID, the monitor takes the CTID first and
        // every init it starts inherits it: a CT with a user namespace has
        // no host privilege left in init to set it there (ns/envid.h).
        with_context("envID", [&] { ns::set_own_envid(static_cast<unsigned>(id)); });
        auto cg = cgroup::ProcessContainer::open(features::probe().cgroups, state->cgroups);
        bool first = true;
        std::unique_ptr<CtLock> held;  // kept from a reboot until the new init is recorded
        for (;;) {
            LaunchedInit init;
            try {
                init = launch_init(spec, *cg);
            } catch (const Error& e) {
                if (first) {
                    report_failure(report, e);
                    ::_exit(1);
                }
                teardown(global, id, *state);
                throw;
            }
            state->phase = RunState::Phase::Running;
            state->init = init.ref;
            state->venet = init.venet;
            state->bridged = init.bridged;
            state->cap_keep = spec.cap_keep;
            state->monitor = *ProcessRef::of(::getpid());
            save_run_state(global, id, *state);
            held.reset();
            if (first) {
                write_report(report, ok_report(std::to_string(init.ref.pid) + " " + init.how));
                ::close(report);
                report = -1;
                first = false;
            }

            const int status = wait_for_init(global, id, *cg, init);
            // Whoever holds the lock first after init's death cleans up; if
            // that was a stop or start, the state no longer names our init.
            held = std::make_unique<CtLock>(CtLock::acquire(global, id, std::chrono::hours(1)));
            auto now = load_run_state(global, id);
            if (!now || now->init.pid != init.ref.pid || now->init.start_time != init.ref.start_time)
                break;
            if (wants_reboot(status)) {
                if (!cg->kill_all(10s))
                    throw Error(ExitCode::CannotStop, "reboot: processes survived SIGKILL");
                // The next init gets a new network namespace and a new pair.
                if (now->venet)
                    net::teardown_venet(*now->venet);
                if (now->bridged)
                    net::teardown_netifs(*now->bridged);
                now->venet.reset();
                now->bridged.reset();
                state = now;
                continue;
            }
            teardown(global, id, *now);
            break;
        }
    } catch (const std::exception& e) {
        write_report(report, error_report(Error(ExitCode::System, std::string("monitor: ") + e.what())));
        exit_code = 1;
    }
    ::_exit(exit_code);
}

}  // namespace vessel::lifecycle
