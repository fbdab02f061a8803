#include "net/venet.h"

#include <linux/if.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "net/netlink.h"
#include "net/rtnl.h"
#include "runtime/base/error.h"

namespace vessel::net {

namespace {

// The gateways the CT sees. Link-local, so they never clash with anything
// routed, and permanent neighbours, so nothing has to answer for them.
const IpAddr& gateway(int family)
{
    static const IpAddr v4 = parse_ip("169.254.0.1");
    static const IpAddr v6 = parse_ip("fe80::1");
    return family == AF_INET ? v4 : v6;
}

IpAddr host_route_of(const IpAddr& a)
{
    IpAddr r = a;
    r.prefix = a.family == AF_INET ? 32 : 128;
    return r;
}

std::string read_sysctl(const std::string& path)
{
    std::ifstream f(path);
    std::string v;
    f >> v;
    return v;
}

// Which devices answer for `addr` on the uplink.
std::vector<LinkInfo> neighbour_devs_for(const NlSocket& host, const IpAddr& addr, const NeighbourDevs& devs)
{
    auto usable = [](const LinkInfo& l) {
        return (l.flags & IFF_UP) && !(l.flags & IFF_LOOPBACK) && !l.name.starts_with("venet");
    };
    std::vector<LinkInfo> out;
    if (devs.spec == "all") {
        for (auto& l : all_links(host))
            if (usable(l))
                out.push_back(l);
        return out;
    }
    if (devs.spec.empty() || devs.spec == "detect") {
        // The most specific route that covers the address, not through a venet.
        auto links = all_links(host);
        int best = -1;
        unsigned best_prefix = 0;
        for (const auto& [dst, ifindex] : main_routes(host, addr.family)) {
            if (!dst.contains(addr) || (best >= 0 && dst.prefix <= best_prefix))
                continue;
            auto l = std::find_if(links.begin(), links.end(), [&](const LinkInfo& i) { return i.index == ifindex; });
            if (l == links.end() || !usable(*l))
                continue;
            best = ifindex;
            best_prefix = dst.prefix;
        }
        for (const auto& l : links)
            if (l.index == best)
                out.push_back(l);
        return out;
    }
    std::string names = devs.spec;
    std::replace(names.begin(), names.end(), ',', ' ');
    std::size_t pos = 0;
    while ((pos = names.find_first_not_of(' ', pos)) != std::string::npos) {
        auto end = names.find(' ', pos);
        const std::string name = names.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (auto l = find_link(host, name))
            out.push_back(*l);
        pos = end;
    }
    return out;
}

void warn_forwarding(const IpAddr& addr, const std::vector<LinkInfo>& devs, std::vector<std::string>* warnings)
{
    if (addr.family == AF_INET) {
        if (read_sysctl("/proc/sys/net/ipv4/ip_forward") != "1")
            warnings->push_back("net.ipv4.ip_forward is 0: " + addr.str() +
                                " is reachable from this host only, not from the uplink");
    } else {
        if (read_sysctl("/proc/sys/net/ipv6/conf/all/forwarding") != "1")
            warnings->push_back("net.ipv6.conf.all.forwarding is 0: " + addr.str() +
                                " is reachable from this host only, not from the uplink");
        for (const auto& d : devs)
            if (read_sysctl("/proc/sys/net/ipv6/conf/" + d.name + "/proxy_ndp") != "1")
                warnings->push_back("net.ipv6.conf." + d.name + ".proxy_ndp is 0: no neighbour answers for " +
                                    addr.str() + " on " + d.name);
    }
    if (devs.empty())
        warnings->push_back("no neighbour device for " + addr.str() +
                            " (NEIGHBOUR_DEVS): other machines will not find it");
}

void ensure_gateway(const NlSocket& ct, int ct_if, const LinkInfo& host_end, int family)
{
    add_neighbour(ct, ct_if, gateway(family), host_end.mac);
    Route def{IpAddr{family, {}, 0}, ct_if, gateway(family), family == AF_INET};
    try {
        add_route(ct, def);
    } catch (const Error& e) {
        if (e.sys_errno() != EEXIST)
            throw;
    }
}

void add_one(const NlSocket& host, const NlSocket& ct, VenetState& st, const IpAddr& a, const NeighbourDevs& devs)
{
    const LinkInfo host_end = link_by_name(host, st.host_if);
    const LinkInfo ct_end = link_by_name(ct, kCtVenet);
    // Recorded first, so that a failure half-way is cleaned up by teardown.
    st.addrs.push_back(a);
    add_address(ct, ct_end.index, a);
    ensure_gateway(ct, ct_end.index, host_end, a.family);
    add_route(host, Route{host_route_of(a), host_end.index, std::nullopt, false});
    add_neighbour(host, host_end.index, a, ct_end.mac);
    for (const auto& d : neighbour_devs_for(host, a, devs)) {
        st.proxies.push_back({a, d.name});
        add_proxy(host, d.index, a);
    }
}

void remove_proxies_of(const NlSocket& host, VenetState& st, const IpAddr& a)
{
    for (auto it = st.proxies.begin(); it != st.proxies.end();) {
        if (!it->addr.same_address(a)) {
            ++it;
            continue;
        }
        if (auto l = find_link(host, it->dev))
            delete_proxy(host, l->index, it->addr);
        it = st.proxies.erase(it);
    }
}

}  // namespace

std::string venet_host_name(unsigned ctid) { return "venet" + std::to_string(ctid); }

std::vector<std::string> venet_host_warnings(const std::vector<IpAddr>& addrs, const NeighbourDevs& devs)
{
    std::vector<std::string> out;
    if (addrs.empty())
        return out;
    NlSocket host = NlSocket::open();
    for (const auto& a : addrs)
        warn_forwarding(a, neighbour_devs_for(host, a, devs), &out);
    return out;
}

VenetState setup_venet(int ct_netns_fd, unsigned ctid, const std::vector<IpAddr>& addrs, const NeighbourDevs& devs)
{
    NlSocket host = NlSocket::open();
    NlSocket ct = NlSocket::open_in(ct_netns_fd);
    VenetState st;
    st.host_netns = current_netns();
    st.host_if = venet_host_name(ctid);
    try {
        // A device of that name is not ours to remove: every stop, reboot
        // and recovery deletes this CT's own host end from its run state.
        if (find_link(host, st.host_if))
            throw Error(ExitCode::System, "host device " + st.host_if +
                                              " exists already (another container, or another installation, uses it)",
                        EEXIST);
        create_veth(host, st.host_if, kCtVenet, ct_netns_fd);
        set_link_up(host, st.host_if);
        set_link_up(ct, "lo");
        set_link_up(ct, kCtVenet);
        add_venet_addresses(ct_netns_fd, st, addrs, devs);
    } catch (Error& e) {
        if (e.sys_errno() == EEXIST && st.addrs.empty())
            st.host_if.clear();  // not ours: leave it
        try {
            teardown_venet(st);
        } catch (const Error&) {
            // The first error is the one to report.
        }
        throw e.add_context("network");
    }
    return st;
}

void add_venet_addresses(int ct_netns_fd, VenetState& st, const std::vector<IpAddr>& add, const NeighbourDevs& devs)
{
    if (add.empty())
        return;
    NlSocket host = NlSocket::open();
    NlSocket ct = NlSocket::open_in(ct_netns_fd);
    for (const auto& a : add) {
        if (std::any_of(st.addrs.begin(), st.addrs.end(), [&](const IpAddr& x) { return x.same_address(a); }))
            continue;
        with_context("add " + a.with_prefix(), [&] { add_one(host, ct, st, a, devs); });
    }
}

void remove_venet_addresses(int ct_netns_fd, VenetState& st, const std::vector<IpAddr>& del)
{
    NlSocket host = NlSocket::open();
    NlSocket ct = NlSocket::open_in(ct_netns_fd);
    const auto host_end = find_link(host, st.host_if);
    const auto ct_end = find_link(ct, kCtVenet);
    for (const auto& a : del) {
        auto it = std::find_if(st.addrs.begin(), st.addrs.end(), [&](const IpAddr& x) { return x.same_address(a); });
        if (it == st.addrs.end())
            continue;
        const IpAddr have = *it;
        with_context("remove " + have.with_prefix(), [&] {
            remove_proxies_of(host, st, have);
            if (host_end)
                delete_route(host, Route{host_route_of(have), host_end->index, std::nullopt, false});
            if (ct_end)
                delete_address(ct, ct_end->index, have);
        });
        st.addrs.erase(it);
    }
}

std::uint64_t current_netns()
{
    struct stat st {};
    if (::stat("/proc/thread-self/ns/net", &st) != 0)
        throw_errno("stat /proc/thread-self/ns/net");
    return st.st_ino;
}

bool teardown_venet(const VenetState& st)
{
    if (st.host_netns != 0 && st.host_netns != current_netns())
        return false;
    NlSocket host = NlSocket::open();
    VenetState left = st;
    for (const auto& a : st.addrs)
        remove_proxies_of(host, left, a);
    if (!st.host_if.empty())
        delete_link(host, st.host_if);
    return true;
}

}  // namespace vessel::net
