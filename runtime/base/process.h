// Facts about this process and its program that several commands need.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace vessel {

// The path of the program `name` installed beside the running executable
// (vessel-monitor, vessel-spawn), or "" when there is none executable.
std::string program_beside_self(std::string_view name);

// Closes every fd except those in keep (negative entries are ignored), in
// a process about to exec: nothing of ours may leak into a container.
void close_fds_except(std::initializer_list<int> keep);

}  // namespace vessel
