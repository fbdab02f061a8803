// Recipes build a template archive from something on the host or from the
// distribution archive. One table of them: what each is called and what it
// makes. The build functions are in builders.h, apart, because they write
// through libarchive and only vessel-image links them; vessel lists the
// recipes from this table alone.
#pragma once

#include <span>
#include <string_view>

namespace vessel::images {

struct Recipe {
    std::string_view name;
    std::string_view description;
    std::string_view extension;  // of the file it writes: ".tar.gz", ".tar.zst"
};

// Created by a template's boot scripts when its boot is done (the busybox
// template's /etc/init.d/rcS, an inittab entry in debian-12); removed at
// shutdown. It lives on /run, a fresh tmpfs at every start, so a marker
// left by a crash is not seen. `vessel start --wait` watches for it.
inline constexpr std::string_view kBootedMarker = "/run/vessel-booted";

std::span<const Recipe> recipes();
const Recipe* find_recipe(std::string_view name);

}  // namespace vessel::images
