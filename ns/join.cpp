#include "ns/join.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "ns/clone.h"
#include "ns/syscalls.h"
#include "runtime/base/error.h"
#include "runtime/base/unique_fd.h"

namespace vessel::ns {

namespace {

struct NsType {
    const char* name;  // file under /proc/PID/ns
    int flag;
};

// The order setns() applies them in. The user namespace comes first: it
// grants the capabilities the other joins need in a container with its own
// user namespace. The mount namespace comes last, as it changes root and
// working directory under everything after it.
constexpr std::array kNsTypes{
    NsType{"user", CLONE_NEWUSER}, NsType{"ipc", CLONE_NEWIPC},       NsType{"uts", CLONE_NEWUTS},
    NsType{"net", CLONE_NEWNET},   NsType{"pid", CLONE_NEWPID},       NsType{"cgroup", CLONE_NEWCGROUP},
    NsType{"time", CLONE_NEWTIME}, NsType{"mnt", CLONE_NEWNS},
};

constexpr int kAllFlags = CLONE_NEWUSER | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWPID |
                          CLONE_NEWCGROUP | CLONE_NEWTIME | CLONE_NEWNS;

UniqueFd open_proc_pid(pid_t pid)
{
    if (pid <= 0)
        throw Error(ExitCode::InvalidValue, "bad pid " + std::to_string(pid));
    const std::string dir = "/proc/" + std::to_string(pid);
    UniqueFd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT)
            throw_errno("process " + std::to_string(pid), ExitCode::NotRunning);
        throw_errno("open " + dir);
    }
    return fd;
}

std::string names_of(int flags)
{
    std::string out;
    for (const auto& t : kNsTypes) {
        if ((flags & t.flag) == 0)
            continue;
        if (!out.empty())
            out += ',';
        out += t.name;
    }
    return out;
}

// If the pidfd's process still exists (running or an unreaped zombie) its
// PID cannot have been reused, so files opened by that PID belong to it.
// Returns whether a check was possible.
bool check_same_process(pid_t pid, int pidfd)
{
    if (pidfd < 0)
        return false;
    if (sys::pidfd_send_signal(pidfd, 0) == 0)
        return true;
    if (errno == ESRCH)
        throw_errno("process " + std::to_string(pid) + " exited while joining", ExitCode::NotRunning);
    if (errno != ENOSYS)
        throw_errno("pidfd_send_signal " + std::to_string(pid));
    return false;
}

UniqueFd open_ns_file(int proc_fd, pid_t pid, const char* name)
{
    const std::string rel = std::string("ns/") + name;
    UniqueFd fd(::openat(proc_fd, rel.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT || errno == ESRCH)
            throw_errno("process " + std::to_string(pid) + ": open " + rel, ExitCode::NotRunning);
        throw_errno("open /proc/" + std::to_string(pid) + "/" + rel);
    }
    return fd;
}

}  // namespace

int namespaces_of(pid_t pid)
{
    UniqueFd proc = open_proc_pid(pid);
    int flags = 0;
    for (const auto& t : kNsTypes) {
        struct stat mine {};
        const std::string self = std::string("/proc/self/ns/") + t.name;
        // A namespace type this kernel does not have cannot differ.
        if (::stat(self.c_str(), &mine) != 0)
            continue;
        struct stat theirs {};
        const std::string rel = std::string("ns/") + t.name;
        if (::fstatat(proc.get(), rel.c_str(), &theirs, 0) != 0) {
            // A process that exited (or is a zombie) has no namespaces left.
            if (errno == ENOENT || errno == ESRCH)
                throw_errno("process " + std::to_string(pid) + ": " + rel, ExitCode::NotRunning);
            throw_errno("stat /proc/" + std::to_string(pid) + "/" + rel);
        }
        if (mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev)
            flags |= t.flag;
    }
    return flags;
}

std::string join_namespaces(pid_t pid, int pidfd, int flags)
{
    if ((flags & ~kAllFlags) != 0)
        throw Error(ExitCode::InvalidValue,
                    "join namespaces: not a namespace flag: " + clone_flag_names(static_cast<unsigned>(flags & ~kAllFlags)));
    if (flags == 0)
        return "no namespaces to join";

    std::string note;
    if (pidfd >= 0) {
        // One call, atomic: either every namespace is joined or none, and
        // the pidfd pins the process, so no PID reuse can intervene.
        if (sys::setns_pidfd(pidfd, flags) == 0)
            return "setns(pidfd, " + clone_flag_names(static_cast<unsigned>(flags)) + ")";
        // EINVAL is what a kernel before 5.8 says to a pidfd; the per-file
        // path below then reports the precise reason if there is another.
        if (errno != EINVAL)
            throw_errno("setns(pidfd of " + std::to_string(pid) + ", " +
                        clone_flag_names(static_cast<unsigned>(flags)) + ")");
        note = " (setns on a pidfd: " + std::string(std::strerror(errno)) + ")";
    }

    // Every fd is opened before the first setns: after joining the mount
    // namespace, /proc is the container's and PID means something else.
    UniqueFd proc = open_proc_pid(pid);
    struct Joining {
        const NsType* type;
        UniqueFd fd;
    };
    std::vector<Joining> joins;
    for (const auto& t : kNsTypes)
        if ((flags & t.flag) != 0)
            joins.push_back({&t, open_ns_file(proc.get(), pid, t.name)});
    const std::string checked =
        check_same_process(pid, pidfd) ? ", checked against the pidfd" : ", unchecked: no pidfd";
    for (auto& j : joins)
        if (::setns(j.fd.get(), j.type->flag) != 0)
            throw_errno("setns /proc/" + std::to_string(pid) + "/ns/" + j.type->name);
    return "setns per /proc/" + std::to_string(pid) + "/ns file (" + names_of(flags) + checked + ")" + note;
}

UniqueFd open_namespace(pid_t pid, int pidfd, int type)
{
    for (const auto& t : kNsTypes) {
        if (t.flag != type)
            continue;
        UniqueFd proc = open_proc_pid(pid);
        UniqueFd fd = open_ns_file(proc.get(), pid, t.name);
        check_same_process(pid, pidfd);
        return fd;
    }
    throw Error(ExitCode::InvalidValue, "open namespace: not one namespace type: " +
                                            clone_flag_names(static_cast<unsigned>(type)));
}

}  // namespace vessel::ns
