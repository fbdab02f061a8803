#include "runtime/lifecycle/destroy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/log.h"
#include "runtime/config/ct_config.h"
#include "runtime/lifecycle/lock.h"
#include "runtime/lifecycle/run_state.h"

namespace vessel::lifecycle {

namespace stdfs = std::filesystem;

void destroy_ct(const config::GlobalConfig& global, config::CtId id)
{
    auto lock = CtLock::acquire(global, id);
    auto ct = config::CtConfig::load_if_exists(global, id);
    const stdfs::path priv = ct ? ct->ve_private() : global.ve_private(id);
    const stdfs::path root = ct ? ct->ve_root() : global.ve_root(id);

    struct stat st {};
    bool have_private = ::lstat(priv.c_str(), &st) == 0;
    if (!ct && !have_private)
        throw Error(ExitCode::PrivateNotFound, "Container private area " + priv.string() + " does not exist");
    if (is_running(global, id))
        throw Error(ExitCode::Running, "Container is currently running. Stop it first.");
    if (fs::is_mount_point(root))
        throw Error(ExitCode::AlreadyMounted, "Container is currently mounted (umount first)");

    if (have_private) {
        log::info("Destroying container private area: " + priv.string());
        if (S_ISLNK(st.st_mode)) {
            // Never follow it: whatever it points to is not ours to delete.
            log::warning("container private area " + priv.string() + " is a symlink; removing the link only");
            if (::unlink(priv.c_str()) != 0)
                throw_errno("unlink " + priv.string(), ExitCode::Delete);
        } else {
            // Rename first so the CT is gone at once even if removal is slow or
            // fails half-way; a later destroy or create cleans the remainder.
            stdfs::path doomed = priv.parent_path() / ("." + priv.filename().string() + ".destroyed");
            fs::remove_tree(doomed);
            if (::rename(priv.c_str(), doomed.c_str()) != 0)
                throw_errno("rename " + priv.string(), ExitCode::Delete);
            try {
                fs::remove_tree(doomed);
            } catch (Error& e) {
                throw e.set_code(ExitCode::Delete);
            }
        }
    }
    if (::rmdir(root.c_str()) != 0 && errno != ENOENT)
        log::warning("failed to remove " + root.string() + ": " + std::strerror(errno));

    auto dump = global.dump_dir() / ("Dump." + std::to_string(id));
    ::unlink(dump.c_str());
    fs::remove_tree(run_state_dir(global, id));

    auto conf = global.ct_conf(id);
    if (ct) {
        auto backup = conf.string() + ".destroyed";
        if (::rename(conf.c_str(), backup.c_str()) != 0)
            throw_errno("rename " + conf.string(), ExitCode::Delete);
    }
    log::info("Container private area was destroyed");
}

}  // namespace vessel::lifecycle
