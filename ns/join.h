// Joining a running container's namespaces from outside (exec, enter).
#pragma once

#include <sys/types.h>

#include <string>

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

}  // namespace vessel::ns
