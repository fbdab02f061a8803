#include "runtime/base/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "runtime/base/error.h"

namespace vessel::fs {

namespace stdfs = std::filesystem;

UniqueFd open_dir(const stdfs::path& path, int extra_flags)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | extra_flags);
    if (fd < 0)
        throw_errno("open " + path.string());
    return UniqueFd(fd);
}

void make_dirs(const stdfs::path& path, mode_t mode)
{
    if (path.empty())
        return;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            throw Error(ExitCode::System, path.string() + ": exists and is not a directory", ENOTDIR);
        return;
    }
    if (path.has_parent_path() && path.parent_path() != path)
        make_dirs(path.parent_path(), mode);
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
        throw_errno("mkdir " + path.string());
}

std::optional<std::string> read_file(const stdfs::path& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT)
            return std::nullopt;
        throw_errno("open " + path.string());
    }
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("read " + path.string());
        }
        if (n == 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

namespace {

void write_all(int fd, std::string_view data, const stdfs::path& path)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("write " + path.string());
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

std::string random_suffix()
{
    static std::mt19937_64 rng{std::random_device{}()};
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (int i = 0; i < 8; ++i)
        s += alphabet[rng() % (sizeof alphabet - 1)];
    return s;
}

}  // namespace

void write_file_atomic(const stdfs::path& path, std::string_view data, mode_t mode, bool durable)
{
    stdfs::path dir = path.parent_path().empty() ? stdfs::path(".") : path.parent_path();
    stdfs::path tmp = dir / ("." + path.filename().string() + ".tmp-" + random_suffix());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd)
        throw_errno("create " + tmp.string());
    try {
        if (::fchmod(fd.get(), mode) != 0)
            throw_errno("chmod " + tmp.string());
        write_all(fd.get(), data, tmp);
        if (durable && ::fsync(fd.get()) != 0)
            throw_errno("fsync " + tmp.string());
        fd.reset();
        if (::rename(tmp.c_str(), path.c_str()) != 0)
            throw_errno("rename " + tmp.string() + " to " + path.string());
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    if (!durable)
        return;
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd)
        ::fsync(dfd.get());
}

namespace {

// Empties the directory dirfd (device dev) and reports the first failure.
void empty_dir(int dirfd, dev_t dev, const std::string& where)
{
    int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0)
        throw_errno("dup " + where);
    DIR* d = ::fdopendir(dup);
    if (d == nullptr) {
        ::close(dup);
        throw_errno("opendir " + where);
    }
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n != "." && n != "..")
            names.emplace_back(n);
    }
    int err = errno;
    ::closedir(d);
    if (err != 0)
        throw_errno(err, "readdir " + where);

    for (const auto& name : names) {
        struct stat st {};
        if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                continue;
            throw_errno("stat " + where + "/" + name);
        }
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != dev)
                throw Error(ExitCode::Delete, where + "/" + name + ": is a mount point, not removed", EBUSY);
            UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub)
                throw_errno("open " + where + "/" + name);
            empty_dir(sub.get(), dev, where + "/" + name);
            if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
                throw_errno("rmdir " + where + "/" + name);
        } else if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
            throw_errno("unlink " + where + "/" + name);
        }
    }
}

}  // namespace

bool remove_tree_at(int dirfd, const std::string& name)
{
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return false;
        throw_errno("stat " + name);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT)
            throw_errno("unlink " + name);
        return true;
    }
    UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub)
        throw_errno("open " + name);
    empty_dir(sub.get(), st.st_dev, name);
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        throw_errno("rmdir " + name);
    return true;
}

bool remove_tree(const stdfs::path& path)
{
    stdfs::path parent = path.parent_path().empty() ? stdfs::path(".") : path.parent_path();
    UniqueFd dfd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) {
        if (errno == ENOENT)
            return false;
        throw_errno("open " + parent.string());
    }
    return with_context(path.string(), [&] { return remove_tree_at(dfd.get(), path.filename().string()); });
}

bool is_mount_point(const stdfs::path& path)
{
    struct statx a {}, b {};
    if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &a) != 0) {
        if (errno == ENOENT)
            return false;
        throw_errno("stat " + path.string());
    }
    stdfs::path parent = path / "..";
    if (::statx(AT_FDCWD, parent.c_str(), 0, STATX_MNT_ID, &b) != 0)
        throw_errno("stat " + parent.string());
    if ((a.stx_mask & STATX_MNT_ID) && (b.stx_mask & STATX_MNT_ID))
        return a.stx_mnt_id != b.stx_mnt_id;
    // Kernels before 5.8 have no mount ID in statx: fall back to devices and
    // inodes (misses bind mounts within one filesystem).
    return a.stx_dev_major != b.stx_dev_major || a.stx_dev_minor != b.stx_dev_minor ||
           (a.stx_ino == b.stx_ino);
}

SpaceInfo space_at(const stdfs::path& path)
{
    stdfs::path p = path;
    struct statvfs sv {};
    while (::statvfs(p.c_str(), &sv) != 0) {
        if (errno != ENOENT || !p.has_parent_path() || p.parent_path() == p)
            throw_errno("statvfs " + path.string());
        p = p.parent_path();
    }
    SpaceInfo s{};
    s.bytes_free = static_cast<std::uint64_t>(sv.f_bavail) * sv.f_frsize;
    s.inodes_free = sv.f_files == 0 ? std::numeric_limits<std::uint64_t>::max()
                                     : static_cast<std::uint64_t>(sv.f_favail);
    return s;
}

}  // namespace vessel::fs
