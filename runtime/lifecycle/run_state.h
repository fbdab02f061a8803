// Run state of a started container, in $RUNDIR/<CTID>/state.json: who its
// init and monitor are (PID plus start time, so a recycled PID is never
// mistaken for them) and what it owns on the host.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/netif.h"
#include "net/venet.h"
#include "runtime/config/global.h"

namespace vessel::lifecycle {

struct ProcessRef {
    pid_t pid = 0;
    std::uint64_t start_time = 0;  // field 22 of /proc/PID/stat, clock ticks since boot

    // The same process is still there (not just the same PID).
    bool alive() const;
    static std::optional<ProcessRef> of(pid_t pid);
};

struct RunState {
    enum class Phase { Starting, Running };
    Phase phase = Phase::Running;
    ProcessRef starter;                // the `vessel start` that is bringing it up
    ProcessRef init;                   // pid 0 until init exists
    ProcessRef monitor;
    std::vector<std::string> cgroups;  // absolute cgroupfs paths
    bool mounted_by_start = false;     // VE_ROOT was mounted by start: stop unmounts it
    std::optional<net::VenetState> venet;      // what the routed network put on the host
    std::optional<net::BridgedState> bridged;  // the host ends of its bridged interfaces
    // The capability mask init runs with: exec and enter give every new
    // process the same, even after CAPABILITY changed for the next start.
    std::optional<std::uint64_t> cap_keep;
};

std::filesystem::path run_state_dir(const config::GlobalConfig& global, config::CtId id);
std::optional<RunState> load_run_state(const config::GlobalConfig& global, config::CtId id);
void save_run_state(const config::GlobalConfig& global, config::CtId id, const RunState& state);

// Start time of pid from /proc/PID/stat; nullopt if the process is gone.
std::optional<std::uint64_t> process_start_time(pid_t pid);

void remove_run_state(const config::GlobalConfig& global, config::CtId id);

// A container is running when its recorded init is alive.
bool is_running(const config::GlobalConfig& global, config::CtId id);

}  // namespace vessel::lifecycle
