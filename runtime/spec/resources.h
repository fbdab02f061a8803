// From configured values (NUMPROC="64:64", PHYSPAGES="0:256M", CPULIMIT="25"
// ...) to what the kernel is asked to enforce: limits of the process
// container, and the per-process limits that no cgroup carries (locked
// memory, I/O priority, the devpts pty count). One table says which
// configuration key feeds which limit; start and `vessel set` both use it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cgroup/limits.h"

namespace vessel::spec {

struct Resources {
    cgroup::Limits limits;
    struct MemLock {
        std::uint64_t soft = 0;  // bytes, RLIM_INFINITY-style kNoLimit for none
        std::uint64_t hard = 0;
    };
    std::optional<MemLock> memlock;   // LOCKEDPAGES barrier:limit -> RLIMIT_MEMLOCK
    std::optional<int> ioprio;        // IOPRIO 0..7, best-effort class
    std::optional<unsigned> numpty;   // NUMPTY limit -> devpts max= (0: no limit)
    // Configured but not applicable to this CT ("IOLIMIT: ... not on a block
    // device"), for a warning.
    std::vector<std::string> notes;
};

using Lookup = std::function<std::optional<std::string>(std::string_view key)>;

// Translates the values `get` returns. A limit is included when one of its
// keys is set (`only` == nullptr: what start applies) or when one of its keys
// is in *only (what `vessel set` changes; the other keys of the same limit
// are read from `get` too, e.g. IOPSLIMIT with IOLIMIT). `private_dir` names
// the block device that I/O limits apply to. Throws Error(InvalidValue)
// naming the key for a value it cannot use.
Resources resources_from(const Lookup& get, const std::filesystem::path& private_dir,
                         const std::set<std::string, std::less<>>* only = nullptr);

}  // namespace vessel::spec
