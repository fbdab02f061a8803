// The routed "venet" model on a stock kernel. OpenVZ's venet0 was a
// point-to-point device: the host routed each CT address to it and answered
// ARP for those addresses on its uplinks. Here a veth pair per CT does that:
//
//   CT:    venet0 with the CT's addresses (no prefix route: everything goes
//          through the gateway); default routes via 169.254.0.1 (onlink) and
//          fe80::1, both permanent neighbours at the host end's MAC, so the
//          CT needs no ARP/NDP answer from anyone and nothing but its addresses.
//   host:  venet<CTID>, no address of its own; per CT address a /32 (/128)
//          route to it and a permanent neighbour at venet0's MAC; a proxy
//          ARP/NDP entry on each neighbour device (the uplinks), so other
//          machines on the uplink reach the address through this host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/ip.h"

namespace vessel::net {

inline constexpr const char* kCtVenet = "venet0";
std::string venet_host_name(unsigned ctid);  // "venet101"

// What the model put on the host, kept in the run state so that whoever
// tears the CT down can remove it, even after the CT died on its own.
struct VenetState {
    std::uint64_t host_netns = 0;  // inode of the host-side network namespace
    std::string host_if;
    std::vector<IpAddr> addrs;  // in the CT now
    struct Proxy {
        IpAddr addr;
        std::string dev;
        bool operator==(const Proxy&) const = default;
    };
    std::vector<Proxy> proxies;
    bool operator==(const VenetState&) const = default;
};

// NEIGHBOUR_DEVS: "detect" (the device of the host's most specific route to
// each address), "all" (every device that is up, but loopback and venets),
// or device names separated by blanks or commas.
struct NeighbourDevs {
    std::string spec = "detect";
};

// What on this host keeps `addrs` from being reachable from the uplink
// (forwarding off, proxy_ndp off, no neighbour device): for the operator, as
// warnings, from the command they ran (the monitor has no terminal).
std::vector<std::string> venet_host_warnings(const std::vector<IpAddr>& addrs, const NeighbourDevs& devs);

// At start, before init runs any code: the pair, both ends up, the CT's
// loopback up, the addresses. ct_netns_fd is the CT's network namespace.
// On failure, what was made is removed again before the Error is thrown.
VenetState setup_venet(int ct_netns_fd, unsigned ctid, const std::vector<IpAddr>& addrs, const NeighbourDevs& devs);

// Live changes on a running CT; `st` is updated to what is there.
void add_venet_addresses(int ct_netns_fd, VenetState& st, const std::vector<IpAddr>& add, const NeighbourDevs& devs);
void remove_venet_addresses(int ct_netns_fd, VenetState& st, const std::vector<IpAddr>& del);

// Removes the proxy entries and the host end (its routes and neighbours go
// with it). Idempotent: anything already gone is fine. Only from the network
// namespace the CT was started in (vessel may run in one of its own): from
// any other it does nothing, since the names there may be someone else's,
// and returns false.
bool teardown_venet(const VenetState& st);

// Inode of the calling thread's network namespace.
std::uint64_t current_netns();

}  // namespace vessel::net
