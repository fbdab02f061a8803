// Filling the template cache with the recipes. The recipes write through
// libarchive, so this runs in vessel-image; vessel reaches it through
// helper.h.
#pragma once

#include <filesystem>
#include <string>

#include "images/cache.h"

namespace vessel::images {

// cache.find(name), else build it with its recipe ("Creating template
// NAME..."), else Error(TemplateNotFound). Two callers that both miss the
// file build it once: the second waits and takes the first one's file.
std::filesystem::path ensure_template(const TemplateCache& cache, const std::string& name);

// (Re)builds name with its recipe; Error(TemplateNotFound) without one.
// Files of that name with another extension are removed, since they would
// shadow the new one.
std::filesystem::path build_template(const TemplateCache& cache, const std::string& name);

}  // namespace vessel::images
