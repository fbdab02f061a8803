// `vessel set --ipadd ADDR[/PREFIX] --ipdel ADDR|all`: the edit of
// IP_ADDRESS, and its live application to a running CT's routed network.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/ip.h"
#include "runtime/config/global.h"
#include "runtime/lifecycle/run_state.h"

namespace vessel::lifecycle {

struct IpChange {
    std::vector<net::IpAddr> add;
    std::vector<net::IpAddr> del;
    bool del_all = false;

    bool empty() const { return add.empty() && del.empty() && !del_all; }
};

// Checks every address (Error(InvalidValue) naming it); "all" deletes all.
IpChange parse_ip_change(const std::vector<std::string>& add, const std::vector<std::string>& del);

// The new IP_ADDRESS value: current minus the deleted plus the added (in
// that order, so `--ipdel all --ipadd X` leaves X). `added`/`removed` get
// what really changes (an address already there is not added twice).
std::string edit_ip_address(std::string_view current, const IpChange& change, std::vector<net::IpAddr>* added,
                            std::vector<net::IpAddr>* removed);

// On a running CT: removes and adds the addresses in its network namespace
// and on the host, measured against what the CT has now (an address added
// without --save is there, though not in the config), and records the
// result in its run state (also when a step fails half-way, so that
// teardown removes what was made).
void apply_ip_change_live(const config::GlobalConfig& global, config::CtId id, RunState& state,
                          const IpChange& change, const std::string& neighbour_devs);

}  // namespace vessel::lifecycle
