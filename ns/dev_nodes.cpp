#include "ns/dev_nodes.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "ns/path.h"
#include "ns/syscalls.h"
#include "ns/rootfs.h"
#include "runtime/base/error.h"
#include "runtime/base/unique_fd.h"

namespace vessel::ns {

namespace {

// What mount_dev makes besides default_dev_nodes(): mounts and links.
constexpr std::array<std::string_view, 7> kBuiltinNames{"pts", "shm", "ptmx", "fd", "stdin", "stdout", "stderr"};

struct Parent {
    UniqueFd dir;       // the directory the last component is in
    std::string leaf;   // the last component
};

// Walks the directories of `name` below dev_fd, one component at a time
// with O_NOFOLLOW, creating missing ones when `create` is set. A symlink
// on the way fails (ENOTDIR from O_DIRECTORY), it is never followed.
Parent walk_to_parent(int dev_fd, const std::string& name, bool create)
{
    Parent p;
    p.dir = UniqueFd(::fcntl(dev_fd, F_DUPFD_CLOEXEC, 0));
    if (!p.dir)
        throw_errno("dup /dev fd");
    size_t start = 0;
    for (size_t slash; (slash = name.find('/', start)) != std::string::npos; start = slash + 1) {
        const std::string part = name.substr(start, slash - start);
        if (create && ::mkdirat(p.dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST)
            throw_errno("mkdir /dev/" + name.substr(0, slash));
        UniqueFd next(::openat(p.dir.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next)
            throw_errno("open /dev/" + name.substr(0, slash) + " (a directory, not a symlink)");
        p.dir = std::move(next);
    }
    p.leaf = name.substr(start);
    return p;
}

bool same_device(const struct stat& st, const ExtraDevNode& n)
{
    const bool type_ok = n.type == 'b' ? S_ISBLK(st.st_mode) : S_ISCHR(st.st_mode);
    return type_ok && major(st.st_rdev) == n.major && minor(st.st_rdev) == n.minor;
}

// The mode is meant literally; the caller's umask must not strip it.
int mknod_exact(int dir, const char* leaf, mode_t mode, dev_t dev)
{
    const mode_t saved = ::umask(0);
    const int rc = ::mknodat(dir, leaf, mode, dev);
    const int err = errno;
    ::umask(saved);
    errno = err;
    return rc;
}

}  // namespace

bool is_builtin_dev_name(std::string_view name)
{
    const std::string_view first = name.substr(0, name.find('/'));
    for (auto b : kBuiltinNames)
        if (first == b)
            return true;
    size_t count = 0;
    const DevNode* nodes = default_dev_nodes(&count);
    for (size_t i = 0; i < count; ++i)
        if (first == nodes[i].name)
            return true;
    return false;
}

void bind_host_dev_node(int dir_fd, const std::string& leaf, const ExtraDevNode& n)
{
    const std::string host = "/dev/" + n.name;
    UniqueFd src(::open(host.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!src)
        throw_errno("mknod not permitted and no " + host + " to bind");
    struct stat st {};
    if (::fstat(src.get(), &st) != 0)
        throw_errno("stat " + host);
    if (!same_device(st, n))
        throw Error(ExitCode::System, "mknod not permitted and " + host + " is not the right device", ENODEV);
    UniqueFd target = make_mount_point(dir_fd, leaf, MountPointKind::File);
    if (::mount(fd_path(src.get()).c_str(), fd_path(target.get()).c_str(), nullptr, MS_BIND, nullptr) != 0)
        throw_errno("bind " + host);
}

std::vector<UniqueFd> detached_dev_nodes(const std::vector<ExtraDevNode>& nodes, uid_t uid, gid_t gid)
{
    std::vector<UniqueFd> out;
    if (nodes.empty())
        return out;
    UniqueFd tmpfs(sys::detached_tmpfs("mode=0700,size=4k"));
    if (!tmpfs)
        throw_errno("a tmpfs for the container's device nodes");
    for (size_t i = 0; i < nodes.size(); ++i) {
        const ExtraDevNode& n = nodes[i];
        with_context("mknod /dev/" + n.name, [&] {
            const std::string leaf = std::to_string(i);
            const mode_t type = n.type == 'b' ? S_IFBLK : S_IFCHR;
            if (mknod_exact(tmpfs.get(), leaf.c_str(), type | (n.mode & 07777), makedev(n.major, n.minor)) != 0)
                throw_errno("mknod");
            if (::fchownat(tmpfs.get(), leaf.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
                throw_errno("chown to the container's root");
            UniqueFd one(sys::open_tree(tmpfs.get(), leaf.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
            if (!one)
                throw_errno("open_tree");
            out.push_back(std::move(one));
        });
    }
    return out;
}

void make_dev_node(int dev_fd, const ExtraDevNode& n, int detached)
{
    with_context("mknod /dev/" + n.name, [&] {
        Parent p = walk_to_parent(dev_fd, n.name, true);
        const mode_t type = n.type == 'b' ? S_IFBLK : S_IFCHR;
        if (mknod_exact(p.dir.get(), p.leaf.c_str(), type | (n.mode & 07777), makedev(n.major, n.minor)) == 0)
            return;
        if (errno == EPERM) {
            if (detached < 0) {
                bind_host_dev_node(p.dir.get(), p.leaf, n);
                return;
            }
            UniqueFd target = make_mount_point(p.dir.get(), p.leaf, MountPointKind::File);
            if (sys::move_mount_fds(detached, target.get()) != 0)
                throw_errno("attach the node made by the host");
            return;
        }
        if (errno != EEXIST)
            throw_errno("mknod");
        struct stat st {};
        if (::fstatat(p.dir.get(), p.leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            throw_errno("stat");
        if (!same_device(st, n))
            throw Error(ExitCode::System, "something else is there already; it is left as it is", EEXIST);
    });
}

bool remove_dev_node(int dev_fd, const ExtraDevNode& n)
{
    return with_context("remove /dev/" + n.name, [&] {
        Parent p;
        try {
            p = walk_to_parent(dev_fd, n.name, false);
        } catch (const Error& e) {
            if (e.sys_errno() == ENOENT)
                return true;
            throw;
        }
        struct stat st {};
        if (::fstatat(p.dir.get(), p.leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                return true;
            throw_errno("stat");
        }
        if (!same_device(st, n))
            return false;
        if (::unlinkat(p.dir.get(), p.leaf.c_str(), 0) != 0 && errno != ENOENT)
            throw_errno("unlink");
        return true;
    });
}

}  // namespace vessel::ns
