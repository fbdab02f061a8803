// Bringing up a container's init: new namespaces, the process container,
// the root filesystem, capabilities, exec. Used by the monitor at start and
// again when the container reboots itself.
#pragma once

#include <sys/types.h>

#include <string>

#include "net/netif.h"
#include "net/venet.h"
#include "runtime/base/unique_fd.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/lifecycle/run_state.h"
#include "runtime/spec/container_spec.h"

namespace vessel::lifecycle {

struct LaunchedInit {
    ProcessRef ref;
    UniqueFd pidfd;
    std::string how;  // which clone path was taken, for -v
    net::VenetState venet;      // the routed network set up for it
    net::BridgedState bridged;  // its bridged interfaces
};

// Creates init and returns once it has executed the init program. Any
// failure (in this process or inside the child before exec) throws an Error
// whose message names the step; the child is gone by then.
LaunchedInit launch_init(const spec::ContainerSpec& spec, cgroup::ProcessContainer& cg);

}  // namespace vessel::lifecycle
