#include "ns/proc_mask.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <array>
#include <cerrno>
#include <string>
#include <string_view>

#include "ns/path.h"
#include "runtime/base/error.h"

namespace vessel::ns {

namespace {

using enum KernelPathRule;

// The union of what other container runtimes mask or protect, less what a
// system container needs (/proc/interrupts, read by monitoring tools; /proc/fs,
// which holds nfsd's export table a CT may serve from). Entries the running
// kernel does not have are skipped.
constexpr std::array kPaths{
    KernelPath{"proc/kcore", Mask},          // physical memory as an ELF core
    KernelPath{"proc/keys", Mask},           // key names and descriptions of every keyring the reader may view
    KernelPath{"proc/timer_list", Mask},     // host timers and the tasks that armed them
    KernelPath{"proc/timer_stats", Mask},    // (before 4.11) the same, per task
    KernelPath{"proc/sched_debug", Mask},    // (before 5.13) every task on the host
    KernelPath{"proc/latency_stats", Mask},  // host-wide latency records
    KernelPath{"proc/acpi", Mask},           // ACPI tables and wake-up switches
    KernelPath{"proc/asound", Mask},         // sound cards
    KernelPath{"proc/scsi", Mask},           // "scsi add-single-device" writes
    KernelPath{"sys/firmware", Mask},        // ACPI, DMI and EFI tables, EFI variables
    KernelPath{"sys/devices/virtual/powercap", Mask},  // RAPL energy counters, a side channel
    KernelPath{"proc/sys", ReadOnly},        // sysctls (all but net, see protect_kernel_paths)
    KernelPath{"proc/sysrq-trigger", ReadOnly},
    KernelPath{"proc/irq", ReadOnly},        // IRQ affinity
    KernelPath{"proc/bus", ReadOnly},        // PCI config space, USB devices
};

// A masked tmpfs holds nothing and cannot grow.
constexpr const char* kMaskOptions = "mode=0555,size=4k,nr_inodes=1";
constexpr unsigned long kPseudoFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

std::string show(std::string_view rel) { return "/" + std::string(rel); }

// The target, opened without following a final symlink, or an empty fd when
// the kernel has no such entry. It must be on the pseudo filesystem its
// prefix names: only the fresh /proc and /sys mounts are ever mounted on.
UniqueFd open_target(int root_fd, std::string_view rel, struct stat& st)
{
    UniqueFd fd;
    try {
        fd = open_in_root(root_fd, rel, O_PATH | O_NOFOLLOW);
    } catch (const Error& e) {
        if (e.sys_errno() == ENOENT)
            return {};
        throw;
    }
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("stat " + show(rel));
    struct statfs sfs {};
    if (::fstatfs(fd.get(), &sfs) != 0)
        throw_errno("statfs " + show(rel));
    const long want = rel.starts_with("proc/") ? PROC_SUPER_MAGIC : SYSFS_MAGIC;
    if (static_cast<long>(sfs.f_type) != want)
        throw Error(ExitCode::System, show(rel) + " is not on " + (want == PROC_SUPER_MAGIC ? "procfs" : "sysfs"),
                    EXDEV);
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        throw Error(ExitCode::System, show(rel) + " is neither a file nor a directory", EINVAL);
    return fd;
}

// The container's own /dev/null (the fresh /dev), checked to be the null
// device: a bind source that is anything else would expose it at every
// masked path.
UniqueFd open_null(int root_fd)
{
    UniqueFd fd = open_in_root(root_fd, "dev/null", O_PATH | O_NOFOLLOW);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("stat /dev/null");
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
        throw Error(ExitCode::System, "/dev/null in the container is not the null device", ENODEV);
    return fd;
}

void mask(int root_fd, int null_fd, std::string_view rel)
{
    struct stat st {};
    UniqueFd target = open_target(root_fd, rel, st);
    if (!target)
        return;
    const std::string what = show(rel);
    if (S_ISREG(st.st_mode))
        mount_on_fd(fd_path(null_fd).c_str(), target.get(), nullptr, MS_BIND, nullptr, "/dev/null on " + what);
    else
        mount_on_fd("tmpfs", target.get(), "tmpfs", kPseudoFlags | MS_RDONLY, kMaskOptions, "an empty tmpfs on " + what);
}

// Binds rel on itself and returns an fd of the new mount's root (the fd
// opened before the bind still holds the covered object).
UniqueFd bind_on_itself(int root_fd, std::string_view rel, int target_fd)
{
    const std::string p = fd_path(target_fd);
    mount_on_fd(p.c_str(), target_fd, nullptr, MS_BIND, nullptr, show(rel) + " on itself");
    return open_in_root(root_fd, rel, O_PATH | O_NOFOLLOW);
}

void make_readonly(int root_fd, std::string_view rel, bool keep_net_writable)
{
    struct stat st {};
    UniqueFd target = open_target(root_fd, rel, st);
    if (!target)
        return;
    UniqueFd top = bind_on_itself(root_fd, rel, target.get());
    if (keep_net_writable && rel == "proc/sys") {
        // A mount of its own below the read-only one keeps its rw flag: the
        // remount below changes only the /proc/sys mount.
        struct stat net_st {};
        UniqueFd net = open_target(root_fd, "proc/sys/net", net_st);
        if (net)
            bind_on_itself(root_fd, "proc/sys/net", net.get());
    }
    remount_readonly(top.get(), show(rel));
}

}  // namespace

std::span<const KernelPath> kernel_paths() { return kPaths; }

void protect_kernel_paths(int root_fd, bool own_net_ns)
{
    UniqueFd null = with_context("mask kernel files", [&] { return open_null(root_fd); });
    for (const auto& p : kPaths) {
        with_context(p.rule == Mask ? "mask " + show(p.path) : "make " + show(p.path) + " read-only", [&] {
            if (p.rule == Mask)
                mask(root_fd, null.get(), p.path);
            else
                make_readonly(root_fd, p.path, own_net_ns);
        });
    }
}

}  // namespace vessel::ns
