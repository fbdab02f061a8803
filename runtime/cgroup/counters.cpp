// Where each counter lives on v1 and on v2. The file names are spelled in
// the table below and nowhere else (see the README).
#include "runtime/cgroup/counters.h"

#include <charconv>
#include <string_view>

#include "runtime/base/error.h"
#include "runtime/cgroup/backend.h"

namespace vessel::cgroup {

namespace {

// The counter files, per backend.
namespace f {
inline constexpr std::string_view pids_current = "pids.current";
inline constexpr std::string_view pids_peak = "pids.peak";      // 6.13+ (absent before)
inline constexpr std::string_view pids_events = "pids.events";  // "max N"
// v2
inline constexpr std::string_view memory_current = "memory.current";
inline constexpr std::string_view memory_peak = "memory.peak";  // 5.19+
inline constexpr std::string_view memory_events = "memory.events";
inline constexpr std::string_view swap_current = "memory.swap.current";
inline constexpr std::string_view swap_peak = "memory.swap.peak";  // 6.5+
inline constexpr std::string_view swap_events = "memory.swap.events";
inline constexpr std::string_view memory_stat = "memory.stat";
inline constexpr std::string_view cpu_stat = "cpu.stat";  // usage_usec
inline constexpr std::string_view bc_current = "beancounter.current";  // kernel series: "numfile N"
inline constexpr std::string_view bc_peak = "beancounter.peak";
inline constexpr std::string_view bc_events = "beancounter.events";    // "numfile.max N"
// v1
inline constexpr std::string_view usage = "memory.usage_in_bytes";
inline constexpr std::string_view max_usage = "memory.max_usage_in_bytes";
inline constexpr std::string_view failcnt = "memory.failcnt";
inline constexpr std::string_view oom_control = "memory.oom_control";  // "oom_kill N"
inline constexpr std::string_view memsw_usage = "memory.memsw.usage_in_bytes";
inline constexpr std::string_view memsw_failcnt = "memory.memsw.failcnt";
inline constexpr std::string_view kmem_usage = "memory.kmem.usage_in_bytes";
inline constexpr std::string_view kmem_max_usage = "memory.kmem.max_usage_in_bytes";
inline constexpr std::string_view kmem_failcnt = "memory.kmem.failcnt";
inline constexpr std::string_view tcp_usage = "memory.kmem.tcp.usage_in_bytes";
inline constexpr std::string_view tcp_max_usage = "memory.kmem.tcp.max_usage_in_bytes";
inline constexpr std::string_view tcp_failcnt = "memory.kmem.tcp.failcnt";
inline constexpr std::string_view cpuacct_usage = "cpuacct.usage";  // nanoseconds
}  // namespace f

// The parts v2's memory.stat "kernel" (5.18+) sums up, for older kernels.
constexpr std::string_view kKernelParts[] = {"kernel_stack", "pagetables", "sec_pagetables", "percpu",
                                             "slab_reclaimable", "slab_unreclaimable"};

// The file's text; nullopt when the file, or the controller it belongs to,
// is not there. Without a container (`expected_counters`), every file reads
// as a zero counter, so the readers below name what they would use.
std::optional<std::string> read(const ProcessContainer* pc, std::string_view name)
{
    if (pc == nullptr)
        return std::string("0\n");
    try {
        return pc->get(std::string(name));
    } catch (const Error& e) {
        // "no pids controller on this host": the backend has no owner for it.
        if (e.sys_errno() == 0)
            return std::nullopt;
        throw;
    }
}

std::uint64_t parse_number(std::string_view text, std::string_view what)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.remove_suffix(1);
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || ptr != text.data() + text.size())
        throw Error(ExitCode::System, "cgroup: " + std::string(what) + ": not a number: '" + std::string(text) + "'");
    return v;
}

MaybeCounter number(const ProcessContainer* pc, std::string_view name)
{
    auto text = read(pc, name);
    if (!text)
        return std::nullopt;
    // pids.current can read "max" nowhere, but a limit file could; counters never do.
    return Counter{parse_number(*text, name), std::string(name)};
}

MaybeCounter keyed(const std::optional<std::string>& text, std::string_view file, std::string_view key)
{
    if (!text)
        return std::nullopt;
    auto v = *text == "0\n" ? std::optional<std::string>("0") : detail::keyed_value(*text, key);
    if (!v)
        return std::nullopt;
    std::string source = std::string(file) + " " + std::string(key);
    return Counter{parse_number(*v, source), source};
}

MaybeCounter keyed(const ProcessContainer* pc, std::string_view file, std::string_view key)
{
    return keyed(read(pc, file), file, key);
}

// v1 keeps the hierarchical figure (children included) under total_*.
MaybeCounter v1_stat(const std::optional<std::string>& stat, std::string_view key)
{
    if (auto c = keyed(stat, f::memory_stat, "total_" + std::string(key)))
        return c;
    return keyed(stat, f::memory_stat, key);
}

// Only for a real container: the controller is the kernel series', and a
// stand-in must not claim it (`vessel ubc --explain` then names the fallback).
void read_beancounter(const ProcessContainer* pc, Counters& c)
{
    if (pc == nullptr)
        return;
    const auto cur = read(pc, f::bc_current);
    const auto peak = read(pc, f::bc_peak);
    const auto events = read(pc, f::bc_events);
    struct Row {
        const char* key;
        MaybeCounter *held, *peak, *failcnt;
    };
    for (const Row& r : {Row{"numfile", &c.numfile, &c.numfile_peak, &c.numfile_failcnt},
                         Row{"numflock", &c.numflock, &c.numflock_peak, &c.numflock_failcnt},
                         Row{"numsiginfo", &c.numsiginfo, &c.numsiginfo_peak, &c.numsiginfo_failcnt}}) {
        *r.held = keyed(cur, f::bc_current, r.key);
        *r.peak = keyed(peak, f::bc_peak, r.key);
        *r.failcnt = keyed(events, f::bc_events, std::string(r.key) + ".max");
    }
}

void read_v2(const ProcessContainer* pc, Counters& c)
{
    read_beancounter(pc, c);
    c.memory = number(pc, f::memory_current);
    c.memory_peak = number(pc, f::memory_peak);
    auto events = read(pc, f::memory_events);
    c.memory_failcnt = keyed(events, f::memory_events, "max");
    c.memory_low_events = keyed(events, f::memory_events, "low");
    c.memory_oom_kills = keyed(events, f::memory_events, "oom_kill");
    c.swap = number(pc, f::swap_current);
    c.swap_peak = number(pc, f::swap_peak);
    c.swap_failcnt = keyed(pc, f::swap_events, "max");

    auto stat = read(pc, f::memory_stat);
    c.kmem = keyed(stat, f::memory_stat, "kernel");
    if (!c.kmem && stat) {
        // Before 5.18 there is no total: add up what it stands for.
        Counter sum{0, std::string(f::memory_stat)};
        bool any = false;
        for (auto part : kKernelParts)
            if (auto p = keyed(stat, f::memory_stat, part)) {
                sum.value += p->value;
                sum.source += std::string(any ? "+" : " ") + std::string(part);
                any = true;
            }
        if (any)
            c.kmem = sum;
    }
    c.sock = keyed(stat, f::memory_stat, "sock");
    c.sock_all_kinds = true;
    c.shmem = keyed(stat, f::memory_stat, "shmem");
    c.slab_reclaimable = keyed(stat, f::memory_stat, "slab_reclaimable");
    c.file = keyed(stat, f::memory_stat, "file");
    c.anon = keyed(stat, f::memory_stat, "anon");

    if (auto usec = keyed(pc, f::cpu_stat, "usage_usec"))
        c.cpu_usage_ns = Counter{usec->value * 1000, usec->source};
}

void read_v1(const ProcessContainer* pc, Counters& c)
{
    c.memory = number(pc, f::usage);
    c.memory_peak = number(pc, f::max_usage);
    c.memory_failcnt = number(pc, f::failcnt);
    c.memory_oom_kills = keyed(pc, f::oom_control, "oom_kill");
    // memsw counts memory and swap together. Their difference is the swap
    // in use now; the difference of the two peaks is not the peak of swap
    // (they were reached at different moments), so there is no swap peak.
    if (auto memsw = number(pc, f::memsw_usage); memsw && c.memory) {
        std::uint64_t swap = memsw->value > c.memory->value ? memsw->value - c.memory->value : 0;
        c.swap = Counter{swap, memsw->source + " - " + c.memory->source};
        c.swap_failcnt = number(pc, f::memsw_failcnt);
    }
    c.kmem = number(pc, f::kmem_usage);
    c.kmem_peak = number(pc, f::kmem_max_usage);
    c.kmem_failcnt = number(pc, f::kmem_failcnt);
    c.sock = number(pc, f::tcp_usage);
    c.sock_peak = number(pc, f::tcp_max_usage);
    c.sock_failcnt = number(pc, f::tcp_failcnt);
    c.sock_all_kinds = false;

    auto stat = read(pc, f::memory_stat);
    c.shmem = v1_stat(stat, "shmem");
    c.file = v1_stat(stat, "cache");
    c.anon = v1_stat(stat, "rss");
    // v1's memory.stat has no slab figures: slab_reclaimable stays absent.

    c.cpu_usage_ns = number(pc, f::cpuacct_usage);
}

Counters read_all(const ProcessContainer* pc, Mode mode)
{
    Counters c;
    c.tasks = number(pc, f::pids_current);
    c.tasks_peak = number(pc, f::pids_peak);
    c.tasks_failcnt = keyed(pc, f::pids_events, "max");
    if (mode == Mode::V2)
        read_v2(pc, c);
    else
        read_v1(pc, c);
    return c;
}

}  // namespace

Counters read_counters(const ProcessContainer& pc)
{
    return with_context("counters", [&] { return read_all(&pc, pc.mode()); });
}

Counters expected_counters(Mode mode)
{
    return read_all(nullptr, mode);
}

}  // namespace vessel::cgroup
