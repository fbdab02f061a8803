// Template archives, read and written with libarchive. Extraction is the
// security boundary between a (possibly hostile) template and the host: it
// keeps owners, modes, links, device nodes, xattrs and sparse files, and
// refuses any entry that would land outside the target directory.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "images/archive_names.h"

namespace vessel::images {

struct ArchiveStats {
    std::uint64_t bytes = 0;    // sum of entry data sizes
    std::uint64_t entries = 0;
};

// Reads the whole archive's headers. Error(TemplateNotFound) if unreadable as an archive.
ArchiveStats measure_archive(const std::filesystem::path& archive);

// done/total bytes of entry data.
using ProgressFn = std::function<void(std::uint64_t done, std::uint64_t total)>;

struct ExtractOptions {
    ProgressFn progress;                          // may be empty
    std::uint64_t total_bytes = 0;                // for progress; 0 = unknown
    const std::atomic<bool>* cancel = nullptr;    // set to abort (Error, code System, "interrupted")
};

// Extracts archive into the existing directory target_dir (opened once;
// every entry is created relative to it, without following symlinks).
// Throws Error: InvalidValue "ENTRY: path escapes the target" for
// absolute/.. entries, or for entries whose path (or hard link target)
// goes through a symlink; NoDiskSpace on ENOSPC/EDQUOT; System otherwise.
// On error the caller removes target_dir: extraction stops at once.
void extract_archive(const std::filesystem::path& archive, const std::filesystem::path& target_dir,
                     const ExtractOptions& opts = {});

// Builds an archive entry by entry (used by recipes). The format follows
// the file name: .tar, .tar.gz, .tar.xz, .tar.zst. Written to a temporary
// sibling and renamed into place by commit(); destroyed uncommitted, the
// temporary is removed.
class ArchiveWriter {
public:
    explicit ArchiveWriter(std::filesystem::path out);
    ~ArchiveWriter();
    ArchiveWriter(const ArchiveWriter&) = delete;
    ArchiveWriter& operator=(const ArchiveWriter&) = delete;

    // The mtime of the entries added after it by add_dir/add_file/
    // add_host_file/add_symlink/add_device (add_tree keeps the disk's).
    // Defaults to the time the writer was made; a fixed value makes an
    // archive reproducible.
    void set_mtime(std::time_t mtime);

    void add_dir(const std::string& path, unsigned mode = 0755, unsigned uid = 0, unsigned gid = 0);
    void add_file(const std::string& path, std::string_view data, unsigned mode = 0644,
                  unsigned uid = 0, unsigned gid = 0);
    // Copies a host file's contents (not its owner) into the archive.
    void add_host_file(const std::string& path, const std::filesystem::path& host_file, unsigned mode);
    void add_symlink(const std::string& path, const std::string& target);
    void add_device(const std::string& path, char type /* 'c' or 'b' */, unsigned major,
                    unsigned minor, unsigned mode);
    // Adds a whole host directory tree (owners, modes, links, devices,
    // xattrs as on disk) under prefix "" (the archive root).
    void add_tree(const std::filesystem::path& host_dir, const ProgressFn& progress = {});
    void commit();

private:
    struct Impl;  // libarchive's C handles and the temporary file
    std::unique_ptr<Impl> impl_;
};

}  // namespace vessel::images
