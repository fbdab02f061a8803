// The build function of each recipe in recipe.cpp's table. They write the
// archive with ArchiveWriter, so only vessel-image links them.
#pragma once

#include <filesystem>
#include <string_view>

namespace vessel::images {

// Writes the template archive to `out` (its extension picks the format).
using BuildFn = void (*)(const std::filesystem::path& out);

// The function that builds the recipe `name`; nullptr if there is none.
BuildFn find_builder(std::string_view name);

namespace detail {

void build_busybox(const std::filesystem::path& out);
void build_debian12(const std::filesystem::path& out);

}  // namespace detail

}  // namespace vessel::images
