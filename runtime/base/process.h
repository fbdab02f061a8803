// What a process does to itself before it executes container code.
#pragma once

#include <initializer_list>

namespace vessel {

// Closes every fd except those in keep (negative entries are ignored), in
// a process about to exec: nothing of ours may leak into a container.
void close_fds_except(std::initializer_list<int> keep);

}  // namespace vessel
