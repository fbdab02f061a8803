#include "runtime/base/log.h"

#include <cstdio>
#include <string>

namespace vessel::log {

namespace {
Level g_level = Level::Normal;

void escape(std::string& out, unsigned char c)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
}

// Length of the valid UTF-8 sequence at s[i] (2 to 4), or 0.
size_t utf8_length(std::string_view s, size_t i)
{
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
    if (n == 0 || i + n > s.size())
        return 0;
    for (size_t k = 1; k < n; ++k)
        if ((b(i + k) & 0xc0) != 0x80)
            return 0;
    // Overlong forms, surrogates and values past U+10FFFF.
    if ((c == 0xe0 && b(i + 1) < 0xa0) || (c == 0xed && b(i + 1) > 0x9f) || (c == 0xf0 && b(i + 1) < 0x90) ||
        (c == 0xf4 && b(i + 1) > 0x8f))
        return 0;
    return n;
}

void put(FILE* f, std::string_view prefix, std::string_view msg)
{
    std::string line;
    line.reserve(prefix.size() + msg.size() + 1);
    line += prefix;
    line += printable(msg);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), f);
    std::fflush(f);
}
}  // namespace

std::string printable(std::string_view msg)
{
    std::string out;
    out.reserve(msg.size());
    for (size_t i = 0; i < msg.size();) {
        const auto c = static_cast<unsigned char>(msg[i]);
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                escape(out, c);
            else
                out += static_cast<char>(c);
            ++i;
            continue;
        }
        const size_t n = utf8_length(msg, i);
        // U+0080..U+009F (C2 80..C2 9F) are the C1 controls.
        if (n == 0 || (c == 0xc2 && static_cast<unsigned char>(msg[i + 1]) < 0xa0)) {
            escape(out, c);
            ++i;
            continue;
        }
        out.append(msg.substr(i, n));
        i += n;
    }
    return out;
}

void set_level(Level level) { g_level = level; }
Level level() { return g_level; }

void error(std::string_view msg) { put(stderr, "vessel: ", msg); }
void warning(std::string_view msg) { put(stderr, "vessel: warning: ", msg); }
void info(std::string_view msg)
{
    if (g_level >= Level::Normal)
        put(stdout, "", msg);
}
void verbose(std::string_view msg)
{
    if (g_level >= Level::Verbose)
        put(stderr, "vessel: ", msg);
}

}  // namespace vessel::log
