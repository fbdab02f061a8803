#include "ns/envid.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "runtime/base/error.h"
#include "runtime/base/unique_fd.h"

namespace vessel::ns {

bool set_own_envid(unsigned id)
{
    UniqueFd fd(::open("/proc/self/envid", O_WRONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT)
            return false;
        throw_errno("open /proc/self/envid");
    }
    const std::string text = std::to_string(id) + "\n";
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw_errno("write " + std::to_string(id) + " to /proc/self/envid");
    return true;
}

std::optional<unsigned> envid_of(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/envid");
    unsigned id = 0;
    if (!(in >> id))
        return std::nullopt;
    return id;
}

}  // namespace vessel::ns
