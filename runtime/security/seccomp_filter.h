// Seccomp for container processes: which profile (SECCOMP_PROFILE), its
// compiled program from the cache under RUNDIR, and loading it in the process
// about to run container code.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/security/seccomp_bpf.h"

namespace vessel::security {

struct SeccompConfig {
    enum class Source { Default, None, File };
    Source source = Source::Default;
    std::filesystem::path file;       // Source::File
    std::filesystem::path cache_dir;  // $RUNDIR/.seccomp

    // "built-in default", "none", "file /etc/vessel/strict.json".
    std::string describe() const;
};

// SECCOMP_PROFILE's value: unset, "" or "default" → the built-in profile,
// "none" → no filter, anything else → the file at `resolved(value)`.
SeccompConfig seccomp_config(const std::optional<std::string>& value, const std::filesystem::path& cache_dir,
                             const std::filesystem::path& resolved);

struct SeccompFilter {
    BpfProgram program;     // empty: no filter
    bool from_cache = false;
    std::string key;        // the cache file's name without ".bpf"
};

// The program for cfg: $cache_dir/<key>.bpf if it is there and whole, else
// compiled and stored there (atomically; the directory is made 0700). The
// key is the SHA-256 of the profile text, libseccomp's version and the
// native ABI, so an edited file or another libseccomp compiles anew.
// Throws Error(InvalidValue) for a bad profile, naming the file and field.
SeccompFilter prepare_seccomp(const SeccompConfig& cfg);

// In the process about to run container code, while it still holds
// sys_admin: without no_new_privs the kernel requires it for the load, and
// no_new_privs is not set, because it would also stop setuid programs (su,
// passwd, sudo) inside the container. A filter cannot be removed, and is
// inherited across every exec, setuid or not. Nothing is allocated: safe
// between clone and exec. Throws Error on failure; no-op for an empty filter.
void load_seccomp(const SeccompFilter& filter);

// For `vessel features`: whether the kernel filters syscalls, libseccomp's
// version, the profile in use and where ENOSYS starts.
std::string describe_seccomp(const SeccompConfig& cfg);

}  // namespace vessel::security
