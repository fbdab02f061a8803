#include "runtime/lifecycle/set_netif.h"

#include <sched.h>
#include <sys/socket.h>

#include <algorithm>

#include "net/netlink.h"
#include "net/rtnl.h"
#include "net/venet.h"
#include "ns/clone.h"
#include "ns/join.h"
#include "runtime/base/error.h"

namespace vessel::lifecycle {

namespace {

std::optional<net::IpAddr> gateway_of(const std::string& text, int family, const char* option)
{
    if (text.empty())
        return std::nullopt;
    auto g = with_context(option, [&] { return net::parse_ip(text, false); });
    if (g.family != family)
        throw Error(ExitCode::InvalidValue, std::string(option) + " \"" + text + "\": an " +
                                                (family == AF_INET ? "IPv4" : "IPv6") + " address is expected");
    return g;
}

}  // namespace

NetifEdit edit_netif(std::string_view current, config::CtId id, const NetifChange& change)
{
    NetifEdit e;
    std::vector<net::Netif> list = with_context("NETIF", [&] { return net::parse_netif_config(current, id); });
    for (const auto& d : change.del) {
        if (d != "all")
            net::check_ifname(d, "--netif_del");
        auto keep = std::stable_partition(list.begin(), list.end(),
                                          [&](const net::Netif& n) { return d != "all" && n.ifname != d; });
        if (keep == list.end() && d != "all")
            throw Error(ExitCode::InvalidValue, "--netif_del " + d + ": the container has no such interface");
        for (auto it = keep; it != list.end(); ++it)
            e.removed.push_back(it->host_ifname);
        list.erase(keep, list.end());
    }
    for (const auto& a : change.add) {
        net::Netif n = with_context("--netif_add", [&] { return net::parse_netif_add(a, id, list.size()); });
        for (const auto& o : list)
            if (o.ifname == n.ifname || o.host_ifname == n.host_ifname)
                throw Error(ExitCode::InvalidValue,
                            "--netif_add " + n.ifname + ": the container has an interface " + o.ifname + " (" +
                                o.host_ifname + ") already");
        list.push_back(n);
        e.added.push_back(n);
    }
    if (!change.ifname.empty()) {
        auto it = std::find_if(list.begin(), list.end(), [&](const net::Netif& n) { return n.ifname == change.ifname; });
        if (it == list.end())
            throw Error(ExitCode::InvalidValue, "--ifname " + change.ifname +
                                                    ": the container's configuration has no such interface "
                                                    "(--netif_add it with --save first)");
        for (const auto& d : change.ipdel) {
            auto ip = with_context("--ipdel", [&] { return net::parse_ip(d); });
            auto hit = std::find_if(it->addrs.begin(), it->addrs.end(), [&](const net::IpAddr& x) { return x.same_address(ip); });
            if (hit != it->addrs.end()) {
                e.ip_removed.push_back(*hit);
                it->addrs.erase(hit);
            }
        }
        for (const auto& a : change.ipadd) {
            auto ip = with_context("--ipadd", [&] { return net::parse_ip(a); });
            if (std::none_of(it->addrs.begin(), it->addrs.end(), [&](const net::IpAddr& x) { return x.same_address(ip); })) {
                it->addrs.push_back(ip);
                e.ip_added.push_back(ip);
            }
        }
        if (auto g = gateway_of(change.gw, AF_INET, "--gw"))
            it->gw = g;
        if (auto g = gateway_of(change.gw6, AF_INET6, "--gw6"))
            it->gw6 = g;
        e.changed = *it;
    } else if (!change.gw.empty() || !change.gw6.empty()) {
        throw Error(ExitCode::InvalidParameter, "--gw and --gw6 need --ifname: routed addresses have their gateway");
    }
    e.value = net::format_netif_config(list);
    return e;
}

void check_host_names_free(const NetifEdit& edit, const RunState* state)
{
    if (edit.added.empty())
        return;
    net::NlSocket host = net::NlSocket::open();
    for (const auto& n : edit.added) {
        const bool ours = state && state->bridged &&
                          std::count(state->bridged->host_ifs.begin(), state->bridged->host_ifs.end(), n.host_ifname);
        if (!ours && net::find_link(host, n.host_ifname))
            throw Error(ExitCode::InvalidValue,
                        "host_ifname " + n.host_ifname + ": the host has a device of that name already");
    }
}

void apply_netif_change_live(const config::GlobalConfig& global, config::CtId id, RunState& state,
                             const NetifEdit& edit)
{
    if (edit.added.empty() && edit.removed.empty() && !edit.changed)
        return;
    if (!state.bridged)  // started by a version without bridged interfaces
        state.bridged = net::BridgedState{state.venet ? state.venet->host_netns : net::current_netns(), {}};
    if (state.bridged->host_netns != net::current_netns())
        throw Error(ExitCode::System, "the container was started in another network namespace: run set there");
    UniqueFd pidfd = ns::pidfd_open(state.init.pid);
    UniqueFd netns = ns::open_namespace(state.init.pid, pidfd.get(), CLONE_NEWNET);
    try {
        net::remove_netifs(*state.bridged, edit.removed);
        net::add_netifs(netns.get(), *state.bridged, edit.added);
        if (edit.changed) {
            net::NlSocket ct = net::NlSocket::open_in(netns.get());
            if (auto link = net::find_link(ct, edit.changed->ifname))
                for (const auto& a : edit.ip_removed)
                    net::delete_address(ct, link->index, a);
            net::add_netif_addresses(netns.get(), *edit.changed, edit.ip_added);
        }
    } catch (...) {
        save_run_state(global, id, state);
        throw;
    }
    save_run_state(global, id, state);
}

}  // namespace vessel::lifecycle
