// Internal to images/: owners for libarchive's C handles and the error
// conversion that the reader and the writer share.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/base/error.h"

namespace vessel::images::detail {

struct ReadFree {
    void operator()(struct archive* a) const noexcept { archive_read_free(a); }
};
struct WriteFree {
    void operator()(struct archive* a) const noexcept { archive_write_free(a); }
};
struct EntryFree {
    void operator()(struct archive_entry* e) const noexcept { archive_entry_free(e); }
};
struct ResolverFree {
    void operator()(struct archive_entry_linkresolver* r) const noexcept
    {
        archive_entry_linkresolver_free(r);
    }
};

using ReadArchive = std::unique_ptr<struct archive, ReadFree>;
using WriteArchive = std::unique_ptr<struct archive, WriteFree>;
using Entry = std::unique_ptr<struct archive_entry, EntryFree>;
using LinkResolver = std::unique_ptr<struct archive_entry_linkresolver, ResolverFree>;

// "<what>: <libarchive's message>", keeping its errno so a full disk while
// writing an archive still maps to NoDiskSpace.
[[noreturn]] inline void throw_archive(struct archive* a, std::string_view what,
                                       ExitCode code = ExitCode::System)
{
    const char* msg = archive_error_string(a);
    std::string text(what);
    text += ": ";
    text += msg != nullptr ? msg : "unknown libarchive error";
    int err = archive_errno(a);
    if (err == ENOSPC || err == EDQUOT)
        code = ExitCode::NoDiskSpace;
    // The errno is already part of libarchive's message: do not repeat it.
    throw Error(code, std::move(text));
}

// A reader for the tar family with the compressions that libarchive
// handles in-process (no helper programs are ever spawned).
inline ReadArchive open_tar_reader()
{
    ReadArchive a(archive_read_new());
    if (!a)
        throw Error(ExitCode::System, "libarchive: out of memory");
    archive_read_support_format_tar(a.get());
    archive_read_support_format_gnutar(a.get());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_filter_zstd(a.get());
    archive_read_support_filter_bzip2(a.get());
    archive_read_support_filter_lz4(a.get());
    return a;
}

}  // namespace vessel::images::detail
