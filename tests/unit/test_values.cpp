#include "runtime/config/values.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "runtime/base/error.h"
#include "tests/unit/test_util.h"

namespace vessel::config {
namespace {

using test::expect_error;

void expect_bad_amount(std::string_view text, Unit unit, const std::string& message)
{
    expect_error([&] { parse_amount(text, unit); }, ExitCode::InvalidValue, message);
}

// One parse_amount call and the value it must give.
struct Amount {
    std::string_view text;
    Unit unit;
    std::uint64_t want;
};

void expect_amounts(std::initializer_list<Amount> table)
{
    for (const Amount& a : table)
        EXPECT_EQ(parse_amount(a.text, a.unit), a.want) << '"' << a.text << "\" in unit " << static_cast<int>(a.unit);
}

TEST(ParseAmount, PlainNumbersAreInTheParameterUnit)
{
    expect_amounts({
        {"0", Unit::Bytes, 0},
        {"1234", Unit::Bytes, 1234},
        {"1234", Unit::Pages, 1234},
        {"1234", Unit::Items, 1234},
        {"1234", Unit::KiB, 1234},
        {"007", Unit::Items, 7},
    });
}

TEST(ParseAmount, ByteSuffixesAreBinaryMultiples)
{
    expect_amounts({
        {"1K", Unit::Bytes, 1024},
        {"3M", Unit::Bytes, 3u << 20},
        {"2G", Unit::Bytes, 2ULL << 30},
        {"5T", Unit::Bytes, 5ULL << 40},
        {"2P", Unit::Bytes, 8192},
        {"77B", Unit::Bytes, 77},
    });
}

TEST(ParseAmount, SuffixesAreCaseInsensitive)
{
    expect_amounts({
        {"1k", Unit::Bytes, 1024},
        {"1m", Unit::Bytes, 1u << 20},
        {"1g", Unit::Bytes, 1u << 30},
        {"1t", Unit::Bytes, 1ULL << 40},
        {"1p", Unit::Bytes, 4096},
        {"1b", Unit::Bytes, 1},
    });
}

TEST(ParseAmount, PagesConvertByteSuffixesRoundingUp)
{
    expect_amounts({
        {"1P", Unit::Pages, 1},
        {"256M", Unit::Pages, 65536},
        {"1G", Unit::Pages, 262144},
        {"1T", Unit::Pages, 1ULL << 28},
        {"4096B", Unit::Pages, 1},
        {"4097B", Unit::Pages, 2},
        {"1B", Unit::Pages, 1},
        {"1K", Unit::Pages, 1},
        {"8K", Unit::Pages, 2},
    });
}

TEST(ParseAmount, KiBConvertsByteSuffixesRoundingUp)
{
    expect_amounts({
        {"1K", Unit::KiB, 1},
        {"1M", Unit::KiB, 1024},
        {"2G", Unit::KiB, 2097152},
        {"1T", Unit::KiB, 1ULL << 30},
        {"1P", Unit::KiB, 4},
        {"1024B", Unit::KiB, 1},
        {"1025B", Unit::KiB, 2},
    });
}

TEST(ParseAmount, FractionsNeedAByteSuffix)
{
    expect_amounts({
        {"2.2G", Unit::Bytes, 2362232013},  // 2.2 * 2^30 = 2362232012.8, rounded up
        {"0.5K", Unit::Bytes, 512},
        {"1.5M", Unit::Bytes, 1572864},
        {"1.25T", Unit::Bytes, 5ULL << 38},
        {"2.2G", Unit::KiB, 2306868},  // 2306867.2
        {"1.5K", Unit::Pages, 1},
        {"0.5M", Unit::Pages, 128},
        // More digits than are kept still round up rather than down.
        {"1.0000000000000000000001K", Unit::Bytes, 1025},
        {"1.00000000000000000000K", Unit::Bytes, 1024},
    });

    const std::string needs = "a fraction needs a K, M, G or T suffix";
    expect_bad_amount("2.5", Unit::Bytes, "\"2.5\": " + needs);
    expect_bad_amount("2.5P", Unit::Pages, "\"2.5P\": " + needs);
    expect_bad_amount("2.5B", Unit::Bytes, "\"2.5B\": " + needs);
    expect_bad_amount("2.5", Unit::KiB, "\"2.5\": " + needs);
    expect_bad_amount("2.5K", Unit::Items, "\"2.5K\": no size suffix allowed");
}

TEST(ParseAmount, Unlimited)
{
    expect_amounts({
        {"unlimited", Unit::Bytes, kUnlimited},
        {"unlimited", Unit::Pages, kUnlimited},
        {"unlimited", Unit::Items, kUnlimited},
        {"unlimited", Unit::KiB, kUnlimited},
        // What the kernel prints for unlimited reads back as unlimited.
        {"9223372036854775807", Unit::Items, kUnlimited},
    });
    expect_bad_amount("Unlimited", Unit::Bytes, "\"Unlimited\": not a number");
    expect_bad_amount("unlimitedK", Unit::Bytes, "\"unlimitedK\": not a number");
}

TEST(ParseAmount, ItemsTakeNoSuffix)
{
    for (const char* s : {"5K", "5M", "5G", "5T", "5P", "5B", "5k"})
        expect_bad_amount(s, Unit::Items, "\"" + std::string(s) + "\": no size suffix allowed");
}

TEST(ParseAmount, NotANumber)
{
    for (const char* s : {"", "12x", "x", "-1", "+1", " 1", "1 ", "1KK", "0x10", "1e3", "2.", ".5G", "1.2.3G", "K",
                          "1:2", "1,000"})
        expect_bad_amount(s, Unit::Bytes, "\"" + std::string(s) + "\": not a number");
}

TEST(ParseAmount, Overflow)
{
    expect_bad_amount("99999999999T", Unit::Bytes, "\"99999999999T\": too large");
    expect_bad_amount("99999999999T", Unit::Pages, "\"99999999999T\": too large");
    expect_bad_amount("18446744073709551616", Unit::Items, "\"18446744073709551616\": too large");
    expect_bad_amount("18446744073709551615", Unit::Items, "\"18446744073709551615\": too large");
    expect_bad_amount("9223372036854775808", Unit::Bytes, "\"9223372036854775808\": too large");
    expect_bad_amount("99999999999999999999999999999999", Unit::Items,
                      "\"99999999999999999999999999999999\": too large");
    // 2^63 bytes is one past the largest value.
    expect_bad_amount("8388608T", Unit::Bytes, "\"8388608T\": too large");
    EXPECT_EQ(parse_amount("8388607T", Unit::Bytes), (1ULL << 63) - (1ULL << 40));
    expect_bad_amount("2251799813685248P", Unit::Bytes, "\"2251799813685248P\": too large");
    expect_bad_amount("8388608.0T", Unit::Bytes, "\"8388608.0T\": too large");
    EXPECT_EQ(parse_amount("8388607.5T", Unit::Bytes), (1ULL << 63) - (1ULL << 39));
    // Converting down to a bigger unit keeps a large byte count in range.
    EXPECT_EQ(parse_amount("9223372036854775807B", Unit::KiB), 1ULL << 53);
    expect_bad_amount("9223372036854775808B", Unit::KiB, "\"9223372036854775808B\": too large");
}

TEST(ParseBarrierLimit, OneValueSetsBoth)
{
    EXPECT_EQ(parse_barrier_limit("240", Unit::Items), (BarrierLimit{240, 240}));
    EXPECT_EQ(parse_barrier_limit("unlimited", Unit::Pages), (BarrierLimit{kUnlimited, kUnlimited}));
}

TEST(ParseBarrierLimit, TwoSides)
{
    EXPECT_EQ(parse_barrier_limit("188:206", Unit::Items), (BarrierLimit{188, 206}));
    EXPECT_EQ(parse_barrier_limit("0:256M", Unit::Pages), (BarrierLimit{0, 65536}));
    EXPECT_EQ(parse_barrier_limit("0:unlimited", Unit::Pages), (BarrierLimit{0, kUnlimited}));
    EXPECT_EQ(parse_barrier_limit("2G:2.2G", Unit::KiB), (BarrierLimit{2097152, 2306868}));
    EXPECT_EQ(parse_barrier_limit("14372700:14790164", Unit::Bytes), (BarrierLimit{14372700, 14790164}));
    EXPECT_EQ(parse_barrier_limit("5:5", Unit::Items), (BarrierLimit{5, 5}));
}

TEST(ParseBarrierLimit, Errors)
{
    auto bad = [](std::string_view text, Unit unit, const std::string& msg) {
        expect_error([&] { parse_barrier_limit(text, unit); }, ExitCode::InvalidValue, msg);
    };
    bad("10:5", Unit::Items, "\"10:5\": barrier is greater than limit");
    bad("unlimited:5", Unit::Items, "\"unlimited:5\": barrier is greater than limit");
    bad("2G:1G", Unit::Bytes, "\"2G:1G\": barrier is greater than limit");
    bad("12x", Unit::Items, "\"12x\": not a number");
    bad("12:1x", Unit::Items, "\"12:1x\": not a number");
    bad("1x:12", Unit::Items, "\"1x:12\": not a number");
    bad("1:2:3", Unit::Items, "\"1:2:3\": not a number");
    bad("1:", Unit::Items, "\"1:\": not a number");
    bad(":1", Unit::Items, "\":1\": not a number");
    bad(":", Unit::Items, "\":\": not a number");
    bad("", Unit::Items, "\"\": not a number");
    bad("5K:6K", Unit::Items, "\"5K:6K\": no size suffix allowed");
    bad("1:99999999999T", Unit::Bytes, "\"1:99999999999T\": too large");
}

TEST(Format, AmountsAndPairs)
{
    EXPECT_EQ(format_amount(0), "0");
    EXPECT_EQ(format_amount(65536), "65536");
    EXPECT_EQ(format_amount(kUnlimited), "unlimited");
    EXPECT_EQ(format_barrier_limit({0, kUnlimited}), "0:unlimited");
    EXPECT_EQ(format_barrier_limit({240, 240}), "240:240");
    // What is formatted parses back to the same value.
    BarrierLimit bl{12, kUnlimited};
    EXPECT_EQ(parse_barrier_limit(format_barrier_limit(bl), Unit::Pages), bl);
}

TEST(ParseUint, Range)
{
    EXPECT_EQ(parse_uint("0", 0, 7), 0u);
    EXPECT_EQ(parse_uint("7", 0, 7), 7u);
    EXPECT_EQ(parse_uint("1000", 8, 500000), 1000u);
    EXPECT_EQ(parse_uint("18446744073709551615", 0, UINT64_MAX), UINT64_MAX);
    auto bad = [](std::string_view text, std::uint64_t lo, std::uint64_t hi, const std::string& msg) {
        expect_error([&] { parse_uint(text, lo, hi); }, ExitCode::InvalidValue, msg);
    };
    bad("7", 8, 500000, "\"7\": must be between 8 and 500000");
    bad("500001", 8, 500000, "\"500001\": must be between 8 and 500000");
    bad("99999999999999999999999", 0, 10, "\"99999999999999999999999\": must be between 0 and 10");
    bad("", 0, 10, "\"\": not a number");
    bad("abc", 0, 10, "\"abc\": not a number");
    bad("-1", 0, 10, "\"-1\": not a number");
    bad("1K", 0, 10000, "\"1K\": not a number");
    bad(" 1", 0, 10, "\" 1\": not a number");
}

TEST(ParseBool, Spellings)
{
    for (const char* s : {"yes", "on", "true", "1"})
        EXPECT_TRUE(parse_bool(s)) << s;
    for (const char* s : {"no", "off", "false", "0"})
        EXPECT_FALSE(parse_bool(s)) << s;
    for (const char* s : {"", "maybe", "YES", "y", "2"})
        expect_error([&] { parse_bool(s); }, ExitCode::InvalidValue, "\"" + std::string(s) + "\": must be yes or no");
}

}  // namespace
}  // namespace vessel::config
