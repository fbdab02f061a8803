// What `vessel list` and `vessel status` know about one container.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/bc/ubc_rows.h"
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
    std::optional<std::uint64_t> uptime;           // seconds since init started
    std::optional<std::vector<bc::UbcRow>> ubc;    // beancounter rows, when asked for

    CtStatus status() const;
    // Config value (CT over vessel.conf), or "".
    std::string value(std::string_view key) const;
};

// `with_ubc` also reads the beancounter rows of a running CT, which costs a
// look at each of its processes; stopped CTs cost nothing more either way.
CtInfo inspect(const config::GlobalConfig& global, config::CtId id, bool with_ubc = false);
// Every CT with a config in CONFDIR.
std::vector<CtInfo> inspect_all(const config::GlobalConfig& global, bool with_ubc = false);

}  // namespace vessel::lifecycle
