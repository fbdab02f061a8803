// Container IDs and names.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "runtime/config/global.h"

namespace vessel::config {

inline constexpr CtId kCtIdMin = 1;
inline constexpr CtId kCtIdMax = 2147483644;  // vzctl's VEID_MAX

// "101" -> 101. Not a number, 0, or above the maximum: nullopt.
std::optional<CtId> parse_ctid(std::string_view text);

// Names: start with a letter, then letters, digits, '.', '_', '-'; at most 64.
bool valid_ct_name(std::string_view name);

// A CTID, or a name given at create (NAME= in a CT config) resolved to its CTID.
// Error(InvalidParameter) for something that is neither; Error(CtConfigMissing)
// "no container named X" for an unknown name.
CtId resolve_ctid(std::string_view arg, const GlobalConfig& global);

// The CTID whose config has NAME=name, if any.
std::optional<CtId> find_by_name(std::string_view name, const GlobalConfig& global);

// Every CTID that has a config in CONFDIR, ascending.
std::vector<CtId> list_ctids(const GlobalConfig& global);

}  // namespace vessel::config
