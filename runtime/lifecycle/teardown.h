// Removing what a container owned on the host once its init is gone: the
// remaining processes, the process container, the mount start made, the run
// state. Always under the CT lock; whoever holds it first does the work, so
// the monitor and a concurrent stop/start never both tear down.
#pragma once

#include "runtime/config/ct_config.h"
#include "runtime/lifecycle/run_state.h"

namespace vessel::lifecycle {

// Idempotent: every part tolerates being gone already.
void teardown(const config::GlobalConfig& global, config::CtId id, const RunState& state);

// Under the CT lock: a run state whose init is dead (or a start that died
// half-way, its starter and monitor gone) is torn down. A start still in
// progress (monitor alive, phase starting) is waited for briefly.
// Returns true when the CT is running afterwards.
bool recover_leftovers(const config::GlobalConfig& global, config::CtId id);

}  // namespace vessel::lifecycle
