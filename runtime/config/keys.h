// The configuration keys Vessel understands: one table, with the kind of
// value each takes. Keys not in the table are kept untouched in files.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "runtime/config/config_file.h"
#include "runtime/config/values.h"

namespace vessel::config {

enum class KeyKind {
    String,        // free text
    Path,          // path; $VEID allowed; relative ones are resolved beside vessel.conf
    Uint,          // plain non-negative integer (min..max)
    Bool,          // yes/no
    BarrierLimit,  // UBC style barrier[:limit] in `unit`
    Amount,        // single amount in `unit` (RAM, SWAP)
    Hostname,      // RFC 1123 host name
    CtName,        // container name (NAME)
    IpList,        // space separated addresses, each with an optional /prefix
    AddressList,   // space separated addresses without prefix, or words of `choices`
    DomainList,    // space separated domain names (host name syntax), or words of `choices`
    Enum,          // one of `choices` (space separated)
    DevnodeList,   // DEVNODES: NAME:ACCESS words (devices.h)
    DeviceList,    // DEVICES: b|c:MAJOR:MINOR|all:ACCESS words (devices.h)
};

enum class KeyScope { Global, Ct, Both };

struct KeyInfo {
    std::string_view name;
    KeyKind kind;
    KeyScope scope;
    Unit unit = Unit::Items;
    std::uint64_t min = 0;
    std::uint64_t max = 0;
    std::string_view choices;  // Enum; extra words an AddressList or DomainList allows
    std::string_view help;
};

std::span<const KeyInfo> key_table();
// Exact name, or an alias (DCACHE -> DCACHESIZE, IPTENTRIES -> NUMIPTENT).
const KeyInfo* find_key(std::string_view name);

struct KeyAlias {
    std::string_view alias;  // as older files spell it
    std::string_view key;    // the name in key_table()
};
std::span<const KeyAlias> key_aliases();

// The value of key in file, also when the file spells it with an alias;
// the later line wins, as in a shell.
std::optional<std::string> lookup(const ConfigFile& file, std::string_view key);

// RFC 1123 host name: dot separated labels of letters, digits and '-',
// each 1..63 long and not starting or ending with '-'; at most 253 in all.
bool valid_hostname(std::string_view name);
// IPv4 or IPv6 address, with an optional /prefix when allow_prefix.
bool valid_ip(std::string_view text, bool allow_prefix);

// Checks one value against its key's kind; Error(InvalidValue) with the
// message only ("\"12x\": not a number"); unknown keys are accepted.
void validate_value(std::string_view key, std::string_view value);
// Checks every known key of the file; Error(InvalidValue)
// "ORIGIN:LINE: KEY: \"12x\": not a number" on the first bad one.
void validate_file(const ConfigFile& file);

}  // namespace vessel::config
