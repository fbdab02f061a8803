// Messages to the operator. Errors and warnings go to stderr with the
// "vessel: " prefix; info honours --quiet, debug needs -v.
#pragma once

#include <string_view>

namespace vessel::log {

enum class Level { Quiet = -1, Normal = 0, Verbose = 1, Debug = 2 };

void set_level(Level level);
Level level();

void error(std::string_view msg);
void warning(std::string_view msg);
void info(std::string_view msg);     // stdout, unless quiet
void verbose(std::string_view msg);  // stderr, with -v

}  // namespace vessel::log
