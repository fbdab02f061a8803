// How `vessel ubc` prints: the kernel's /proc/user_beancounters text, JSON,
// and the --explain lines.
#pragma once

#include <string>
#include <vector>

#include "runtime/bc/ubc_rows.h"

namespace vessel::bc {

struct CtRows {
    std::uint64_t ctid = 0;
    std::vector<UbcRow> rows;
};

// "Version: 2.5", the header, then per container one line per parameter
// with all five figures known, the first carrying "CTID:", in the 64-bit
// kernel's columns. A row with a figure that cannot be known is left out
// rather than filled with a made-up number; --explain says which and why.
std::string format_ubc_text(const std::vector<CtRows>& cts);

// [{"ctid": 101, "kmemsize": {"held": .., "maxheld": .., "barrier": ..,
// "limit": .., "failcnt": ..}, ...}], every parameter, null where unknown.
std::string format_ubc_json(const std::vector<CtRows>& cts);

// One line per parameter: name, enforced/accounted/unavailable, and how or
// why, then where held, maxheld and failcnt come from.
std::string format_ubc_explain(const std::vector<UbcRow>& rows);

}  // namespace vessel::bc
