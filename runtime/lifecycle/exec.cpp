#include "runtime/lifecycle/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>

#include "ns/clone.h"
#include "ns/envid.h"
#include "ns/join.h"
#include "ns/pty.h"
#include "ns/sealed_exe.h"
#include "ns/userns.h"
#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/base/process.h"
#include "runtime/base/sibling_exe.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/config/ct_config.h"
#include "runtime/features/features.h"
#include "runtime/lifecycle/process_limits.h"
#include "runtime/lifecycle/run_state.h"
#include "runtime/lifecycle/sync_channel.h"
#include "runtime/security/caps.h"
#include "runtime/security/seccomp_filter.h"
#include "runtime/spec/container_spec.h"

namespace vessel::lifecycle {

namespace {

struct SpawnPlan {
    int sync = -1;
    int pid_ns = -1;      // setns'd by the joining process: PID namespace for its children
    int cgroup_ns = -1;   // joined late, see below
    int slave = -1;
    int spawn_exe = -1;   // vessel-spawn, sealed
    bool quiet = false;
    bool userns = false;  // the CT has a user namespace: become its root
    std::uint64_t caps = 0;
    const security::SeccompFilter* seccomp = nullptr;
    std::vector<char*> argv;  // vessel-spawn's
    std::vector<char*> envp;
};

// The process that joins the container, in the host's PID namespace (no
// container process can see it), in the CT's process container; it sheds
// everything of the host and becomes vessel-spawn. Returns only on error.
[[noreturn]] void joining_child(const SpawnPlan& plan)
{
    if (!SyncChannel::wait_go(plan.sync))
        ::_exit(126);
    try {
        // Joined by the parent, the user namespace left the host's uid and
        // gid, which mean nothing there.
        if (plan.userns)
            ns::become_ns_root();
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGWINCH, SIGCHLD})
            ::signal(sig, SIG_DFL);
        if (plan.pid_ns >= 0 && ::setns(plan.pid_ns, CLONE_NEWPID) != 0)
            throw_errno("join the PID namespace");
        // Joined only now that it is in its process container: on hosts that
        // delegate cgroup2 (nsdelegate), a process inside the CT's cgroup
        // namespace could not have been moved there.
        if (plan.cgroup_ns >= 0 && ::setns(plan.cgroup_ns, CLONE_NEWCGROUP) != 0)
            throw_errno("join the cgroup namespace");
        if (plan.slave < 0 && plan.quiet) {
            int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null < 0)
                throw_errno("open /dev/null");
            for (int fd = 0; fd < 3; ++fd)
                ::dup2(null, fd);
        }
        if (::chdir("/") != 0)
            throw_errno("chdir /");
        close_fds_except({0, 1, 2, plan.sync, plan.slave, plan.spawn_exe});
        // vessel-spawn and the command run under the CT's filter; loaded
        // while sys_admin is still held (see seccomp_filter.h).
        security::load_seccomp(*plan.seccomp);
        security::apply_caps(plan.caps);
        for (int fd : {plan.sync, plan.slave})
            if (fd >= 0 && ::fcntl(fd, F_SETFD, 0) != 0)
                throw_errno("pass fd " + std::to_string(fd) + " to vessel-spawn");
        ::execveat(plan.spawn_exe, "", plan.argv.data(), plan.envp.data(), AT_EMPTY_PATH);
        throw_errno("execute vessel-spawn");
    } catch (const Error& e) {
        SyncChannel::fail(plan.sync, static_cast<int>(e.code()), e.what());
    } catch (const std::exception& e) {
        SyncChannel::fail(plan.sync, static_cast<int>(ExitCode::System), e.what());
    }
    ::_exit(126);
}

int wait_status(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw_errno("waitpid");
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

}  // namespace

int exec_in_ct(const config::GlobalConfig& global, config::CtId id, const ExecRequest& req)
{
    if (req.argv.empty())
        throw Error(ExitCode::InvalidParameter, "no command given");
    auto ct = config::CtConfig::load(global, id);
    const auto& feats = features::probe();
    auto spec = spec::build_spec(ct, global, feats);

    auto state = load_run_state(global, id);
    if (!state || state->phase != RunState::Phase::Running || !state->init.alive())
        throw Error(ExitCode::NotRunning, "Container is not running");
    UniqueFd pidfd = ns::pidfd_open(state->init.pid);
    // The pidfd pins the process: checked once more, a recycled PID is excluded.
    if (!state->init.alive())
        throw Error(ExitCode::NotRunning, "Container is not running");

    auto cg = cgroup::ProcessContainer::open(feats.cgroups, state->cgroups);
    // Opened while the host's cgroupfs is still visible.
    UniqueFd cgfd = cg->unified_fd();
    std::vector<UniqueFd> procs = cg->open_procs_files();
    int flags = ns::namespaces_of(state->init.pid);
    UniqueFd cgroup_ns;
    if (flags & CLONE_NEWCGROUP) {
        cgroup_ns = ns::open_namespace(state->init.pid, pidfd.get(), CLONE_NEWCGROUP);
        flags &= ~CLONE_NEWCGROUP;
    }

    std::vector<std::string> env = spec.exec_env;
    const char* term = std::getenv("TERM");
    env.push_back(std::string("TERM=") + (term && *term ? term : "linux"));

    // The PID namespace is joined by the child alone: this process stays
    // invisible to the container, and so does the child until it is
    // vessel-spawn and holds nothing but the container's capabilities.
    UniqueFd pid_ns;
    if (flags & CLONE_NEWPID) {
        pid_ns = ns::open_namespace(state->init.pid, pidfd.get(), CLONE_NEWPID);
        flags &= ~CLONE_NEWPID;
    }
    const std::string spawn_path = sibling_executable("vessel-spawn");
    if (spawn_path.empty())
        throw Error(ExitCode::System, "vessel-spawn: not found beside the vessel executable");
    // Opened while the host's mount namespace is still ours.
    ns::SealedExe spawn = with_context("vessel-spawn", [&] { return ns::open_sealed_exe(spawn_path); });
    // The cache is under RUNDIR, a host path.
    const security::SeccompFilter seccomp = security::prepare_seccomp(spec.seccomp);

    // From here on this process sees the container; it must not be
    // inspectable from inside while it still holds host privileges.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        throw_errno("prctl PR_SET_DUMPABLE");
    // Inherited by the command; set while this process is still privileged
    // on the host (process_limits.h). So is the CT's envID, where the
    // kernel has one: this process is the CT's from here on.
    apply_process_limits_to(0, spec.resources);
    with_context("envID", [&] { ns::set_own_envid(static_cast<unsigned>(id)); });
    std::string how = ns::join_namespaces(state->init.pid, pidfd.get(), flags);
    log::verbose("joined the container with " + how + "; the command starts from vessel-spawn (" + spawn.how + ")");

    std::optional<ns::Pty> pty;
    UniqueFd slave;
    if (req.tty) {
        // In the CT's user namespace the host's uid 0 has no id: the pty
        // must belong to the CT's root (0 there), or it cannot open it. The
        // host's uid cannot be named there to go back to; nothing below
        // needs it (the cgroup.procs files were opened before).
        if ((flags & CLONE_NEWUSER) != 0) {
            ::setfsgid(0);
            ::setfsuid(0);
        }
        pty = with_context("pty", [] { return ns::open_pty(); });
        // Opened through the master, never by a path the CT could redirect.
        slave = with_context("pty", [&] { return ns::open_pty_slave(*pty); });
    }

    SyncChannel sync;
    std::vector<std::string> words{"vessel-spawn", std::to_string(sync.child_fd()), std::to_string(slave.get()),
                                   std::to_string(req.argv.size())};
    words.insert(words.end(), req.argv.begin(), req.argv.end());
    words.insert(words.end(), req.fallback_argv.begin(), req.fallback_argv.end());
    SpawnPlan plan;
    plan.sync = sync.child_fd();
    plan.pid_ns = pid_ns.get();
    plan.cgroup_ns = cgroup_ns.get();
    plan.slave = slave.get();
    plan.spawn_exe = spawn.fd.get();
    plan.quiet = req.quiet;
    plan.caps = state->cap_keep.value_or(spec.cap_keep);
    plan.seccomp = &seccomp;
    plan.userns = (flags & CLONE_NEWUSER) != 0;
    for (auto& w : words)
        plan.argv.push_back(w.data());
    plan.argv.push_back(nullptr);
    for (auto& e : env)
        plan.envp.push_back(e.data());
    plan.envp.push_back(nullptr);

    // CLONE_INTO_CGROUP checks the caller's ids at clone time, which are
    // no longer the host's in a CT's user namespace: then the cgroup.procs
    // files opened before are the way in, for cgroup2 as for v1.
    const int into_cgroup = cgfd && (flags & CLONE_NEWUSER) == 0 ? cgfd.get() : -1;
    auto joining = ns::clone_process({0, into_cgroup, SIGCHLD}, [&]() -> int {
        if (pty)
            pty->master.reset();
        joining_child(plan);
    });
    sync.close_child_end();
    slave.reset();
    cgroup_ns.reset();
    pid_ns.reset();
    spawn.fd.reset();

    // Into the v1 hierarchies (and cgroup2 if CLONE_INTO_CGROUP was not
    // available) before it runs a single instruction of container code;
    // the command's process inherits them.
    const std::string pid_text = std::to_string(joining.pid);
    for (auto& fd : procs) {
        if (::write(fd.get(), pid_text.data(), pid_text.size()) < 0) {
            int err = errno;
            ns::send_signal(joining.pidfd.get(), joining.pid, SIGKILL);
            wait_status(joining.pid);
            throw_errno(err, "process container: attach");
        }
    }
    procs.clear();
    sync.release();
    // Ends when the command has been executed or has failed to be.
    auto outcome = sync.outcome();
    const int joining_status = wait_status(joining.pid);
    const pid_t command = outcome.spawned;
    if (outcome.failure) {
        if (command > 0)
            wait_status(command);
        log::error(outcome.failure->message);
        return outcome.failure->code;
    }
    if (command <= 0)
        throw Error(ExitCode::System, "vessel-spawn ended (status " + std::to_string(joining_status) +
                                          ") without starting the command");
    // Only vessel-spawn's word names the command, and CT root may ptrace
    // vessel-spawn and say something else. The command is our child
    // (CLONE_PARENT), which the kernel can confirm; anything else is refused.
    siginfo_t probe {};
    if (::waitid(P_PID, static_cast<id_t>(command), &probe, WEXITED | WNOHANG | WNOWAIT) != 0)
        throw Error(ExitCode::System, "vessel-spawn named PID " + std::to_string(command) +
                                          ", which is not the command it started");
    // Our child: its PID cannot be reused before we reap it.
    UniqueFd command_pidfd = ns::pidfd_open(command);

    if (!req.banner_ct.empty())
        std::cerr << "entered into CT " << req.banner_ct << std::endl;
    int rc;
    if (pty) {
        {
            ns::RawMode raw(STDIN_FILENO);
            ns::copy_winsize(STDIN_FILENO, pty->master.get());
            ns::relay(STDIN_FILENO, STDOUT_FILENO, pty->master.get(), command_pidfd.get());
        }
        rc = wait_status(command);
    } else {
        // The command owns the terminal; our job is to wait for it.
        ::signal(SIGINT, SIG_IGN);
        ::signal(SIGQUIT, SIG_IGN);
        rc = wait_status(command);
    }
    if (!req.banner_ct.empty())
        std::cerr << "exited from CT " << req.banner_ct << std::endl;
    return rc;
}

int exec_in_ct_child(const config::GlobalConfig& global, config::CtId id, const ExecRequest& req,
                     std::chrono::milliseconds timeout)
{
    pid_t pid = ::fork();
    if (pid < 0)
        throw_errno("fork");
    if (pid == 0) {
        int rc = 1;
        try {
            rc = exec_in_ct(global, id, req);
        } catch (const Error& e) {
            rc = static_cast<int>(e.code());
        } catch (...) {
        }
        ::_exit(rc);
    }
    UniqueFd pidfd = ns::pidfd_open(pid);
    struct pollfd p {pidfd.get(), POLLIN, 0};
    if (pidfd && ::poll(&p, 1, static_cast<int>(timeout.count())) == 0) {
        ns::send_signal(pidfd.get(), pid, SIGKILL);
        wait_status(pid);
        return -1;
    }
    return wait_status(pid);
}

}  // namespace vessel::lifecycle
