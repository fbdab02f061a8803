// Small files that a privileged host process reads and replaces inside a
// container root (/etc/hosts, /etc/resolv.conf, /etc/hostname). The CT owns
// every name on the way, so each may be a symlink to a host path or to
// /proc/sys/..., a hard link to a host file, a FIFO, or a mount point:
// paths are resolved with open_in_root_strict (no symlink, no mount crossed),
// and a file is never written in place: a new one is written beside it and
// renamed over it, so another link to the old inode keeps its content.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vessel::ns {

// Larger files are refused: a CT must not make the host read without end.
inline constexpr std::size_t kMaxRootFileSize = 1 << 20;

// The content of the regular file rel below root_fd; nullopt when it does
// not exist. Throws Error (errno ELOOP, EXDEV, EINVAL for a non-regular or
// too large file) naming the path as the CT sees it.
std::optional<std::string> read_in_root(int root_fd, std::string_view rel);

// Replaces rel below root_fd with a file holding data: a temporary file in
// the same directory (reached through the verified directory fd), written
// and fsynced, takes the old file's mode and owner (for a new one 0644 and
// the owner of the root directory, the CT's root user) and is renamed over
// it. The directory must exist. A symlink, a directory or another
// non-regular file at rel is refused, never replaced.
void replace_in_root(int root_fd, std::string_view rel, std::string_view data);

}  // namespace vessel::ns
