// SHA-256 (FIPS 180-4), for naming cached files by their content. Nothing
// here is a security boundary on its own: the cache it names lives in a
// directory only root can write.
#pragma once

#include <string>
#include <string_view>

namespace vessel {

// The digest of data as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace vessel
