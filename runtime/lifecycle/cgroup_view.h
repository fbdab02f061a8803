// Which cgroupfs mounts a container gets at /sys/fs/cgroup, decided from
// the host's cgroup layout: the mounts themselves are ns/cgroup_view.h's.
#pragma once

#include "ns/cgroup_view.h"
#include "runtime/cgroup/process_container.h"

namespace vessel::lifecycle {

// v2 host: cgroup2 at the top, writable only with nsdelegate. v1 and hybrid
// hosts: every v1 hierarchy that holds a controller (the ones a process
// container joins; named hierarchies such as name=systemd are the host
// init's, and the CT has no cgroup of its own there), read-only, and the
// unified hierarchy beside them. Without a cgroup namespace: nothing.
ns::CgroupView cgroup_view_for(const cgroup::Layout& layout, bool cgroup_ns);

}  // namespace vessel::lifecycle
