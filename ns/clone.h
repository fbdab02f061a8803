// Creating a process in new namespaces: clone3() with CLONE_PIDFD and
// CLONE_INTO_CGROUP where the kernel has them, clone()/pidfd_open() where it
// does not. The child runs a function and never returns into the caller.
#pragma once

#include <csignal>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "runtime/base/unique_fd.h"

namespace vessel::ns {

// CLONE_NEWCGROUP roots the new cgroup namespace at the cgroup the child
// starts in: the target cgroup with CLONE_INTO_CGROUP, the caller's
// otherwise. When the child is attached after the clone (into_cgroup false,
// or v1 hierarchies on a hybrid host), leave CLONE_NEWCGROUP out here and let
// the child unshare(CLONE_NEWCGROUP) once it has been attached.
struct CloneRequest {
    std::uint64_t flags = 0;       // CLONE_NEW* flags
    int cgroup_fd = -1;            // cgroup2 directory for CLONE_INTO_CGROUP, or -1
    int exit_signal = SIGCHLD;
};

struct CloneResult {
    pid_t pid = -1;
    UniqueFd pidfd;                // may be empty on kernels without pidfds
    bool used_clone3 = false;
    bool into_cgroup = false;      // the child started in cgroup_fd
    std::string path;              // "clone3(CLONE_PIDFD|CLONE_INTO_CGROUP)", "clone()+pidfd_open" ... for -v
};

// Runs child() in the new process and _exit()s with its return value (127 if
// it throws). Throws Error in the parent when no process could be created.
//
// The child is a copy of the caller made by the raw system call, as fork()
// makes one but without glibc's fork handlers: call this from a
// single-threaded process, and let the child do no more than set itself up
// and exec (no threads, no pthread_* calls).
CloneResult clone_process(const CloneRequest& req, const std::function<int()>& child);

// pidfd_open(pid), or an empty fd where the kernel has none. A process that
// does not exist is an Error with code NotRunning and errno ESRCH.
UniqueFd pidfd_open(pid_t pid);
// pidfd_send_signal where possible, else kill(); returns false if the process
// is gone (an unreaped zombie still counts as there). pid must be > 0.
bool send_signal(int pidfd, pid_t pid, int sig);

// "CLONE_NEWNS|CLONE_NEWPID|..." for messages; unknown bits in hex.
std::string clone_flag_names(std::uint64_t flags);

}  // namespace vessel::ns
