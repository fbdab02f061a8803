#include "runtime/config/global.h"

#include <cstdlib>
#include <system_error>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/config/keys.h"
#include "runtime/config/values.h"
#include "vessel_build_config.h"

namespace vessel::config {

namespace stdfs = std::filesystem;

namespace {

bool is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

stdfs::path choose_path(const std::optional<stdfs::path>& cli_conf)
{
    if (cli_conf)
        return *cli_conf;
    if (const char* env = std::getenv("VESSEL_CONF"); env != nullptr && *env != '\0')
        return env;
    return VESSEL_DEFAULT_CONF;
}

}  // namespace

std::string substitute_veid(std::string_view text, CtId id)
{
    const std::string veid = std::to_string(id);
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        std::string_view rest = text.substr(i);
        if (rest.starts_with("${VEID}")) {
            out += veid;
            i += 7;
        } else if (rest.starts_with("$VEID") && (rest.size() == 5 || !is_name_char(rest[5]))) {
            // "$VEIDX" is another variable to a shell; leave it alone.
            out += veid;
            i += 5;
        } else {
            out += text[i++];
        }
    }
    return out;
}

GlobalConfig GlobalConfig::load(const std::optional<stdfs::path>& cli_conf)
{
    stdfs::path path = choose_path(cli_conf);
    auto text = fs::read_file(path);
    if (!text)
        throw Error(ExitCode::GlobalConfigMissing, path.string() + ": not found");
    return from_file(ConfigFile::parse(*text, path.string()), path);
}

GlobalConfig GlobalConfig::from_file(ConfigFile file, stdfs::path path)
{
    validate_file(file);
    GlobalConfig g;
    std::error_code ec;
    stdfs::path abs = stdfs::absolute(path, ec);
    g.path_ = ec ? std::move(path) : std::move(abs);
    g.file_ = std::move(file);
    return g;
}

std::optional<std::string> GlobalConfig::get(std::string_view key) const { return lookup(file_, key); }

stdfs::path GlobalConfig::resolve_path(std::string_view value, std::optional<CtId> id) const
{
    stdfs::path p = id ? substitute_veid(value, *id) : std::string(value);
    if (p.is_relative())
        return path_.parent_path() / p;
    return p;
}

namespace {

// A path key's value, or nullopt when it is unset or empty.
std::optional<std::string> non_empty(const std::optional<std::string>& v)
{
    if (v && !v->empty())
        return v;
    return std::nullopt;
}

}  // namespace

stdfs::path GlobalConfig::ve_root(CtId id) const
{
    auto v = non_empty(get("VE_ROOT"));
    if (!v)
        throw Error(ExitCode::VeRootUnset, "VE_ROOT is not set in " + path_.string());
    return resolve_path(*v, id);
}

stdfs::path GlobalConfig::ve_private(CtId id) const
{
    auto v = non_empty(get("VE_PRIVATE"));
    if (!v)
        throw Error(ExitCode::VePrivateUnset, "VE_PRIVATE is not set in " + path_.string());
    return resolve_path(*v, id);
}

stdfs::path GlobalConfig::template_dir() const
{
    auto v = non_empty(get("TEMPLATE"));
    if (!v)
        throw Error(ExitCode::TemplateUnset, "TEMPLATE is not set in " + path_.string());
    return resolve_path(*v);
}

stdfs::path GlobalConfig::lock_dir() const
{
    auto v = non_empty(get("LOCKDIR"));
    return resolve_path(v ? *v : "/vz/lock");
}

stdfs::path GlobalConfig::dump_dir() const
{
    auto v = non_empty(get("DUMPDIR"));
    return resolve_path(v ? *v : "/vz/dump");
}

stdfs::path GlobalConfig::conf_dir() const
{
    auto v = non_empty(get("CONFDIR"));
    return resolve_path(v ? *v : "conf");
}

stdfs::path GlobalConfig::run_dir() const
{
    auto v = non_empty(get("RUNDIR"));
    return resolve_path(v ? *v : "/run/vessel");
}

std::string GlobalConfig::cgroup_parent() const
{
    // Never directly in the cgroup vessel runs in: one directory groups all CTs.
    auto v = get("CGROUP_PARENT");
    return v && !v->empty() ? *v : std::string("vessel");
}

std::string GlobalConfig::default_sample() const { return get("CONFIGFILE").value_or(""); }

std::string GlobalConfig::default_ostemplate() const { return get("DEF_OSTEMPLATE").value_or(""); }

std::string GlobalConfig::layout() const
{
    auto v = non_empty(get("VE_LAYOUT"));
    return v ? *v : "simfs";
}

unsigned GlobalConfig::stop_timeout() const
{
    auto v = non_empty(get("STOP_TIMEOUT"));
    if (!v)
        return 120;
    const KeyInfo* k = find_key("STOP_TIMEOUT");
    return static_cast<unsigned>(parse_uint(*v, k->min, k->max));
}

}  // namespace vessel::config
