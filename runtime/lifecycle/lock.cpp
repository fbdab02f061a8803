#include "runtime/lifecycle/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"

namespace vessel::lifecycle {

CtLock CtLock::acquire(const config::GlobalConfig& global, config::CtId id, std::chrono::milliseconds wait)
{
    return acquire_path(global.lock_dir() / (std::to_string(id) + ".lck"), wait);
}

CtLock CtLock::acquire_path(const std::filesystem::path& lock_file, std::chrono::milliseconds wait)
{
    fs::make_dirs(lock_file.parent_path(), 0700);
    UniqueFd fd(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd)
        throw_errno("open lock file " + lock_file.string());

    const auto deadline = std::chrono::steady_clock::now() + wait;
    auto pause = std::chrono::milliseconds(5);
    for (;;) {
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK)
            throw_errno("lock " + lock_file.string());
        if (std::chrono::steady_clock::now() >= deadline)
            throw Error(ExitCode::Locked, "Container already locked");
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(100));
    }
    // The holder is not written into the file: /proc/locks names it, and a
    // command refused for bad input must leave the disk as it found it.
    return CtLock(std::move(fd));
}

}  // namespace vessel::lifecycle
