// Resource limits of a process container, in the kernel's terms but the
// same on both backends: the caller says "at most 64 tasks, 256 MiB of RAM,
// no swap, a quarter of a CPU", and this file knows which control files of
// v1 or v2 say that, in which order they must be written, and how to put
// them back if one write fails.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cgroup/process_container.h"

namespace vessel::cgroup {

// "No limit": the kernel's own spelling differs per file ("max", "-1",
// 9223372036854775807); this value stands for all of them.
inline constexpr std::uint64_t kNoLimit = UINT64_MAX;

struct IoThrottle {
    unsigned major = 0;
    unsigned minor = 0;
    std::uint64_t bps = 0;    // read and write, bytes per second; 0 = none
    std::uint64_t iops = 0;   // read and write, operations per second; 0 = none
    bool operator==(const IoThrottle&) const = default;
};

// Every member is optional: unset means "leave as it is".
struct Limits {
    std::optional<std::uint64_t> tasks;          // pids.max
    std::optional<std::uint64_t> memory;         // bytes of RAM (memory.max / memory.limit_in_bytes)
    std::optional<std::uint64_t> swap;           // bytes of swap beyond memory (memory.swap.max; v1 memsw = memory + swap)
    std::optional<std::uint64_t> memory_min;     // bytes protected from reclaim (v2 memory.min)
    std::optional<std::uint64_t> memory_low;     // bytes protected while others can give (v2 memory.low)
    std::optional<std::uint64_t> cpu_weight;     // cpuunits: 1000 = an average share
    std::optional<std::uint64_t> cpu_percent;    // percent of one CPU (200 = two CPUs); 0 = none
    std::optional<std::string> cpuset;           // "0-1,3"; "" = all the parent has
    std::optional<IoThrottle> io;
    // The beancounter controller of Vessel's kernel series (cgroup v2 only):
    // open files, file locks, queued signals; beancounter.max "numfile N".
    std::optional<std::uint64_t> numfile;
    std::optional<std::uint64_t> numflock;
    std::optional<std::uint64_t> numsiginfo;

    bool empty() const;
};

// What this backend can enforce at all, for `vessel ubc --explain` and for
// a clear error before anything is written. The reason is empty when it can.
struct Support {
    bool ok = false;
    std::string how;     // "pids.max", "memory.memsw.limit_in_bytes (memory + swap)"
    std::string reason;  // why not: "no swap accounting (memory.memsw.* missing)"
};
enum class LimitKind {
    Tasks, Memory, Swap, MemoryMin, MemoryLow, CpuWeight, CpuPercent, Cpuset, Io, Numfile, Numflock, Numsiginfo
};
Support limit_support(const ProcessContainer& pc, LimitKind kind);

// One control file write, as planned.
struct KnobWrite {
    std::string file;
    std::string value;
    std::string device;  // "MAJ:MIN" for per-device files, whose other lines stay
    bool operator==(const KnobWrite&) const = default;
};

// The writes that make `want` true, in an order the kernel accepts from the
// current values (v1's memsw must never fall below memory.limit_in_bytes, so
// raising writes memsw first and lowering writes it last). A limit the
// backend cannot enforce is left out and described in `skipped`; with
// skipped == nullptr it is an Error(System) instead.
std::vector<KnobWrite> plan_limits(const ProcessContainer& pc, const Limits& want,
                                   std::vector<std::string>* skipped = nullptr);

// Applies `want` all or nothing: each file's old value is read first, and if
// a write fails the earlier ones are put back, newest first, before the
// error (naming the file and the value) is thrown. Returns what was skipped
// as not enforceable here (see plan_limits), for a warning.
std::vector<std::string> apply_limits(ProcessContainer& pc, const Limits& want);

// The v1/v2 translations, exposed for tests and for `vessel ubc`.
std::uint64_t cpu_shares_of(std::uint64_t cpuunits);  // v1 cpu.shares, 1000 -> 1024
std::uint64_t cpu_weight_of(std::uint64_t cpuunits);  // v2 cpu.weight, 1000 -> 100, 1..10000
inline constexpr std::uint64_t kCpuPeriodUs = 100000;  // CFS period used for cpulimit

// The block device that holds `path`, as throttling wants it: the whole
// disk (a partition's parent). nullopt with `why` set when there is none
// (tmpfs, overlayfs, NFS ...).
struct BlockDevice {
    unsigned major = 0;
    unsigned minor = 0;
};
std::optional<BlockDevice> block_device_of(const std::string& path, std::string* why);

}  // namespace vessel::cgroup
