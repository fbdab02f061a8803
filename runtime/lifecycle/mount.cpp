#include "runtime/lifecycle/mount.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"

namespace vessel::lifecycle {

void mount_ct(const config::CtConfig& ct)
{
    auto priv = ct.ve_private();
    auto root = ct.ve_root();
    struct stat st {};
    if (::stat(priv.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(ExitCode::PrivateNotFound, "Container private area " + priv.string() + " does not exist");
    if (fs::is_mount_point(root))
        throw Error(ExitCode::AlreadyMounted, "Container is already mounted");
    try {
        fs::make_dirs(root, 0755);
    } catch (Error& e) {
        throw e.set_code(ExitCode::CreateRoot);
    }
    if (::mount(priv.c_str(), root.c_str(), nullptr, MS_BIND, nullptr) != 0)
        throw_errno("mount " + priv.string() + " on " + root.string(), ExitCode::Mount);
    // A bind into a shared mount would propagate to every peer namespace;
    // the container's root is its own business.
    if (::mount(nullptr, root.c_str(), nullptr, MS_PRIVATE, nullptr) != 0) {
        int err = errno;
        ::umount2(root.c_str(), MNT_DETACH);
        throw_errno(err, "make " + root.string() + " private", ExitCode::Mount);
    }
}

void umount_ct(const config::CtConfig& ct)
{
    auto root = ct.ve_root();
    if (!fs::is_mount_point(root))
        throw Error(ExitCode::NotMounted, "Container is not mounted");
    if (::umount2(root.c_str(), 0) != 0)
        throw_errno("umount " + root.string(), ExitCode::Umount);
}

}  // namespace vessel::lifecycle
