// ArchiveWriter: pax tar, compressed as the file name says, written to a
// temporary sibling that only commit() moves into place.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "images/archive.h"
#include "images/libarchive_util.h"
#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/base/unique_fd.h"

namespace vessel::images {

namespace stdfs = std::filesystem;
using detail::Entry;
using detail::throw_archive;

namespace {

// Archive member names are relative ("bin/sh"); the root itself is ".".
std::string member_name(std::string_view path)
{
    while (!path.empty() && (path.front() == '/' || path.starts_with("./")))
        path.remove_prefix(path.front() == '/' ? 1 : 2);
    while (path.size() > 1 && path.back() == '/')
        path.remove_suffix(1);
    if (path.empty() || path == "/")
        return ".";
    return std::string(path);
}

void add_filter(struct archive* a, std::string_view ext, const stdfs::path& out)
{
    int r = ARCHIVE_OK;
    if (ext == ".tar.gz") {
        r = archive_write_add_filter_gzip(a);
        // The gzip header would otherwise carry the build time.
        if (r == ARCHIVE_OK)
            r = archive_write_set_filter_option(a, "gzip", "timestamp", nullptr);
    } else if (ext == ".tar.xz") {
        r = archive_write_add_filter_xz(a);
    } else if (ext == ".tar.zst") {
        r = archive_write_add_filter_zstd(a);
    } else if (ext == ".tar") {
        r = archive_write_add_filter_none(a);
    } else {
        throw Error(ExitCode::InvalidValue,
                    out.filename().string() + ": unknown archive type (use .tar, .tar.gz, .tar.xz or .tar.zst)");
    }
    if (r != ARCHIVE_OK)
        throw_archive(a, "compression for " + out.filename().string());
}

}  // namespace

struct ArchiveWriter::Impl {
    stdfs::path out;
    stdfs::path tmp;
    UniqueFd fd;
    detail::WriteArchive a;
    std::time_t mtime = std::time(nullptr);
    bool committed = false;

    Entry new_entry(const std::string& path, mode_t type, unsigned mode, unsigned uid, unsigned gid) const
    {
        Entry e(archive_entry_new());
        if (!e)
            throw Error(ExitCode::System, "libarchive: out of memory");
        archive_entry_set_pathname(e.get(), member_name(path).c_str());
        archive_entry_set_filetype(e.get(), type);
        archive_entry_set_perm(e.get(), static_cast<mode_t>(mode & 07777));
        archive_entry_set_uid(e.get(), uid);
        archive_entry_set_gid(e.get(), gid);
        archive_entry_set_mtime(e.get(), mtime, 0);
        return e;
    }

    void write_header(struct archive_entry* e)
    {
        int r = archive_write_header(a.get(), e);
        if (r == ARCHIVE_WARN)
            log::verbose(std::string(archive_entry_pathname(e)) + ": " + archive_error_string(a.get()));
        else if (r != ARCHIVE_OK)
            throw_archive(a.get(), std::string("add ") + archive_entry_pathname(e) + " to " + out.string());
    }

    void write_data(const void* buf, size_t size, const char* name)
    {
        const char* p = static_cast<const char*>(buf);
        while (size > 0) {
            la_ssize_t n = archive_write_data(a.get(), p, size);
            if (n <= 0)
                throw_archive(a.get(), std::string("write ") + name + " to " + out.string());
            p += n;
            size -= static_cast<size_t>(n);
        }
    }

    // The tar writer knows a sparse entry's holes from its header and
    // discards what falls into them, so holes are fed as zeros.
    void write_zeros(std::uint64_t count, const char* name)
    {
        static const std::array<char, 64 * 1024> zeros{};
        while (count > 0) {
            size_t n = count < zeros.size() ? static_cast<size_t>(count) : zeros.size();
            write_data(zeros.data(), n, name);
            count -= n;
        }
    }
};

ArchiveWriter::ArchiveWriter(stdfs::path out) : impl_(std::make_unique<Impl>())
{
    Impl& im = *impl_;
    im.out = std::move(out);
    std::string_view ext = archive_extension(im.out.filename().string());

    stdfs::path dir = im.out.parent_path().empty() ? stdfs::path(".") : im.out.parent_path();
    std::string pattern = (dir / ("." + im.out.filename().string() + ".XXXXXX")).string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    im.a.reset(archive_write_new());
    if (!im.a)
        throw Error(ExitCode::System, "libarchive: out of memory");
    if (archive_write_set_format_pax_restricted(im.a.get()) != ARCHIVE_OK)
        throw_archive(im.a.get(), "tar format");
    add_filter(im.a.get(), ext, im.out);
    // No padding to tar's 10 KiB records: the file is read back by
    // libarchive, never by a tape drive.
    archive_write_set_bytes_in_last_block(im.a.get(), 1);

    im.fd.reset(::mkostemp(buf.data(), O_CLOEXEC));
    if (!im.fd)
        throw_errno("create temporary file in " + dir.string());
    im.tmp = buf.data();
    // The constructor's own failures happen before ~ArchiveWriter can run.
    if (::fchmod(im.fd.get(), 0644) != 0) {
        int err = errno;
        ::unlink(im.tmp.c_str());
        throw_errno(err, "chmod " + im.tmp.string());
    }
    if (archive_write_open_fd(im.a.get(), im.fd.get()) != ARCHIVE_OK) {
        ::unlink(im.tmp.c_str());
        throw_archive(im.a.get(), "open " + im.tmp.string());
    }
}

ArchiveWriter::~ArchiveWriter()
{
    if (!impl_->committed) {
        impl_->a.reset();
        impl_->fd.reset();
        if (!impl_->tmp.empty())
            ::unlink(impl_->tmp.c_str());
    }
}

void ArchiveWriter::set_mtime(std::time_t mtime)
{
    impl_->mtime = mtime;
}

void ArchiveWriter::add_dir(const std::string& path, unsigned mode, unsigned uid, unsigned gid)
{
    Entry e = impl_->new_entry(path, AE_IFDIR, mode, uid, gid);
    impl_->write_header(e.get());
}

void ArchiveWriter::add_file(const std::string& path, std::string_view data, unsigned mode, unsigned uid,
                             unsigned gid)
{
    Entry e = impl_->new_entry(path, AE_IFREG, mode, uid, gid);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
    impl_->write_header(e.get());
    impl_->write_data(data.data(), data.size(), path.c_str());
}

void ArchiveWriter::add_host_file(const std::string& path, const stdfs::path& host_file, unsigned mode)
{
    UniqueFd fd(::open(host_file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw_errno("open " + host_file.string());
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("stat " + host_file.string());
    if (!S_ISREG(st.st_mode))
        throw Error(ExitCode::InvalidValue, host_file.string() + ": not a regular file");

    Entry e = impl_->new_entry(path, AE_IFREG, mode, 0, 0);
    archive_entry_set_size(e.get(), st.st_size);
    impl_->write_header(e.get());
    std::vector<char> buf(64 * 1024);
    std::uint64_t left = static_cast<std::uint64_t>(st.st_size);
    while (left > 0) {
        ssize_t n = ::read(fd.get(), buf.data(), buf.size() < left ? buf.size() : static_cast<size_t>(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw_errno("read " + host_file.string());
        if (n == 0)
            throw Error(ExitCode::System, host_file.string() + ": file shrank while being read");
        impl_->write_data(buf.data(), static_cast<size_t>(n), path.c_str());
        left -= static_cast<std::uint64_t>(n);
    }
}

void ArchiveWriter::add_symlink(const std::string& path, const std::string& target)
{
    Entry e = impl_->new_entry(path, AE_IFLNK, 0777, 0, 0);
    archive_entry_set_symlink(e.get(), target.c_str());
    impl_->write_header(e.get());
}

void ArchiveWriter::add_device(const std::string& path, char type, unsigned major, unsigned minor, unsigned mode)
{
    if (type != 'c' && type != 'b')
        throw Error(ExitCode::InvalidValue, path + ": device type must be 'c' or 'b'");
    Entry e = impl_->new_entry(path, type == 'c' ? AE_IFCHR : AE_IFBLK, mode, 0, 0);
    archive_entry_set_rdevmajor(e.get(), major);
    archive_entry_set_rdevminor(e.get(), minor);
    impl_->write_header(e.get());
}

void ArchiveWriter::add_tree(const stdfs::path& host_dir, const ProgressFn& progress)
{
    Impl& im = *impl_;
    detail::ReadArchive disk(archive_read_disk_new());
    if (!disk)
        throw Error(ExitCode::System, "libarchive: out of memory");
    // Symlinks are stored, not followed; owners stay numeric (no name
    // lookups against the host's passwd); xattrs and holes are kept, which
    // is libarchive's default; a mount left inside the tree is not entered.
    archive_read_disk_set_symlink_physical(disk.get());
    archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
    if (archive_read_disk_open(disk.get(), host_dir.c_str()) != ARCHIVE_OK)
        throw_archive(disk.get(), "read " + host_dir.string());

    detail::LinkResolver links(archive_entry_linkresolver_new());
    if (!links)
        throw Error(ExitCode::System, "libarchive: out of memory");
    archive_entry_linkresolver_set_strategy(links.get(), archive_format(im.a.get()));

    const std::string root = host_dir.string();
    std::uint64_t done = 0;
    for (;;) {
        Entry owned(archive_entry_new());
        int r = archive_read_next_header2(disk.get(), owned.get());
        if (r == ARCHIVE_EOF)
            break;
        if (r == ARCHIVE_WARN)
            log::verbose(std::string(archive_entry_pathname(owned.get())) + ": " + archive_error_string(disk.get()));
        else if (r != ARCHIVE_OK)
            throw_archive(disk.get(), "read " + root);
        archive_read_disk_descend(disk.get());

        std::string_view full = archive_entry_pathname(owned.get());
        if (archive_entry_filetype(owned.get()) == AE_IFSOCK)
            continue;
        std::string_view rel = full.starts_with(root) ? full.substr(root.size()) : full;
        archive_entry_set_pathname(owned.get(), member_name(rel).c_str());
        // Access and change times only make two builds of one tree differ.
        archive_entry_unset_atime(owned.get());
        archive_entry_unset_ctime(owned.get());
        archive_entry_unset_birthtime(owned.get());

        // The tar strategy turns later names of a multiply linked file
        // into hard link entries without data, in place.
        struct archive_entry* e = owned.get();
        struct archive_entry* spare = nullptr;
        archive_entry_linkify(links.get(), &e, &spare);
        if (e == nullptr)
            continue;
        im.write_header(e);
        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_size(e) <= 0)
            continue;

        const char* name = archive_entry_pathname(e);
        std::uint64_t pos = 0;
        for (;;) {
            const void* buf = nullptr;
            size_t size = 0;
            la_int64_t off = 0;
            r = archive_read_data_block(disk.get(), &buf, &size, &off);
            if (r == ARCHIVE_EOF)
                break;
            if (r < ARCHIVE_WARN)
                throw_archive(disk.get(), std::string("read ") + root + "/" + name);
            if (static_cast<std::uint64_t>(off) > pos)
                im.write_zeros(static_cast<std::uint64_t>(off) - pos, name);
            im.write_data(buf, size, name);
            pos = static_cast<std::uint64_t>(off) + size;
            done += size;
            if (progress)
                progress(done, 0);
        }
        std::uint64_t size = static_cast<std::uint64_t>(archive_entry_size(e));
        if (pos < size)
            im.write_zeros(size - pos, name);
    }
}

void ArchiveWriter::commit()
{
    Impl& im = *impl_;
    if (im.committed)
        return;
    if (archive_write_close(im.a.get()) != ARCHIVE_OK)
        throw_archive(im.a.get(), "write " + im.tmp.string());
    if (::fsync(im.fd.get()) != 0)
        throw_errno("fsync " + im.tmp.string());
    im.fd.reset();
    if (::rename(im.tmp.c_str(), im.out.c_str()) != 0)
        throw_errno("rename " + im.tmp.string() + " to " + im.out.string());
    im.committed = true;
    stdfs::path dir = im.out.parent_path().empty() ? stdfs::path(".") : im.out.parent_path();
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd)
        ::fsync(dfd.get());
}

}  // namespace vessel::images
