#include "runtime/base/exit_codes.h"

#include <array>

namespace vessel {

namespace {
constexpr std::array kExitCodes{
    ExitCodeInfo{ExitCode::Ok, "success"},
    ExitCodeInfo{ExitCode::System, "system error"},
    ExitCodeInfo{ExitCode::CommandFailed, "command executed inside the container returned an error"},
    ExitCodeInfo{ExitCode::Locked, "container already locked"},
    ExitCodeInfo{ExitCode::GlobalConfigMissing, "global configuration file vessel.conf not found"},
    ExitCodeInfo{ExitCode::Permission, "permission denied"},
    ExitCodeInfo{ExitCode::CtConfigMissing, "container configuration file not found"},
    ExitCodeInfo{ExitCode::InvalidParameter, "invalid command, option or parameter"},
    ExitCodeInfo{ExitCode::InvalidValue, "invalid parameter value"},
    ExitCodeInfo{ExitCode::VeRootUnset, "VE_ROOT is not set"},
    ExitCodeInfo{ExitCode::VePrivateUnset, "VE_PRIVATE is not set"},
    ExitCodeInfo{ExitCode::TemplateUnset, "TEMPLATE is not set"},
    ExitCodeInfo{ExitCode::OsTemplateUnset, "OS template is not specified"},
    ExitCodeInfo{ExitCode::NotRunning, "container is not running"},
    ExitCodeInfo{ExitCode::Running, "container is already running"},
    ExitCodeInfo{ExitCode::CannotStop, "unable to stop the container"},
    ExitCodeInfo{ExitCode::NotMounted, "container is not mounted"},
    ExitCodeInfo{ExitCode::AlreadyMounted, "container is already mounted"},
    ExitCodeInfo{ExitCode::PrivateNotFound, "container private area not found"},
    ExitCodeInfo{ExitCode::PrivateExists, "container private area already exists"},
    ExitCodeInfo{ExitCode::NoDiskSpace, "not enough disk space"},
    ExitCodeInfo{ExitCode::BadCt, "bad container: no init or shell to run"},
    ExitCodeInfo{ExitCode::CreatePrivate, "unable to create the private area"},
    ExitCodeInfo{ExitCode::CreateRoot, "unable to create the root mount point"},
    ExitCodeInfo{ExitCode::Mount, "unable to mount the container"},
    ExitCodeInfo{ExitCode::Umount, "unable to unmount the container"},
    ExitCodeInfo{ExitCode::Delete, "unable to delete the container"},
    ExitCodeInfo{ExitCode::IpInUse, "IP address already in use"},
    ExitCodeInfo{ExitCode::ConfigCopy, "unable to copy the sample configuration"},
    ExitCodeInfo{ExitCode::TemplateNotFound, "OS template not found"},
    ExitCodeInfo{ExitCode::StartDisabled, "container start disabled"},
    ExitCodeInfo{ExitCode::Name, "invalid container name"},
    ExitCodeInfo{ExitCode::WaitFailed, "container did not finish booting (start --wait)"},
};
}  // namespace

std::span<const ExitCodeInfo> exit_code_table() { return kExitCodes; }

}  // namespace vessel
