// The template cache: $TEMPLATE/cache/<name>.tar[.gz|.xz|.zst], and the
// recipes that can build a missing one.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "images/archive.h"

namespace vessel::images {

class TemplateCache {
public:
    explicit TemplateCache(std::filesystem::path cache_dir);

    struct Entry {
        std::string name;
        std::optional<std::filesystem::path> file;  // set when cached
        std::uint64_t size = 0;
        std::time_t mtime = 0;
        bool has_recipe = false;
    };
    // Cached templates and templates with a recipe, sorted by name.
    std::vector<Entry> list() const;

    // Template names: letters, digits, '.', '_', '-'; no '/'; Error(InvalidValue) otherwise.
    static void check_name(const std::string& name);

    std::optional<std::filesystem::path> find(const std::string& name) const;
    // find(), else build with the recipe, else Error(TemplateNotFound).
    std::filesystem::path ensure(const std::string& name);
    // (Re)builds with the recipe; Error(TemplateNotFound) without one.
    std::filesystem::path create(const std::string& name);
    // Error(TemplateNotFound) if there is no cached file.
    void remove(const std::string& name);

    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
};

}  // namespace vessel::images
