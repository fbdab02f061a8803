// `vessel start` and `vessel restart`.
#pragma once

#include "runtime/config/global.h"

namespace vessel::lifecycle {

struct StartOptions {
    bool wait = false;  // until init finished its boot sequence (the template's boot marker)
    bool force = false; // start even with DISABLED=yes
};

// Errors: 32 running, 43 no private area, 47 no init, 133 --wait failed; any
// other failure names its step. A failed start leaves the CT as it was.
void start_ct(const config::GlobalConfig& global, config::CtId id, const StartOptions& opts);

}  // namespace vessel::lifecycle
