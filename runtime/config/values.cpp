#include "runtime/config/values.h"

#include <cctype>
#include <optional>

#include "runtime/base/error.h"

namespace vessel::config {

namespace {

// Wide enough that a 63-bit integer part times the largest suffix, times
// 10^18 for the fraction digits, cannot wrap before the range check.
__extension__ typedef unsigned __int128 Wide;

constexpr std::size_t kMaxFractionDigits = 18;

[[noreturn]] void fail(std::string_view text, std::string_view what)
{
    throw Error(ExitCode::InvalidValue, "\"" + std::string(text) + "\": " + std::string(what));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// How many units of the target one unit of the suffix is: num / den.
struct Ratio {
    std::uint64_t num;
    std::uint64_t den;
};

std::uint64_t suffix_bytes(char suffix)
{
    switch (suffix) {
    case 'K': return 1ULL << 10;
    case 'M': return 1ULL << 20;
    case 'G': return 1ULL << 30;
    case 'T': return 1ULL << 40;
    case 'P': return kPageSize;
    case 'B': return 1;
    default: return 0;
    }
}

std::uint64_t unit_bytes(Unit unit)
{
    switch (unit) {
    case Unit::Pages: return kPageSize;
    case Unit::KiB: return 1024;
    case Unit::Bytes:
    case Unit::Items: break;
    }
    return 1;
}

Ratio ratio_for(char suffix, Unit unit)
{
    if (suffix == '\0')
        return {1, 1};
    std::uint64_t from = suffix_bytes(suffix);
    std::uint64_t to = unit_bytes(unit);
    // Both are powers of two, so one side always divides the other.
    if (from >= to)
        return {from / to, 1};
    return {1, to / from};
}

struct Parsed {
    std::string_view whole;
    std::string_view fraction;
    char suffix = '\0';  // upper case, '\0' for none
};

// Syntax only: digits, an optional fraction, an optional suffix letter.
Parsed split_number(std::string_view text, Unit unit)
{
    Parsed p;
    std::size_t i = 0;
    while (i < text.size() && is_digit(text[i]))
        ++i;
    if (i == 0)
        fail(text, "not a number");
    p.whole = text.substr(0, i);
    if (i < text.size() && text[i] == '.') {
        std::size_t start = ++i;
        while (i < text.size() && is_digit(text[i]))
            ++i;
        if (i == start)
            fail(text, "not a number");
        p.fraction = text.substr(start, i - start);
    }
    if (i < text.size()) {
        char s = static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
        if (i + 1 != text.size() || suffix_bytes(s) == 0)
            fail(text, "not a number");
        if (unit == Unit::Items)
            fail(text, "no size suffix allowed");
        p.suffix = s;
    }
    if (!p.fraction.empty() && (p.suffix == '\0' || p.suffix == 'P' || p.suffix == 'B'))
        fail(text, "a fraction needs a K, M, G or T suffix");
    return p;
}

// Decimal digits to a number, or nullopt above kUnlimited.
std::optional<Wide> whole_value(std::string_view digits)
{
    Wide v = 0;
    for (char c : digits) {
        v = v * 10 + static_cast<unsigned>(c - '0');
        if (v > kUnlimited)
            return std::nullopt;
    }
    return v;
}

}  // namespace

std::uint64_t parse_amount(std::string_view text, Unit unit)
{
    if (text == "unlimited")
        return kUnlimited;
    Parsed p = split_number(text, unit);
    auto whole = whole_value(p.whole);
    if (!whole)
        fail(text, "too large");

    Ratio r = ratio_for(p.suffix, unit);
    Wide scaled = *whole * r.num;
    if (scaled / r.den > kUnlimited)
        fail(text, "too large");

    // value = ceil((whole + frac / 10^n) * num / den), done in integers.
    std::string_view frac = p.fraction.substr(0, kMaxFractionDigits);
    Wide scale = 1;
    Wide frac_value = 0;
    for (char c : frac) {
        scale *= 10;
        frac_value = frac_value * 10 + static_cast<unsigned>(c - '0');
    }
    // Digits past the precision we keep can only push the value up.
    if (p.fraction.find_first_not_of('0', frac.size()) != std::string_view::npos)
        frac_value += 1;
    Wide numer = scaled * scale + frac_value * r.num;
    Wide denom = r.den * scale;
    Wide value = (numer + denom - 1) / denom;
    if (value > kUnlimited)
        fail(text, "too large");
    return static_cast<std::uint64_t>(value);
}

BarrierLimit parse_barrier_limit(std::string_view text, Unit unit)
{
    auto colon = text.find(':');
    auto side = [&](std::string_view part) {
        try {
            return parse_amount(part, unit);
        } catch (const Error& e) {
            // Name the whole value: "1:2x" is what the operator wrote.
            std::string msg = e.message();
            fail(text, msg.substr(msg.find("\": ") + 3));
        }
    };
    BarrierLimit bl;
    if (colon == std::string_view::npos) {
        bl.barrier = bl.limit = side(text);
        return bl;
    }
    bl.barrier = side(text.substr(0, colon));
    bl.limit = side(text.substr(colon + 1));
    if (bl.barrier > bl.limit)
        fail(text, "barrier is greater than limit");
    return bl;
}

std::string format_amount(std::uint64_t value)
{
    if (value >= kUnlimited)
        return "unlimited";
    return std::to_string(value);
}

std::string format_barrier_limit(const BarrierLimit& bl)
{
    return format_amount(bl.barrier) + ":" + format_amount(bl.limit);
}

std::uint64_t parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max)
{
    if (text.empty())
        fail(text, "not a number");
    for (char c : text)
        if (!is_digit(c))
            fail(text, "not a number");
    std::uint64_t v = 0;
    bool overflow = false;
    for (char c : text)
        overflow = overflow || __builtin_mul_overflow(v, 10, &v) ||
                   __builtin_add_overflow(v, static_cast<unsigned>(c - '0'), &v);
    if (overflow || v < min || v > max)
        fail(text, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
}

bool parse_bool(std::string_view text)
{
    if (text == "yes" || text == "on" || text == "true" || text == "1")
        return true;
    if (text == "no" || text == "off" || text == "false" || text == "0")
        return false;
    fail(text, "must be yes or no");
}

std::vector<std::string_view> split_words(std::string_view text)
{
    auto blank = [](char c) { return c == ' ' || c == '\t'; };
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && blank(text[i]))
            ++i;
        size_t start = i;
        while (i < text.size() && !blank(text[i]))
            ++i;
        if (i > start)
            out.push_back(text.substr(start, i - start));
    }
    return out;
}

}  // namespace vessel::config
