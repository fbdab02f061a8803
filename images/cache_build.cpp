#include "images/cache_build.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "images/recipes/builders.h"
#include "images/recipes/recipe.h"
#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/log.h"
#include "runtime/base/unique_fd.h"

namespace vessel::images {

namespace {

namespace stdfs = std::filesystem;

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
    BuildFn build_fn = find_builder(recipe.name);
    if (build_fn == nullptr)
        throw Error(ExitCode::System, "template " + name + ": the recipe has no build function");
    stdfs::path out = dir / (name + std::string(recipe.extension));
    with_context("template " + name, [&] { build_fn(out); });

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

std::filesystem::path ensure_template(const TemplateCache& cache, const std::string& name)
{
    const stdfs::path& dir = cache.dir();
    if (auto p = cache.find(name))
        return *p;
    const Recipe* recipe = find_recipe(name);
    if (recipe == nullptr)
        throw Error(ExitCode::TemplateNotFound, "template " + name + " not found in " + dir.string());
    fs::make_dirs(dir);
    BuildLock lock(dir, name);
    if (auto p = cache.find(name))
        return *p;
    log::info("Creating template " + name + "...");
    return build(dir, name, *recipe);
}

std::filesystem::path build_template(const TemplateCache& cache, const std::string& name)
{
    const stdfs::path& dir = cache.dir();
    TemplateCache::check_name(name);
    const Recipe* recipe = find_recipe(name);
    if (recipe == nullptr)
        throw Error(ExitCode::TemplateNotFound, "template " + name + ": no recipe to build it with");
    fs::make_dirs(dir);
    BuildLock lock(dir, name);
    return build(dir, name, *recipe);
}

}  // namespace vessel::images
