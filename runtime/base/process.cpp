#include "runtime/base/process.h"

#include <climits>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace vessel {

std::string program_beside_self(std::string_view name)
{
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return {};
    std::string self(buf, static_cast<size_t>(n));
    std::string path = self.substr(0, self.rfind('/') + 1);
    path += name;
    return ::access(path.c_str(), X_OK) == 0 ? path : std::string();
}

void close_fds_except(std::initializer_list<int> keep)
{
    std::vector<int> fds;
    for (int fd : keep)
        if (fd >= 0)
            fds.push_back(fd);
    std::sort(fds.begin(), fds.end());
    unsigned from = 0;
    for (int fd : fds) {
        if (static_cast<unsigned>(fd) > from)
            ::close_range(from, static_cast<unsigned>(fd) - 1, 0);
        from = static_cast<unsigned>(fd) + 1;
    }
    ::close_range(from, ~0U, 0);
}

}  // namespace vessel
