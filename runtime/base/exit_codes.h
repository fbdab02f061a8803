// vzctl's exit codes (vzctl(8) DIAGNOSTICS), the ones Vessel returns.
// The table in exit_codes.cpp is the single source for `vessel help
// exit-codes` and the man page section.
#pragma once

#include <span>
#include <string_view>

namespace vessel {

enum class ExitCode : int {
    Ok = 0,
    System = 3,            // unclassified system error
    CommandFailed = 8,     // a command run in a CT returned non-zero
    Locked = 9,            // container already locked
    GlobalConfigMissing = 10,
    Permission = 12,
    CtConfigMissing = 14,
    InvalidParameter = 20, // unknown command, option or key; usage error
    InvalidValue = 21,
    VeRootUnset = 22,
    VePrivateUnset = 23,
    TemplateUnset = 24,
    OsTemplateUnset = 29,
    NotRunning = 31,
    Running = 32,
    CannotStop = 33,
    NotMounted = 40,
    AlreadyMounted = 41,
    PrivateNotFound = 43,
    PrivateExists = 44,
    NoDiskSpace = 46,
    BadCt = 47,
    CreatePrivate = 48,
    CreateRoot = 49,
    Mount = 50,
    Umount = 51,
    Delete = 52,
    IpInUse = 78,
    ConfigCopy = 82,       // sample config missing or not copied
    TemplateNotFound = 91,
    StartDisabled = 105,
    Name = 131,
    WaitFailed = 133,      // start --wait: the boot did not finish
};

struct ExitCodeInfo {
    ExitCode code;
    std::string_view meaning;
};

std::span<const ExitCodeInfo> exit_code_table();

}  // namespace vessel
