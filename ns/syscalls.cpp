#include "ns/syscalls.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

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

int mount_set_attr(int fd, std::uint64_t attr_set)
{
    if (missing(kDetachedMount))
        return enosys();
    struct mount_attr attr {};
    attr.attr_set = attr_set;
    return static_cast<int>(::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr));
}

}  // namespace vessel::ns::sys
