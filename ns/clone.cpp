#include "ns/clone.h"

#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ns/syscalls.h"
#include "runtime/base/error.h"

namespace vessel::ns {

namespace {

struct FlagName {
    std::uint64_t flag;
    const char* name;
};

constexpr std::array kFlagNames{
    FlagName{CLONE_NEWUSER, "CLONE_NEWUSER"},
    FlagName{CLONE_NEWNS, "CLONE_NEWNS"},
    FlagName{CLONE_NEWPID, "CLONE_NEWPID"},
    FlagName{CLONE_NEWUTS, "CLONE_NEWUTS"},
    FlagName{CLONE_NEWIPC, "CLONE_NEWIPC"},
    FlagName{CLONE_NEWNET, "CLONE_NEWNET"},
    FlagName{CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
    FlagName{CLONE_NEWTIME, "CLONE_NEWTIME"},
    FlagName{CLONE_PIDFD, "CLONE_PIDFD"},
    FlagName{sys::kCloneIntoCgroup, "CLONE_INTO_CGROUP"},
};

// Only namespace flags: anything that shares memory, files or the thread
// group with the caller would break the fork-like copy the child relies on.
constexpr std::uint64_t kNamespaceFlags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
                                          CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;

// The child's side of every path. Nothing may unwind past this frame: the
// frames above it belong to the caller's copy of the stack, and running
// their destructors or catch blocks would execute the caller's logic twice.
[[noreturn]] void run_child(const std::function<int()>& child) noexcept
{
    int rc = 127;
    try {
        rc = child();
    } catch (...) {
        rc = 127;
    }
    ::_exit(rc);
}

// Kills and reaps a child the caller can no longer be given.
void abandon_child(pid_t pid)
{
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, __WALL) < 0 && errno == EINTR) {
    }
}

struct Attempt {
    long pid;
    int err;
    int pidfd;
};

Attempt try_clone3(std::uint64_t flags, int exit_signal, int cgroup_fd, const std::function<int()>& child)
{
    sys::CloneArgs args {};
    int pidfd = -1;
    args.flags = flags;
    args.pidfd = reinterpret_cast<std::uintptr_t>(&pidfd);
    args.exit_signal = static_cast<std::uint64_t>(exit_signal);
    std::size_t size = sys::kCloneArgsSizeVer0;
    if ((flags & sys::kCloneIntoCgroup) != 0) {
        args.cgroup = static_cast<std::uint64_t>(cgroup_fd);
        size = sys::kCloneArgsSizeVer2;
    }
    long r = sys::clone3(&args, size);
    if (r == 0)
        run_child(child);
    return {r, r < 0 ? errno : 0, pidfd};
}

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

std::string clone_flag_names(std::uint64_t flags)
{
    std::string out;
    for (const auto& f : kFlagNames) {
        if ((flags & f.flag) == 0)
            continue;
        if (!out.empty())
            out += '|';
        out += f.name;
        flags &= ~f.flag;
    }
    if (flags != 0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(flags));
        if (!out.empty())
            out += '|';
        out += buf;
    }
    return out.empty() ? "0" : out;
}

CloneResult clone_process(const CloneRequest& req, const std::function<int()>& child)
{
    if ((req.flags & ~kNamespaceFlags) != 0)
        throw Error(ExitCode::InvalidValue,
                    "clone: not a namespace flag: " + clone_flag_names(req.flags & ~kNamespaceFlags));
    if (req.exit_signal < 0 || req.exit_signal >= NSIG)
        throw Error(ExitCode::InvalidValue, "clone: bad exit signal " + std::to_string(req.exit_signal));

    CloneResult res;
    const std::string ns_names = req.flags != 0 ? clone_flag_names(req.flags) + "|" : std::string();
    std::string note;  // why a faster path was not taken

    bool have_clone3 = true;
    if (req.cgroup_fd >= 0) {
        Attempt a = try_clone3(req.flags | CLONE_PIDFD | sys::kCloneIntoCgroup, req.exit_signal, req.cgroup_fd, child);
        if (a.pid > 0) {
            res.pid = static_cast<pid_t>(a.pid);
            res.pidfd.reset(a.pidfd);
            res.used_clone3 = true;
            res.into_cgroup = true;
            res.path = "clone3(" + ns_names + "CLONE_PIDFD|CLONE_INTO_CGROUP)";
            return res;
        }
        // ENOSYS: no clone3 at all. E2BIG and EINVAL: a clone3 that predates
        // the cgroup field (5.3..5.6). Anything else is about the cgroup
        // itself (EBADF not cgroup2, EBUSY, EOPNOTSUPP, EACCES) and would hit
        // the caller's attach just the same, so it is reported here.
        if (a.err == ENOSYS)
            have_clone3 = false;
        else if (a.err != E2BIG && a.err != EINVAL)
            throw_errno(a.err, "clone3(" + ns_names + "CLONE_PIDFD|CLONE_INTO_CGROUP) into the container's cgroup");
        note = "CLONE_INTO_CGROUP: " + errno_text(a.err);
    }

    if (have_clone3) {
        Attempt a = try_clone3(req.flags | CLONE_PIDFD, req.exit_signal, -1, child);
        if (a.pid > 0) {
            res.pid = static_cast<pid_t>(a.pid);
            res.pidfd.reset(a.pidfd);
            res.used_clone3 = true;
            res.path = "clone3(" + ns_names + "CLONE_PIDFD)";
            if (!note.empty())
                res.path += ", cgroup attached afterwards (" + note + ")";
            return res;
        }
        if (a.err != ENOSYS)
            throw_errno(a.err, "clone3(" + ns_names + "CLONE_PIDFD)");
        if (!note.empty())
            note += "; ";
        note += "clone3: " + errno_text(a.err);
    }

    // clone() reads the exit signal from the low byte of the flags, the same
    // bits CLONE_NEWTIME uses; a kernel without clone3 has no time
    // namespaces anyway.
    if ((req.flags & CLONE_NEWTIME) != 0)
        throw Error(ExitCode::System, "clone: CLONE_NEWTIME needs clone3, which this kernel lacks", ENOSYS);

    // A null stack makes clone() behave like fork(): the child continues on
    // its copy of the caller's stack.
    long r = ::syscall(SYS_clone, static_cast<unsigned long>(req.flags) | static_cast<unsigned long>(req.exit_signal),
                       nullptr, nullptr, nullptr, nullptr);
    if (r == 0)
        run_child(child);
    if (r < 0)
        throw_errno("clone(" + clone_flag_names(req.flags) + ")");
    res.pid = static_cast<pid_t>(r);
    const std::string base = "clone(" + clone_flag_names(req.flags) + ")";

    // The child cannot be reaped by anyone but us, so its PID cannot be
    // reused before this pidfd_open: no race.
    int fd = sys::pidfd_open(res.pid);
    if (fd >= 0) {
        res.pidfd.reset(fd);
        res.path = base + "+pidfd_open";
    } else if (errno == ENOSYS) {
        res.path = base + ", no pidfd";
    } else {
        int err = errno;
        abandon_child(res.pid);
        throw_errno(err, "pidfd_open " + std::to_string(res.pid));
    }
    if (req.cgroup_fd >= 0)
        res.path += ", cgroup attached afterwards";
    if (!note.empty())
        res.path += " (" + note + ")";
    return res;
}

UniqueFd pidfd_open(pid_t pid)
{
    if (pid <= 0)
        throw Error(ExitCode::InvalidValue, "pidfd_open: bad pid " + std::to_string(pid));
    int fd = sys::pidfd_open(pid);
    if (fd >= 0)
        return UniqueFd(fd);
    if (errno == ENOSYS)
        return UniqueFd();
    if (errno == ESRCH)
        throw_errno("pidfd_open " + std::to_string(pid), ExitCode::NotRunning);
    throw_errno("pidfd_open " + std::to_string(pid));
}

bool send_signal(int pidfd, pid_t pid, int sig)
{
    if (pidfd >= 0) {
        if (sys::pidfd_send_signal(pidfd, sig) == 0)
            return true;
        if (errno == ESRCH)
            return false;
        if (errno != ENOSYS)
            throw_errno("pidfd_send_signal " + std::to_string(pid) + " signal " + std::to_string(sig));
    }
    // kill() with 0 or a negative pid signals whole process groups, or every
    // process there is; never let a missing PID turn into that.
    if (pid <= 0)
        throw Error(ExitCode::InvalidValue, "send signal: bad pid " + std::to_string(pid));
    if (::kill(pid, sig) == 0)
        return true;
    if (errno == ESRCH)
        return false;
    throw_errno("kill " + std::to_string(pid) + " signal " + std::to_string(sig));
}

}  // namespace vessel::ns
