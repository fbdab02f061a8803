// The highest held value seen per beancounter, for parameters whose kernel
// counter keeps no peak: a small file in the container's run-state
// directory ($RUNDIR/<CTID>/ubc-maxheld), raised by the monitor's samples
// and by every `vessel ubc` or `vessel list` reading. It lives as long as the
// run state, so maxheld covers the container's life since it was started.
#pragma once

#include <filesystem>

#include "runtime/bc/ubc_rows.h"

namespace vessel::bc {

// The file's name inside the run-state directory.
inline constexpr const char* kPeaksFile = "ubc-maxheld";

// What the file in `dir` holds; empty when there is none yet.
Peaks load_peaks(const std::filesystem::path& dir);

// Raises the file's entries to `seen` where that is higher and returns the
// result. Readers and the monitor serialise on a flock of `dir`; the file is
// replaced atomically, and only when something rose.
Peaks raise_peaks(const std::filesystem::path& dir, const Peaks& seen);

}  // namespace vessel::bc
