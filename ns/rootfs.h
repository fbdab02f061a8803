// The container's filesystem view, set up by the child in its new mount
// namespace before it executes init: private propagation, the root bound on
// itself, /proc, /sys (read-only), a fresh /dev, pivot_root. Every path inside
// the root is resolved inside it (openat2 RESOLVE_IN_ROOT, or a no-symlink
// walk), so a template's symlinks cannot point a mount at the host.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ns/dev_nodes.h"

#include "ns/cgroup_view.h"

namespace vessel::ns {

struct RootfsSpec {
    std::filesystem::path root;   // VE_ROOT (already mounted)
    // A detached copy of root made by the host (userns.h detached_tree,
    // idmapped or not), and an O_PATH fd of root in this mount namespace:
    // a child in a user namespace of its own attaches the copy there by fd
    // instead of binding root by path, which it may not be allowed to walk
    // to any more. -1: bind root.
    int root_tree = -1;
    int root_target = -1;
    unsigned numpty = 0;          // devpts max= (0: kernel default)
    bool sys_readonly = true;
    // Runs after the default mounts and before pivot_root, with an O_PATH fd
    // of the container root: the place for mounts that need the host's view
    // (device nodes from the allowlist). Resolve targets with ns/path.h.
    std::function<void(int root_fd)> before_pivot;
    // The child is in a network namespace of its own, so /proc/sys/net is
    // the container's and stays writable (proc_mask.h); otherwise it is the
    // host's and read-only like the rest of /proc/sys.
    bool own_net_ns = false;
    // cgroupfs at /sys/fs/cgroup (cgroup_view.h); Kind::None mounts nothing.
    CgroupView cgroups;
    // DEVNODES: made in the fresh /dev after the default nodes; in a user
    // namespace, attached from dev_node_trees (dev_nodes.h
    // detached_dev_nodes), in the same order.
    std::vector<ExtraDevNode> dev_nodes{};
    std::vector<int> dev_node_trees{};
};

// In the child, in a new mount namespace (and, for /proc to show the
// container's processes, already in its PID namespace). Makes every mount
// private, binds root on itself, mounts /proc, /sys, a fresh /dev, masks
// and write-protects the kernel's files (proc_mask.h), mounts the cgroup
// view, runs before_pivot, then pivot_root()s into root and detaches the old
// root.
// Throws Error naming the step.
void setup_rootfs(const RootfsSpec& spec);

// The /dev nodes every container gets (name, type 'c', major, minor, mode):
// null zero full random urandom tty; one table for rootfs and (later) the
// device allowlist.
struct DevNode {
    const char* name;
    char type;
    unsigned major;
    unsigned minor;
    unsigned mode;
};
const DevNode* default_dev_nodes(size_t* count);

}  // namespace vessel::ns
