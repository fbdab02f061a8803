// Paths inside a container root, resolved as the container would see them.
// A template (or a container that ran before) controls every name below its
// root, including symlinks such as "proc -> /etc"; the host must never follow
// one of them to a host path. Everything here starts at an fd of the root and
// uses openat2(RESOLVE_IN_ROOT) where the kernel has it, else a walk one
// component at a time that refuses symlinks and "..".
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "runtime/base/unique_fd.h"

namespace vessel::ns {

// Opens rel ("dev/pts", leading "/" optional) below root_fd as if root_fd
// were "/". open_flags as for openat(2); O_CLOEXEC is always added. With
// openat2, symlinks resolve inside the root (absolute ones and ".." stop at
// it) and magic links (/proc/PID/fd/...) are refused; the fallback refuses
// every symlink and "..". Throws Error naming rel.
UniqueFd open_in_root(int root_fd, std::string_view rel, int open_flags);

// Stricter, for what a privileged host process writes into a CT: no
// symlink anywhere on the path, the last component included (not even one
// that would stay inside the root), no magic link, and no mount point
// crossed (openat2 RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV; the fallback walk
// compares mount IDs, or devices before Linux 5.8). A refusal throws Error
// with errno ELOOP naming the link and where it points, or EXDEV.
UniqueFd open_in_root_strict(int root_fd, std::string_view rel, int open_flags);

enum class MountPointKind { Directory, File };

// An O_PATH fd of the mount point rel below root_fd, creating what is
// missing relative to verified parents (directories with dir_mode, a file
// target as an empty 0644 file). The final component must not be a symlink
// (the error names where it points) and must be of the right kind.
UniqueFd make_mount_point(int root_fd, std::string_view rel, MountPointKind kind, mode_t dir_mode = 0755);

// "/proc/self/fd/N": mount(2) given this path acts on exactly the object the
// fd holds, so a target that was verified through the fd stays verified.
std::string fd_path(int fd);

// mount(2) onto the object held by target_fd. Throws Error "mount <what>: ...".
void mount_on_fd(const char* source, int target_fd, const char* fstype, unsigned long flags, const char* data,
                 std::string_view what);

// Makes the mount whose root target_fd holds read-only (MS_REMOUNT |
// MS_BIND | MS_RDONLY, this mount only, not the ones below it). A bind
// remount sets the mount's flags to exactly those passed, so nosuid, nodev,
// noexec and the atime flags it has are read first and kept: dropping one is
// refused in a user namespace (locked flags) and would widen what the mount
// allows anywhere else. Throws Error "remount <what> read-only: ...", EINVAL
// when target_fd is not the root of a mount.
void remount_readonly(int target_fd, std::string_view what);

}  // namespace vessel::ns
