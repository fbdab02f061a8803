// `vessel stop`: graceful first (halt inside the CT, or the signal its init
// understands), then freeze, SIGKILL everything, thaw.
#pragma once

#include <optional>

#include "runtime/config/global.h"

namespace vessel::lifecycle {

struct StopOptions {
    bool fast = false;               // kill at once
    std::optional<unsigned> timeout; // seconds; default STOP_TIMEOUT
};

// Errors: 31 not running, 33 could not be stopped.
void stop_ct(const config::GlobalConfig& global, config::CtId id, const StopOptions& opts);

}  // namespace vessel::lifecycle
