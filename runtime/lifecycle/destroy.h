// `vessel destroy`: removes the private area, VE_ROOT and the config.
#pragma once

#include "runtime/config/global.h"

namespace vessel::lifecycle {

// Errors: 32 running, 41 mounted (umount first, as vzctl), 43 nothing to
// destroy, 52 removal failed. The config is kept as CTID.conf.destroyed.
void destroy_ct(const config::GlobalConfig& global, config::CtId id);

}  // namespace vessel::lifecycle
