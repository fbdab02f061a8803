// Thin wrappers for the system calls glibc 2.36 has no wrapper for, and the
// seam that lets tests take the fallback paths on a kernel that has
// everything: a feature marked missing fails with ENOSYS, as it would on an
// old kernel, so the code under test cannot tell the difference.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace vessel::ns::sys {

enum Feature : unsigned {
    kClone3 = 1u << 0,          // clone3()
    kIntoCgroup = 1u << 1,      // CLONE_INTO_CGROUP (fails with EINVAL, as on 5.3..5.6)
    kOpenat2 = 1u << 2,         // openat2()
    kSetnsPidfd = 1u << 3,      // setns() on a pidfd (fails with EINVAL, as before 5.8)
    kPidfd = 1u << 4,           // CLONE_PIDFD, pidfd_open(), pidfd_send_signal()
    kDetachedMount = 1u << 5,   // open_tree(OPEN_TREE_CLONE) and mount_setattr() (5.12)
};

// Pretends the kernel lacks every feature in mask until the guard dies.
class PretendMissing {
public:
    explicit PretendMissing(unsigned mask);
    ~PretendMissing();
    PretendMissing(const PretendMissing&) = delete;
    PretendMissing& operator=(const PretendMissing&) = delete;

private:
    unsigned saved_;
};

bool missing(Feature f);

// The kernel's struct clone_args (include/uapi/linux/sched.h); defined here
// so that <linux/sched.h> and <sched.h> never meet in one translation unit.
struct CloneArgs {
    alignas(8) std::uint64_t flags;
    alignas(8) std::uint64_t pidfd;
    alignas(8) std::uint64_t child_tid;
    alignas(8) std::uint64_t parent_tid;
    alignas(8) std::uint64_t exit_signal;
    alignas(8) std::uint64_t stack;
    alignas(8) std::uint64_t stack_size;
    alignas(8) std::uint64_t tls;
    alignas(8) std::uint64_t set_tid;
    alignas(8) std::uint64_t set_tid_size;
    alignas(8) std::uint64_t cgroup;
};
inline constexpr std::size_t kCloneArgsSizeVer0 = 64;  // without set_tid and cgroup
inline constexpr std::size_t kCloneArgsSizeVer2 = 88;  // with cgroup (5.7)

inline constexpr std::uint64_t kCloneIntoCgroup = 0x200000000ULL;

// All of these return what the system call returns, with errno set.
long clone3(CloneArgs* args, std::size_t size);
int openat2(int dirfd, const char* path, std::uint64_t flags, std::uint64_t mode, std::uint64_t resolve);
int pidfd_open(pid_t pid);
int pidfd_send_signal(int pidfd, int sig);
int setns_pidfd(int pidfd, int nstype);
int pivot_root(const char* new_root, const char* put_old);
int open_tree(int dirfd, const char* path, unsigned flags);
// mount_setattr(fd, "", AT_EMPTY_PATH | flags, {attr_set, userns_fd}) on the
// mount fd refers to; flags may add AT_RECURSIVE, userns_fd goes with
// MOUNT_ATTR_IDMAP.
int mount_set_attr(int fd, std::uint64_t attr_set, unsigned flags = 0, int userns_fd = -1);
// A tmpfs with these options, created (fsopen, fsconfig, fsmount) but
// attached nowhere: the fd of its root, or -1 with errno.
int detached_tmpfs(const char* options);
// move_mount(from, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH):
// attaches the detached tree `from` on the directory `to` refers to.
int move_mount_fds(int from, int to);

}  // namespace vessel::ns::sys
