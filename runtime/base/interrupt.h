// While an InterruptGuard lives, SIGINT, SIGTERM and SIGHUP only raise a
// flag, so long work (extracting a template) can stop at a safe point and
// roll back instead of dying half-way.
#pragma once

#include <atomic>
#include <csignal>

namespace vessel {

class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    static const std::atomic<bool>& flag();

private:
    struct sigaction old_[3];
};

}  // namespace vessel
