// What `vessel list` and `vessel status` know about one container.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/config/ct_config.h"

namespace vessel::lifecycle {

enum class CtStatus { Running, Stopped, Mounted, Suspended };
std::string_view status_name(CtStatus s);  // vzlist spelling: running stopped mounted suspended

struct CtInfo {
    config::CtId ctid = 0;
    bool exists = false;    // private area present
    bool mounted = false;   // VE_ROOT mounted
    bool running = false;   // init alive (checked against its start time)
    bool suspended = false; // a dump file exists
    std::optional<config::CtConfig> config;  // nullopt when the CT has no config file
    // Live figures, set only for a running CT.
    std::optional<std::uint64_t> numproc;

    CtStatus status() const;
    // Config value (CT over vessel.conf), or "".
    std::string value(std::string_view key) const;
};

CtInfo inspect(const config::GlobalConfig& global, config::CtId id);
// Every CT with a config in CONFDIR.
std::vector<CtInfo> inspect_all(const config::GlobalConfig& global);

}  // namespace vessel::lifecycle
