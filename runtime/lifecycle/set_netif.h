// `vessel set --netif_add/--netif_del` and `--ifname IF --ipadd/--ipdel/--gw/--gw6`:
// the edit of NETIF, and its live application to a running CT.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/netif.h"
#include "runtime/config/global.h"
#include "runtime/lifecycle/run_state.h"

namespace vessel::lifecycle {

struct NetifChange {
    std::vector<std::string> add;   // --netif_add IFNAME[,MAC,HOST_IFNAME,HOST_MAC,BRIDGE]
    std::vector<std::string> del;   // --netif_del IFNAME|all
    std::string ifname;             // --ifname: what the address options below apply to
    std::vector<std::string> ipadd, ipdel;
    std::string gw, gw6;

    bool empty() const { return add.empty() && del.empty() && ifname.empty() && gw.empty() && gw6.empty(); }
};

struct NetifEdit {
    std::string value;                      // the new NETIF
    std::vector<net::Netif> added;          // whole interfaces
    std::vector<std::string> removed;       // host ends of removed interfaces
    std::optional<net::Netif> changed;      // --ifname's interface, as it is now
    std::vector<net::IpAddr> ip_added, ip_removed;
};

// Checks everything (Error(InvalidValue) naming what is wrong: a name over
// 15 characters, a bad MAC, an interface named twice, --ifname of an
// interface the CT does not have, a gateway of the wrong family) and
// computes the new NETIF from the current one.
NetifEdit edit_netif(std::string_view current, config::CtId id, const NetifChange& change);

// A new host end must not take the name of a device the host has (one of
// this CT's own ends excepted): Error(InvalidValue).
void check_host_names_free(const NetifEdit& edit, const RunState* state);

// On a running CT: creates, deletes and readdresses interfaces, and records
// the host ends in its run state (also when a step fails half-way).
void apply_netif_change_live(const config::GlobalConfig& global, config::CtId id, RunState& state,
                             const NetifEdit& edit);

}  // namespace vessel::lifecycle
