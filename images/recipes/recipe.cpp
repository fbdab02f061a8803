#include "images/recipes/recipe.h"

#include <array>

namespace vessel::images {

namespace {

const std::array<Recipe, 2>& table()
{
    static const std::array<Recipe, 2> recipes = {{
        {"busybox", "static busybox from the host, built offline; the default template", ".tar.gz"},
        {"debian-12", "Debian 12 (bookworm) minbase + sysvinit, debootstrap from the host's apt mirror", ".tar.zst"},
    }};
    return recipes;
}

}  // namespace

std::span<const Recipe> recipes()
{
    return table();
}

const Recipe* find_recipe(std::string_view name)
{
    for (const auto& r : table())
        if (r.name == name)
            return &r;
    return nullptr;
}

}  // namespace vessel::images
