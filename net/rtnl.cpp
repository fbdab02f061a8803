#include "net/rtnl.h"

#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include <cstdio>
#include <memory>

#include "runtime/base/error.h"

namespace vessel::net {

namespace {

// libnl's reference-counted objects, released by their own put functions.
struct LinkPut {
    void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrPut {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct RtAddrPut {
    void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct RoutePut {
    void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};
struct NeighPut {
    void operator()(rtnl_neigh* n) const { rtnl_neigh_put(n); }
};
struct CachePut {
    void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;
using AddrPtr = std::unique_ptr<nl_addr, AddrPut>;

AddrPtr nl_addr_of(const IpAddr& ip)
{
    const std::size_t len = ip.family == AF_INET ? 4 : 16;
    AddrPtr a(nl_addr_build(ip.family, ip.bytes.data(), len));
    if (!a)
        throw Error(ExitCode::System, "netlink: out of memory");
    nl_addr_set_prefixlen(a.get(), static_cast<int>(ip.prefix));
    return a;
}

AddrPtr nl_mac_of(const Mac& mac)
{
    AddrPtr a(nl_addr_build(AF_LLC, mac.data(), mac.size()));
    if (!a)
        throw Error(ExitCode::System, "netlink: out of memory");
    return a;
}

LinkInfo info_of(rtnl_link* l)
{
    LinkInfo i;
    i.index = rtnl_link_get_ifindex(l);
    if (const char* n = rtnl_link_get_name(l))
        i.name = n;
    if (nl_addr* a = rtnl_link_get_addr(l); a && nl_addr_get_len(a) == 6) {
        const auto* p = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(a));
        std::copy(p, p + 6, i.mac.begin());
    }
    i.flags = rtnl_link_get_flags(l);
    if (const char* k = rtnl_link_get_type(l))
        i.kind = k;
    return i;
}

LinkPtr kernel_link(const NlSocket& sk, const std::string& name)
{
    rtnl_link* l = nullptr;
    int err = rtnl_link_get_kernel(sk.get(), 0, name.c_str(), &l);
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
        return nullptr;
    check_nl(err, "get link " + name);
    return LinkPtr(l);
}

bool gone(int err) { return err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV || err == -NLE_NOADDR; }

std::string route_text(const Route& r)
{
    std::string t = r.dst.prefix == 0 ? std::string("default") : r.dst.with_prefix();
    if (r.gateway)
        t += " via " + r.gateway->str();
    return t + " dev #" + std::to_string(r.ifindex);
}

std::unique_ptr<rtnl_route, RoutePut> route_of(const Route& r)
{
    std::unique_ptr<rtnl_route, RoutePut> route(rtnl_route_alloc());
    rtnl_route_set_family(route.get(), static_cast<std::uint8_t>(r.dst.family));
    rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
    rtnl_route_set_protocol(route.get(), RTPROT_STATIC);
    rtnl_route_set_type(route.get(), RTN_UNICAST);
    rtnl_route_set_scope(route.get(), r.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
    check_nl(rtnl_route_set_dst(route.get(), nl_addr_of(r.dst).get()), "route " + route_text(r));
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    rtnl_route_nh_set_ifindex(nh, r.ifindex);
    if (r.gateway)
        rtnl_route_nh_set_gateway(nh, nl_addr_of(*r.gateway).get());
    if (r.onlink)
        rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
    rtnl_route_add_nexthop(route.get(), nh);  // the route owns it now
    return route;
}

std::unique_ptr<rtnl_neigh, NeighPut> neigh_of(int ifindex, const IpAddr& ip)
{
    std::unique_ptr<rtnl_neigh, NeighPut> n(rtnl_neigh_alloc());
    rtnl_neigh_set_ifindex(n.get(), ifindex);
    rtnl_neigh_set_family(n.get(), ip.family);
    check_nl(rtnl_neigh_set_dst(n.get(), nl_addr_of(IpAddr{ip.family, ip.bytes, ip.family == AF_INET ? 32u : 128u}).get()),
             "neighbour " + ip.str());
    return n;
}

}  // namespace

std::string format_mac(const Mac& m)
{
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

std::optional<LinkInfo> find_link(const NlSocket& sk, const std::string& name)
{
    LinkPtr l = kernel_link(sk, name);
    if (!l)
        return std::nullopt;
    return info_of(l.get());
}

LinkInfo link_by_name(const NlSocket& sk, const std::string& name)
{
    if (auto i = find_link(sk, name))
        return *i;
    throw Error(ExitCode::System, "netlink: no link " + name, ENODEV);
}

std::vector<LinkInfo> all_links(const NlSocket& sk)
{
    nl_cache* c = nullptr;
    check_nl(rtnl_link_alloc_cache(sk.get(), AF_UNSPEC, &c), "list links");
    std::unique_ptr<nl_cache, CachePut> cache(c);
    std::vector<LinkInfo> out;
    for (nl_object* o = nl_cache_get_first(c); o != nullptr; o = nl_cache_get_next(o))
        out.push_back(info_of(reinterpret_cast<rtnl_link*>(o)));
    return out;
}

void create_veth(const NlSocket& sk, const std::string& host, const std::string& peer, int peer_netns_fd,
                 const std::optional<Mac>& host_mac, const std::optional<Mac>& peer_mac)
{
    rtnl_link* link = rtnl_link_veth_alloc();
    if (link == nullptr)
        throw Error(ExitCode::System, "netlink: out of memory");
    rtnl_link* other = rtnl_link_veth_get_peer(link);
    rtnl_link_set_name(link, host.c_str());
    rtnl_link_set_name(other, peer.c_str());
    rtnl_link_set_ns_fd(other, peer_netns_fd);
    if (host_mac)
        rtnl_link_set_addr(link, nl_mac_of(*host_mac).get());
    if (peer_mac)
        rtnl_link_set_addr(other, nl_mac_of(*peer_mac).get());
    int err = rtnl_link_add(sk.get(), link, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(other);
    rtnl_link_veth_release(link);
    check_nl(err, "create veth pair " + host + " / " + peer);
}

void set_link_up(const NlSocket& sk, const std::string& name)
{
    LinkPtr orig = kernel_link(sk, name);
    if (!orig)
        throw Error(ExitCode::System, "netlink: set " + name + " up: no such link", ENODEV);
    LinkPtr change(rtnl_link_alloc());
    rtnl_link_set_flags(change.get(), IFF_UP);
    check_nl(rtnl_link_change(sk.get(), orig.get(), change.get(), 0), "set " + name + " up");
}

void set_link_master(const NlSocket& sk, const std::string& name, const std::string& master)
{
    LinkPtr orig = kernel_link(sk, name);
    LinkPtr br = kernel_link(sk, master);
    if (!orig || !br)
        throw Error(ExitCode::System, "netlink: attach " + name + " to " + master + ": no such link", ENODEV);
    check_nl(rtnl_link_enslave(sk.get(), br.get(), orig.get()), "attach " + name + " to " + master);
}

bool delete_link(const NlSocket& sk, const std::string& name)
{
    LinkPtr l = kernel_link(sk, name);
    if (!l)
        return false;
    int err = rtnl_link_delete(sk.get(), l.get());
    if (gone(err))
        return false;
    check_nl(err, "delete link " + name);
    return true;
}

void add_address(const NlSocket& sk, int ifindex, const IpAddr& addr, bool nodad)
{
    std::unique_ptr<rtnl_addr, RtAddrPut> a(rtnl_addr_alloc());
    rtnl_addr_set_ifindex(a.get(), ifindex);
    rtnl_addr_set_family(a.get(), addr.family);
    check_nl(rtnl_addr_set_local(a.get(), nl_addr_of(addr).get()), "address " + addr.with_prefix());
    rtnl_addr_set_prefixlen(a.get(), static_cast<int>(addr.prefix));
    if (nodad && addr.family == AF_INET6)
        rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
    check_nl(rtnl_addr_add(sk.get(), a.get(), NLM_F_CREATE | NLM_F_EXCL), "add address " + addr.with_prefix());
}

bool delete_address(const NlSocket& sk, int ifindex, const IpAddr& addr)
{
    std::unique_ptr<rtnl_addr, RtAddrPut> a(rtnl_addr_alloc());
    rtnl_addr_set_ifindex(a.get(), ifindex);
    rtnl_addr_set_family(a.get(), addr.family);
    check_nl(rtnl_addr_set_local(a.get(), nl_addr_of(addr).get()), "address " + addr.with_prefix());
    rtnl_addr_set_prefixlen(a.get(), static_cast<int>(addr.prefix));
    int err = rtnl_addr_delete(sk.get(), a.get(), 0);
    if (gone(err) || err == -NLE_INVAL)
        return false;
    check_nl(err, "delete address " + addr.with_prefix());
    return true;
}

void add_route(const NlSocket& sk, const Route& r)
{
    auto route = route_of(r);
    check_nl(rtnl_route_add(sk.get(), route.get(), NLM_F_CREATE | NLM_F_EXCL), "add route " + route_text(r));
}

bool delete_route(const NlSocket& sk, const Route& r)
{
    auto route = route_of(r);
    int err = rtnl_route_delete(sk.get(), route.get(), 0);
    if (gone(err) || err == -NLE_NOATTR)
        return false;
    check_nl(err, "delete route " + route_text(r));
    return true;
}

std::vector<std::pair<IpAddr, int>> main_routes(const NlSocket& sk, int family)
{
    nl_cache* c = nullptr;
    check_nl(rtnl_route_alloc_cache(sk.get(), family, 0, &c), "list routes");
    std::unique_ptr<nl_cache, CachePut> cache(c);
    std::vector<std::pair<IpAddr, int>> out;
    for (nl_object* o = nl_cache_get_first(c); o != nullptr; o = nl_cache_get_next(o)) {
        auto* r = reinterpret_cast<rtnl_route*>(o);
        if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST ||
            rtnl_route_get_nnexthops(r) < 1)
            continue;
        nl_addr* dst = rtnl_route_get_dst(r);
        IpAddr ip;
        ip.family = family;
        if (dst && nl_addr_get_len(dst) > 0) {
            const auto* p = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(dst));
            std::copy(p, p + nl_addr_get_len(dst), ip.bytes.begin());
        }
        ip.prefix = dst ? static_cast<unsigned>(nl_addr_get_prefixlen(dst)) : 0;
        out.emplace_back(ip, rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, 0)));
    }
    return out;
}

void add_neighbour(const NlSocket& sk, int ifindex, const IpAddr& ip, const Mac& mac)
{
    auto n = neigh_of(ifindex, ip);
    rtnl_neigh_set_lladdr(n.get(), nl_mac_of(mac).get());
    rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
    check_nl(rtnl_neigh_add(sk.get(), n.get(), NLM_F_CREATE | NLM_F_REPLACE),
             "add neighbour " + ip.str() + " lladdr " + format_mac(mac));
}

void add_proxy(const NlSocket& sk, int ifindex, const IpAddr& ip)
{
    auto n = neigh_of(ifindex, ip);
    rtnl_neigh_set_flags(n.get(), NTF_PROXY);
    rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
    check_nl(rtnl_neigh_add(sk.get(), n.get(), NLM_F_CREATE | NLM_F_REPLACE), "add proxy entry for " + ip.str());
}

bool delete_proxy(const NlSocket& sk, int ifindex, const IpAddr& ip)
{
    auto n = neigh_of(ifindex, ip);
    rtnl_neigh_set_flags(n.get(), NTF_PROXY);
    int err = rtnl_neigh_delete(sk.get(), n.get(), 0);
    if (gone(err))
        return false;
    check_nl(err, "delete proxy entry for " + ip.str());
    return true;
}

}  // namespace vessel::net
