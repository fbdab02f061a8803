// Joining a running container's namespaces from outside (exec, enter).
#pragma once

#include <sys/types.h>

#include <string>

#include "runtime/base/unique_fd.h"

namespace vessel::ns {

// The namespaces a container has (CLONE_NEW* of every ns type that differs
// from ours, read from /proc/PID/ns).
int namespaces_of(pid_t pid);

// Joins every namespace in `flags` of the process: one setns(pidfd, flags)
// where the kernel allows it, else setns() per /proc/PID/ns/* file (opened
// relative to an fd of /proc/PID, checked against pidfd when given, so a
// recycled PID is never joined). The PID namespace applies to children.
// Returns a description of the path taken for -v.
std::string join_namespaces(pid_t pid, int pidfd, int flags);

// An fd of one namespace of the process (type: one CLONE_NEW* flag), opened
// by PID and checked against pidfd as above, for a setns() done later by
// someone else. The cgroup namespace is the case: on a cgroup2 hierarchy
// mounted with nsdelegate, a process inside the container's cgroup
// namespace may not move a process from outside it (ENOENT), so the joining
// child should setns() this fd only once it is in the container's cgroup.
UniqueFd open_namespace(pid_t pid, int pidfd, int type);

}  // namespace vessel::ns
