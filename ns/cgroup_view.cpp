#include "ns/cgroup_view.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>

#include "ns/path.h"
#include "runtime/base/error.h"

namespace vessel::ns {

namespace {

constexpr const char* kCgroupDir = "sys/fs/cgroup";
constexpr unsigned long kPseudoFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
// The tmpfs holds one directory or link per hierarchy.
constexpr const char* kTmpfsOptions = "mode=0755,size=64k,nr_inodes=64";

// Names come from the host's mount table; still, each must be one plain
// component of the tmpfs, never a path.
void check_name(const std::string& name)
{
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        throw Error(ExitCode::System, "cgroup hierarchy name \"" + name + "\" is not a plain name", EINVAL);
}

void check_fs_type(int fd, long magic, const std::string& what)
{
    struct statfs sfs {};
    if (::fstatfs(fd, &sfs) != 0)
        throw_errno("statfs " + what);
    if (static_cast<long>(sfs.f_type) != magic)
        throw Error(ExitCode::System, what + " is not the file system just mounted", EXDEV);
}

// cgroup2 at rel below dir_fd; returns nothing, checks what landed there.
void mount_unified(int dir_fd, std::string_view rel, bool writable, const std::string& what)
{
    UniqueFd mp = make_mount_point(dir_fd, rel, MountPointKind::Directory, 0555);
    mount_on_fd("cgroup2", mp.get(), "cgroup2", kPseudoFlags | (writable ? 0 : MS_RDONLY), nullptr, what);
    UniqueFd fd = open_in_root(dir_fd, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    check_fs_type(fd.get(), CGROUP2_SUPER_MAGIC, what);
}

void mount_v1(int root_fd, const CgroupView& view)
{
    const std::string top = "/" + std::string(kCgroupDir);
    UniqueFd mp = make_mount_point(root_fd, kCgroupDir, MountPointKind::Directory, 0555);
    mount_on_fd("tmpfs", mp.get(), "tmpfs", kPseudoFlags, kTmpfsOptions, "tmpfs on " + top);
    UniqueFd dir = open_in_root(root_fd, kCgroupDir, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    check_fs_type(dir.get(), TMPFS_MAGIC, top);

    for (const auto& h : view.v1) {
        check_name(h.dir);
        const std::string what = top + "/" + h.dir;
        UniqueFd hmp = make_mount_point(dir.get(), h.dir, MountPointKind::Directory, 0555);
        mount_on_fd("cgroup", hmp.get(), "cgroup", kPseudoFlags | MS_RDONLY, h.options.c_str(), what);
        UniqueFd fd = open_in_root(dir.get(), h.dir, O_PATH | O_DIRECTORY | O_NOFOLLOW);
        check_fs_type(fd.get(), CGROUP_SUPER_MAGIC, what);
        for (const auto& alias : h.aliases) {
            check_name(alias);
            if (alias == h.dir)
                continue;
            if (::symlinkat(h.dir.c_str(), dir.get(), alias.c_str()) != 0)
                throw_errno("symlink " + top + "/" + alias + " -> " + h.dir);
        }
    }
    if (view.unified_beside)
        mount_unified(dir.get(), "unified", view.unified_writable, top + "/unified");
    // Nothing may be added beside the hierarchies: a directory made here
    // would look like one more to a CT's init.
    remount_readonly(dir.get(), top);
}

}  // namespace

void mount_cgroup_view(int root_fd, const CgroupView& view)
{
    switch (view.kind) {
    case CgroupView::Kind::None:
        return;
    case CgroupView::Kind::Unified:
        mount_unified(root_fd, kCgroupDir, view.unified_writable, "/" + std::string(kCgroupDir));
        return;
    case CgroupView::Kind::V1:
        mount_v1(root_fd, view);
        return;
    }
}

}  // namespace vessel::ns
