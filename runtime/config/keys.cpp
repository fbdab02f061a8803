#include "runtime/config/keys.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <limits>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/bc/ubc_table.h"
#include "runtime/config/ctid.h"
#include "runtime/config/devices.h"

namespace vessel::config {

namespace {

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();

using K = KeyKind;
using S = KeyScope;

KeyInfo text(std::string_view name, KeyScope scope, std::string_view help)
{
    return {name, K::String, scope, Unit::Items, 0, 0, {}, help};
}

KeyInfo path(std::string_view name, KeyScope scope, std::string_view help)
{
    return {name, K::Path, scope, Unit::Items, 0, 0, {}, help};
}

KeyInfo uint(std::string_view name, KeyScope scope, std::uint64_t min, std::uint64_t max, std::string_view help)
{
    return {name, K::Uint, scope, Unit::Items, min, max, {}, help};
}

KeyInfo flag(std::string_view name, KeyScope scope, std::string_view help)
{
    return {name, K::Bool, scope, Unit::Items, 0, 0, {}, help};
}

KeyInfo one_of(std::string_view name, KeyScope scope, std::string_view choices, std::string_view help)
{
    return {name, K::Enum, scope, Unit::Items, 0, 0, choices, help};
}

KeyInfo of_kind(std::string_view name, KeyKind kind, KeyScope scope, Unit unit, std::string_view help)
{
    return {name, kind, scope, unit, 0, 0, {}, help};
}

std::vector<KeyInfo> build_table()
{
    std::vector<KeyInfo> t{
        // Where things live (vessel.conf).
        path("VE_ROOT", S::Both, "mount point of the container's root; $VEID is replaced"),
        path("VE_PRIVATE", S::Both, "the container's files; $VEID is replaced"),
        path("TEMPLATE", S::Global, "OS template directory (caches in TEMPLATE/cache)"),
        path("LOCKDIR", S::Global, "container lock files"),
        path("DUMPDIR", S::Global, "checkpoint images"),
        path("CONFDIR", S::Global, "container configurations and samples"),
        path("RUNDIR", S::Global, "state of running containers"),
        text("CGROUP_PARENT", S::Global, "cgroup under which containers are created"),
        text("CONFIGFILE", S::Global, "sample applied at create: ve-NAME.conf-sample"),
        text("DEF_OSTEMPLATE", S::Global, "OS template used when create is given none"),
        one_of("VE_LAYOUT", S::Both, "simfs", "layout of the private area"),
        uint("STOP_TIMEOUT", S::Both, 0, 86400, "seconds a graceful stop may take"),
        flag("IPV6", S::Global, "IPv6 support for containers"),
        text("NEIGHBOUR_DEVS", S::Global, "devices that answer ARP/NDP for container addresses: detect, all or names"),
        uint("VERBOSE", S::Global, 0, 10, "verbosity of messages"),
        uint("LOCAL_UID", S::Both, 0, kU32Max - 1, "host uid that container uid 0 maps to"),
        uint("LOCAL_GID", S::Both, 0, kU32Max - 1, "host gid that container gid 0 maps to"),
        flag("IDMAPPED_MOUNTS", S::Both, "with LOCAL_UID: idmap the private area where the filesystem can (else shift it on disk)"),

        // The container itself.
        text("OSTEMPLATE", S::Ct, "OS template the container was created from"),
        text("ORIGIN_SAMPLE", S::Ct, "sample the container was created with"),
        of_kind("HOSTNAME", K::Hostname, S::Ct, Unit::Items, "host name inside the container"),
        of_kind("NAME", K::CtName, S::Ct, Unit::Items, "container name, usable instead of the CTID"),
        text("DESCRIPTION", S::Ct, "free text"),
        flag("ONBOOT", S::Ct, "start the container when the host boots"),
        uint("BOOTORDER", S::Ct, 0, kU32Max, "higher starts earlier at boot"),
        flag("DISABLED", S::Ct, "refuse to start the container"),

        // Network.
        of_kind("IP_ADDRESS", K::IpList, S::Ct, Unit::Items, "routed (venet) addresses, space separated"),
        {"NAMESERVER", K::AddressList, S::Both, Unit::Items, 0, 0, "inherit", "DNS servers, or inherit the host's"},
        {"SEARCHDOMAIN", K::DomainList, S::Both, Unit::Items, 0, 0, "inherit",
         "DNS search domains, or inherit the host's"},
        text("NETIF", S::Ct, "bridged (veth) interfaces: ifname=,mac=,host_ifname=,host_mac=,bridge=,ip=,gw=;..."),
        one_of("NETFILTER", S::Both, "disabled stateless stateful full", "netfilter modules available"),

        // CPU and I/O.
        uint("CPUUNITS", S::Both, 8, 500000, "relative CPU weight"),
        uint("CPULIMIT", S::Both, 0, 819200, "CPU limit in percent of one CPU; 0 is none"),
        uint("CPUS", S::Both, 0, 8192, "number of CPUs; 0 is all"),
        text("CPUMASK", S::Both, "CPUs the container may run on: list, all or auto"),
        text("NODEMASK", S::Both, "NUMA nodes the container may use"),
        uint("IOPRIO", S::Both, 0, 7, "I/O priority"),
        of_kind("IOLIMIT", K::Amount, S::Both, Unit::Bytes, "disk bandwidth in bytes per second; 0 is none"),
        uint("IOPSLIMIT", S::Both, 0, kU32Max, "disk operations per second; 0 is none"),

        // Disk.
        of_kind("DISKSPACE", K::BarrierLimit, S::Both, Unit::KiB, "disk space soft:hard, in KiB unless suffixed"),
        of_kind("DISKINODES", K::BarrierLimit, S::Both, Unit::Items, "inodes soft:hard"),
        uint("QUOTATIME", S::Both, 0, kU32Max, "seconds the soft disk limits may be exceeded"),
        uint("QUOTAUGIDLIMIT", S::Both, 0, kU32Max, "uids and gids with their own quota in the container"),
        flag("DISK_QUOTA", S::Both, "enforce DISKSPACE and DISKINODES"),

        // Security and devices.
        text("CAPABILITY", S::Both, "capabilities turned on or off: name:on|off ..."),
        of_kind("DEVICES", K::DeviceList, S::Both, Unit::Items,
                "device access: b|c:major:minor|all:r|w|rw|none ..."),
        of_kind("DEVNODES", K::DevnodeList, S::Both, Unit::Items,
                "device nodes made in the container's /dev with the host's numbers: name:r|w|rw ..."),
        text("FEATURES", S::Both, "optional features: name:on|off ..."),
        text("SECCOMP_PROFILE", S::Both, "seccomp profile: default, none, or an OCI/Docker JSON file"),

        of_kind("AVNUMPROC", K::BarrierLimit, S::Ct, Unit::Items, "expected average number of processes"),
    };
    for (const bc::UbcParam& p : bc::ubc_params())
        if (!p.key.empty())
            t.push_back(of_kind(p.key, K::BarrierLimit, S::Both, p.unit, "beancounter barrier:limit"));
    return t;
}

const std::vector<KeyInfo>& table()
{
    static const std::vector<KeyInfo> t = build_table();
    return t;
}

constexpr std::array kAliases{
    KeyAlias{"DCACHE", "DCACHESIZE"},
    KeyAlias{"IPTENTRIES", "NUMIPTENT"},
};

[[noreturn]] void bad(std::string_view value, std::string_view what)
{
    throw Error(ExitCode::InvalidValue, "\"" + std::string(value) + "\": " + std::string(what));
}

bool is_choice(std::string_view value, std::string_view choices)
{
    for (std::string_view c : split_words(choices))
        if (c == value)
            return true;
    return false;
}

void check_ip_list(std::string_view value, std::string_view extra_words, bool allow_prefix)
{
    for (std::string_view w : split_words(value))
        if (!is_choice(w, extra_words) && !valid_ip(w, allow_prefix))
            bad(w, "not a valid IP address");
}

void check_domain_list(std::string_view value, std::string_view extra_words)
{
    for (std::string_view w : split_words(value))
        if (!is_choice(w, extra_words) && !valid_hostname(w))
            bad(w, "not a valid domain name");
}

bool valid_label(std::string_view label)
{
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
        return false;
    for (char c : label) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

std::string where(const ConfigFile& file, int line)
{
    if (file.origin().empty())
        return "line " + std::to_string(line);
    return file.origin() + ":" + std::to_string(line);
}

}  // namespace

std::span<const KeyInfo> key_table() { return table(); }

std::span<const KeyAlias> key_aliases() { return kAliases; }

const KeyInfo* find_key(std::string_view name)
{
    for (const KeyAlias& a : kAliases)
        if (a.alias == name)
            name = a.key;
    for (const KeyInfo& k : table())
        if (k.name == name)
            return &k;
    return nullptr;
}

std::optional<std::string> lookup(const ConfigFile& file, std::string_view key)
{
    const ConfigFile::Assignment* best = file.find(key);
    for (const KeyAlias& a : kAliases) {
        if (a.key != key)
            continue;
        const ConfigFile::Assignment* other = file.find(a.alias);
        if (other && (!best || other->line > best->line))
            best = other;
    }
    if (!best)
        return std::nullopt;
    return best->value;
}

bool valid_hostname(std::string_view name)
{
    if (name.empty() || name.size() > 253)
        return false;
    for (size_t start = 0;;) {
        size_t dot = name.find('.', start);
        if (!valid_label(name.substr(start, dot == std::string_view::npos ? dot : dot - start)))
            return false;
        if (dot == std::string_view::npos)
            return true;
        start = dot + 1;
    }
}

bool valid_ip(std::string_view text, bool allow_prefix)
{
    std::string_view addr = text;
    std::string_view prefix;
    bool has_prefix = false;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        if (!allow_prefix)
            return false;
        addr = text.substr(0, slash);
        prefix = text.substr(slash + 1);
        has_prefix = true;
    }
    std::string a(addr);
    unsigned char buf[sizeof(struct in6_addr)];
    std::uint64_t max_prefix;
    if (::inet_pton(AF_INET, a.c_str(), buf) == 1)
        max_prefix = 32;
    else if (::inet_pton(AF_INET6, a.c_str(), buf) == 1)
        max_prefix = 128;
    else
        return false;
    if (!has_prefix)
        return true;
    if (prefix.empty() || prefix.size() > 3)
        return false;
    std::uint64_t n = 0;
    for (char c : prefix) {
        if (c < '0' || c > '9')
            return false;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    return n <= max_prefix;
}

void validate_value(std::string_view key, std::string_view value)
{
    const KeyInfo* k = find_key(key);
    if (k == nullptr)
        return;
    switch (k->kind) {
    case K::String:
    case K::Path:
        // An empty path means unset, as in vzctl; whoever needs it reports that.
        return;
    case K::Uint:
        parse_uint(value, k->min, k->max);
        return;
    case K::Bool:
        parse_bool(value);
        return;
    case K::BarrierLimit:
        parse_barrier_limit(value, k->unit);
        return;
    case K::Amount:
        parse_amount(value, k->unit);
        return;
    case K::Hostname:
        if (!value.empty() && !valid_hostname(value))
            bad(value, "not a valid host name");
        return;
    case K::CtName:
        if (!value.empty() && !valid_ct_name(value))
            bad(value, "not a valid container name");
        return;
    case K::IpList:
        check_ip_list(value, k->choices, true);
        return;
    case K::AddressList:
        check_ip_list(value, k->choices, false);
        return;
    case K::DomainList:
        check_domain_list(value, k->choices);
        return;
    case K::Enum:
        if (!is_choice(value, k->choices))
            bad(value, "must be one of: " + std::string(k->choices));
        return;
    case K::DevnodeList:
        parse_devnodes(value);
        return;
    case K::DeviceList:
        parse_devices(value);
        return;
    }
}

void validate_file(const ConfigFile& file)
{
    for (const ConfigFile::Assignment& a : file.assignments()) {
        try {
            validate_value(a.key, a.value);
        } catch (const Error& e) {
            throw Error(ExitCode::InvalidValue, where(file, a.line) + ": " + a.key + ": " + e.message());
        }
    }
}

}  // namespace vessel::config
