#include "runtime/base/process.h"

#include <unistd.h>

#include <algorithm>
#include <vector>

namespace vessel {

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
