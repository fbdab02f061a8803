// The template cache: $TEMPLATE/cache/<name>.tar[.gz|.xz|.zst], and the
// recipes that can build a missing one. Finding, listing and removing files
// need no libarchive and run in vessel itself; building one with a recipe
// is cache_build.h, in vessel-image.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "images/archive_names.h"

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
    // Error(TemplateNotFound) if there is no cached file.
    void remove(const std::string& name);

    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
};

}  // namespace vessel::images
