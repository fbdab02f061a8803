#include "runtime/base/report.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace vessel {

std::string ok_report(std::string_view fields)
{
    std::string line = "OK";
    if (!fields.empty()) {
        line += ' ';
        line += fields;
    }
    return line;
}

std::string error_report(const Error& e)
{
    return "ERR " + std::to_string(static_cast<int>(e.code())) + " " + e.what();
}

bool write_report(int fd, std::string_view line)
{
    if (fd < 0)
        return false;
    std::string out(line);
    out += '\n';
    ssize_t n;
    do
        n = ::write(fd, out.data(), out.size());
    while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(out.size());
}

std::string read_report(int fd)
{
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
        if (out.find('\n') != std::string::npos)
            break;
    }
    if (auto nl = out.find('\n'); nl != std::string::npos)
        out.resize(nl);
    return out;
}

std::optional<std::string> parse_report(std::string_view line)
{
    if (line == "OK")
        return std::string();
    if (line.starts_with("OK "))
        return std::string(line.substr(3));
    if (!line.starts_with("ERR "))
        return std::nullopt;
    std::string_view rest = line.substr(4);
    auto sp = rest.find(' ');
    int code = 0;
    std::from_chars(rest.data(), rest.data() + (sp == std::string_view::npos ? rest.size() : sp), code);
    throw Error(static_cast<ExitCode>(code == 0 ? static_cast<int>(ExitCode::System) : code),
                std::string(sp == std::string_view::npos ? rest : rest.substr(sp + 1)));
}

}  // namespace vessel
