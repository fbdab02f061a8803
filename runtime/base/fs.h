// Filesystem helpers that the rest of the tree shares. Everything that walks
// or removes a tree works relative to an open directory and never follows a
// symlink, so a tree controlled by a container cannot redirect it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/base/unique_fd.h"

namespace vessel::fs {

// open(path, O_DIRECTORY|O_CLOEXEC|extra); throws Error naming the path.
UniqueFd open_dir(const std::filesystem::path& path, int extra_flags = 0);

// mkdir -p with mode for the directories it creates; existing ones are kept.
void make_dirs(const std::filesystem::path& path, mode_t mode = 0755);

// Reads a whole file; nullopt when it does not exist, Error otherwise.
std::optional<std::string> read_file(const std::filesystem::path& path);

// Writes data to path atomically: a temporary file beside it, fsync, rename,
// fsync of the directory. A crash leaves either the old or the new file.
// Without `durable` the fsyncs are skipped: readers still never see a half
// file, for state that does not outlive a reboot anyway.
void write_file_atomic(const std::filesystem::path& path, std::string_view data, mode_t mode = 0644,
                       bool durable = true);

// Removes path and everything below it without following symlinks and
// without crossing into another filesystem (a mount inside the tree makes it
// fail with EBUSY rather than empty the mounted filesystem). Missing path is
// not an error. Returns whether something was removed.
bool remove_tree(const std::filesystem::path& path);
// Same, for the entry `name` of the directory dirfd.
bool remove_tree_at(int dirfd, const std::string& name);

// Whether path is a mount point (its mount ID differs from its parent's).
bool is_mount_point(const std::filesystem::path& path);

struct SpaceInfo {
    std::uint64_t bytes_free;   // available to unprivileged users
    std::uint64_t inodes_free;  // UINT64_MAX when the filesystem has no inode limit
};
// Free space of the filesystem holding path (or its nearest existing parent).
SpaceInfo space_at(const std::filesystem::path& path);

}  // namespace vessel::fs
