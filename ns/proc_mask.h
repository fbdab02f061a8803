// The kernel's files that a container's root must not read or change,
// although /proc and /sys show them: masked ones (key material, kernel
// memory, timing and power side channels, firmware tables) and read-only ones
// (sysctls, SysRq, IRQ affinity, bus devices). Applied in the child's mount
// namespace right after /proc, /sys and /dev are mounted, before pivot_root.
#pragma once

#include <span>

namespace vessel::ns {

enum class KernelPathRule {
    Mask,      // a file: /dev/null bound over it; a directory: an empty read-only tmpfs
    ReadOnly,  // bound on itself and remounted read-only
};

struct KernelPath {
    const char* path;  // below the container root: "proc/kcore"
    KernelPathRule rule;
};

// The table, for the tests and the README.
std::span<const KernelPath> kernel_paths();

// Applies the table below root_fd (an O_PATH fd of the container root with
// the container's /proc, /sys and /dev mounted). A path the kernel lacks is
// skipped. Each target is opened inside the root, checked to be on procfs or
// sysfs and of the kind expected, and mounted on through that fd. With
// own_net_ns, /proc/sys/net (the container's own network namespace) stays
// writable below the read-only /proc/sys; without it, it is read-only too.
// Throws Error naming the path.
void protect_kernel_paths(int root_fd, bool own_net_ns);

}  // namespace vessel::ns
