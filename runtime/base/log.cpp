#include "runtime/base/log.h"

#include <cstdio>
#include <string>

namespace vessel::log {

namespace {
Level g_level = Level::Normal;

void put(FILE* f, std::string_view prefix, std::string_view msg)
{
    std::string line;
    line.reserve(prefix.size() + msg.size() + 1);
    line += prefix;
    line += msg;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), f);
    std::fflush(f);
}
}  // namespace

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
