// The container's view of its process container: cgroupfs at
// /sys/fs/cgroup, mounted from inside the container's cgroup namespace, so
// the root of every hierarchy it sees is its own cgroup and nothing of the
// host's tree is reachable. What to mount comes from the host's layout
// (runtime/lifecycle turns a cgroup::Layout into a CgroupView); this file
// knows only mounts.
#pragma once

#include <string>
#include <vector>

namespace vessel::ns {

// One v1 hierarchy: /sys/fs/cgroup/<dir>, mounted with the options that
// name its controllers ("cpu,cpuacct"); each alias is a symlink to dir
// ("cpu" -> "cpu,cpuacct"), as hosts lay them out.
struct CgroupHierarchy {
    std::string dir;
    std::string options;
    std::vector<std::string> aliases;
};

struct CgroupView {
    enum class Kind {
        None,     // nothing mounted (no cgroup namespace: a mount would show the host's tree)
        Unified,  // cgroup2 at /sys/fs/cgroup
        V1,       // a read-only tmpfs at /sys/fs/cgroup holding the v1 hierarchies (read-only) and "unified"
    };
    Kind kind = Kind::None;
    // V1: cgroup2 at /sys/fs/cgroup/unified as well (hybrid hosts).
    bool unified_beside = false;
    // Whether the cgroup2 mount is writable. Only where the hierarchy is
    // mounted with nsdelegate: the kernel then refuses writes from inside
    // to the container root's own limit files (memory.max, pids.max...),
    // which root in the container could otherwise raise.
    bool unified_writable = false;
    std::vector<CgroupHierarchy> v1;
};

// Mounts the view under sys/fs/cgroup below root_fd (an O_PATH fd of the
// container root with its /sys mounted). v1 hierarchies are always
// read-only: a writable v1 mount is where release_agent and
// notify_on_release live (CVE-2022-0492). Throws Error naming the mount.
void mount_cgroup_view(int root_fd, const CgroupView& view);

}  // namespace vessel::ns
