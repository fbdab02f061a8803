// The limits a container's processes carry themselves rather than its
// cgroup: RLIMIT_MEMLOCK (LOCKEDPAGES) and the I/O priority (IOPRIO). Set in
// init and in every exec'd process before it runs container code (children
// inherit both), and on every process of a running CT by `vessel set`.
// Always set from outside the container's user namespace: raising a hard
// rlimit needs sys_resource in the host's.
#pragma once

#include "runtime/cgroup/process_container.h"
#include "runtime/spec/resources.h"

namespace vessel::lifecycle {

// On one single-threaded process (0: the caller), whose children inherit
// them. Throws Error naming the limit.
void apply_process_limits_to(pid_t pid, const spec::Resources& r);

// On every process of the container now (every thread, for the I/O
// priority). A process that exits meanwhile is skipped. Throws Error naming
// the process on any other failure.
void apply_process_limits(const cgroup::ProcessContainer& pc, const spec::Resources& r);

}  // namespace vessel::lifecycle
