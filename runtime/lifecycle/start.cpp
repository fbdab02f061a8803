#include "runtime/lifecycle/start.h"

#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "images/recipes/recipe.h"
#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/log.h"
#include "runtime/base/report.h"
#include "runtime/base/undo.h"
#include "runtime/cgroup/devices.h"
#include "runtime/cgroup/limits.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/config/ct_config.h"
#include "runtime/config/values.h"
#include "runtime/features/features.h"
#include "runtime/lifecycle/identity.h"
#include "runtime/lifecycle/ip_registry.h"
#include "runtime/lifecycle/lock.h"
#include "runtime/lifecycle/monitor.h"
#include "runtime/lifecycle/mount.h"
#include "runtime/lifecycle/ownership.h"
#include "runtime/lifecycle/run_state.h"
#include "runtime/lifecycle/teardown.h"
#include "runtime/spec/container_spec.h"
#include "ns/clone.h"

namespace vessel::lifecycle {

namespace {

using namespace std::chrono_literals;

// Waits until init has run the template's boot sequence (the marker appears
// in the CT's own filesystem view), or init is gone (133).
void wait_booted(const ProcessRef& init)
{
    const std::string marker = "/proc/" + std::to_string(init.pid) + "/root" + std::string(images::kBootedMarker);
    auto pidfd = ns::pidfd_open(init.pid);
    for (;;) {
        struct stat st {};
        if (::stat(marker.c_str(), &st) == 0 && init.alive())
            return;
        if (!init.alive())
            throw Error(ExitCode::WaitFailed, "container init exited before the boot finished");
        if (pidfd) {
            struct pollfd p {pidfd.get(), POLLIN, 0};
            ::poll(&p, 1, 20);
        } else {
            std::this_thread::sleep_for(20ms);
        }
    }
}

}  // namespace

void start_ct(const config::GlobalConfig& global, config::CtId id, const StartOptions& opts)
{
    auto ct = config::CtConfig::load(global, id);
    const auto& feats = features::probe();
    auto spec = spec::build_spec(ct, global, feats);

    if (!opts.force && config::parse_bool(ct.get("DISABLED").value_or("no")))
        throw Error(ExitCode::StartDisabled, "Container start disabled (DISABLED=yes; --force overrides)");

    auto lock = CtLock::acquire(global, id);
    if (recover_leftovers(global, id))
        throw Error(ExitCode::Running, "Container is already running");
    struct stat st {};
    if (::stat(spec.private_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(ExitCode::PrivateNotFound, "Container private area " + spec.private_dir.string() + " does not exist");
    check_addresses_free(global, id, spec.ip_addresses);
    if (spec.userns && !feats.user_ns)
        throw Error(ExitCode::System, "LOCAL_UID/LOCAL_GID: this kernel has no user namespaces "
                                      "(or user.max_user_namespaces is 0)");
    // Before the mount: a shift walks the private area, and what the CT
    // will see must be settled before any of it is written.
    const bool idmapped = with_context("ownership", [&] {
        return prepare_ownership(spec.private_dir, spec.userns, spec.idmapped_mounts);
    });
    if (spec.userns)
        log::verbose(std::string("user namespace: container 0 is host ") + std::to_string(spec.userns->uid) + ":" +
                     std::to_string(spec.userns->gid) +
                     (idmapped ? ", files through an idmapped mount" : ", files shifted on disk"));
    // Said here: the monitor that sets the network up has no terminal.
    for (const auto& w : net::venet_host_warnings(spec.ip_addresses, {spec.neighbour_devs}))
        log::warning(w);

    log::info("Starting container...");
    // Declared before the undo stack: its undo steps use it.
    std::unique_ptr<cgroup::ProcessContainer> cg;
    UndoStack undo;
    RunState state;
    state.phase = RunState::Phase::Starting;
    state.starter = *ProcessRef::of(::getpid());

    if (!fs::is_mount_point(spec.root)) {
        with_context("mount", [&] { mount_ct(ct); });
        state.mounted_by_start = true;
        undo.push("umount " + spec.root.string(), [&ct] { umount_ct(ct); });
        log::info("Container is mounted");
    }

    // The CT's name and resolver in its own files, before anything of it
    // runs (init sets the UTS name itself). Not undone: a failed start
    // leaves the files as the next start would write them.
    write_identity_files(fs::open_dir(spec.root, O_PATH).get(),
                         identity_from([&ct](std::string_view key) { return ct.get(key); }));

    cg = with_context("process container", [&] {
        return cgroup::ProcessContainer::create(feats.cgroups, spec.cgroup_parent, spec.cgroup_name);
    });
    undo.push("remove process container", [&cg] { cg->destroy(); });
    state.cgroups = cg->paths();
    log::verbose("process container: " + [&] {
        std::string s;
        for (const auto& p : state.cgroups)
            s += (s.empty() ? "" : " ") + p;
        return s;
    }());

    // Before init exists: nothing of the CT ever runs unlimited. Without
    // the kernel series' controller NUMFILE, NUMFLOCK and NUMSIGINFO are
    // accounted only (vessel ubc --explain says so), not worth a warning
    // at every start; `vessel set` still warns when asked for them.
    cgroup::Limits limits = spec.resources.limits;
    if (!feats.beancounter) {
        limits.numfile.reset();
        limits.numflock.reset();
        limits.numsiginfo.reset();
    }
    auto skipped = with_context("resource limits", [&] { return cgroup::apply_limits(*cg, limits); });
    for (const auto& note : spec.resources.notes)
        skipped.push_back(note);
    // Also before init: its first open of /dev/null is already checked.
    for (auto& why : cgroup::apply_device_rules(*cg, spec.devices.rules))
        skipped.push_back(std::move(why));
    for (const auto& why : skipped)
        log::warning(why);

    save_run_state(global, id, state);
    undo.push("remove run state", [&] { remove_run_state(global, id); });

    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0)
        throw_errno("pipe");
    UniqueFd report_rd(pipefd[0]);
    UniqueFd report_wr(pipefd[1]);
    // The monitor waits for this before it does anything, so the run state
    // names it before it can change the state itself; if we die first, it
    // reads EOF and quits.
    if (::pipe2(pipefd, O_CLOEXEC) != 0)
        throw_errno("pipe");
    UniqueFd go_rd(pipefd[0]);
    UniqueFd go_wr(pipefd[1]);
    const std::string monitor_exe = monitor_executable();
    pid_t monitor = ::fork();
    if (monitor < 0)
        throw_errno("fork monitor");
    if (monitor == 0) {
        report_rd.reset();
        go_wr.reset();
        char go = 0;
        if (::read(go_rd.get(), &go, 1) != 1)
            ::_exit(1);
        go_rd.reset();
        int fd = report_wr.release();
        ::fcntl(fd, F_SETFD, 0);
        if (!monitor_exe.empty()) {
            std::string fd_arg = std::to_string(fd);
            std::string id_arg = std::to_string(id);
            std::string level = std::to_string(static_cast<int>(log::level()));
            ::execl(monitor_exe.c_str(), "vessel-monitor", global.path().c_str(), id_arg.c_str(), fd_arg.c_str(),
                    level.c_str(), static_cast<char*>(nullptr));
        }
        run_monitor(global, spec, fd);
    }
    report_wr.reset();
    go_rd.reset();
    undo.push("stop the monitor", [monitor] {
        ::kill(monitor, SIGKILL);
        ::waitpid(monitor, nullptr, 0);
    });
    if (auto ref = ProcessRef::of(monitor))
        state.monitor = *ref;
    save_run_state(global, id, state);
    if (::write(go_wr.get(), "g", 1) != 1)
        throw_errno("release the monitor");
    go_wr.reset();

    // "OK <pid> <how>"; an "ERR" line is thrown here.
    auto ok = parse_report(read_report(report_rd.get()));
    if (!ok || ok->empty())
        throw Error(ExitCode::System, "the monitor died before the container started");
    undo.commit();
    const std::string& rest = *ok;
    auto sp = rest.find(' ');
    pid_t init_pid = static_cast<pid_t>(std::atoi(rest.substr(0, sp).c_str()));
    log::verbose("init is PID " + std::to_string(init_pid) + " on the host, created with " +
                 (sp == std::string::npos ? std::string("?") : rest.substr(sp + 1)));
    log::info("Container start in progress...");

    if (opts.wait) {
        auto ref = ProcessRef::of(init_pid);
        if (!ref)
            throw Error(ExitCode::WaitFailed, "container init exited before the boot finished");
        // The lock is not needed to watch; a stop may come meanwhile.
        { auto released = std::move(lock); }
        wait_booted(*ref);
        log::info("Container is started");
    }
}

}  // namespace vessel::lifecycle
