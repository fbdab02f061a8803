#include "ns/syscalls.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace vessel::ns::sys {

namespace {
unsigned g_missing = 0;

int enosys()
{
    errno = ENOSYS;
    return -1;
}
}  // namespace

PretendMissing::PretendMissing(unsigned mask) : saved_(g_missing) { g_missing |= mask; }
PretendMissing::~PretendMissing() { g_missing = saved_; }

bool missing(Feature f) { return (g_missing & f) != 0; }

long clone3(CloneArgs* args, std::size_t size)
{
    if (missing(kClone3))
        return enosys();
    if (missing(kIntoCgroup) && (args->flags & kCloneIntoCgroup) != 0) {
        errno = EINVAL;
        return -1;
    }
    if (missing(kPidfd) && (args->flags & CLONE_PIDFD) != 0) {
        // Kernels with clone3 always had CLONE_PIDFD; a kernel without
        // pidfds has no clone3 either.
        return enosys();
    }
    return ::syscall(SYS_clone3, args, size);
}

int openat2(int dirfd, const char* path, std::uint64_t flags, std::uint64_t mode, std::uint64_t resolve)
{
    if (missing(kOpenat2))
        return enosys();
    struct open_how how {};
    how.flags = flags;
    how.mode = mode;
    how.resolve = resolve;
    return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

int pidfd_open(pid_t pid)
{
    if (missing(kPidfd))
        return enosys();
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

int pidfd_send_signal(int pidfd, int sig)
{
    if (missing(kPidfd))
        return enosys();
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

int setns_pidfd(int pidfd, int nstype)
{
    if (missing(kSetnsPidfd) || missing(kPidfd)) {
        errno = EINVAL;
        return -1;
    }
    return ::setns(pidfd, nstype);
}

int pivot_root(const char* new_root, const char* put_old)
{
    return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}

int open_tree(int dirfd, const char* path, unsigned flags)
{
    if (missing(kDetachedMount))
        return enosys();
    return static_cast<int>(::syscall(SYS_open_tree, dirfd, path, flags));
}

int mount_set_attr(int fd, std::uint64_t attr_set, unsigned flags, int userns_fd)
{
    if (missing(kDetachedMount))
        return enosys();
    struct mount_attr attr {};
    attr.attr_set = attr_set;
    if (userns_fd >= 0)
        attr.userns_fd = static_cast<std::uint64_t>(userns_fd);
    return static_cast<int>(::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | flags, &attr, sizeof attr));
}

int detached_tmpfs(const char* options)
{
    if (missing(kDetachedMount))
        return enosys();
    int fs = static_cast<int>(::syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC));
    if (fs < 0)
        return -1;
    std::string opts = options;
    for (size_t start = 0; start <= opts.size();) {
        size_t comma = opts.find(',', start);
        std::string item = opts.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? opts.size() + 1 : comma + 1;
        if (item.empty())
            continue;
        const size_t eq = item.find('=');
        const std::string key = item.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
        if (::syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0) != 0) {
            const int err = errno;
            ::close(fs);
            errno = err;
            return -1;
        }
    }
    int mnt = -1;
    if (::syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0)
        mnt = static_cast<int>(::syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC));
    const int err = errno;
    ::close(fs);
    errno = err;
    return mnt;
}

int move_mount_fds(int from, int to)
{
    if (missing(kDetachedMount))
        return enosys();
    return static_cast<int>(
        ::syscall(SYS_move_mount, from, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}

}  // namespace vessel::ns::sys
