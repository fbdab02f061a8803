#include "runtime/config/ctid.h"

#include <algorithm>
#include <system_error>

#include "runtime/base/error.h"
#include "runtime/config/keys.h"

namespace vessel::config {

namespace {

bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::optional<CtId> parse_ctid(std::string_view text)
{
    // One spelling per CT: no sign, no leading zeros, so "0101" is not 101.
    if (!all_digits(text) || text[0] == '0' || text.size() > 10)
        return std::nullopt;
    std::uint64_t v = 0;
    for (char c : text)
        v = v * 10 + static_cast<unsigned>(c - '0');
    if (v < kCtIdMin || v > kCtIdMax)
        return std::nullopt;
    return static_cast<CtId>(v);
}

bool valid_ct_name(std::string_view name)
{
    if (name.empty() || name.size() > 64 || !is_letter(name[0]))
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return is_letter(c) || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    });
}

CtId resolve_ctid(std::string_view arg, const GlobalConfig& global)
{
    if (auto id = parse_ctid(arg))
        return *id;
    if (all_digits(arg))
        throw Error(ExitCode::InvalidParameter,
                    "invalid CTID \"" + std::string(arg) + "\": must be " + std::to_string(kCtIdMin) + ".." +
                        std::to_string(kCtIdMax) + " without leading zeros");
    if (!valid_ct_name(arg))
        throw Error(ExitCode::InvalidParameter, "\"" + std::string(arg) + "\": not a CTID or container name");
    if (auto id = find_by_name(arg, global))
        return *id;
    throw Error(ExitCode::CtConfigMissing, "no container named " + std::string(arg));
}

std::optional<CtId> find_by_name(std::string_view name, const GlobalConfig& global)
{
    for (CtId id : list_ctids(global)) {
        try {
            auto file = ConfigFile::load_if_exists(global.ct_conf(id));
            if (file && lookup(*file, "NAME") == name)
                return id;
        } catch (const Error&) {
            // A broken config is reported when that CT is used; it must not
            // hide the others from name lookups.
        }
    }
    return std::nullopt;
}

std::vector<CtId> list_ctids(const GlobalConfig& global)
{
    namespace stdfs = std::filesystem;
    std::vector<CtId> ids;
    stdfs::path dir = global.conf_dir();
    std::error_code ec;
    stdfs::directory_iterator it(dir, ec);
    if (ec) {
        if (ec == std::errc::no_such_file_or_directory)
            return ids;
        throw Error(ExitCode::System, "read " + dir.string(), ec.value());
    }
    for (; it != stdfs::directory_iterator(); it.increment(ec)) {
        stdfs::path name = it->path().filename();
        if (name.extension() != ".conf")
            continue;
        auto id = parse_ctid(name.stem().string());
        // Follows symlinks: a config may link into the private area.
        std::error_code type_ec;
        if (id && it->is_regular_file(type_ec))
            ids.push_back(*id);
    }
    if (ec)
        throw Error(ExitCode::System, "read " + dir.string(), ec.value());
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace vessel::config
