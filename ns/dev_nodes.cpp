#include "ns/dev_nodes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <cerrno>

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

void make_dev_node(int dev_fd, const ExtraDevNode& n)
{
    with_context("mknod /dev/" + n.name, [&] {
        Parent p = walk_to_parent(dev_fd, n.name, true);
        const mode_t type = n.type == 'b' ? S_IFBLK : S_IFCHR;
        if (mknod_exact(p.dir.get(), p.leaf.c_str(), type | (n.mode & 07777), makedev(n.major, n.minor)) == 0)
            return;
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
