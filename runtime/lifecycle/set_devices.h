// `vessel set --devnodes NAME:ACCESS --devices b|c:MAJOR:MINOR|all:ACCESS`:
// the edit of DEVNODES and DEVICES, and its live application to a running
// CT: the device rules of its process container, and the nodes in its
// /dev, made or removed through /proc/<init>/root/dev without following
// anything the container could have put there.
#pragma once

#include <string>
#include <vector>

#include "runtime/cgroup/process_container.h"
#include "runtime/lifecycle/run_state.h"
#include "runtime/spec/devices.h"

namespace vessel::lifecycle {

struct DeviceChange {
    std::vector<std::string> devnodes;  // --devnodes words, in the order given
    std::vector<std::string> devices;   // --devices words
    bool empty() const { return devnodes.empty() && devices.empty(); }
};

// The syntax of every word; Error(InvalidValue) naming it. Before any lock.
void check_device_change(const DeviceChange& change);

// What a running CT must become.
struct DevicePlan {
    spec::Devices after;                        // the whole allowlist and node list
    std::vector<ns::ExtraDevNode> removed_nodes;  // nodes the old DEVNODES had and the new one has not
    // The rules before, put back if a node cannot be made; the defaults
    // when the old values no longer resolve on this host.
    std::vector<cgroup::DeviceRule> before_rules;
};

// From the config's values before and after the change (the keys as
// spec::Lookup sees them). Resolving the new values against the host's
// /dev is the check of meaning (Error(InvalidValue, 21) naming the entry);
// an old node the host no longer has is not removed (it cannot be told
// from something the CT made itself).
DevicePlan plan_devices(const spec::Lookup& before, const spec::Lookup& after);

// On a running CT: the rules (all or nothing, cgroup::apply_device_rules),
// then the nodes. If a node cannot be made (the CT has something else
// there), the rules are put back to plan.before_rules and the error thrown
// (nodes made before it stay: they open nothing the old rules refuse).
// Returns warnings (a node left in place, v1-only enforcement).
std::vector<std::string> apply_devices_live(const RunState& state, cgroup::ProcessContainer& pc,
                                            const DevicePlan& plan);

}  // namespace vessel::lifecycle
