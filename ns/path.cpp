#include "ns/path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "ns/syscalls.h"
#include "runtime/base/error.h"

namespace vessel::ns {

namespace {

std::vector<std::string_view> split(std::string_view rel)
{
    std::vector<std::string_view> out;
    while (!rel.empty()) {
        size_t slash = rel.find('/');
        std::string_view comp = rel.substr(0, slash);
        if (!comp.empty() && comp != ".")
            out.push_back(comp);
        if (slash == std::string_view::npos)
            break;
        rel.remove_prefix(slash + 1);
    }
    return out;
}

std::string join(const std::vector<std::string_view>& comps, size_t n)
{
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        if (!out.empty())
            out += '/';
        out += comps[i];
    }
    return out;
}

std::string show(std::string_view rel) { return rel.empty() ? std::string("/") : "/" + std::string(rel); }

std::string link_target(int dirfd, const char* name)
{
    char buf[4096];
    ssize_t n = ::readlinkat(dirfd, name, buf, sizeof buf - 1);
    if (n < 0)
        return "?";
    return std::string(buf, static_cast<size_t>(n));
}

struct Opened {
    UniqueFd fd;
    int err = 0;
    std::string why;  // the part of the path that was refused, for the message
};

// Whether two fds are on the same mount: by mount ID where statx has it
// (5.8); older kernels, which also lack openat2, can only be asked for the
// device, so a bind mount within one filesystem goes unnoticed there.
bool same_mount(int a, int b)
{
    struct statx sa {}, sb {};
    if (::statx(a, "", AT_EMPTY_PATH, STATX_MNT_ID, &sa) != 0 || ::statx(b, "", AT_EMPTY_PATH, STATX_MNT_ID, &sb) != 0)
        return false;
    if ((sa.stx_mask & STATX_MNT_ID) && (sb.stx_mask & STATX_MNT_ID))
        return sa.stx_mnt_id == sb.stx_mnt_id;
    return sa.stx_dev_major == sb.stx_dev_major && sa.stx_dev_minor == sb.stx_dev_minor;
}

constexpr const char* kCrossesMount = "crosses a mount point";

// One component at a time, refusing symlinks and "..", and with one_mount
// every component on another mount than root_fd.
Opened walk_no_symlinks(int root_fd, const std::vector<std::string_view>& comps, int open_flags,
                        bool one_mount = false)
{
    Opened r;
    UniqueFd holder;
    int dir = root_fd;
    for (size_t i = 0; i + 1 < comps.size(); ++i) {
        const std::string comp(comps[i]);
        if (comp == "..") {
            r.err = EXDEV;
            r.why = "\"..\" in a path inside the container root";
            return r;
        }
        UniqueFd next(::openat(dir, comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!next) {
            r.err = errno;
            return r;
        }
        struct stat st {};
        if (::fstat(next.get(), &st) != 0) {
            r.err = errno;
            return r;
        }
        if (S_ISLNK(st.st_mode)) {
            r.err = ELOOP;
            r.why = show(join(comps, i + 1)) + " is a symlink (-> " + link_target(dir, comp.c_str()) + ")";
            return r;
        }
        if (!S_ISDIR(st.st_mode)) {
            r.err = ENOTDIR;
            return r;
        }
        if (one_mount && !same_mount(root_fd, next.get())) {
            r.err = EXDEV;
            r.why = show(join(comps, i + 1)) + " " + kCrossesMount;
            return r;
        }
        holder = std::move(next);
        dir = holder.get();
    }
    if (comps.empty()) {
        r.fd.reset(::openat(root_fd, ".", open_flags | O_CLOEXEC));
        if (!r.fd)
            r.err = errno;
        return r;
    }
    const std::string last(comps.back());
    if (last == "..") {
        r.err = EXDEV;
        r.why = "\"..\" in a path inside the container root";
        return r;
    }
    r.fd.reset(::openat(dir, last.c_str(), open_flags | O_NOFOLLOW | O_CLOEXEC));
    if (!r.fd) {
        r.err = errno;
        // O_DIRECTORY|O_NOFOLLOW on a link fails with ENOTDIR, not ELOOP.
        struct stat st {};
        if ((r.err == ELOOP || r.err == ENOTDIR) && ::fstatat(dir, last.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode)) {
            r.err = ELOOP;
            r.why = show(join(comps, comps.size())) + " is a symlink (-> " + link_target(dir, last.c_str()) + ")";
        }
        return r;
    }
    if ((open_flags & (O_PATH | O_NOFOLLOW)) == O_PATH) {
        // O_PATH|O_NOFOLLOW hands back the link itself; the caller asked to
        // follow it, which this walk cannot do safely.
        struct stat st {};
        if (::fstat(r.fd.get(), &st) == 0 && S_ISLNK(st.st_mode)) {
            r.why = show(join(comps, comps.size())) + " is a symlink (-> " + link_target(dir, last.c_str()) + ")";
            r.fd.reset();
            r.err = ELOOP;
        }
    }
    if (r.fd && one_mount && !same_mount(root_fd, r.fd.get())) {
        r.fd.reset();
        r.err = EXDEV;
        r.why = show(join(comps, comps.size())) + " " + kCrossesMount;
    }
    return r;
}

Opened try_open_in_root(int root_fd, std::string_view rel, int open_flags)
{
    const auto comps = split(rel);
    const std::string path = comps.empty() ? std::string(".") : join(comps, comps.size());
    for (int attempt = 0; attempt < 16; ++attempt) {
        int fd = sys::openat2(root_fd, path.c_str(), static_cast<std::uint64_t>(open_flags | O_CLOEXEC), 0,
                              RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (fd >= 0) {
            Opened r;
            r.fd.reset(fd);
            return r;
        }
        // EAGAIN: a rename or mount raced with the walk and the kernel could
        // not prove ".." stayed inside; trying again is what it asks for.
        if (errno == EAGAIN)
            continue;
        if (errno == ENOSYS || errno == E2BIG)
            return walk_no_symlinks(root_fd, comps, open_flags);
        Opened r;
        r.err = errno;
        return r;
    }
    Opened r;
    r.err = EAGAIN;
    return r;
}

Opened try_open_strict(int root_fd, std::string_view rel, int open_flags)
{
    const auto comps = split(rel);
    const std::string path = comps.empty() ? std::string(".") : join(comps, comps.size());
    for (int attempt = 0; attempt < 16; ++attempt) {
        int fd = sys::openat2(root_fd, path.c_str(), static_cast<std::uint64_t>(open_flags | O_CLOEXEC), 0,
                              RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
        if (fd >= 0) {
            Opened r;
            r.fd.reset(fd);
            return r;
        }
        const int err = errno;
        if (err == EAGAIN)
            continue;
        if (err == ENOSYS || err == E2BIG)
            return walk_no_symlinks(root_fd, comps, open_flags, true);
        Opened r;
        r.err = err;
        if (err == ELOOP) {
            // The kernel does not say which component is the link; the walk
            // finds it for the message (and refuses it again).
            Opened named = walk_no_symlinks(root_fd, comps, open_flags, true);
            r.why = named.why;
        } else if (err == EXDEV) {
            r.why = show(path == "." ? std::string() : path) + " " + kCrossesMount + " on the way";
        }
        return r;
    }
    Opened r;
    r.err = EAGAIN;
    return r;
}

[[noreturn]] void fail(const Opened& r, std::string_view rel, std::string_view verb)
{
    std::string msg = std::string(verb) + " " + show(rel) + " in the container root";
    if (!r.why.empty())
        msg += ": " + r.why;
    throw_errno(r.err, msg);
}

UniqueFd opened_or_fail(Opened r, std::string_view rel)
{
    if (!r.fd) {
        const auto comps = split(rel);
        fail(r, join(comps, comps.size()), "open");
    }
    return std::move(r.fd);
}

}  // namespace

UniqueFd open_in_root(int root_fd, std::string_view rel, int open_flags)
{
    return opened_or_fail(try_open_in_root(root_fd, rel, open_flags), rel);
}

UniqueFd open_in_root_strict(int root_fd, std::string_view rel, int open_flags)
{
    return opened_or_fail(try_open_strict(root_fd, rel, open_flags), rel);
}

UniqueFd make_mount_point(int root_fd, std::string_view rel, MountPointKind kind, mode_t dir_mode)
{
    const auto comps = split(rel);
    const std::string full = join(comps, comps.size());
    if (comps.empty()) {
        if (kind == MountPointKind::File)
            throw Error(ExitCode::InvalidValue, "mount point /: not a file", EISDIR);
        return open_in_root(root_fd, "", O_PATH | O_DIRECTORY);
    }
    const std::string last(comps.back());
    if (last == "..")
        throw Error(ExitCode::InvalidValue, "mount point " + show(full) + ": ends in \"..\"", EINVAL);

    const std::string parent_rel = join(comps, comps.size() - 1);
    UniqueFd parent;
    {
        Opened p = try_open_in_root(root_fd, parent_rel, O_PATH | O_DIRECTORY);
        if (!p.fd && p.err == ENOENT)
            parent = make_mount_point(root_fd, parent_rel, MountPointKind::Directory, dir_mode);
        else if (!p.fd)
            fail(p, parent_rel, "open");
        else
            parent = std::move(p.fd);
    }

    // Two rounds: what we create may have been created by someone else in
    // between, which is fine as long as it passes the same checks.
    for (int round = 0; round < 2; ++round) {
        UniqueFd fd(::openat(parent.get(), last.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (fd) {
            struct stat st {};
            if (::fstat(fd.get(), &st) != 0)
                throw_errno("stat " + show(full) + " in the container root");
            if (S_ISLNK(st.st_mode))
                throw Error(ExitCode::System,
                            show(full) + " in the container root is a symlink (-> " +
                                link_target(parent.get(), last.c_str()) + "); refusing to mount over it",
                            ELOOP);
            if (kind == MountPointKind::Directory && !S_ISDIR(st.st_mode))
                throw Error(ExitCode::System, show(full) + " in the container root is not a directory", ENOTDIR);
            if (kind == MountPointKind::File && S_ISDIR(st.st_mode))
                throw Error(ExitCode::System, show(full) + " in the container root is a directory", EISDIR);
            return fd;
        }
        if (errno != ENOENT)
            throw_errno("open " + show(full) + " in the container root");
        int rc;
        if (kind == MountPointKind::Directory) {
            rc = ::mkdirat(parent.get(), last.c_str(), dir_mode);
        } else {
            rc = ::openat(parent.get(), last.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (rc >= 0)
                ::close(rc);
        }
        if (rc < 0 && errno != EEXIST)
            throw_errno("create " + show(full) + " in the container root");
    }
    throw Error(ExitCode::System, "create " + show(full) + " in the container root: keeps changing", EAGAIN);
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

void mount_on_fd(const char* source, int target_fd, const char* fstype, unsigned long flags, const char* data,
                 std::string_view what)
{
    if (::mount(source, fd_path(target_fd).c_str(), fstype, flags, data) != 0)
        throw_errno("mount " + std::string(what));
}

void remount_readonly(int target_fd, std::string_view what)
{
    const std::string step = "remount " + std::string(what) + " read-only";
    struct statx sx {};
    if (::statx(target_fd, "", AT_EMPTY_PATH, 0, &sx) != 0)
        throw_errno(step + ": statx");
    // Without this check a remount through an fd of a plain directory
    // fails with a bare EINVAL; say why.
    if ((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
        throw Error(ExitCode::System, step + ": not the root of a mount", EINVAL);
    struct statvfs sv {};
    if (::fstatvfs(target_fd, &sv) != 0)
        throw_errno(step + ": statvfs");
    struct Kept {
        unsigned long st;
        unsigned long ms;
    };
    constexpr Kept kept[] = {{ST_NOSUID, MS_NOSUID},     {ST_NODEV, MS_NODEV},         {ST_NOEXEC, MS_NOEXEC},
                             {ST_NOATIME, MS_NOATIME},   {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
    for (const auto& k : kept)
        if (sv.f_flag & k.st)
            flags |= k.ms;
    if (::mount(nullptr, fd_path(target_fd).c_str(), nullptr, flags, nullptr) != 0)
        throw_errno(step);
}

}  // namespace vessel::ns
