// `vessel create`: config from a sample, template extracted into VE_PRIVATE.
#pragma once

#include <optional>
#include <string>

#include "runtime/config/global.h"

namespace vessel::lifecycle {

struct CreateOptions {
    std::optional<std::string> ostemplate;  // default DEF_OSTEMPLATE
    std::optional<std::string> config;      // sample name; default CONFIGFILE
    std::optional<std::string> private_dir; // default VE_PRIVATE
    std::optional<std::string> root_dir;    // default VE_ROOT
    std::optional<std::string> hostname;
    std::optional<std::string> name;
};

// All or nothing: on any error (or an interrupt) the private area, VE_ROOT
// and the config it wrote are gone again.
void create_ct(const config::GlobalConfig& global, config::CtId id, const CreateOptions& opts);

}  // namespace vessel::lifecycle
