#include "runtime/lifecycle/create.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "images/cache.h"
#include "images/helper.h"
#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/interrupt.h"
#include "runtime/base/log.h"
#include "runtime/base/undo.h"
#include "runtime/config/ct_config.h"
#include "runtime/config/ctid.h"
#include "runtime/config/keys.h"
#include "runtime/lifecycle/lock.h"
#include "runtime/lifecycle/ownership.h"
#include "runtime/spec/userns.h"
#include "runtime/config/values.h"

namespace vessel::lifecycle {

namespace stdfs = std::filesystem;

namespace {

void check_options(const config::GlobalConfig& global, config::CtId id, const CreateOptions& opts)
{
    if (opts.hostname)
        with_context("--hostname", [&] { config::validate_value("HOSTNAME", *opts.hostname); });
    if (opts.name) {
        if (!config::valid_ct_name(*opts.name))
            throw Error(ExitCode::Name, "--name: \"" + *opts.name +
                                            "\": invalid container name (a letter, then letters, digits, '.', '_', '-')");
        auto owner = config::find_by_name(*opts.name, global);
        if (owner && *owner != id)
            throw Error(ExitCode::Name, "--name: \"" + *opts.name + "\" is already used by container " +
                                            std::to_string(*owner));
    }
    for (const auto* p : {&opts.private_dir, &opts.root_dir})
        if (*p && !stdfs::path(**p).is_absolute())
            throw Error(ExitCode::InvalidValue,
                        std::string(p == &opts.private_dir ? "--private" : "--root") + ": \"" + **p +
                            "\": not an absolute path");
}

// The config the new CT gets: its existing file, else the sample, else empty.
config::ConfigFile build_config(const config::GlobalConfig& global, config::CtId id, const CreateOptions& opts,
                                bool& wrote_new)
{
    auto conf_path = global.ct_conf(id);
    auto existing = config::ConfigFile::load_if_exists(conf_path);
    std::string sample = opts.config.value_or(global.default_sample());
    if (opts.config && existing)
        throw Error(ExitCode::ConfigCopy, "container config file " + conf_path.string() +
                                              " already exists, can not use --config option");
    config::ConfigFile file;
    wrote_new = !existing;
    if (existing) {
        file = std::move(*existing);
        if (!sample.empty() && !opts.config)
            log::info("Warning: CT config file already exists, not applying a default config sample.");
    } else if (!sample.empty()) {
        auto sample_path = global.sample_conf(sample);
        auto text = fs::read_file(sample_path);
        if (!text)
            throw Error(ExitCode::ConfigCopy, "Sample config " + sample_path.string() + " not found" +
                                                  (opts.config ? "" : " (fix CONFIGFILE in " + global.path().string() + ")"));
        file = config::ConfigFile::parse(*text, conf_path.string());
        config::validate_file(config::ConfigFile::parse(*text, sample_path.string()));
        if (!file.get("ORIGIN_SAMPLE"))
            file.set("ORIGIN_SAMPLE", sample);
    } else {
        file = config::ConfigFile::parse("", conf_path.string());
    }

    std::string ostemplate = opts.ostemplate.value_or(file.get("OSTEMPLATE").value_or(global.default_ostemplate()));
    if (ostemplate.empty())
        throw Error(ExitCode::OsTemplateUnset, "OS template is not specified (--ostemplate or DEF_OSTEMPLATE)");
    file.set("OSTEMPLATE", ostemplate);
    // Keep $VEID in stored paths, as vzctl does, so the file reads like the defaults.
    if (opts.root_dir)
        file.set("VE_ROOT", *opts.root_dir);
    else if (!file.get("VE_ROOT"))
        file.set("VE_ROOT", global.get("VE_ROOT").value_or(""));
    if (opts.private_dir)
        file.set("VE_PRIVATE", *opts.private_dir);
    else if (!file.get("VE_PRIVATE"))
        file.set("VE_PRIVATE", global.get("VE_PRIVATE").value_or(""));
    if (opts.hostname)
        file.set("HOSTNAME", *opts.hostname);
    if (opts.name)
        file.set("NAME", *opts.name);
    if (file.get("VE_ROOT").value_or("").empty())
        throw Error(ExitCode::VeRootUnset, "VE_ROOT is not set");
    if (file.get("VE_PRIVATE").value_or("").empty())
        throw Error(ExitCode::VePrivateUnset, "VE_PRIVATE is not set");
    config::validate_file(file);
    return file;
}

bool dir_is_empty(const stdfs::path& p)
{
    std::error_code ec;
    return stdfs::is_directory(p, ec) && stdfs::is_empty(p, ec);
}

std::string human_bytes(std::uint64_t b)
{
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

void check_space(const stdfs::path& where, const images::ArchiveStats& need)
{
    auto have = fs::space_at(where);
    if (have.bytes_free < need.bytes)
        throw Error(ExitCode::NoDiskSpace, "Not enough disk space in " + where.string() + ": the template needs " +
                                               human_bytes(need.bytes) + ", " + human_bytes(have.bytes_free) +
                                               " free");
    if (have.inodes_free < need.entries)
        throw Error(ExitCode::NoDiskSpace, "Not enough free inodes in " + where.string() + ": the template needs " +
                                               std::to_string(need.entries) + ", " +
                                               std::to_string(have.inodes_free) + " free");
}

}  // namespace

void create_ct(const config::GlobalConfig& global, config::CtId id, const CreateOptions& opts)
{
    check_options(global, id, opts);
    if (opts.ostemplate)
        images::TemplateCache::check_name(*opts.ostemplate);

    auto lock = CtLock::acquire(global, id);
    InterruptGuard interrupts;
    UndoStack undo;

    bool new_config = false;
    auto file = build_config(global, id, opts, new_config);
    config::CtConfig ct(global, id, file);
    const stdfs::path priv = ct.ve_private();
    const stdfs::path root = ct.ve_root();
    auto get = [&ct](std::string_view key) { return ct.get(key); };
    const auto userns = spec::user_namespace_from(get);
    const bool idmap_allowed = config::parse_bool(ct.get("IDMAPPED_MOUNTS").value_or("yes"));

    struct stat st {};
    if (::lstat(priv.c_str(), &st) == 0 && !dir_is_empty(priv))
        throw Error(ExitCode::PrivateExists, "Private area already exists in " + priv.string());

    // Archives are read by vessel-image (images/helper.h), which links
    // libarchive so that vessel does not; this process keeps the lock, the
    // checks and the undo stack.
    images::TemplateCache cache(global.cache_dir());
    std::string ostemplate = ct.ostemplate();
    const auto [archive, stats] = images::helper::ensure(cache, ostemplate);

    const stdfs::path parent = priv.parent_path();
    try {
        fs::make_dirs(parent, 0755);
    } catch (Error& e) {
        throw e.set_code(ExitCode::CreatePrivate);
    }
    check_space(parent, stats);

    // Extract beside the final place and rename: a private area is either
    // complete or absent.
    const stdfs::path tmp = priv.string() + ".tmp";
    if (fs::remove_tree(tmp))
        log::warning("removed leftover " + tmp.string());
    if (::mkdir(tmp.c_str(), 0755) != 0)
        throw_errno("mkdir " + tmp.string(), ExitCode::CreatePrivate);
    undo.push("remove " + tmp.string(), [tmp] { fs::remove_tree(tmp); });

    log::info("Creating container private area (" + ostemplate + ")");
    with_context("extract " + archive.string(), [&] { images::helper::extract(archive, tmp, stats.bytes); });
    if (InterruptGuard::flag())
        throw Error(ExitCode::System, "interrupted");
    // Where no idmapped mount can show the files as the CT's, they are
    // shifted to LOCAL_UID now, once (ownership.h).
    if (userns)
        with_context("ownership", [&] { prepare_ownership(tmp, userns, idmap_allowed); });

    if (dir_is_empty(priv) && ::rmdir(priv.c_str()) != 0)
        throw_errno("rmdir " + priv.string(), ExitCode::CreatePrivate);
    if (::rename(tmp.c_str(), priv.c_str()) != 0)
        throw_errno("rename " + tmp.string() + " to " + priv.string(), ExitCode::CreatePrivate);
    undo.push("remove " + priv.string(), [priv] { fs::remove_tree(priv); });

    if (::mkdir(root.c_str(), 0755) == 0) {
        undo.push("remove " + root.string(), [root] { ::rmdir(root.c_str()); });
    } else if (errno == ENOENT) {
        try {
            fs::make_dirs(root, 0755);
        } catch (Error& e) {
            throw e.set_code(ExitCode::CreateRoot);
        }
        undo.push("remove " + root.string(), [root] { ::rmdir(root.c_str()); });
    } else if (errno != EEXIST) {
        throw_errno("mkdir " + root.string(), ExitCode::CreateRoot);
    }

    fs::make_dirs(global.conf_dir(), 0755);
    auto conf_path = global.ct_conf(id);
    auto previous = config::ConfigFile::load_if_exists(conf_path);
    file.save(conf_path);
    if (new_config)
        undo.push("remove " + conf_path.string(), [conf_path] { ::unlink(conf_path.c_str()); });
    else if (previous)
        undo.push("restore " + conf_path.string(), [conf_path, prev = *previous] { prev.save(conf_path); });

    if (InterruptGuard::flag())
        throw Error(ExitCode::System, "interrupted");
    undo.commit();
    log::info("Container private area was created");
}

}  // namespace vessel::lifecycle
