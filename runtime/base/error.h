// The one error type of the project: an exit code (vzctl's table), an errno
// where the kernel gave one, a message, and the context it gathered on the
// way up ("start 101: cgroup: write memory.max: Invalid argument").
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/exit_codes.h"

namespace vessel {

class Error : public std::exception {
public:
    Error(ExitCode code, std::string message, int err = 0);

    ExitCode code() const noexcept { return code_; }
    int sys_errno() const noexcept { return errno_; }
    const std::string& message() const noexcept { return message_; }

    // Outer context goes in front: e.add_context("create 101").
    Error& add_context(std::string_view ctx);
    Error& set_code(ExitCode code) noexcept { code_ = code; return *this; }

    const char* what() const noexcept override { return text_.c_str(); }

private:
    void render();

    ExitCode code_;
    int errno_;
    std::string message_;
    std::vector<std::string> context_;
    std::string text_;
};

// Throws Error with the current errno: "<what>: <strerror>".
[[noreturn]] void throw_errno(std::string_view what, ExitCode code = ExitCode::System);
[[noreturn]] void throw_errno(int err, std::string_view what, ExitCode code = ExitCode::System);

// Runs f; an Error escaping it gets ctx in front of its message.
template <typename F>
decltype(auto) with_context(std::string_view ctx, F&& f)
{
    try {
        return f();
    } catch (Error& e) {
        e.add_context(ctx);
        throw;
    }
}

}  // namespace vessel
