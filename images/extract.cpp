// Extraction of a template archive into a directory. Every entry is
// created relative to an fd of the target directory, its parent reached
// without following any symlink, so nothing an archive says can make us
// write outside the target.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "images/archive.h"
#include "images/libarchive_util.h"
#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/base/unique_fd.h"

namespace vessel::images {

namespace {

namespace stdfs = std::filesystem;
using Components = std::vector<std::string>;
using detail::throw_archive;

[[noreturn]] void throw_escape(const std::string& entry)
{
    throw Error(ExitCode::InvalidValue, entry + ": path escapes the target");
}

// Empty and "." components are dropped; nullopt for an absolute path or a
// ".." anywhere (even "a/../b", which would stay inside, is not worth the
// reasoning it needs).
std::optional<Components> split_entry_path(std::string_view path)
{
    if (path.empty() || path.front() == '/')
        return std::nullopt;
    Components out;
    while (!path.empty()) {
        size_t slash = path.find('/');
        std::string_view part = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
        if (part.empty() || part == ".")
            continue;
        if (part == "..")
            return std::nullopt;
        out.emplace_back(part);
    }
    return out;
}

std::string join(const Components& comps, size_t n)
{
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        if (i != 0)
            s += '/';
        s += comps[i];
    }
    return s;
}

std::string entry_path(struct archive_entry* e)
{
    const char* p = archive_entry_pathname(e);
    if (p == nullptr)
        p = archive_entry_pathname_utf8(e);
    return p != nullptr ? p : "";
}

void pwrite_all(int fd, const char* buf, size_t size, off_t off, const std::string& entry)
{
    while (size > 0) {
        ssize_t n = ::pwrite(fd, buf, size, off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("write " + entry);
        }
        buf += n;
        size -= static_cast<size_t>(n);
        off += n;
    }
}

struct DirFixup {
    Components comps;
    mode_t mode;
    struct timespec times[2];
};

class Extractor {
public:
    Extractor(int root, const ExtractOptions& opts) : root_(root), opts_(opts) {}

    void run(struct archive* a);

private:
    enum class Walk { Create, Existing, Probe };

    void check_cancel() const
    {
        if (opts_.cancel != nullptr && opts_.cancel->load())
            throw Error(ExitCode::System, "interrupted");
    }

    UniqueFd dup_root() const;
    UniqueFd open_parent(const Components& comps, size_t n, Walk how, const std::string& entry);
    UniqueFd open_parent_fast(const Components& comps, size_t n);
    void clear_slot(int parent, const std::string& name, const std::string& entry);

    void extract_entry(struct archive* a, struct archive_entry* e);
    void make_dir(int parent, const std::string& name, const Components& comps, struct archive_entry* e,
                  const std::string& entry);
    void make_file(struct archive* a, int parent, const std::string& name, struct archive_entry* e,
                   const std::string& entry);
    void make_symlink(int parent, const std::string& name, struct archive_entry* e, const std::string& entry);
    void make_hardlink(int parent, const std::string& name, const Components& comps, struct archive_entry* e,
                       const std::string& entry);
    void make_node(int parent, const std::string& name, struct archive_entry* e, const std::string& entry);

    void set_owner_fd(int fd, struct archive_entry* e, const std::string& entry) const;
    void set_owner_at(int parent, const std::string& name, struct archive_entry* e, const std::string& entry) const;
    // setter(name, value, size) returns 0 or -1 with errno.
    template <typename Setter>
    void set_xattrs(struct archive_entry* e, const std::string& entry, Setter setter);
    void set_xattrs_at(int parent, const std::string& name, struct archive_entry* e, const std::string& entry);
    static void entry_times(struct archive_entry* e, struct timespec ts[2]);
    void record_dir(const Components& comps, struct archive_entry* e);
    void apply_dir_fixups();

    int root_;
    const ExtractOptions& opts_;
    bool owners_ = ::geteuid() == 0;
    bool have_openat2_ = true;
    bool warned_xattr_ = false;
    std::uint64_t done_ = 0;
    // Keyed by path so the last entry naming a directory wins; iterated in
    // reverse so children are fixed before their parents.
    std::map<std::string, DirFixup> dirs_;
};

UniqueFd Extractor::dup_root() const
{
    int fd = ::fcntl(root_, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        throw_errno("dup target directory");
    return UniqueFd(fd);
}

// One openat2() call resolves the whole parent path when the kernel has it;
// any failure (missing directory, symlink, no openat2) falls back to the
// component walk, which creates what is missing and names what is wrong.
UniqueFd Extractor::open_parent_fast(const Components& comps, size_t n)
{
    if (!have_openat2_)
        return {};
    struct open_how how {};
    how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    std::string path = join(comps, n);
    long fd = ::syscall(SYS_openat2, root_, path.c_str(), &how, sizeof how);
    if (fd >= 0)
        return UniqueFd(static_cast<int>(fd));
    if (errno == ENOSYS || errno == EPERM)  // old kernel, or a seccomp filter
        have_openat2_ = false;
    return {};
}

UniqueFd Extractor::open_parent(const Components& comps, size_t n, Walk how, const std::string& entry)
{
    if (n == 0)
        return dup_root();
    if (UniqueFd fast = open_parent_fast(comps, n))
        return fast;

    UniqueFd cur = dup_root();
    for (size_t i = 0; i < n; ++i) {
        const std::string& comp = comps[i];
        int fd = ::openat(cur.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && how == Walk::Create) {
            // Archives may omit parent directories; tar creates them too.
            if (::mkdirat(cur.get(), comp.c_str(), 0755) != 0 && errno != EEXIST)
                throw_errno("mkdir " + join(comps, i + 1));
            fd = ::openat(cur.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) {
            int err = errno;
            if (how == Walk::Probe)
                return {};
            struct stat st {};
            bool is_link = ::fstatat(cur.get(), comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
            if (is_link || err == ELOOP)
                throw_escape(entry);
            if (err == ENOTDIR)
                throw Error(ExitCode::System, entry + ": " + join(comps, i + 1) + " is not a directory");
            throw_errno(err, entry + ": open " + join(comps, i + 1));
        }
        cur.reset(fd);
    }
    return cur;
}

// Makes room for a new entry: whatever is there is unlinked, never
// followed. A directory is never replaced by something else: swapping one
// for a symlink is the classic way to redirect the entries that follow.
void Extractor::clear_slot(int parent, const std::string& name, const std::string& entry)
{
    if (::unlinkat(parent, name.c_str(), 0) == 0 || errno == ENOENT)
        return;
    if (errno == EISDIR)
        throw Error(ExitCode::InvalidValue, entry + ": would replace a directory");
    throw_errno("replace " + entry);
}

void Extractor::set_owner_fd(int fd, struct archive_entry* e, const std::string& entry) const
{
    if (!owners_)
        return;
    if (::fchown(fd, static_cast<uid_t>(archive_entry_uid(e)), static_cast<gid_t>(archive_entry_gid(e))) != 0)
        throw_errno("chown " + entry);
}

void Extractor::set_owner_at(int parent, const std::string& name, struct archive_entry* e,
                             const std::string& entry) const
{
    if (!owners_)
        return;
    if (::fchownat(parent, name.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                   static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0)
        throw_errno("chown " + entry);
}

template <typename Setter>
void Extractor::set_xattrs(struct archive_entry* e, const std::string& entry, Setter setter)
{
    if (archive_entry_xattr_reset(e) == 0)
        return;
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
        if (setter(name, value, size) == 0)
            continue;
        if (errno == ENOTSUP) {
            if (!warned_xattr_)
                log::warning("the target filesystem does not support extended attributes; they are dropped");
            warned_xattr_ = true;
            continue;
        }
        // An unprivileged extraction cannot set trusted.* or security.*,
        // and no one can set user.* on a symlink or a device node.
        if (errno == EPERM && (!owners_ || archive_entry_filetype(e) != AE_IFREG))
            continue;
        throw_errno(std::string("set xattr ") + name + " on " + entry);
    }
}

// Through the directory's /proc/self/fd link, which resolves to the very
// directory we hold; lsetxattr() then acts on the entry without following it.
void Extractor::set_xattrs_at(int parent, const std::string& name, struct archive_entry* e,
                              const std::string& entry)
{
    std::string path = "/proc/self/fd/" + std::to_string(parent) + "/" + name;
    set_xattrs(e, entry, [&](const char* key, const void* value, size_t size) {
        return ::lsetxattr(path.c_str(), key, value, size, 0);
    });
}

void Extractor::entry_times(struct archive_entry* e, struct timespec ts[2])
{
    ts[0].tv_sec = 0;
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1] = ts[0];
    if (archive_entry_atime_is_set(e)) {
        ts[0].tv_sec = archive_entry_atime(e);
        ts[0].tv_nsec = archive_entry_atime_nsec(e);
    }
    if (archive_entry_mtime_is_set(e)) {
        ts[1].tv_sec = archive_entry_mtime(e);
        ts[1].tv_nsec = archive_entry_mtime_nsec(e);
    }
}

void Extractor::record_dir(const Components& comps, struct archive_entry* e)
{
    DirFixup f{comps, static_cast<mode_t>(archive_entry_perm(e) & 07777), {}};
    entry_times(e, f.times);
    dirs_.insert_or_assign(join(comps, comps.size()), std::move(f));
}

void Extractor::make_dir(int parent, const std::string& name, const Components& comps, struct archive_entry* e,
                         const std::string& entry)
{
    // Owner-only until the fix-up at the end: read-only directories must
    // still take their contents, and nobody else needs in meanwhile.
    if (::mkdirat(parent, name.c_str(), 0700) != 0) {
        if (errno != EEXIST)
            throw_errno("mkdir " + entry);
        struct stat st {};
        if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            throw_errno("stat " + entry);
        if (!S_ISDIR(st.st_mode)) {
            clear_slot(parent, name, entry);
            if (::mkdirat(parent, name.c_str(), 0700) != 0)
                throw_errno("mkdir " + entry);
        }
    }
    UniqueFd dir(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir)
        throw_errno("open " + entry);
    set_owner_fd(dir.get(), e, entry);
    set_xattrs(e, entry, [&](const char* key, const void* value, size_t size) {
        return ::fsetxattr(dir.get(), key, value, size, 0);
    });
    record_dir(comps, e);
}

void Extractor::make_file(struct archive* a, int parent, const std::string& name, struct archive_entry* e,
                          const std::string& entry)
{
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    UniqueFd fd(::openat(parent, name.c_str(), flags, 0600));
    if (!fd && errno == EEXIST) {
        clear_slot(parent, name, entry);
        fd.reset(::openat(parent, name.c_str(), flags, 0600));
    }
    if (!fd)
        throw_errno("create " + entry);

    // Blocks come with their offsets: a sparse entry skips its holes, and
    // writing at the offsets leaves them as holes on disk.
    for (;;) {
        check_cancel();
        const void* buf = nullptr;
        size_t size = 0;
        la_int64_t off = 0;
        int r = archive_read_data_block(a, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            throw_archive(a, "read " + entry);
        pwrite_all(fd.get(), static_cast<const char*>(buf), size, static_cast<off_t>(off), entry);
        done_ += size;
        if (opts_.progress)
            opts_.progress(done_, opts_.total_bytes);
    }
    // A trailing hole is not a block: the size says where the file ends.
    if (archive_entry_size_is_set(e) && ::ftruncate(fd.get(), archive_entry_size(e)) != 0)
        throw_errno("truncate " + entry);

    // chown() clears set-id bits and file capabilities, so it goes first.
    set_owner_fd(fd.get(), e, entry);
    if (::fchmod(fd.get(), static_cast<mode_t>(archive_entry_perm(e) & 07777)) != 0)
        throw_errno("chmod " + entry);
    set_xattrs(e, entry, [&](const char* key, const void* value, size_t size) {
        return ::fsetxattr(fd.get(), key, value, size, 0);
    });
    struct timespec ts[2];
    entry_times(e, ts);
    if (::futimens(fd.get(), ts) != 0)
        throw_errno("set times of " + entry);
}

void Extractor::make_symlink(int parent, const std::string& name, struct archive_entry* e, const std::string& entry)
{
    // The target is stored as it is: it is only ever resolved later, inside
    // the container's root, and extraction itself never follows it.
    const char* target = archive_entry_symlink(e);
    if (target == nullptr)
        target = archive_entry_symlink_utf8(e);
    if (target == nullptr)
        throw Error(ExitCode::InvalidValue, entry + ": symlink without a target");
    if (::symlinkat(target, parent, name.c_str()) != 0) {
        if (errno != EEXIST)
            throw_errno("symlink " + entry);
        clear_slot(parent, name, entry);
        if (::symlinkat(target, parent, name.c_str()) != 0)
            throw_errno("symlink " + entry);
    }
    set_owner_at(parent, name, e, entry);
    set_xattrs_at(parent, name, e, entry);
    struct timespec ts[2];
    entry_times(e, ts);
    if (::utimensat(parent, name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
        throw_errno("set times of " + entry);
}

void Extractor::make_hardlink(int parent, const std::string& name, const Components& comps,
                              struct archive_entry* e, const std::string& entry)
{
    const char* raw = archive_entry_hardlink(e);
    if (raw == nullptr)
        raw = archive_entry_hardlink_utf8(e);
    auto target = split_entry_path(raw != nullptr ? raw : "");
    if (!target || target->empty())
        throw_escape(entry);
    if (*target == comps)
        return;
    // The link target is reached the same way as an entry's parent, and
    // linkat() without AT_SYMLINK_FOLLOW links a symlink itself, never
    // what it points to.
    UniqueFd tparent = open_parent(*target, target->size() - 1, Walk::Existing, entry);
    const std::string& tname = target->back();
    if (::linkat(tparent.get(), tname.c_str(), parent, name.c_str(), 0) != 0) {
        if (errno != EEXIST)
            throw_errno("link " + entry + " to " + join(*target, target->size()));
        clear_slot(parent, name, entry);
        if (::linkat(tparent.get(), tname.c_str(), parent, name.c_str(), 0) != 0)
            throw_errno("link " + entry + " to " + join(*target, target->size()));
    }
}

void Extractor::make_node(int parent, const std::string& name, struct archive_entry* e, const std::string& entry)
{
    mode_t type = archive_entry_filetype(e);
    dev_t dev = type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
    if (::mknodat(parent, name.c_str(), type | 0600, dev) != 0) {
        if (errno != EEXIST)
            throw_errno("mknod " + entry);
        clear_slot(parent, name, entry);
        if (::mknodat(parent, name.c_str(), type | 0600, dev) != 0)
            throw_errno("mknod " + entry);
    }
    set_owner_at(parent, name, e, entry);
    if (::fchmodat(parent, name.c_str(), static_cast<mode_t>(archive_entry_perm(e) & 07777), AT_SYMLINK_NOFOLLOW) != 0)
        throw_errno("chmod " + entry);
    set_xattrs_at(parent, name, e, entry);
    struct timespec ts[2];
    entry_times(e, ts);
    if (::utimensat(parent, name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
        throw_errno("set times of " + entry);
}

void Extractor::extract_entry(struct archive* a, struct archive_entry* e)
{
    const std::string entry = entry_path(e);
    auto comps = split_entry_path(entry);
    if (!comps)
        throw_escape(entry);

    const bool hardlink = archive_entry_hardlink(e) != nullptr || archive_entry_hardlink_utf8(e) != nullptr;
    const mode_t type = archive_entry_filetype(e);

    if (comps->empty()) {
        // "./": the archive's idea of the root's owner and mode.
        if (hardlink || type != AE_IFDIR)
            throw_escape(entry);
        set_owner_fd(root_, e, entry);
        set_xattrs(e, entry, [&](const char* key, const void* value, size_t size) {
            return ::fsetxattr(root_, key, value, size, 0);
        });
        record_dir(*comps, e);
        return;
    }

    UniqueFd parent = open_parent(*comps, comps->size() - 1, Walk::Create, entry);
    const std::string& name = comps->back();

    if (hardlink)
        return make_hardlink(parent.get(), name, *comps, e, entry);
    switch (type) {
    case AE_IFDIR:
        return make_dir(parent.get(), name, *comps, e, entry);
    case AE_IFREG:
        return make_file(a, parent.get(), name, e, entry);
    case AE_IFLNK:
        return make_symlink(parent.get(), name, e, entry);
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
        return make_node(parent.get(), name, e, entry);
    case AE_IFSOCK:
        // A socket has no meaning without the process that bound it.
        log::verbose(entry + ": socket skipped");
        return;
    default:
        throw Error(ExitCode::InvalidValue, entry + ": unknown entry type");
    }
}

// Directory modes and times go last: creating entries inside a directory
// changes its mtime, and a read-only mode would have blocked them.
void Extractor::apply_dir_fixups()
{
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
        const DirFixup& f = it->second;
        const std::string& path = it->first;
        UniqueFd dir;
        if (f.comps.empty()) {
            dir = dup_root();
        } else {
            // A later entry may have replaced the directory: then there is
            // nothing of it left to fix.
            UniqueFd parent = open_parent(f.comps, f.comps.size() - 1, Walk::Probe, path);
            if (!parent)
                continue;
            dir.reset(::openat(parent.get(), f.comps.back().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!dir)
                continue;
        }
        if (::fchmod(dir.get(), f.mode) != 0)
            throw_errno("chmod " + path);
        if (::futimens(dir.get(), f.times) != 0)
            throw_errno("set times of " + path);
    }
}

void Extractor::run(struct archive* a)
{
    for (;;) {
        check_cancel();
        struct archive_entry* e = nullptr;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            throw_archive(a, "read header");
        extract_entry(a, e);
    }
    apply_dir_fixups();
}

}  // namespace

ArchiveStats measure_archive(const stdfs::path& archive)
{
    auto a = detail::open_tar_reader();
    if (archive_read_open_filename(a.get(), archive.c_str(), 64 * 1024) != ARCHIVE_OK)
        detail::throw_archive(a.get(), archive.string(), ExitCode::TemplateNotFound);
    ArchiveStats stats;
    for (;;) {
        struct archive_entry* e = nullptr;
        int r = archive_read_next_header(a.get(), &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            detail::throw_archive(a.get(), archive.string(), ExitCode::TemplateNotFound);
        ++stats.entries;
        if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size_is_set(e) && archive_entry_size(e) > 0)
            stats.bytes += static_cast<std::uint64_t>(archive_entry_size(e));
    }
    return stats;
}

void extract_archive(const stdfs::path& archive, const stdfs::path& target_dir, const ExtractOptions& opts)
{
    UniqueFd root(::open(target_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        throw_errno("open " + target_dir.string());
    auto a = detail::open_tar_reader();
    if (archive_read_open_filename(a.get(), archive.c_str(), 64 * 1024) != ARCHIVE_OK)
        detail::throw_archive(a.get(), archive.string(), ExitCode::TemplateNotFound);
    with_context("extract " + archive.filename().string(), [&] {
        Extractor x(root.get(), opts);
        x.run(a.get());
    });
}

}  // namespace vessel::images
