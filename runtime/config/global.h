// vessel.conf: where everything lives. Every path Vessel writes comes from
// here, so a test points all of them into a temporary directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "runtime/config/config_file.h"

namespace vessel::config {

using CtId = std::uint32_t;

class GlobalConfig {
public:
    // --conf FILE, else $VESSEL_CONF, else the built-in default path.
    // Missing file: Error(GlobalConfigMissing). Bad values: Error(InvalidValue)
    // naming file, line and key. Unset VE_ROOT/VE_PRIVATE/TEMPLATE are errors
    // 22/23/24 only when asked for (ve_root() etc.), as in vzctl.
    static GlobalConfig load(const std::optional<std::filesystem::path>& cli_conf);
    static GlobalConfig from_file(ConfigFile file, std::filesystem::path path);

    const std::filesystem::path& path() const { return path_; }
    const ConfigFile& file() const { return file_; }
    // Also finds a key written under its alias (DCACHE for DCACHESIZE).
    std::optional<std::string> get(std::string_view key) const;

    // A path value from a config: $VEID replaced when id is given, and a
    // relative path taken as relative to the directory holding vessel.conf.
    std::filesystem::path resolve_path(std::string_view value, std::optional<CtId> id = std::nullopt) const;

    // VE_ROOT / VE_PRIVATE with $VEID (and ${VEID}) replaced.
    std::filesystem::path ve_root(CtId id) const;
    std::filesystem::path ve_private(CtId id) const;
    std::filesystem::path template_dir() const;  // TEMPLATE
    std::filesystem::path cache_dir() const { return template_dir() / "cache"; }
    std::filesystem::path lock_dir() const;      // LOCKDIR, default /vz/lock
    std::filesystem::path dump_dir() const;      // DUMPDIR, default /vz/dump
    std::filesystem::path conf_dir() const;      // CONFDIR, default conf/ beside vessel.conf
    std::filesystem::path run_dir() const;       // RUNDIR, default /run/vessel
    std::string cgroup_parent() const;           // CGROUP_PARENT; default "vessel" (below vessel's own cgroup)
    std::string default_sample() const;          // CONFIGFILE, may be empty
    std::string default_ostemplate() const;      // DEF_OSTEMPLATE, may be empty
    std::string layout() const;                  // VE_LAYOUT, default "simfs"
    unsigned stop_timeout() const;               // STOP_TIMEOUT, default 120

    std::filesystem::path ct_conf(CtId id) const { return conf_dir() / (std::to_string(id) + ".conf"); }
    std::filesystem::path sample_conf(const std::string& name) const
    {
        return conf_dir() / ("ve-" + name + ".conf-sample");
    }

private:
    std::filesystem::path path_;
    ConfigFile file_;
};

// Replaces $VEID and ${VEID} in text.
std::string substitute_veid(std::string_view text, CtId id);

}  // namespace vessel::config
