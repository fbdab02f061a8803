// Checks on the Error a piece of code throws, shared by the units.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "runtime/base/error.h"

namespace vessel::test {

// Runs f and hands the Error it throws to check; throwing nothing is a
// failure that names what was expected. Other exceptions pass through.
template <typename F, typename Check>
void check_error(F&& f, std::string_view expected, Check&& check)
{
    try {
        f();
    } catch (const Error& e) {
        check(e);
        return;
    }
    ADD_FAILURE() << "no error, expected: " << expected;
}

// Runs f and checks that it throws Error with this code and exactly this
// text: what(), with the context in front and the errno text behind.
template <typename F>
void expect_error(F&& f, ExitCode code, const std::string& text)
{
    check_error(f, text, [&](const Error& e) {
        EXPECT_EQ(e.code(), code) << e.what();
        EXPECT_EQ(std::string(e.what()), text);
    });
}

// Runs f and checks that it throws Error with this code, whatever its text.
template <typename F>
void expect_error_code(F&& f, ExitCode code)
{
    check_error(f, "exit code " + std::to_string(static_cast<int>(code)),
                [&](const Error& e) { EXPECT_EQ(e.code(), code) << e.what(); });
}

// Runs f and checks that it throws Error with this code whose message (the
// text without context or errno) contains every one of parts.
template <typename F>
void expect_error_containing(F&& f, ExitCode code, std::initializer_list<std::string_view> parts)
{
    std::string expected;
    for (std::string_view part : parts)
        expected += (expected.empty() ? "\"" : ", \"") + std::string(part) + "\"";
    check_error(f, expected, [&](const Error& e) {
        EXPECT_EQ(e.code(), code) << e.what();
        for (std::string_view part : parts)
            EXPECT_NE(e.message().find(part), std::string::npos) << "no \"" << part << "\" in: " << e.what();
    });
}

}  // namespace vessel::test
