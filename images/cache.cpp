#include "images/cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <system_error>

#include "images/recipes/recipe.h"
#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/log.h"
#include "runtime/base/unique_fd.h"

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

// Two commands that both need a missing template build it once: the
// second waits, then finds the first one's file.
class BuildLock {
public:
    BuildLock(const stdfs::path& dir, const std::string& name)
    {
        stdfs::path path = dir / ("." + name + ".lock");
        fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!fd_)
            throw_errno("open " + path.string());
        if (::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0)
            return;
        if (errno != EWOULDBLOCK)
            throw_errno("lock " + path.string());
        log::info("Waiting for another build of template " + name + "...");
        while (::flock(fd_.get(), LOCK_EX) != 0)
            if (errno != EINTR)
                throw_errno("lock " + path.string());
    }

private:
    UniqueFd fd_;
};

// Called with the BuildLock held. The recipe writes through ArchiveWriter,
// so the cache file appears whole or not at all.
stdfs::path build(const stdfs::path& dir, const std::string& name, const Recipe& recipe)
{
    stdfs::path out = dir / (name + std::string(recipe.extension));
    with_context("template " + name, [&] { recipe.build(out); });

    // A file of the same name with another extension would shadow the new
    // one in find(), which tries the extensions in a fixed order.
    for (std::string_view ext : kArchiveExtensions) {
        stdfs::path p = dir / (name + std::string(ext));
        if (p != out && ::unlink(p.c_str()) != 0 && errno != ENOENT)
            throw_errno("remove " + p.string());
    }
    return out;
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

std::filesystem::path TemplateCache::ensure(const std::string& name)
{
    if (auto p = find(name))
        return *p;
    const Recipe* recipe = find_recipe(name);
    if (recipe == nullptr)
        throw Error(ExitCode::TemplateNotFound, "template " + name + " not found in " + dir_.string());
    fs::make_dirs(dir_);
    BuildLock lock(dir_, name);
    if (auto p = find(name))
        return *p;
    log::info("Creating template " + name + "...");
    return build(dir_, name, *recipe);
}

std::filesystem::path TemplateCache::create(const std::string& name)
{
    check_name(name);
    const Recipe* recipe = find_recipe(name);
    if (recipe == nullptr)
        throw Error(ExitCode::TemplateNotFound, "template " + name + ": no recipe to build it with");
    fs::make_dirs(dir_);
    BuildLock lock(dir_, name);
    return build(dir_, name, *recipe);
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
