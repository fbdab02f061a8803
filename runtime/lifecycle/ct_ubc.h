// The beancounter rows of a container, put together from its run state,
// its process container, /proc and its config: for `vessel ubc`, the UBC
// fields of `vessel list` and the monitor's samples of maxheld.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "runtime/bc/ubc_rows.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/config/ct_config.h"
#include "runtime/config/global.h"

namespace vessel::lifecycle {

// The rows of a running container, nullopt when it is not running. The
// held figures raise the container's peak file, so every reading counts
// towards maxheld.
std::optional<std::vector<bc::UbcRow>> read_ct_ubc(const config::GlobalConfig& global, const config::CtConfig& ct);

// The monitor's sample: raises the peak file with what the container holds
// now. The monitor has the process container open and knows init.
void sample_ct_ubc(const config::GlobalConfig& global, config::CtId id, const cgroup::ProcessContainer& pc,
                   pid_t init);

// The mapping alone, without figures, for `vessel ubc --explain` with no
// container running: the backend's counters, and what it can enforce as
// judged in the cgroups vessel itself runs in.
std::vector<bc::UbcRow> explain_ubc_rows();

// Seconds since the process with this start time (clock ticks since boot) started.
std::uint64_t seconds_since(std::uint64_t start_time_ticks);

}  // namespace vessel::lifecycle
