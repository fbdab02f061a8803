// Recipes build a template archive from something on the host or from the
// distribution archive. One table of them.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string_view>

namespace vessel::images {

struct Recipe {
    std::string_view name;
    std::string_view description;
    // Writes the template archive to `out` (its extension picks the format).
    std::function<void(const std::filesystem::path& out)> build;
    std::string_view extension;  // ".tar.gz", ".tar.zst"
};

// Created by a template's boot scripts when its boot is done (the busybox
// template's /etc/init.d/rcS, an inittab entry in debian-12); removed at
// shutdown. It lives on /run, a fresh tmpfs at every start, so a marker
// left by a crash is not seen. `vessel start --wait` watches for it.
inline constexpr std::string_view kBootedMarker = "/run/vessel-booted";

std::span<const Recipe> recipes();
const Recipe* find_recipe(std::string_view name);

}  // namespace vessel::images
