#include "runtime/spec/resources.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "runtime/base/error.h"
#include "runtime/config/values.h"

namespace vessel::spec {

namespace {

using config::BarrierLimit;
using config::kUnlimited;
using config::Unit;

// Which keys feed which limit. A limit with several keys (the CPU limit is
// the smaller of CPULIMIT and CPUS) lists them all.
struct Feed {
    std::string_view what;                  // for messages
    std::array<std::string_view, 2> keys;   // second may be empty
};
constexpr std::array kFeeds{
    Feed{"tasks", {"NUMPROC", ""}},
    Feed{"memory", {"PHYSPAGES", ""}},
    Feed{"swap", {"SWAPPAGES", ""}},
    Feed{"memory_min", {"OOMGUARPAGES", ""}},
    Feed{"memory_low", {"VMGUARPAGES", ""}},
    Feed{"memlock", {"LOCKEDPAGES", ""}},
    Feed{"numpty", {"NUMPTY", ""}},
    Feed{"cpu_weight", {"CPUUNITS", ""}},
    Feed{"cpu_percent", {"CPULIMIT", "CPUS"}},
    Feed{"cpuset", {"CPUMASK", ""}},
    Feed{"io", {"IOLIMIT", "IOPSLIMIT"}},
    Feed{"ioprio", {"IOPRIO", ""}},
    Feed{"numfile", {"NUMFILE", ""}},
    Feed{"numflock", {"NUMFLOCK", ""}},
    Feed{"numsiginfo", {"NUMSIGINFO", ""}},
};

std::uint64_t bytes_of_pages(std::uint64_t pages)
{
    if (pages == kUnlimited || pages > cgroup::kNoLimit / config::kPageSize)
        return cgroup::kNoLimit;
    return pages * config::kPageSize;
}

std::uint64_t no_limit_if_unlimited(std::uint64_t v) { return v == kUnlimited ? cgroup::kNoLimit : v; }

// "0-3,5,7-8": CPU numbers and ranges. "all" (and vzctl's "auto") mean
// every CPU the parent has, which cgroups spell as the parent's set ("").
std::string parse_cpumask(std::string_view text)
{
    if (text == "all" || text == "auto" || text.empty())
        return {};
    std::string_view rest = text;
    while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        auto dash = item.find('-');
        auto number = [&](std::string_view n) {
            if (n.empty() || !std::all_of(n.begin(), n.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
                throw Error(ExitCode::InvalidValue, "\"" + std::string(text) + "\": not a CPU list (like 0-3,5)");
            return config::parse_uint(n, 0, 8191);
        };
        std::uint64_t lo = number(item.substr(0, dash));
        if (dash != std::string_view::npos && number(item.substr(dash + 1)) < lo)
            throw Error(ExitCode::InvalidValue, "\"" + std::string(text) + "\": a range goes up (like 0-3)");
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (comma != std::string_view::npos && rest.empty())
            throw Error(ExitCode::InvalidValue, "\"" + std::string(text) + "\": ends with a comma");
    }
    return std::string(text);
}

}  // namespace

Resources resources_from(const Lookup& get, const std::filesystem::path& private_dir,
                         const std::set<std::string, std::less<>>* only)
{
    auto value = [&](std::string_view key) -> std::optional<std::string> {
        auto v = get(key);
        if (v && v->empty())
            return std::nullopt;
        return v;
    };
    auto wanted = [&](std::string_view what) {
        for (const auto& f : kFeeds) {
            if (f.what != what)
                continue;
            for (auto k : f.keys) {
                if (k.empty())
                    continue;
                if (only ? only->count(k) > 0 : value(k).has_value())
                    return true;
            }
        }
        return false;
    };
    auto barrier_limit = [&](std::string_view key, Unit unit) {
        // A key `vessel set` clears has no value: no limit.
        auto v = value(key);
        if (!v)
            return BarrierLimit{kUnlimited, kUnlimited};
        return with_context(std::string(key), [&] { return config::parse_barrier_limit(*v, unit); });
    };
    auto number = [&](std::string_view key, std::uint64_t min, std::uint64_t max, std::uint64_t dflt) {
        auto v = value(key);
        return v ? with_context(std::string(key), [&] { return config::parse_uint(*v, min, max); }) : dflt;
    };

    Resources r;
    auto& l = r.limits;
    // A count's limit (not its barrier) is what the kernel enforces.
    auto count = [&](std::string_view what, std::string_view key, std::optional<std::uint64_t>& into) {
        if (wanted(what))
            into = no_limit_if_unlimited(barrier_limit(key, Unit::Items).limit);
    };
    count("tasks", "NUMPROC", l.tasks);
    if (wanted("memory"))
        l.memory = bytes_of_pages(barrier_limit("PHYSPAGES", Unit::Pages).limit);
    if (wanted("swap"))
        l.swap = bytes_of_pages(barrier_limit("SWAPPAGES", Unit::Pages).limit);
    if (wanted("memory_min")) {
        auto b = barrier_limit("OOMGUARPAGES", Unit::Pages).barrier;
        l.memory_min = b == kUnlimited ? 0 : bytes_of_pages(b);
    }
    if (wanted("memory_low")) {
        auto b = barrier_limit("VMGUARPAGES", Unit::Pages).barrier;
        l.memory_low = b == kUnlimited ? 0 : bytes_of_pages(b);
    }
    if (wanted("memlock")) {
        auto bl = barrier_limit("LOCKEDPAGES", Unit::Pages);
        r.memlock = Resources::MemLock{bytes_of_pages(bl.barrier), bytes_of_pages(bl.limit)};
    }
    if (wanted("numpty")) {
        auto lim = barrier_limit("NUMPTY", Unit::Items).limit;
        r.numpty = lim == kUnlimited ? 0u : static_cast<unsigned>(std::clamp<std::uint64_t>(lim, 1, 1u << 20));
    }
    if (wanted("cpu_weight"))
        l.cpu_weight = number("CPUUNITS", 8, 500000, 1000);
    if (wanted("cpu_percent")) {
        std::uint64_t pct = number("CPULIMIT", 0, 819200, 0);
        if (std::uint64_t cpus = number("CPUS", 0, 8192, 0); cpus > 0)
            pct = pct == 0 ? cpus * 100 : std::min(pct, cpus * 100);
        l.cpu_percent = pct;
    }
    if (wanted("cpuset"))
        l.cpuset = with_context("CPUMASK", [&] { return parse_cpumask(value("CPUMASK").value_or("all")); });
    if (wanted("io")) {
        std::uint64_t bps = 0;
        if (auto v = value("IOLIMIT"))
            bps = with_context("IOLIMIT", [&] { return config::parse_amount(*v, Unit::Bytes); });
        std::uint64_t iops = number("IOPSLIMIT", 0, UINT32_MAX, 0);
        std::string why;
        if (auto dev = cgroup::block_device_of(private_dir.string(), &why))
            l.io = cgroup::IoThrottle{dev->major, dev->minor, no_limit_if_unlimited(bps) == cgroup::kNoLimit ? 0 : bps,
                                      iops};
        else if (bps != 0 || iops != 0)
            r.notes.push_back("IOLIMIT/IOPSLIMIT not applied: " + why);
    }
    if (wanted("ioprio"))
        r.ioprio = static_cast<int>(number("IOPRIO", 0, 7, 4));
    // Counted and limited by the beancounter controller of the kernel series.
    count("numfile", "NUMFILE", l.numfile);
    count("numflock", "NUMFLOCK", l.numflock);
    count("numsiginfo", "NUMSIGINFO", l.numsiginfo);
    return r;
}

}  // namespace vessel::spec
