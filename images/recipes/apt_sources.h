// Reading the host's apt configuration to find the Debian mirror it already
// uses: one-line sources.list files and deb822 *.sources files.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vessel::images {

struct AptSource {
    std::string uri;
    std::vector<std::string> suites;
    std::vector<std::string> components;
};

// Binary ("deb") sources only; deb-src lines, comments and disabled deb822
// stanzas are skipped. A deb822 stanza with several URIs gives one AptSource each.
std::vector<AptSource> parse_sources_list(std::string_view text);
std::vector<AptSource> parse_deb822_sources(std::string_view text);

// The URI of the first source, in apt's reading order (apt_dir/sources.list,
// then apt_dir/sources.list.d/*.list and *.sources by name), that serves
// exactly `suite` (so not SUITE-security or SUITE-updates) with component
// main over http, https or file. nullopt when there is none.
std::optional<std::string> find_apt_mirror(const std::filesystem::path& apt_dir, std::string_view suite);

}  // namespace vessel::images
