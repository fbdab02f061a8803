// The file names of template archives: which endings Vessel reads and
// writes. Only names, no libarchive, so the cache can be listed by vessel
// itself.
#pragma once

#include <string_view>

namespace vessel::images {

// The archive file names Vessel reads and writes, in the order a template
// cache looks them up: plain tar, then gzip, xz and zstd compression.
inline constexpr std::string_view kArchiveExtensions[] = {".tar", ".tar.gz", ".tar.xz", ".tar.zst"};

// The entry of kArchiveExtensions that file_name ends with, or "" if none.
std::string_view archive_extension(std::string_view file_name);

}  // namespace vessel::images
