// One container's configuration: its CTID.conf over the vessel.conf defaults.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "runtime/config/config_file.h"
#include "runtime/config/global.h"

namespace vessel::config {

class CtConfig {
public:
    // Reads CONFDIR/CTID.conf (missing file: Error(CtConfigMissing)) and
    // validates it (Error(InvalidValue) naming file, line and key).
    static CtConfig load(const GlobalConfig& global, CtId id);
    static std::optional<CtConfig> load_if_exists(const GlobalConfig& global, CtId id);
    CtConfig(const GlobalConfig& global, CtId id, ConfigFile file);

    CtId id() const { return id_; }
    const ConfigFile& file() const { return file_; }
    ConfigFile& file() { return file_; }

    // CT key, else vessel.conf's, else nullopt.
    std::optional<std::string> get(std::string_view key) const;

    std::filesystem::path ve_root() const;     // VE_ROOT of the CT, else global, $VEID substituted
    std::filesystem::path ve_private() const;  // likewise
    std::string ostemplate() const;            // OSTEMPLATE or ""
    std::string hostname() const;              // HOSTNAME or ""
    std::string name() const;                  // NAME or ""

private:
    const GlobalConfig* global_;
    CtId id_;
    ConfigFile file_;
};

}  // namespace vessel::config
