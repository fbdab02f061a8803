// The kernel's resource counters of a process container, read the same way
// on both backends: what is in use now, the kernel's peak where it keeps one,
// and how often a limit was hit. A counter the kernel does not have on this
// host is absent, never zero, and every counter says which file it came from
// so that `vessel ubc --explain` can name it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/cgroup/process_container.h"

namespace vessel::cgroup {

struct Counter {
    std::uint64_t value = 0;
    std::string source;  // "memory.usage_in_bytes", "memory.stat shmem", "memory.memsw.usage_in_bytes - memory.usage_in_bytes"
};
using MaybeCounter = std::optional<Counter>;

// Amounts in bytes, tasks in tasks (threads included), CPU in nanoseconds.
struct Counters {
    MaybeCounter tasks, tasks_peak, tasks_failcnt;
    MaybeCounter memory, memory_peak, memory_failcnt;  // failcnt: times the limit was hit
    MaybeCounter memory_low_events;                    // v2 only: breaches of memory.low
    MaybeCounter memory_oom_kills;                     // OOM kills in the container (v1: memory.oom_control)
    MaybeCounter swap, swap_peak, swap_failcnt;         // v1 has no honest swap peak: absent there
    MaybeCounter kmem, kmem_peak, kmem_failcnt;
    // Socket buffers: v1 reports TCP buffers only (memory.kmem.tcp.*), v2 the
    // buffers of every socket (memory.stat sock), send and receive together.
    MaybeCounter sock, sock_peak, sock_failcnt;
    bool sock_all_kinds = false;  // true: every socket (v2); false: TCP only (v1)
    MaybeCounter shmem, slab_reclaimable, file, anon;  // memory.stat
    MaybeCounter cpu_usage_ns;
    // The beancounter controller of the kernel series (v2): held, peak and
    // refusals of open files, file locks and queued signals.
    MaybeCounter numfile, numfile_peak, numfile_failcnt;
    MaybeCounter numflock, numflock_peak, numflock_failcnt;
    MaybeCounter numsiginfo, numsiginfo_peak, numsiginfo_failcnt;
};

// Reads every counter the container's hierarchies have. Files that are
// missing, or controllers the container is not in, leave their counters
// absent; only a file that exists and cannot be read or parsed throws.
Counters read_counters(const ProcessContainer& pc);
// Every counter this backend would read, each present with value 0: what
// `vessel ubc --explain` names when no container is running.
Counters expected_counters(Mode mode);

}  // namespace vessel::cgroup
