// The programs installed beside the running one (vessel-monitor and
// vessel-image beside vessel). They are found through /proc/self/exe, not
// through PATH or a built-in prefix, so a build tree and an installation
// each run their own.
#pragma once

#include <string>
#include <string_view>

namespace vessel {

// The running program's path, from /proc/self/exe; empty if unreadable.
std::string self_executable();

// dirname(/proc/self/exe)/name if that is executable; empty otherwise.
std::string sibling_executable(std::string_view name);

}  // namespace vessel
