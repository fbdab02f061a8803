#include "runtime/config/ct_config.h"

#include "runtime/base/error.h"
#include "runtime/config/keys.h"

namespace vessel::config {

CtConfig::CtConfig(const GlobalConfig& global, CtId id, ConfigFile file)
    : global_(&global), id_(id), file_(std::move(file))
{
}

CtConfig CtConfig::load(const GlobalConfig& global, CtId id)
{
    auto c = load_if_exists(global, id);
    if (!c)
        throw Error(ExitCode::CtConfigMissing, global.ct_conf(id).string() + ": not found");
    return std::move(*c);
}

std::optional<CtConfig> CtConfig::load_if_exists(const GlobalConfig& global, CtId id)
{
    auto file = ConfigFile::load_if_exists(global.ct_conf(id));
    if (!file)
        return std::nullopt;
    validate_file(*file);
    return CtConfig(global, id, std::move(*file));
}

std::optional<std::string> CtConfig::get(std::string_view key) const
{
    if (auto v = lookup(file_, key))
        return v;
    // Keys that describe one container (HOSTNAME, NAME, IP_ADDRESS, ...) are
    // never inherited: a stray one in vessel.conf must not name every CT.
    const KeyInfo* info = find_key(key);
    if (info && info->scope == KeyScope::Ct)
        return std::nullopt;
    return global_->get(key);
}

std::filesystem::path CtConfig::ve_root() const
{
    auto v = lookup(file_, "VE_ROOT");
    if (v && !v->empty())
        return global_->resolve_path(*v, id_);
    return global_->ve_root(id_);
}

std::filesystem::path CtConfig::ve_private() const
{
    auto v = lookup(file_, "VE_PRIVATE");
    if (v && !v->empty())
        return global_->resolve_path(*v, id_);
    return global_->ve_private(id_);
}

// These describe one container; vessel.conf has no say in them.
std::string CtConfig::ostemplate() const { return lookup(file_, "OSTEMPLATE").value_or(""); }

std::string CtConfig::hostname() const { return lookup(file_, "HOSTNAME").value_or(""); }

std::string CtConfig::name() const { return lookup(file_, "NAME").value_or(""); }

}  // namespace vessel::config
