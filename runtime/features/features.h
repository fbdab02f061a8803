// What the running kernel offers, probed, never assumed. Each capability has
// a stock fallback; `vessel features` prints both.
#pragma once

#include <string>
#include <string_view>

#include "runtime/cgroup/process_container.h"

namespace vessel::features {

struct Features {
    std::string kernel;               // uname release
    cgroup::Layout cgroups;
    bool clone3 = false;              // clone3() syscall
    bool clone_pidfd = false;         // CLONE_PIDFD / pidfd_open
    bool clone_into_cgroup = false;   // CLONE_INTO_CGROUP (needs clone3 and a cgroup2 mount)
    bool setns_pidfd = false;         // setns() with a pidfd and several namespace flags at once
    bool time_ns = false;             // time namespaces
    bool cgroup_ns = false;
    bool openat2 = false;             // openat2() with RESOLVE_IN_ROOT
    bool user_ns = false;             // user namespaces, and a nonzero user.max_user_namespaces
    bool idmapped_mounts = false;     // mount_setattr(MOUNT_ATTR_IDMAP) (5.12); each filesystem may still refuse
    bool overlayfs = false;
    bool cgroup_kill = false;         // cgroup.kill (v2, 5.14+)
    bool cgroup_freeze = false;       // cgroup.freeze on v2, or the v1 freezer
    bool envid = false;               // kernel patch: /proc/self/envid
    bool beancounter = false;         // kernel patch: beancounter cgroup controller
};

// Probed once per process and cached.
const Features& probe();

// Whether a uname release ("6.1.0-18-amd64") is at least major.minor.
// Used only where a feature cannot be probed without side effects.
bool kernel_at_least(std::string_view release, int major, int minor);

// The `vessel features` report: one line per capability, "name: yes|no (fallback: ...)".
std::string describe(const Features& f);

}  // namespace vessel::features
