// A seccomp profile in the OCI / Docker JSON format, parsed and checked
// before anything is compiled: { defaultAction, defaultErrnoRet,
// architectures | archMap, flags, syscalls: [{ names, action, errnoRet,
// args: [{ index, value, valueTwo, op }] }] }. Values are libseccomp's
// (SCMP_ACT_*, SCMP_CMP_*, SCMP_ARCH_*) so the compiler maps nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vessel::security {

struct SeccompArg {
    unsigned index = 0;           // 0..5
    int op = 0;                   // enum scmp_compare
    std::uint64_t value = 0;
    std::uint64_t value_two = 0;  // the mask's operand for SCMP_CMP_MASKED_EQ
};

struct SeccompRule {
    std::vector<std::string> names;
    std::uint32_t action = 0;     // SCMP_ACT_*, errno or trace value included
    std::vector<SeccompArg> args;
};

struct SeccompProfile {
    std::uint32_t default_action = 0;
    std::vector<std::uint32_t> arches;  // SCMP_ARCH_*; empty: the native ABI and its compat ABIs
    unsigned flags = 0;                 // SECCOMP_FILTER_FLAG_* for seccomp(2)
    std::vector<SeccompRule> rules;
};

// Parses a profile. `origin` (the file name) starts every error message,
// followed by the field: "/etc/p.json: syscalls[2].action: unknown action
// \"SCMP_ACT_FOO\"". Throws Error(InvalidValue): malformed JSON, unknown
// actions, operators, architectures and flags, and what vessel cannot honour
// (SCMP_ACT_NOTIFY, Docker's includes/excludes conditions).
SeccompProfile parse_seccomp_profile(std::string_view json, std::string_view origin);

// The default profile of system containers, as JSON text (see
// seccomp_default.cpp for what it denies and why).
std::string_view default_seccomp_profile();

// The ABIs a profile without "architectures" covers: the native one and the
// ones its kernel also runs (x86_64: x86 and x32).
std::vector<std::uint32_t> native_arch_family();

// "x86_64" for SCMP_ARCH_X86_64: the profile's spelling without SCMP_ARCH_,
// in lower case (libseccomp's own name); the number for one it lacks.
std::string arch_name(std::uint32_t arch);

}  // namespace vessel::security
