#include "runtime/cgroup/limits.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "runtime/base/error.h"
#include "runtime/cgroup/backend.h"

namespace vessel::cgroup {

namespace stdfs = std::filesystem;

namespace {

// The limit files, per backend. Only this file spells them.
namespace knob {
constexpr const char* pids_max = "pids.max";                            // v1 and v2
constexpr const char* memory_max = "memory.max";                        // v2
constexpr const char* swap_max = "memory.swap.max";                     // v2
constexpr const char* memory_min = "memory.min";                        // v2
constexpr const char* memory_low = "memory.low";                        // v2
constexpr const char* cpu_weight = "cpu.weight";                        // v2
constexpr const char* cpu_max = "cpu.max";                              // v2: "QUOTA PERIOD"
constexpr const char* cpuset_cpus = "cpuset.cpus";                      // v1 and v2
constexpr const char* io_max = "io.max";                                // v2: "MAJ:MIN rbps=.. wbps=.. riops=.. wiops=.."
constexpr const char* bc_max = "beancounter.max";                       // v2, kernel series: "numfile N"
constexpr const char* memory_limit = "memory.limit_in_bytes";           // v1
constexpr const char* memsw_limit = "memory.memsw.limit_in_bytes";      // v1: memory + swap
constexpr const char* cpu_shares = "cpu.shares";                        // v1
constexpr const char* cfs_quota = "cpu.cfs_quota_us";                   // v1
constexpr const char* cfs_period = "cpu.cfs_period_us";                 // v1
constexpr const char* blkio_read_bps = "blkio.throttle.read_bps_device";     // v1: "MAJ:MIN N"
constexpr const char* blkio_write_bps = "blkio.throttle.write_bps_device";
constexpr const char* blkio_read_iops = "blkio.throttle.read_iops_device";
constexpr const char* blkio_write_iops = "blkio.throttle.write_iops_device";
}  // namespace knob

// v1 reports "no limit" as the largest page-aligned 64-bit value; anything
// this large is no limit.
constexpr std::uint64_t kV1Unlimited = std::uint64_t{1} << 62;

bool has_controller(const ProcessContainer& pc, std::string_view name)
{
    auto c = pc.controllers();
    return std::find(c.begin(), c.end(), name) != c.end();
}

bool has_file(const ProcessContainer& pc, const std::string& file)
{
    try {
        return pc.get(file).has_value();
    } catch (const Error&) {
        return false;
    }
}

std::string trimmed(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

std::optional<std::uint64_t> read_number(const ProcessContainer& pc, const std::string& file)
{
    auto text = pc.get(file);
    if (!text)
        return std::nullopt;
    std::string t = trimmed(*text);
    if (t == "max" || t == "-1")
        return kNoLimit;
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size())
        return std::nullopt;
    return v >= kV1Unlimited ? kNoLimit : v;
}

KnobWrite kw(std::string file, std::string value, std::string device = {})
{
    return KnobWrite{std::move(file), std::move(value), std::move(device)};
}

std::string v2_amount(std::uint64_t v) { return v == kNoLimit ? "max" : std::to_string(v); }
std::string v1_amount(std::uint64_t v) { return v == kNoLimit ? "-1" : std::to_string(v); }

std::uint64_t add_capped(std::uint64_t a, std::uint64_t b)
{
    if (a == kNoLimit || b == kNoLimit || a > kNoLimit - b)
        return kNoLimit;
    return a + b;
}

std::string device_key(const IoThrottle& io) { return std::to_string(io.major) + ":" + std::to_string(io.minor); }

// The key of a beancounter.max line.
const char* bc_key(LimitKind kind)
{
    return kind == LimitKind::Numfile ? "numfile" : kind == LimitKind::Numflock ? "numflock" : "numsiginfo";
}

const char* kind_name(LimitKind kind)
{
    switch (kind) {
    case LimitKind::Tasks: return "task limit";
    case LimitKind::Memory: return "memory limit";
    case LimitKind::Swap: return "swap limit";
    case LimitKind::MemoryMin: return "memory guarantee (min)";
    case LimitKind::MemoryLow: return "memory guarantee (low)";
    case LimitKind::CpuWeight: return "CPU weight";
    case LimitKind::CpuPercent: return "CPU limit";
    case LimitKind::Cpuset: return "CPU set";
    case LimitKind::Io: return "I/O limit";
    case LimitKind::Numfile: return "open file limit (numfile)";
    case LimitKind::Numflock: return "file lock limit (numflock)";
    case LimitKind::Numsiginfo: return "queued signal limit (numsiginfo)";
    }
    return "limit";
}

// The line of a keyed per-device file ("8:0 rbps=1 ..." or "8:0 1000")
// that names `dev`, without the device; "" if there is none.
std::string device_line(const std::string& text, const std::string& dev)
{
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos)
            nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        if (line.starts_with(dev + " "))
            return line.substr(dev.size() + 1);
        pos = nl + 1;
    }
    return {};
}

// What to write to put `file` back as it is now.
std::string restore_value(const ProcessContainer& pc, const KnobWrite& w)
{
    auto text = pc.get(w.file);
    if (!text)
        throw Error(ExitCode::System, "cgroup: read " + w.file + ": missing");
    if (w.device.empty())
        return trimmed(*text);
    std::string old = device_line(*text, w.device);
    if (w.file == knob::io_max)
        return w.device + " " + (old.empty() ? "rbps=max wbps=max riops=max wiops=max" : old);
    if (w.file == knob::bc_max)
        return w.device + " " + (old.empty() ? "max" : old);
    return w.device + " " + (old.empty() ? "0" : old);
}

}  // namespace

bool Limits::empty() const
{
    return !tasks && !memory && !swap && !memory_min && !memory_low && !cpu_weight && !cpu_percent && !cpuset &&
           !io && !numfile && !numflock && !numsiginfo;
}

std::uint64_t cpu_shares_of(std::uint64_t cpuunits)
{
    return std::max<std::uint64_t>(2, std::min<std::uint64_t>(cpuunits, 1u << 30) * 1024 / 1000);
}

std::uint64_t cpu_weight_of(std::uint64_t cpuunits)
{
    return std::clamp<std::uint64_t>(cpuunits / 10, 1, 10000);
}

Support limit_support(const ProcessContainer& pc, LimitKind kind)
{
    const bool v2 = pc.mode() == Mode::V2;
    auto needs = [&](std::string_view controller, const std::string& file) -> Support {
        if (!has_controller(pc, controller))
            return {false, file, "no " + std::string(controller) + " controller for the container"};
        if (!has_file(pc, file))
            return {false, file, file + " is missing (the kernel lacks the feature)"};
        return {true, file, {}};
    };
    switch (kind) {
    case LimitKind::Tasks:
        return needs("pids", knob::pids_max);
    case LimitKind::Memory:
        return needs("memory", v2 ? knob::memory_max : knob::memory_limit);
    case LimitKind::Swap:
        if (v2)
            return needs("memory", knob::swap_max);
        if (auto s = needs("memory", knob::memsw_limit); !s.ok) {
            s.reason = "no swap accounting (" + std::string(knob::memsw_limit) + " is missing)";
            return s;
        }
        return {true, std::string(knob::memsw_limit) + " (memory + swap)", {}};
    case LimitKind::MemoryMin:
    case LimitKind::MemoryLow:
        if (!v2)
            return {false, {}, "cgroup v1 has no memory protection"};
        return needs("memory", kind == LimitKind::MemoryMin ? knob::memory_min : knob::memory_low);
    case LimitKind::CpuWeight:
        return needs("cpu", v2 ? knob::cpu_weight : knob::cpu_shares);
    case LimitKind::CpuPercent:
        return needs("cpu", v2 ? knob::cpu_max : knob::cfs_quota);
    case LimitKind::Cpuset:
        return needs("cpuset", knob::cpuset_cpus);
    case LimitKind::Io:
        return v2 ? needs("io", knob::io_max) : needs("blkio", knob::blkio_read_bps);
    case LimitKind::Numfile:
    case LimitKind::Numflock:
    case LimitKind::Numsiginfo: {
        Support s = needs("beancounter", knob::bc_max);
        const std::string key = bc_key(kind);
        if (s.ok) {
            // A kernel of the series may count fewer resources than this
            // runtime knows: its beancounter.max lists the ones it has.
            auto text = pc.get(knob::bc_max);
            if (!text || (!text->starts_with(key + " ") && text->find("\n" + key + " ") == std::string::npos))
                return {false, knob::bc_max, std::string(knob::bc_max) + " has no " + key};
            s.how = std::string(knob::bc_max) + " " + key;
        } else if (!v2) {
            s.reason = "the beancounter controller of the kernel series is cgroup v2 only";
        }
        return s;
    }
    }
    return {};
}

std::vector<KnobWrite> plan_limits(const ProcessContainer& pc, const Limits& want, std::vector<std::string>* skipped)
{
    const bool v2 = pc.mode() == Mode::V2;
    std::vector<KnobWrite> out;
    auto supported = [&](LimitKind kind, bool wanted) {
        if (!wanted)
            return false;
        Support s = limit_support(pc, kind);
        if (!s.ok) {
            std::string msg = std::string(kind_name(kind)) + " not enforced: " + s.reason;
            if (skipped == nullptr)
                throw Error(ExitCode::System, msg);
            skipped->push_back(msg);
        }
        return s.ok;
    };

    if (supported(LimitKind::Tasks, want.tasks.has_value()))
        out.push_back(kw(knob::pids_max, v2_amount(*want.tasks)));

    const bool mem = supported(LimitKind::Memory, want.memory.has_value());
    const bool swap = supported(LimitKind::Swap, want.swap.has_value());
    if (v2) {
        if (mem)
            out.push_back(kw(knob::memory_max, v2_amount(*want.memory)));
        if (swap)
            out.push_back(kw(knob::swap_max, v2_amount(*want.swap)));
    } else if (mem || swap) {
        // memsw counts memory and swap together and may never be below the
        // memory limit, so the two are planned as a pair from what is set.
        const std::uint64_t cur_mem = read_number(pc, knob::memory_limit).value_or(kNoLimit);
        const std::optional<std::uint64_t> cur_memsw =
            has_file(pc, knob::memsw_limit) ? read_number(pc, knob::memsw_limit) : std::nullopt;
        const std::uint64_t new_mem = mem ? *want.memory : cur_mem;
        KnobWrite mem_write = kw(knob::memory_limit, v1_amount(new_mem));
        if (!cur_memsw) {
            out.push_back(mem_write);
        } else {
            const std::uint64_t cur_swap =
                *cur_memsw == kNoLimit || cur_mem == kNoLimit ? kNoLimit : *cur_memsw - std::min(*cur_memsw, cur_mem);
            const std::uint64_t new_memsw = add_capped(new_mem, swap ? *want.swap : cur_swap);
            KnobWrite memsw_write = kw(knob::memsw_limit, v1_amount(new_memsw));
            if (new_memsw >= cur_mem) {
                out.push_back(memsw_write);  // room first
                out.push_back(mem_write);
            } else {
                out.push_back(mem_write);    // memory comes down first
                out.push_back(memsw_write);
            }
        }
    }

    if (supported(LimitKind::MemoryMin, want.memory_min.has_value()))
        out.push_back(kw(knob::memory_min, v2_amount(*want.memory_min)));
    if (supported(LimitKind::MemoryLow, want.memory_low.has_value()))
        out.push_back(kw(knob::memory_low, v2_amount(*want.memory_low)));

    if (supported(LimitKind::CpuWeight, want.cpu_weight.has_value()))
        out.push_back(v2 ? kw(knob::cpu_weight, std::to_string(cpu_weight_of(*want.cpu_weight)))
                         : kw(knob::cpu_shares, std::to_string(cpu_shares_of(*want.cpu_weight))));
    if (supported(LimitKind::CpuPercent, want.cpu_percent.has_value())) {
        const std::uint64_t pct = *want.cpu_percent;
        const std::string quota = std::to_string(pct * kCpuPeriodUs / 100);
        if (v2) {
            out.push_back(kw(knob::cpu_max, (pct == 0 ? std::string("max") : quota) + " " + std::to_string(kCpuPeriodUs)));
        } else {
            out.push_back(kw(knob::cfs_period, std::to_string(kCpuPeriodUs)));
            out.push_back(kw(knob::cfs_quota, pct == 0 ? std::string("-1") : quota));
        }
    }
    if (supported(LimitKind::Cpuset, want.cpuset.has_value())) {
        std::string cpus = *want.cpuset;
        if (cpus.empty() && !v2) {
            // v1 has no "inherit": an empty cpuset refuses tasks. Take the parent's.
            const auto* c = dynamic_cast<const detail::Container*>(&pc);
            for (const auto& m : c ? c->members() : std::vector<detail::Member>{})
                if (m.has("cpuset"))
                    if (auto t = detail::read_file(m.dir.parent_path() / knob::cpuset_cpus))
                        cpus = trimmed(*t);
        }
        out.push_back(kw(knob::cpuset_cpus, cpus));
    }
    if (supported(LimitKind::Io, want.io.has_value())) {
        const IoThrottle& io = *want.io;
        const std::string dev = device_key(io);
        if (v2) {
            const std::string bps = io.bps ? std::to_string(io.bps) : "max";
            const std::string iops = io.iops ? std::to_string(io.iops) : "max";
            out.push_back(kw(knob::io_max, dev + " rbps=" + bps + " wbps=" + bps + " riops=" + iops + " wiops=" + iops, dev));
        } else {
            // 0 removes the rule for the device.
            out.push_back(kw(knob::blkio_read_bps, dev + " " + std::to_string(io.bps), dev));
            out.push_back(kw(knob::blkio_write_bps, dev + " " + std::to_string(io.bps), dev));
            out.push_back(kw(knob::blkio_read_iops, dev + " " + std::to_string(io.iops), dev));
            out.push_back(kw(knob::blkio_write_iops, dev + " " + std::to_string(io.iops), dev));
        }
    }
    const std::pair<LimitKind, const std::optional<std::uint64_t>*> counted[] = {
        {LimitKind::Numfile, &want.numfile}, {LimitKind::Numflock, &want.numflock},
        {LimitKind::Numsiginfo, &want.numsiginfo}};
    for (const auto& [kind, value] : counted) {
        if (!supported(kind, value->has_value()))
            continue;
        const std::string key = bc_key(kind);
        out.push_back(kw(knob::bc_max, key + " " + v2_amount(**value), key));
    }
    return out;
}

std::vector<std::string> apply_limits(ProcessContainer& pc, const Limits& want)
{
    std::vector<std::string> skipped;
    const auto writes = plan_limits(pc, want, &skipped);
    struct Done {
        const KnobWrite* write;
        std::string old;
    };
    std::vector<Done> done;
    for (const auto& w : writes) {
        std::string old = restore_value(pc, w);
        try {
            pc.set(w.file, w.value);
        } catch (const Error& e) {
            for (auto it = done.rbegin(); it != done.rend(); ++it) {
                try {
                    pc.set(it->write->file, it->old);
                } catch (const Error&) {
                    // Best effort: the error that matters is the first one.
                }
            }
            throw Error(e.code(), std::string(e.what()) + " (writing \"" + w.value + "\"; nothing was changed)",
                        e.sys_errno());
        }
        done.push_back({&w, std::move(old)});
    }
    return skipped;
}

std::optional<BlockDevice> block_device_of(const std::string& path, std::string* why)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (why)
            *why = "stat " + path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    unsigned maj = major(st.st_dev);
    unsigned min = minor(st.st_dev);
    const stdfs::path sys = "/sys/dev/block/" + std::to_string(maj) + ":" + std::to_string(min);
    std::error_code ec;
    if (maj == 0 || !stdfs::exists(sys, ec)) {
        if (why)
            *why = path + " is not on a block device (device " + std::to_string(maj) + ":" + std::to_string(min) + ")";
        return std::nullopt;
    }
    // Throttling takes whole disks only; a partition's disk is its parent.
    if (stdfs::exists(sys / "partition", ec)) {
        std::ifstream f(stdfs::canonical(sys, ec).parent_path() / "dev");
        std::string dev;
        if (f >> dev) {
            auto colon = dev.find(':');
            if (colon != std::string::npos) {
                maj = static_cast<unsigned>(std::stoul(dev.substr(0, colon)));
                min = static_cast<unsigned>(std::stoul(dev.substr(colon + 1)));
            }
        }
    }
    return BlockDevice{maj, min};
}

}  // namespace vessel::cgroup
