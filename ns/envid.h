// The per-task container ID of Vessel's kernel series (kernel-patches/,
// CONFIG_CONTAINER_ENVID): /proc/self/envid, written once by the task
// itself, inherited by everything it starts; /proc/PID/status shows it as
// "envID:", as OpenVZ kernels do.
#pragma once

#include <sys/types.h>

#include <optional>

namespace vessel::ns {

// Tags the calling (single-threaded, host-privileged) process with id.
// Returns false when the kernel has no envID; throws Error naming the
// kernel's answer otherwise (EEXIST: it has one already; EBUSY: threads).
bool set_own_envid(unsigned id);

// The envID of a process, nullopt when the kernel has none or the process
// is gone.
std::optional<unsigned> envid_of(pid_t pid);

}  // namespace vessel::ns
