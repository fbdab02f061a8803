// The one line a helper program writes back to the vessel that started it,
// on a pipe whose fd it was given: "OK <fields>" when it did its job, or
// "ERR <exit code> <message>" with the Error that stopped it. vessel-monitor
// reports to `vessel start` this way, and vessel-image to `vessel create`
// and `vessel template create`. The reader prints the message (with its own
// context in front) and exits with the code, so an error crosses the process
// boundary as if it had been thrown in the reader.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/base/error.h"

namespace vessel {

// "OK" followed by the fields, each after a space.
std::string ok_report(std::string_view fields = {});
// "ERR <code> <what()>".
std::string error_report(const Error& e);

// Writes line and a newline in one write (atomic on a pipe); false if the
// fd cannot take it (closed, or not an fd at all).
bool write_report(int fd, std::string_view line);
// The first line from fd, without its newline; "" if the writer closed its
// end without writing one (it died, or it executed another program).
std::string read_report(int fd);

// The fields of an "OK" line ("" for a bare "OK"). An "ERR" line is thrown
// as the Error it carries (exit code 3 if the code is missing or 0).
// Anything else, "" included, gives nullopt: no report.
std::optional<std::string> parse_report(std::string_view line);

}  // namespace vessel
