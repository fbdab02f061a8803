#include "runtime/base/sibling_exe.h"

#include <unistd.h>

#include <climits>

namespace vessel {

std::string self_executable()
{
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string sibling_executable(std::string_view name)
{
    std::string self = self_executable();
    if (self.empty())
        return {};
    std::string path = self.substr(0, self.rfind('/') + 1);
    path += name;
    return ::access(path.c_str(), X_OK) == 0 ? path : std::string();
}

}  // namespace vessel
