// The user beancounter parameters, in the kernel's resource-id order
// (OpenVZ include/ub.h). One table: names, config keys, units. How each is
// enforced or accounted on a backend is added beside it by the cgroup code.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "runtime/config/values.h"

namespace vessel::bc {

struct UbcParam {
    int id;                   // kernel resource id
    std::string_view name;    // "numproc"; "dummy" for the unused ids
    std::string_view key;     // config key "NUMPROC"; empty for dummies
    config::Unit unit;        // Bytes, Pages or Items
};

// All ids 0..24, dummies included (as /proc/user_beancounters prints them).
std::span<const UbcParam> ubc_params();
// By name ("numproc") or config key ("NUMPROC", alias "DCACHE"); dummies excluded.
const UbcParam* find_ubc(std::string_view name_or_key);

}  // namespace vessel::bc
