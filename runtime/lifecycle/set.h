// `vessel set`: change a container's parameters, live on a running CT and,
// with --save, in its CTID.conf.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/config/global.h"
#include "runtime/lifecycle/set_devices.h"
#include "runtime/lifecycle/set_netif.h"

namespace vessel::lifecycle {

struct SetRequest {
    // KEY and value in the config file's syntax ("NUMPROC", "64:64").
    std::vector<std::pair<std::string, std::string>> values;
    std::vector<std::string> ipadd;  // --ipadd ADDR[/PREFIX], in the order given
    std::vector<std::string> ipdel;  // --ipdel ADDR|all
    // --netif_add/--netif_del, and --ifname with its --gw/--gw6; with
    // --ifname, --ipadd/--ipdel apply to that interface instead of venet0.
    NetifChange netif;
    DeviceChange devices;  // --devnodes, --devices: edits of DEVNODES and DEVICES
    bool save = false;

    // Nothing to change (--save alone is not a change).
    bool empty() const
    {
        return values.empty() && ipadd.empty() && ipdel.empty() && netif.empty() && devices.empty();
    }
};

// Validates every value first (Error(InvalidValue) naming the key; nothing
// is changed), then, under the CT lock, applies the resource keys to a
// running CT all or nothing and, with save, writes every key to the CT's
// config, leaving its other lines as they were. Prints what it did the way
// vzctl does. A key that cannot take effect before the next start (NUMPTY)
// is said to do so. --ipadd/--ipdel edit IP_ADDRESS (an address another
// CT holds is Error(IpInUse, 78)); other keys a running CT takes at once
// (HOSTNAME, NAMESERVER, SEARCHDOMAIN) are applied through set_live.h's table.
void set_ct(const config::GlobalConfig& global, config::CtId id, const SetRequest& req);

}  // namespace vessel::lifecycle
