// Internal to the recipes: the build functions that recipe.cpp's table names.
#pragma once

#include <filesystem>

namespace vessel::images::detail {

void build_busybox(const std::filesystem::path& out);
void build_debian12(const std::filesystem::path& out);

}  // namespace vessel::images::detail
