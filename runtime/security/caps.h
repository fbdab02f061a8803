// Capabilities of container processes (libcap). OpenVZ's default: everything
// but net_admin sys_module sys_rawio sys_pacct sys_admin sys_time. One table
// of names (vzctl's spelling) to capability numbers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vessel::security {

struct CapName {
    std::string_view name;  // vzctl spelling, lower case: "net_admin"
    int cap;                // CAP_NET_ADMIN
};
std::span<const CapName> cap_names();
// Case-insensitive, with or without a "cap_" prefix (OCI spells
// "CAP_NET_ADMIN"); vzctl's "ve_admin" is accepted as an alias of net_admin,
// the upstream capability that grants what it granted (administering the
// container's own network). -1 if unknown.
int cap_by_name(std::string_view name);
// The table's name of cap, or "" if the table has none.
std::string_view cap_name(int cap);

// The highest capability the running kernel knows
// (/proc/sys/kernel/cap_last_cap, read once).
int cap_last_cap();

// The capabilities a container keeps by default, as a bit mask (bit N = cap
// N): every capability in the table that the kernel has, minus net_admin
// sys_module sys_rawio sys_pacct sys_admin sys_time. A capability newer than
// the table is not kept until the table names it.
std::uint64_t default_cap_mask();

// base with vzctl-style changes applied: "net_admin:on sys_time:off",
// separated by spaces or commas. Throws Error(InvalidValue) naming an
// unknown capability or a malformed item.
std::uint64_t cap_mask_with(std::uint64_t base, std::string_view changes);

// CAPABILITY="..." after `vessel set --capability` adds `changes` to it: one
// NAME:on|off per capability (the later setting wins), in the table's order,
// with vzctl's lower-case names. Throws like cap_mask_with.
std::string merge_capability_setting(std::string_view current, std::string_view changes);

// In the process about to exec container code: drops every capability not in
// `keep` from the bounding set, sets permitted/effective/inheritable to
// `keep`, clears the ambient set. Throws Error on failure.
void apply_caps(std::uint64_t keep);

}  // namespace vessel::security
