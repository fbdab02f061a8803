#include "images/cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <system_error>

#include "images/recipes/recipe.h"
#include "runtime/base/error.h"

namespace vessel::images {

namespace {

namespace stdfs = std::filesystem;

bool valid_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

bool is_valid_name(const std::string& name)
{
    if (name.empty() || name.front() == '.')
        return false;
    for (char c : name)
        if (!valid_name_char(c))
            return false;
    return true;
}

}  // namespace

TemplateCache::TemplateCache(stdfs::path cache_dir) : dir_(std::move(cache_dir)) {}

void TemplateCache::check_name(const std::string& name)
{
    if (!is_valid_name(name))
        throw Error(ExitCode::InvalidValue,
                    "invalid template name '" + name +
                        "': use letters, digits, '.', '_' and '-', not starting with '.'");
}

std::optional<stdfs::path> TemplateCache::find(const std::string& name) const
{
    check_name(name);
    for (std::string_view ext : kArchiveExtensions) {
        stdfs::path p = dir_ / (name + std::string(ext));
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            return p;
    }
    return std::nullopt;
}

std::vector<TemplateCache::Entry> TemplateCache::list() const
{
    std::map<std::string, Entry> byname;
    std::error_code ec;
    for (const auto& de : stdfs::directory_iterator(dir_, ec)) {
        std::string fname = de.path().filename().string();
        std::string_view ext = archive_extension(fname);
        if (ext.empty())
            continue;
        std::string name = fname.substr(0, fname.size() - ext.size());
        if (is_valid_name(name))
            byname[name].name = name;
    }
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw Error(ExitCode::System, "read " + dir_.string() + ": " + ec.message(), ec.value());

    for (auto& [name, e] : byname) {
        e.file = find(name);
        struct stat st {};
        if (e.file && ::stat(e.file->c_str(), &st) == 0) {
            e.size = static_cast<std::uint64_t>(st.st_size);
            e.mtime = st.st_mtime;
        }
    }
    for (const auto& r : recipes()) {
        Entry& e = byname[std::string(r.name)];
        e.name = r.name;
        e.has_recipe = true;
    }

    std::vector<Entry> out;
    for (auto& [name, e] : byname)
        if (e.file || e.has_recipe)
            out.push_back(std::move(e));
    return out;
}

void TemplateCache::remove(const std::string& name)
{
    check_name(name);
    bool removed = false;
    for (std::string_view ext : kArchiveExtensions) {
        stdfs::path p = dir_ / (name + std::string(ext));
        if (::unlink(p.c_str()) == 0)
            removed = true;
        else if (errno != ENOENT)
            throw_errno("remove " + p.string());
    }
    if (!removed)
        throw Error(ExitCode::TemplateNotFound, "template " + name + " is not cached in " + dir_.string());
}

}  // namespace vessel::images
