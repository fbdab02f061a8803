#include "images/recipes/builders.h"

#include <utility>

namespace vessel::images {

BuildFn find_builder(std::string_view name)
{
    // Keyed by the names in recipe.cpp's table; a unit test checks that
    // every recipe there has its function here.
    static constexpr std::pair<std::string_view, BuildFn> builders[] = {
        {"busybox", detail::build_busybox},
        {"debian-12", detail::build_debian12},
    };
    for (const auto& [n, fn] : builders)
        if (n == name)
            return fn;
    return nullptr;
}

}  // namespace vessel::images
