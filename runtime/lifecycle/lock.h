// The per-container lock: flock() on $LOCKDIR/<CTID>.lck. Every command that
// changes a container holds it; a second one waits briefly, then fails with
// "Container already locked" (exit 9) as vzctl does. A waiter sleeps in
// flock() itself and gets the lock the moment it is released; SIGALRM (an
// interval timer, the caller's own handler and timer put back) ends the
// wait at its deadline.
#pragma once

#include <chrono>
#include <filesystem>

#include "runtime/base/unique_fd.h"
#include "runtime/config/global.h"

namespace vessel::lifecycle {

class CtLock {
public:
    static constexpr std::chrono::milliseconds kDefaultWait{3000};

    // Throws Error(Locked) when the lock is still held after `wait`.
    static CtLock acquire(const config::GlobalConfig& global, config::CtId id,
                          std::chrono::milliseconds wait = kDefaultWait);
    static CtLock acquire_path(const std::filesystem::path& lock_file,
                               std::chrono::milliseconds wait = kDefaultWait);

    CtLock(CtLock&&) noexcept = default;
    CtLock& operator=(CtLock&&) noexcept = default;

    // The lock file stays: removing it would let a waiter lock an unlinked
    // inode while a newcomer locks a fresh file.
    ~CtLock() = default;

private:
    explicit CtLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace vessel::lifecycle
