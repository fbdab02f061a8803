#include "runtime/base/interrupt.h"

namespace vessel {

namespace {
std::atomic<bool> g_interrupted{false};
constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};

void on_signal(int) { g_interrupted.store(true); }
}  // namespace

InterruptGuard::InterruptGuard()
{
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i)
        sigaction(kSignals[i], &sa, &old_[i]);
}

InterruptGuard::~InterruptGuard()
{
    for (int i = 0; i < 3; ++i)
        sigaction(kSignals[i], &old_[i], nullptr);
}

const std::atomic<bool>& InterruptGuard::flag() { return g_interrupted; }

}  // namespace vessel
