// One row per beancounter for one container, in the kernel's order: what
// this host and backend do with the parameter (enforce it, only account it,
// or neither) and its figures, held, maxheld, barrier, limit and failcnt,
// in the parameter's unit. A figure that cannot be known is absent; see
// runtime/bc/README.md for where each one comes from.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/bc/ct_usage.h"
#include "runtime/bc/ubc_table.h"
#include "runtime/cgroup/counters.h"
#include "runtime/cgroup/limits.h"

namespace vessel::bc {

enum class Coverage { Enforced, Accounted, Unavailable };
std::string_view coverage_name(Coverage c);  // "enforced", "accounted", "unavailable"

struct UbcRow {
    const UbcParam* param = nullptr;
    Coverage coverage = Coverage::Unavailable;
    std::string how;           // enforced: by what; accounted: from which counter; unavailable: why
    std::string held_from;     // where held comes from, with what it covers
    std::string maxheld_from;  // the kernel's peak counter, or "samples"
    std::string failcnt_from;  // the kernel's counter, or why it is 0 or unknown
    std::optional<std::uint64_t> held, maxheld, failcnt;
    std::uint64_t barrier = config::kUnlimited;
    std::uint64_t limit = config::kUnlimited;

    // All five figures known: the row can be printed in the kernel's format.
    bool complete() const { return held && maxheld && failcnt; }
};

// Highest held value seen so far per parameter name, in its unit (the
// monitor's samples and earlier readings; runtime/bc/peaks.h).
using Peaks = std::map<std::string, std::uint64_t, std::less<>>;

struct UbcInputs {
    cgroup::Mode mode = cgroup::Mode::V2;
    // What the backend can enforce (cgroup::limit_support for the container).
    std::function<cgroup::Support(cgroup::LimitKind)> support;
    cgroup::Counters counters;
    // Figures of a running container; nullopt when only the mapping is
    // wanted (--explain with no container running).
    std::optional<CtUsage> usage;
    std::optional<std::uint64_t> processes;  // cgroup.procs count, when pids.current is missing
    // The configured "barrier:limit" of a config key (CT config over
    // vessel.conf); nullopt when unset, which reads as unlimited.
    std::function<std::optional<std::string>(std::string_view key)> config_value;
    Peaks peaks;
};

// Every parameter but the dummies, in kernel order.
std::vector<UbcRow> build_rows(const UbcInputs& in);

// The held figure of every row that has one, for the peak file.
Peaks held_of(const std::vector<UbcRow>& rows);

}  // namespace vessel::bc
