// A parsed seccomp profile compiled to the BPF program the kernel loads:
// libseccomp's filter behind a stub that answers ENOSYS for every syscall
// number above the highest libseccomp knows for the ABI, so a call newer
// than the filter looks like one the kernel lacks and libc falls back (as
// runc does, though runc counts from the highest number the profile names).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/security/seccomp_profile.h"

namespace vessel::security {

struct BpfProgram {
    std::vector<sock_filter> insns;
    unsigned flags = 0;  // SECCOMP_FILTER_FLAG_* for seccomp(2)
};

// The highest syscall number libseccomp names for an ABI (SCMP_ARCH_*);
// for x32 the number without its 0x40000000 bit, below the x32-only
// block at 512 (`x32_high` is the highest of that block). -1: unknown ABI.
struct KnownSyscalls {
    long highest = -1;
    long x32_high = -1;
};
KnownSyscalls known_syscalls(std::uint32_t arch);

// Compiles; `origin` names the profile in errors (exit 21 for a rule
// libseccomp refuses). known_limit > 0 replaces the highest known number of
// every ABI, for tests of the stub.
BpfProgram compile_seccomp(const SeccompProfile& profile, const std::string& origin, long known_limit = 0);

// "libseccomp 2.5.4", part of every cache key: another version may compile
// the same profile differently, and knows other syscalls.
std::string libseccomp_version();

}  // namespace vessel::security
