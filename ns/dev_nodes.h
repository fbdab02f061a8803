// Device nodes that a container's configuration adds to its /dev (DEVNODES,
// `vessel set --devnodes`): made in the fresh /dev tmpfs at start, and in a
// running container's /dev through /proc/<init>/root/dev. The container owns
// that directory, so nothing here follows a symlink or climbs out of it:
// every component is opened with O_NOFOLLOW relative to the one before.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/unique_fd.h"

namespace vessel::ns {

struct ExtraDevNode {
    std::string name;   // below /dev: "net/tun"
    char type = 'c';    // 'c' or 'b'
    unsigned major = 0;
    unsigned minor = 0;
    mode_t mode = 0600;  // permission bits, as the host's node has them
    bool operator==(const ExtraDevNode&) const = default;
};

// Whether `name` (or its first component) is something setup_rootfs makes
// itself: a default node, pts, shm, ptmx, fd, stdin, stdout, stderr. Such a
// name cannot be a DEVNODES entry.
bool is_builtin_dev_name(std::string_view name);

// For a container with a user namespace of its own, whose root may not
// mknod: each node made by the host in a tmpfs of its own that is attached
// nowhere, owned by the container's root (host ids uid:gid), and returned as
// a detached mount of that one file, for the child to attach in its /dev
// (make_dev_node). Order matches nodes. Throws Error naming the node.
std::vector<UniqueFd> detached_dev_nodes(const std::vector<ExtraDevNode>& nodes, uid_t uid, gid_t gid);

// Makes the node below the /dev directory `dev_fd`, with the directories on
// the way (0755). An existing node of the same type and number is kept as
// it is; anything else in its place (a file, a symlink, another device) is
// an Error naming it, and is left alone. Where mknod is not permitted, the
// node is attached there instead: `detached` (a detached_dev_nodes() entry)
// when given, else the host's own node (bind_host_dev_node).
void make_dev_node(int dev_fd, const ExtraDevNode& node, int detached = -1);

// Without CAP_MKNOD in the initial user namespace (a container with a user
// namespace of its own), a node is the host's /dev/NAME bind-mounted onto an
// empty file `leaf` in dir_fd; the host's node must be the device asked for.
void bind_host_dev_node(int dir_fd, const std::string& leaf, const ExtraDevNode& node);

// Removes the node if it is the device `node` says; returns false (and
// leaves it) when something else is there. A missing node is fine (true).
// Directories on the way stay.
bool remove_dev_node(int dev_fd, const ExtraDevNode& node);

}  // namespace vessel::ns
