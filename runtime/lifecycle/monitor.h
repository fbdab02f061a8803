// The per-container monitor: a small process, detached from the caller's
// session, that is the parent of the container's init. It launches init,
// reports to `vessel start`, reaps init, restarts the container when it
// rebooted itself, and tears everything down when it halted or died.
#pragma once

#include <string>

#include "runtime/base/error.h"
#include "runtime/config/global.h"
#include "runtime/spec/container_spec.h"

namespace vessel::lifecycle {

// In the freshly forked monitor. `report` is the pipe to `vessel start`:
// "OK <pid> <how>" or "ERR <code> <message>". Never returns.
[[noreturn]] void run_monitor(const config::GlobalConfig& global, const spec::ContainerSpec& spec, int report);

// The line a monitor that could not even begin writes to `report`.
void report_failure(int report, const Error& e);

// vessel-monitor beside the running executable; empty if it is not there
// (the monitor then runs in the forked process itself).
std::string monitor_executable();

}  // namespace vessel::lifecycle
