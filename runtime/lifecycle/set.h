// `vessel set`: change a container's parameters, live on a running CT and,
// with --save, in its CTID.conf.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/config/global.h"

namespace vessel::lifecycle {

struct SetRequest {
    // KEY and value in the config file's syntax ("NUMPROC", "64:64").
    std::vector<std::pair<std::string, std::string>> values;
    bool save = false;
};

// Validates every value first (Error(InvalidValue) naming the key; nothing
// is changed), then, under the CT lock, applies the resource keys to a
// running CT all or nothing and, with save, writes every key to the CT's
// config, leaving its other lines as they were. Prints what it did the way
// vzctl does. A key that cannot take effect before the next start (NUMPTY)
// is said to do so. Other keys a running CT takes at once (HOSTNAME,
// NAMESERVER, SEARCHDOMAIN) are applied through set_live.h's table.
void set_ct(const config::GlobalConfig& global, config::CtId id, const SetRequest& req);

}  // namespace vessel::lifecycle
