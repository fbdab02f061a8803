// User namespaces for containers with LOCAL_UID / LOCAL_GID: the id map,
// writing it for a new child, a namespace that only carries the map (what
// an idmapped mount is made with), detached copies of the root tree, and
// the child's switch to its namespace's root user.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>

#include "runtime/base/unique_fd.h"

namespace vessel::ns {

// Container ids 0..count-1 are host ids uid..uid+count-1 (gid likewise).
struct IdMap {
    uid_t uid = 0;
    gid_t gid = 0;
    std::uint32_t count = 65536;
    bool operator==(const IdMap&) const = default;
};

// Writes /proc/PID/uid_map and gid_map ("0 UID COUNT") of a child that was
// created in a new user namespace and has no map yet. /proc/PID/setgroups
// stays "allow": the writer is privileged, and the container's root may set
// its own groups.
void write_id_maps(pid_t pid, const IdMap& map);

// An fd of a new user namespace with this map and no process in it.
UniqueFd userns_with_map(const IdMap& map);

// A detached copy of the mount tree at dir (open_tree with OPEN_TREE_CLONE
// and AT_RECURSIVE), shown through the map of idmap_userns when that is an
// fd: files owned by id N on disk then belong to id N of that namespace.
// The copy is attached by whoever holds the fd (sys::move_mount_fds), which
// may be a process in another mount and user namespace. Throws Error; errno
// EINVAL when the filesystem cannot be idmapped, ENOSYS before Linux 5.12.
UniqueFd detached_tree(const std::string& dir, int idmap_userns = -1);

// Whether the filesystem of dir takes an idmapped mount: makes one, drops it.
bool idmap_supported(const std::string& dir);

// Host uid and gid of the root user of pid's user namespace: {0, 0} when it
// shares the host's. Read from /proc/PID/uid_map and gid_map.
std::pair<uid_t, gid_t> host_ids_of_root(pid_t pid);

// For its lifetime the calling thread's filesystem uid and gid are these
// host ids (no change for {0, 0}). Files a host process writes through a
// container's idmapped root must be created as the container's root: the
// host's uid 0 has no id on that mount, and the kernel refuses (EOVERFLOW).
class FsIdsAs {
public:
    explicit FsIdsAs(std::pair<uid_t, gid_t> ids);
    ~FsIdsAs();
    FsIdsAs(const FsIdsAs&) = delete;
    FsIdsAs& operator=(const FsIdsAs&) = delete;

private:
    bool changed_ = false;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
};

// In a child whose maps are written: real, effective and saved uid and gid
// become 0 of its user namespace, and supplementary groups are dropped (the
// host's mean nothing there).
void become_ns_root();

}  // namespace vessel::ns
