#include "runtime/lifecycle/set_ip.h"

#include <sched.h>

#include <algorithm>

#include "net/venet.h"
#include "ns/clone.h"
#include "ns/join.h"
#include "runtime/base/error.h"

namespace vessel::lifecycle {

namespace {
bool has(const std::vector<net::IpAddr>& list, const net::IpAddr& a)
{
    return std::any_of(list.begin(), list.end(), [&](const net::IpAddr& x) { return x.same_address(a); });
}
}  // namespace

IpChange parse_ip_change(const std::vector<std::string>& add, const std::vector<std::string>& del)
{
    IpChange c;
    for (const auto& a : add)
        c.add.push_back(with_context("--ipadd", [&] { return net::parse_ip(a); }));
    for (const auto& d : del) {
        if (d == "all")
            c.del_all = true;
        else
            c.del.push_back(with_context("--ipdel", [&] { return net::parse_ip(d); }));
    }
    return c;
}

std::string edit_ip_address(std::string_view current, const IpChange& change, std::vector<net::IpAddr>* added,
                            std::vector<net::IpAddr>* removed)
{
    std::vector<net::IpAddr> list = with_context("IP_ADDRESS", [&] { return net::parse_ip_list(current); });
    std::vector<net::IpAddr> kept;
    for (const auto& a : list) {
        if (change.del_all || has(change.del, a))
            removed->push_back(a);
        else
            kept.push_back(a);
    }
    for (const auto& a : change.add) {
        if (has(kept, a))
            continue;
        kept.push_back(a);
        // Deleted and added again in one call: it stays, nothing changes.
        auto it = std::find_if(removed->begin(), removed->end(), [&](const net::IpAddr& x) { return x.same_address(a); });
        if (it != removed->end() && *it == a)
            removed->erase(it);
        else
            added->push_back(a);
    }
    return net::format_ip_list(kept);
}

void apply_ip_change_live(const config::GlobalConfig& global, config::CtId id, RunState& state,
                          const IpChange& change, const std::string& neighbour_devs)
{
    if (change.empty())
        return;
    if (!state.venet)
        throw Error(ExitCode::System, "the running container has no routed network (started before it existed); "
                                      "restart it to apply IP_ADDRESS");
    if (state.venet->host_netns != net::current_netns())
        throw Error(ExitCode::System, "the container was started in another network namespace: run set there");
    std::vector<net::IpAddr> added, removed;
    edit_ip_address(net::format_ip_list(state.venet->addrs), change, &added, &removed);
    UniqueFd pidfd = ns::pidfd_open(state.init.pid);
    UniqueFd netns = ns::open_namespace(state.init.pid, pidfd.get(), CLONE_NEWNET);
    try {
        net::remove_venet_addresses(netns.get(), *state.venet, removed);
        net::add_venet_addresses(netns.get(), *state.venet, added, {neighbour_devs});
    } catch (...) {
        save_run_state(global, id, state);
        throw;
    }
    save_run_state(global, id, state);
}

}  // namespace vessel::lifecycle
