#include "runtime/bc/ubc_rows.h"

#include <algorithm>
#include <array>

#include "runtime/base/error.h"

namespace vessel::bc {

namespace {

using cgroup::LimitKind;
using cgroup::MaybeCounter;

std::uint64_t in_unit(std::uint64_t bytes, config::Unit unit)
{
    // Memory counters are whole pages; round up all the same.
    return unit == config::Unit::Pages ? (bytes + config::kPageSize - 1) / config::kPageSize : bytes;
}

// Building one row: the pieces each parameter below fills in.
struct Builder {
    const UbcInputs& in;
    UbcRow row;

    bool live() const { return in.usage.has_value(); }

    void held_bytes(const MaybeCounter& c)
    {
        if (!c)
            return;
        row.held_from = c->source;
        if (live())
            row.held = in_unit(c->value, row.param->unit);
    }
    void held_usage(const std::optional<std::uint64_t>& v, std::string from)
    {
        row.held_from = std::move(from);
        if (live() && v)
            row.held = row.param->unit == config::Unit::Items ? *v : in_unit(*v, row.param->unit);
    }
    void peak(const MaybeCounter& c)
    {
        if (!c)
            return;
        row.maxheld_from = c->source;
        if (live())
            row.maxheld = in_unit(c->value, row.param->unit);
    }
    // The kernel's count of refusals where it keeps one. Without one, an
    // accounted-only parameter has nothing that could refuse, so 0 is
    // exact; an enforced one may have been refused uncounted: unknown.
    void failures(const MaybeCounter& c, std::string_view uncounted = {})
    {
        if (c) {
            row.failcnt_from = c->source;
            if (live())
                row.failcnt = c->value;
        } else if (row.coverage == Coverage::Accounted) {
            row.failcnt_from = "0: nothing enforces it, so nothing is refused";
            if (live())
                row.failcnt = 0;
        } else {
            row.failcnt_from = uncounted.empty() ? "not counted by the kernel" : std::string(uncounted);
        }
    }
    void enforced(std::string how)
    {
        row.coverage = Coverage::Enforced;
        row.how = std::move(how);
    }
    void accounted(std::string how)
    {
        row.coverage = Coverage::Accounted;
        row.how = std::move(how);
    }
    void unavailable(std::string why)
    {
        row.coverage = Coverage::Unavailable;
        row.how = std::move(why);
        row.held_from.clear();
        row.held.reset();
    }
    // Enforced where the backend can, else accounted from `held`.
    void enforced_or_accounted(LimitKind kind, const MaybeCounter& held)
    {
        auto s = in.support(kind);
        if (s.ok)
            enforced("by " + s.how);
        else
            accounted(held->source + " (not enforced: " + s.reason + ")");
    }
};

void kmemsize(Builder& b)
{
    const auto& c = b.in.counters;
    if (!c.kmem)
        return b.unavailable("no kernel memory counter in this memory cgroup");
    b.accounted(c.kmem->source + " (kernel memory cannot be limited on its own)");
    b.held_bytes(c.kmem);
    b.peak(c.kmem_peak);
    b.failures(c.kmem_failcnt);
}

void lockedpages(Builder& b)
{
    b.enforced("by RLIMIT_MEMLOCK of each process (per process, not for the container as a whole)");
    b.held_usage(b.in.usage ? b.in.usage->locked_bytes : std::nullopt, "VmLck of the container's processes");
    b.failures(std::nullopt, "unknown: refused mlock() calls are not counted");
}

void privvmpages(Builder& b)
{
    b.accounted("VmData + VmStk of the container's processes (private writable mappings)");
    b.held_usage(b.in.usage ? b.in.usage->private_bytes : std::nullopt, "VmData + VmStk in /proc/PID/status");
    b.failures(std::nullopt);
}

void shmpages(Builder& b)
{
    const auto& c = b.in.counters;
    if (!c.shmem)
        return b.unavailable("no shmem figure in memory.stat");
    b.accounted(c.shmem->source + " (SysV and POSIX shared memory, tmpfs, shared anonymous memory)");
    b.held_bytes(c.shmem);
    b.failures(std::nullopt);
}

void numproc(Builder& b)
{
    const auto& c = b.in.counters;
    if (c.tasks) {
        b.enforced_or_accounted(LimitKind::Tasks, c.tasks);
        b.held_bytes(c.tasks);
        b.peak(c.tasks_peak);
        b.failures(c.tasks_failcnt, "unknown: no pids.events");
        return;
    }
    b.accounted("processes in cgroup.procs (no pids controller: threads are not counted)");
    b.held_usage(b.in.processes, "cgroup.procs");
    b.failures(std::nullopt);
}

void physpages(Builder& b)
{
    const auto& c = b.in.counters;
    if (!c.memory)
        return b.unavailable("no memory controller for the container");
    b.enforced_or_accounted(LimitKind::Memory, c.memory);
    b.held_bytes(c.memory);
    b.peak(c.memory_peak);
    // Every OOM kill follows a charge the limit refused. v1's memory.failcnt
    // should count those refusals, but Linux 6.18 leaves it at 0 even when
    // the limit OOM-kills, so the larger of the two is the honest lower bound.
    MaybeCounter fails = c.memory_failcnt;
    if (b.in.mode == cgroup::Mode::V1 && fails && c.memory_oom_kills)
        fails = cgroup::Counter{std::max(fails->value, c.memory_oom_kills->value),
                        "the larger of " + fails->source + " and " + c.memory_oom_kills->source};
    b.failures(fails);
}

void guarantee(Builder& b, LimitKind kind, std::string_view what)
{
    auto s = b.in.support(kind);
    if (!s.ok)
        return b.unavailable(s.reason);
    const auto& c = b.in.counters;
    if (!c.memory)
        return b.unavailable("no memory controller for the container");
    b.enforced("by " + s.how + " (the barrier " + std::string(what) + "; the limit is not used)");
}

void vmguarpages(Builder& b)
{
    guarantee(b, LimitKind::MemoryLow, "protects memory from reclaim while others can give");
    if (b.row.coverage == Coverage::Unavailable)
        return;
    const auto& c = b.in.counters;
    b.held_bytes(c.memory);
    b.row.held_from += " (the memory the guarantee protects)";
    b.peak(c.memory_peak);
    b.failures(c.memory_low_events, "unknown: no memory.events low");
}

void oomguarpages(Builder& b)
{
    guarantee(b, LimitKind::MemoryMin, "protects memory from reclaim");
    if (b.row.coverage == Coverage::Unavailable)
        return;
    const auto& c = b.in.counters;
    // As in OpenVZ: memory plus swap in use, what the OOM guarantee is measured against.
    MaybeCounter both = c.memory;
    if (c.swap && both) {
        both->value += c.swap->value;
        both->source += " + swap";
    }
    b.held_bytes(both);
    b.failures(c.memory_oom_kills, "unknown: no memory.events oom_kill");
}

void sockets(Builder& b, bool tcp)
{
    const auto& u = b.in.usage;
    if (u && !(tcp ? u->tcp_sockets : u->other_sockets))
        return b.unavailable("the container has no network namespace of its own, or its sockstat cannot be read");
    b.accounted(tcp ? "TCP sockets in the container's network namespace (sockstat, sockstat6: inuse)"
                    : "other sockets in the container's network namespace (sockstat: sockets used, minus TCP)");
    b.held_usage(u ? (tcp ? u->tcp_sockets : u->other_sockets) : std::nullopt, "/proc/INIT/net/sockstat");
    b.failures(std::nullopt);
}

// Held, peak and refusals from the beancounter controller of the kernel
// series, when the container has it; false when it does not.
bool from_controller(Builder& b, LimitKind kind, const MaybeCounter& held, const MaybeCounter& peak,
                     const MaybeCounter& fails)
{
    if (!held)
        return false;
    b.enforced_or_accounted(kind, held);
    b.held_bytes(held);
    b.peak(peak);
    b.failures(fails);
    return true;
}

void numflock(Builder& b)
{
    const auto& c = b.in.counters;
    if (from_controller(b, LimitKind::Numflock, c.numflock, c.numflock_peak, c.numflock_failcnt))
        return;
    b.accounted("POSIX and flock() locks of the container's processes in /proc/locks (OFD locks have no owner)");
    b.held_usage(b.in.usage ? b.in.usage->file_locks : std::nullopt, "/proc/locks");
    b.failures(std::nullopt);
}

void numpty(Builder& b)
{
    b.enforced("by the max= option of the container's devpts (NUMPTY, set when /dev/pts is mounted)");
    b.held_usage(b.in.usage ? b.in.usage->ptys : std::nullopt, "ptys in the container's /dev/pts");
    if (b.in.usage && !b.in.usage->ptys)
        b.row.held_from = "unknown: the container's /dev/pts is not a devpts";
    b.failures(std::nullopt, "unknown: refused opens of /dev/ptmx are not counted");
}

void numsiginfo(Builder& b)
{
    const auto& c = b.in.counters;
    if (from_controller(b, LimitKind::Numsiginfo, c.numsiginfo, c.numsiginfo_peak, c.numsiginfo_failcnt))
        return;
    b.unavailable("pending signals are counted per container only by the beancounter controller of the kernel "
                  "patches");
}

// The kernel reports socket buffer memory as one total, so it is shown
// once, in tcpsndbuf, and the other three rows say where it went.
void tcpsndbuf(Builder& b)
{
    const auto& c = b.in.counters;
    if (!c.sock)
        return b.unavailable("no socket buffer counter in this memory cgroup");
    b.accounted(c.sock->source + (c.sock_all_kinds ? " (send and receive buffers of every socket, in one figure)"
                                                   : " (send and receive buffers of TCP sockets, in one figure)"));
    b.held_bytes(c.sock);
    b.peak(c.sock_peak);
    b.failures(c.sock_failcnt);
}

void tcprcvbuf(Builder& b)
{
    b.unavailable("counted in tcpsndbuf: the kernel does not report receive buffers apart");
}

void other_buffers(Builder& b)
{
    if (b.in.mode == cgroup::Mode::V2)
        return b.unavailable("counted in tcpsndbuf: memory.stat sock covers every kind of socket");
    b.unavailable("the v1 memory cgroup counts buffers of TCP sockets only");
}

void dcachesize(Builder& b)
{
    const auto& c = b.in.counters;
    if (!c.slab_reclaimable)
        return b.unavailable(b.in.mode == cgroup::Mode::V1 ? "the v1 memory cgroup has no slab figures"
                                                           : "no slab_reclaimable in memory.stat");
    b.accounted(c.slab_reclaimable->source + " (every reclaimable slab object: dentries, inodes and others)");
    b.held_bytes(c.slab_reclaimable);
    b.failures(std::nullopt);
}

void numfile(Builder& b)
{
    const auto& c = b.in.counters;
    if (from_controller(b, LimitKind::Numfile, c.numfile, c.numfile_peak, c.numfile_failcnt))
        return;
    b.accounted("open file descriptors of the container's processes (enforcing needs the beancounter controller "
                "of the kernel patches)");
    b.held_usage(b.in.usage ? b.in.usage->open_files : std::nullopt, "/proc/PID/fd");
    b.failures(std::nullopt);
}

void numiptent(Builder& b)
{
    b.unavailable("netfilter rules are not counted per container by a stock kernel");
}

void swappages(Builder& b)
{
    const auto& c = b.in.counters;
    if (!c.swap)
        return b.unavailable("no swap accounting in this memory cgroup");
    b.enforced_or_accounted(LimitKind::Swap, c.swap);
    b.held_bytes(c.swap);
    b.peak(c.swap_peak);
    b.failures(c.swap_failcnt);
}

struct Mapping {
    std::string_view name;
    void (*fill)(Builder&);
};

const std::array kMappings{
    Mapping{"kmemsize", kmemsize},
    Mapping{"lockedpages", lockedpages},
    Mapping{"privvmpages", privvmpages},
    Mapping{"shmpages", shmpages},
    Mapping{"numproc", numproc},
    Mapping{"physpages", physpages},
    Mapping{"vmguarpages", vmguarpages},
    Mapping{"oomguarpages", oomguarpages},
    Mapping{"numtcpsock", [](Builder& b) { sockets(b, true); }},
    Mapping{"numflock", numflock},
    Mapping{"numpty", numpty},
    Mapping{"numsiginfo", numsiginfo},
    Mapping{"tcpsndbuf", tcpsndbuf},
    Mapping{"tcprcvbuf", tcprcvbuf},
    Mapping{"othersockbuf", other_buffers},
    Mapping{"dgramrcvbuf", other_buffers},
    Mapping{"numothersock", [](Builder& b) { sockets(b, false); }},
    Mapping{"dcachesize", dcachesize},
    Mapping{"numfile", numfile},
    Mapping{"numiptent", numiptent},
    Mapping{"swappages", swappages},
};

}  // namespace

std::string_view coverage_name(Coverage c)
{
    switch (c) {
    case Coverage::Enforced: return "enforced";
    case Coverage::Accounted: return "accounted";
    case Coverage::Unavailable: break;
    }
    return "unavailable";
}

std::vector<UbcRow> build_rows(const UbcInputs& in)
{
    std::vector<UbcRow> rows;
    for (const UbcParam& p : ubc_params()) {
        if (p.key.empty())
            continue;
        Builder b{in, {}};
        b.row.param = &p;
        auto m = std::find_if(kMappings.begin(), kMappings.end(), [&](const Mapping& x) { return x.name == p.name; });
        if (m == kMappings.end())
            throw Error(ExitCode::System, "ubc: no mapping for " + std::string(p.name));
        m->fill(b);
        UbcRow& r = b.row;
        if (auto text = in.config_value ? in.config_value(p.key) : std::nullopt) {
            auto bl = with_context(std::string(p.key), [&] { return config::parse_barrier_limit(*text, p.unit); });
            r.barrier = bl.barrier;
            r.limit = bl.limit;
        }
        if (r.held) {
            // The peak is never below what is held now, nor below what the
            // monitor or an earlier reading saw.
            std::uint64_t peak = std::max(r.maxheld.value_or(0), *r.held);
            if (auto s = in.peaks.find(p.name); s != in.peaks.end())
                peak = std::max(peak, s->second);
            r.maxheld = peak;
        } else {
            r.maxheld.reset();
            if (r.coverage == Coverage::Unavailable)
                r.failcnt_from.clear();
        }
        if (r.coverage == Coverage::Unavailable)
            r.failcnt.reset();
        else if (r.maxheld_from.empty())
            r.maxheld_from = "highest held seen: sampled every 10 s by the monitor and at each reading";
        rows.push_back(std::move(r));
    }
    return rows;
}

Peaks held_of(const std::vector<UbcRow>& rows)
{
    Peaks out;
    for (const auto& r : rows)
        if (r.held)
            out.emplace(std::string(r.param->name), *r.held);
    return out;
}

}  // namespace vessel::bc
