#include "runtime/lifecycle/lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"

namespace vessel::lifecycle {

namespace {

void on_alarm(int) {}

// A blocking flock() that an interval timer's SIGALRM (handled, without
// SA_RESTART, unblocked for the wait) ends after `left`. Returns whether
// the lock was taken; false on the timer or another signal, for the
// caller to look at its deadline again. The process's own SIGALRM handler,
// mask and timer are put back.
bool wait_for_lock(int fd, std::chrono::microseconds left)
{
    struct sigaction sa {}, old_sa {};
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGALRM, &sa, &old_sa);
    sigset_t alrm, old_mask;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    ::sigprocmask(SIG_UNBLOCK, &alrm, &old_mask);
    struct itimerval timer {}, old_timer {};
    timer.it_value.tv_sec = static_cast<time_t>(left.count() / 1000000);
    timer.it_value.tv_usec = static_cast<suseconds_t>(left.count() % 1000000);
    if (timer.it_value.tv_sec == 0 && timer.it_value.tv_usec == 0)
        timer.it_value.tv_usec = 1;
    // Repeating: a signal that lands before flock() is entered must not
    // leave it blocked with no timer to end it.
    timer.it_interval.tv_usec = 10000;
    const auto started = std::chrono::steady_clock::now();
    ::setitimer(ITIMER_REAL, &timer, &old_timer);
    const int rc = ::flock(fd, LOCK_EX);
    const int err = errno;
    struct itimerval off {};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    ::sigaction(SIGALRM, &old_sa, nullptr);
    if (old_timer.it_value.tv_sec != 0 || old_timer.it_value.tv_usec != 0) {
        // The caller's timer, less the time spent here (at least 1 µs left,
        // so that one due meanwhile still fires).
        const auto spent = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
        long long rest = static_cast<long long>(old_timer.it_value.tv_sec) * 1000000 + old_timer.it_value.tv_usec - spent.count();
        rest = std::max(rest, 1LL);
        old_timer.it_value.tv_sec = static_cast<time_t>(rest / 1000000);
        old_timer.it_value.tv_usec = static_cast<suseconds_t>(rest % 1000000);
        ::setitimer(ITIMER_REAL, &old_timer, nullptr);
    }
    if (rc == 0)
        return true;
    if (err != EINTR)
        throw_errno(err, "flock");
    return false;
}

}  // namespace

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
    for (;;) {
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK)
            throw_errno("lock " + lock_file.string());
        const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw Error(ExitCode::Locked, "Container already locked");
        // Waiting in flock() itself: the kernel hands the lock over the
        // moment its holder lets go (a monitor waiting for a stop's
        // teardown goes on at once, not at its next poll).
        if (wait_for_lock(fd.get(), left))
            break;
    }
    // The holder is not written into the file: /proc/locks names it, and a
    // command refused for bad input must leave the disk as it found it.
    return CtLock(std::move(fd));
}

}  // namespace vessel::lifecycle
