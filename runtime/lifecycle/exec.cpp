#include "runtime/lifecycle/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "ns/clone.h"
#include "ns/join.h"
#include "ns/pty.h"
#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/config/ct_config.h"
#include "runtime/features/features.h"
#include "runtime/lifecycle/run_state.h"
#include "runtime/lifecycle/sync_channel.h"
#include "runtime/security/caps.h"
#include "runtime/spec/container_spec.h"

namespace vessel::lifecycle {

namespace {

std::string env_value(const std::vector<std::string>& env, std::string_view key)
{
    for (const auto& e : env)
        if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
            return e.substr(key.size() + 1);
    return {};
}

// Runs in the new process inside the container; returns only on error.
[[noreturn]] void command_child(const ExecRequest& req, const std::vector<std::string>& env, std::uint64_t caps,
                                int slave, int cgroup_ns, int sync)
{
    if (!SyncChannel::wait_go(sync))
        ::_exit(126);
    int code = 126;
    std::string msg;
    try {
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGWINCH, SIGCHLD})
            ::signal(sig, SIG_DFL);
        // Joined only now that it is in its process container: on hosts that
        // delegate cgroup2 (nsdelegate), a process inside the CT's cgroup
        // namespace could not have been moved there.
        if (cgroup_ns >= 0 && ::setns(cgroup_ns, CLONE_NEWCGROUP) != 0)
            throw_errno("join the cgroup namespace");
        if (slave >= 0) {
            ns::make_controlling_tty(UniqueFd(slave));
        } else if (req.quiet) {
            int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null < 0)
                throw_errno("open /dev/null");
            for (int fd = 0; fd < 3; ++fd)
                ::dup2(null, fd);
        }
        if (::chdir("/") != 0)
            throw_errno("chdir /");
        if (sync > 3)
            ::close_range(3, static_cast<unsigned>(sync - 1), 0);
        ::close_range(static_cast<unsigned>(sync + 1), ~0U, 0);
        security::apply_caps(caps);

        std::vector<char*> argv;
        for (const auto& a : req.argv)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        std::vector<char*> envp;
        for (const auto& e : env)
            envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);

        const std::string& cmd = req.argv.at(0);
        int err = ENOENT;
        if (cmd.find('/') != std::string::npos) {
            ::execve(cmd.c_str(), argv.data(), envp.data());
            err = errno;
        } else {
            std::string path = env_value(env, "PATH");
            size_t pos = 0;
            while (pos <= path.size()) {
                size_t colon = path.find(':', pos);
                if (colon == std::string::npos)
                    colon = path.size();
                std::string dir = path.substr(pos, colon - pos);
                std::string full = (dir.empty() ? "." : dir) + "/" + cmd;
                ::execve(full.c_str(), argv.data(), envp.data());
                if (errno != ENOENT && errno != ENOTDIR)
                    err = errno;
                pos = colon + 1;
            }
        }
        if ((err == ENOENT || err == ENOTDIR) && !req.fallback_argv.empty()) {
            std::vector<char*> fb;
            for (const auto& a : req.fallback_argv)
                fb.push_back(const_cast<char*>(a.c_str()));
            fb.push_back(nullptr);
            ::execve(fb[0], fb.data(), envp.data());
            err = errno;
        }
        if (err == ENOENT || err == ENOTDIR) {
            code = 127;
            msg = cmd + ": command not found in the container";
        } else {
            code = 126;
            msg = cmd + ": " + std::strerror(err);
        }
    } catch (const std::exception& e) {
        msg = e.what();
    }
    SyncChannel::fail(sync, code, msg);
    ::_exit(code);
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

    // From here on this process sees the container; it must not be
    // inspectable from inside while it still holds host privileges.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        throw_errno("prctl PR_SET_DUMPABLE");
    std::string how = ns::join_namespaces(state->init.pid, pidfd.get(), flags);
    log::verbose("joined the container with " + how);

    std::optional<ns::Pty> pty;
    UniqueFd slave;
    if (req.tty) {
        pty = with_context("pty", [] { return ns::open_pty(); });
        // Opened through the master, never by a path the CT could redirect.
        slave = with_context("pty", [&] { return ns::open_pty_slave(*pty); });
    }

    SyncChannel sync;
    const int child_sync = sync.child_fd();
    const int slave_fd = slave.get();
    const int cgroup_ns_fd = cgroup_ns.get();
    auto res = ns::clone_process({0, cgfd ? cgfd.get() : -1, SIGCHLD}, [&]() -> int {
        if (pty)
            pty->master.reset();
        command_child(req, env, spec.cap_keep, slave_fd, cgroup_ns_fd, child_sync);
    });
    sync.close_child_end();
    slave.reset();
    cgroup_ns.reset();

    // Into the v1 hierarchies (and cgroup2 if CLONE_INTO_CGROUP was not
    // available) before it runs a single instruction of container code.
    const std::string pid_text = std::to_string(res.pid);
    for (auto& fd : procs) {
        if (::write(fd.get(), pid_text.data(), pid_text.size()) < 0) {
            int err = errno;
            ns::send_signal(res.pidfd.get(), res.pid, SIGKILL);
            wait_status(res.pid);
            throw_errno(err, "process container: attach");
        }
    }
    procs.clear();
    sync.release();
    if (auto failure = sync.result()) {
        wait_status(res.pid);
        log::error(failure->message);
        return failure->code;
    }

    if (!req.banner_ct.empty())
        std::cerr << "entered into CT " << req.banner_ct << std::endl;
    int rc;
    if (pty) {
        {
            ns::RawMode raw(STDIN_FILENO);
            ns::copy_winsize(STDIN_FILENO, pty->master.get());
            ns::relay(STDIN_FILENO, STDOUT_FILENO, pty->master.get(), res.pidfd.get());
        }
        rc = wait_status(res.pid);
    } else {
        // The command owns the terminal; our job is to wait for it.
        ::signal(SIGINT, SIG_IGN);
        ::signal(SIGQUIT, SIG_IGN);
        rc = wait_status(res.pid);
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
