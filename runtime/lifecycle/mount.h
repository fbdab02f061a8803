// The simfs layout: the private area bind-mounted on VE_ROOT.
#pragma once

#include "runtime/config/ct_config.h"

namespace vessel::lifecycle {

// Errors: 43 private area missing, 41 already mounted, 49 cannot create
// VE_ROOT, 50 mount failed.
void mount_ct(const config::CtConfig& ct);
// Errors: 40 not mounted, 51 umount failed.
void umount_ct(const config::CtConfig& ct);

}  // namespace vessel::lifecycle
