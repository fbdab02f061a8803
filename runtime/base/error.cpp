#include "runtime/base/error.h"

#include <cerrno>
#include <cstring>

namespace vessel {

Error::Error(ExitCode code, std::string message, int err)
    : code_(code), errno_(err), message_(std::move(message))
{
    render();
}

Error& Error::add_context(std::string_view ctx)
{
    context_.insert(context_.begin(), std::string(ctx));
    render();
    return *this;
}

void Error::render()
{
    text_.clear();
    for (const auto& c : context_) {
        text_ += c;
        text_ += ": ";
    }
    text_ += message_;
    if (errno_ != 0) {
        text_ += ": ";
        text_ += std::strerror(errno_);
    }
}

void throw_errno(std::string_view what, ExitCode code)
{
    throw_errno(errno, what, code);
}

void throw_errno(int err, std::string_view what, ExitCode code)
{
    // A full disk is its own vzctl error, whatever step ran into it.
    if (err == ENOSPC || err == EDQUOT)
        code = ExitCode::NoDiskSpace;
    throw Error(code, std::string(what), err);
}

}  // namespace vessel
