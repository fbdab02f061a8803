// The link, address, route and neighbour operations the network models
// need, each one netlink request through libnl-route-3, each failure an
// Error naming the object ("netlink: add route 198.51.100.7/32 dev
// venet101: File exists").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/ip.h"
#include "net/netlink.h"

namespace vessel::net {

using Mac = std::array<std::uint8_t, 6>;
std::string format_mac(const Mac& mac);

struct LinkInfo {
    int index = 0;
    std::string name;
    Mac mac{};
    unsigned flags = 0;     // IFF_*
    std::string kind;       // "veth", "bridge", ... ("" for a physical device)
};

// nullopt when there is no such link.
std::optional<LinkInfo> find_link(const NlSocket& sk, const std::string& name);
LinkInfo link_by_name(const NlSocket& sk, const std::string& name);  // throws ENODEV
std::vector<LinkInfo> all_links(const NlSocket& sk);

// A veth pair: `host` here, `peer` moved into the namespace of peer_netns_fd.
void create_veth(const NlSocket& sk, const std::string& host, const std::string& peer, int peer_netns_fd,
                 const std::optional<Mac>& host_mac = std::nullopt, const std::optional<Mac>& peer_mac = std::nullopt);
void set_link_up(const NlSocket& sk, const std::string& name);
void set_link_master(const NlSocket& sk, const std::string& name, const std::string& master);
// Deletes the link; false if it was not there.
bool delete_link(const NlSocket& sk, const std::string& name);

// nodad: usable at once (IPv6 duplicate address detection skipped).
void add_address(const NlSocket& sk, int ifindex, const IpAddr& addr, bool nodad = true);
// false if it was not there.
bool delete_address(const NlSocket& sk, int ifindex, const IpAddr& addr);

struct Route {
    IpAddr dst;                     // prefix 0 = default
    int ifindex = 0;
    std::optional<IpAddr> gateway;  // none: on-link (scope link)
    bool onlink = false;            // the gateway is on the link whatever the addresses say
};
void add_route(const NlSocket& sk, const Route& r);
bool delete_route(const NlSocket& sk, const Route& r);
// Routes of the main table in the family, as (dst, ifindex) pairs.
std::vector<std::pair<IpAddr, int>> main_routes(const NlSocket& sk, int family);

// A permanent neighbour entry: `ip` is at `mac` on the link.
void add_neighbour(const NlSocket& sk, int ifindex, const IpAddr& ip, const Mac& mac);
// A proxy entry: this host answers ARP/NDP for `ip` on the link.
void add_proxy(const NlSocket& sk, int ifindex, const IpAddr& ip);
bool delete_proxy(const NlSocket& sk, int ifindex, const IpAddr& ip);

}  // namespace vessel::net
