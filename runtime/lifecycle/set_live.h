// Keys that `vessel set` applies to a running container by other means
// than resource limits (those are spec::resources_from's): one table, each
// entry a group of keys and the function that applies them. To make more
// keys live, add an entry in set_live.cpp; set.cpp runs whichever entries
// the changed keys touch, after the limits.
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>

#include "runtime/lifecycle/identity.h"
#include "runtime/lifecycle/run_state.h"

namespace vessel::lifecycle {

struct LiveTarget {
    const RunState& state;                           // of a running CT: init is alive
    const std::set<std::string, std::less<>>& changed;  // the keys this set changes
    const ValueOf& value;                            // every key's value after the change
};

struct LiveHandler {
    std::string_view what;                  // for messages: "host name and DNS"
    std::span<const std::string_view> keys;  // runs when any of these changed
    void (*apply)(const LiveTarget&);       // throws Error; the set fails with it
};

std::span<const LiveHandler> live_handlers();

// Runs, in table order, every handler whose keys intersect target.changed.
void apply_live(const LiveTarget& target);

}  // namespace vessel::lifecycle
