// Bridged veth interfaces (vzctl's NETIF): each one a veth pair, the CT's
// end named as the operator says (eth0), the host's end (veth101.0) up and,
// if a bridge is named, in that bridge. Unlike venet, an address here is
// the CT's business on its own L2 link: it gets its prefix route, and a
// gateway only if one is given.
//
// NETIF="ifname=eth0,mac=00:18:51:..,host_ifname=veth101.0,host_mac=..,bridge=br0,ip=10.0.0.5/24,gw=10.0.0.1;ifname=eth1"
// Interfaces are separated by ';', fields by ','. ip= may repeat; gw= is the
// IPv4 gateway and gw6= the IPv6 one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip.h"
#include "net/rtnl.h"

namespace vessel::net {

struct Netif {
    std::string ifname;       // in the CT
    Mac mac{};
    std::string host_ifname;
    Mac host_mac{};
    std::string bridge;       // "" = none
    std::vector<IpAddr> addrs;
    std::optional<IpAddr> gw;
    std::optional<IpAddr> gw6;
    bool operator==(const Netif&) const = default;
};

// Whole NETIF values. Throws Error(InvalidValue) naming the field.
std::vector<Netif> parse_netif_config(std::string_view text, unsigned ctid);
std::string format_netif_config(const std::vector<Netif>& netifs);

// `--netif_add IFNAME[,MAC,HOST_IFNAME,HOST_MAC,BRIDGE]`; missing parts are
// filled in: host name veth<CTID>.<n> (n: the digits of IFNAME, else its
// position), MACs from the OUI 00:18:51 and a hash of CTID and IFNAME, so
// they are the same every time.
Netif parse_netif_add(std::string_view arg, unsigned ctid, std::size_t position);

// An interface name the kernel accepts: 1..15 bytes, no '/', ':' or blank,
// not "." or "..". Throws Error(InvalidValue).
void check_ifname(std::string_view name, std::string_view what);
Mac parse_mac(std::string_view text);  // "00:18:51:aa:bb:cc"; unicast only
Mac stable_mac(unsigned ctid, std::string_view ifname, bool host_side);

// What the bridged interfaces hold on the host, for the run state.
struct BridgedState {
    std::uint64_t host_netns = 0;
    std::vector<std::string> host_ifs;
    bool operator==(const BridgedState&) const = default;
};

// Creates every interface (at start, before init runs, or live); the state
// records each host end before it is made. On failure what was made is
// removed before the Error is thrown.
void add_netifs(int ct_netns_fd, BridgedState& st, const std::vector<Netif>& netifs);
// Adds addresses (and the gateways) to one CT interface, live.
void add_netif_addresses(int ct_netns_fd, const Netif& n, const std::vector<IpAddr>& addrs);
// Deletes the pair of each host end named (live --netif_del).
void remove_netifs(BridgedState& st, const std::vector<std::string>& host_ifs);
// Deletes every host end still there; false (and nothing done) from another
// network namespace than the one the CT was started in.
bool teardown_netifs(const BridgedState& st);

}  // namespace vessel::net
