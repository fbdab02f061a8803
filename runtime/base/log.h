// Messages to the operator. Errors and warnings go to stderr with the
// "vessel: " prefix; info honours --quiet, debug needs -v. Every message is
// passed through printable(): many carry names a container chose (a
// symlink's target, a failure its processes reported), and the operator's
// terminal must not take them as commands.
#pragma once

#include <string>
#include <string_view>

namespace vessel::log {

enum class Level { Quiet = -1, Normal = 0, Verbose = 1, Debug = 2 };

void set_level(Level level);
Level level();

// msg with every byte a terminal could act on written as \xNN: C0 controls
// but tab and newline, DEL, C1 controls (U+0080..U+009F) and bytes that are
// not valid UTF-8. Valid UTF-8 text is kept as it is.
std::string printable(std::string_view msg);

void error(std::string_view msg);
void warning(std::string_view msg);
void info(std::string_view msg);     // stdout, unless quiet
void verbose(std::string_view msg);  // stderr, with -v

}  // namespace vessel::log
