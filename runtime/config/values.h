// vzctl value syntax: "barrier[:limit]", each side a number with an optional
// suffix (K M G T bytes, P pages, B bytes) or "unlimited".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vessel::config {

// What a number means once parsed.
enum class Unit {
    Bytes,  // K/M/G/T/P/B suffixes allowed; result in bytes
    Pages,  // suffixes allowed; a byte suffix is converted to pages (rounded up)
    Items,  // num* parameters: no suffix at all
    KiB,    // DISKSPACE style: plain numbers are KiB, byte suffixes converted (rounded up)
};

// LONG_MAX, what a 64-bit kernel shows for an unlimited beancounter.
inline constexpr std::uint64_t kUnlimited = 9223372036854775807ULL;
inline constexpr std::uint64_t kPageSize = 4096;

struct BarrierLimit {
    std::uint64_t barrier = 0;
    std::uint64_t limit = 0;
    bool operator==(const BarrierLimit&) const = default;
};

// Throws Error(InvalidValue) with a message like "\"12x\": not a number",
// "\"5K\": no size suffix allowed", "\"99999999999999999999\": too large".
// A fraction ("2.2G") needs a K, M, G or T suffix; conversions round up.
// Anything above kUnlimited is "too large"; only the word "unlimited" (or
// kUnlimited itself, as the kernel prints it) means no limit.
std::uint64_t parse_amount(std::string_view text, Unit unit);
// "B" sets both; "B:L" both sides; also checks barrier <= limit.
BarrierLimit parse_barrier_limit(std::string_view text, Unit unit);

// Canonical text: plain numbers in the parameter's unit, "unlimited" for kUnlimited,
// "B:L" (always both sides, as vzctl writes them).
std::string format_amount(std::uint64_t value);
std::string format_barrier_limit(const BarrierLimit& bl);

// Non-negative decimal integer in [min, max]; Error(InvalidValue) otherwise.
std::uint64_t parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max);
// "yes"/"no" (also "on"/"off", "true"/"false", "1"/"0").
bool parse_bool(std::string_view text);

// The blank (space or tab) separated words of a list value
// (NAMESERVER="a  b"), empty ones dropped.
std::vector<std::string_view> split_words(std::string_view text);

}  // namespace vessel::config
