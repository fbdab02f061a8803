#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "runtime/base/error.h"
#include "runtime/lifecycle/lock.h"
#include "runtime/lifecycle/run_state.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"

using namespace vessel;
using namespace std::chrono_literals;

TEST(CtLock, SecondHolderWaitsThenFailsWithNine)
{
    test::TmpDir t;
    auto file = t / "lock/101.lck";
    auto first = lifecycle::CtLock::acquire_path(file, 0ms);
    auto start = std::chrono::steady_clock::now();
    test::expect_error([&] { lifecycle::CtLock::acquire_path(file, 200ms); }, ExitCode::Locked,
                       "Container already locked");
    EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

namespace {
volatile sig_atomic_t g_own_alarms = 0;
void own_alarm(int) { g_own_alarms = g_own_alarms + 1; }
}  // namespace

TEST(CtLock, TheWaitLeavesTheCallersAlarmHandlerAndTimerAsTheyWere)
{
    test::TmpDir t;
    auto file = t / "101.lck";
    struct sigaction sa {}, old {};
    sa.sa_handler = own_alarm;
    sigemptyset(&sa.sa_mask);
    ASSERT_EQ(::sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval mine {};
    mine.it_value.tv_sec = 30;
    ASSERT_EQ(::setitimer(ITIMER_REAL, &mine, nullptr), 0);
    auto first = lifecycle::CtLock::acquire_path(file, 0ms);
    test::expect_error([&] { lifecycle::CtLock::acquire_path(file, 100ms); }, ExitCode::Locked,
                       "Container already locked");
    // The timeout was the lock's own SIGALRM, not ours; ours is still set.
    EXPECT_EQ(g_own_alarms, 0);
    struct sigaction now {};
    ::sigaction(SIGALRM, nullptr, &now);
    EXPECT_EQ(now.sa_handler, own_alarm);
    struct itimerval left {};
    ::getitimer(ITIMER_REAL, &left);
    EXPECT_GT(left.it_value.tv_sec, 20);
    // ... less the time the wait took (at least its 100 ms).
    EXPECT_LT(left.it_value.tv_sec * 1000000LL + left.it_value.tv_usec, 29950000LL);
    struct itimerval off {};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    ::sigaction(SIGALRM, &old, nullptr);
}

TEST(CtLock, ReleasedLockCanBeTakenAgain)
{
    test::TmpDir t;
    auto file = t / "101.lck";
    { auto l = lifecycle::CtLock::acquire_path(file, 0ms); }
    EXPECT_NO_THROW(lifecycle::CtLock::acquire_path(file, 0ms));
}

TEST(CtLock, WaiterGetsTheLockWhenTheHolderLetsGo)
{
    test::TmpDir t;
    auto file = t / "101.lck";
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    pid_t child = ::fork();
    if (child == 0) {
        auto l = lifecycle::CtLock::acquire_path(file, 0ms);
        (void)!::write(pipefd[1], "x", 1);
        ::usleep(100 * 1000);
        ::_exit(0);
    }
    char c;
    ASSERT_EQ(::read(pipefd[0], &c, 1), 1);
    EXPECT_NO_THROW(lifecycle::CtLock::acquire_path(file, 3000ms));
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
}

TEST(RunState, ProcessRefDetectsARecycledPid)
{
    auto self = lifecycle::ProcessRef::of(::getpid());
    ASSERT_TRUE(self.has_value());
    EXPECT_TRUE(self->alive());
    auto other = *self;
    other.start_time += 1;
    EXPECT_FALSE(other.alive());
    pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    auto ref = lifecycle::ProcessRef::of(child);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (ref) {
        EXPECT_FALSE(ref->alive());
    }
}

TEST(RunState, StartTimeParsesCommWithSpacesAndParens)
{
    // A process can name itself anything; the parser must skip to the last ')'.
    pid_t child = ::fork();
    if (child == 0) {
        ::prctl(PR_SET_NAME, "a) b (c", 0, 0, 0);
        ::pause();
        ::_exit(0);
    }
    ::usleep(50 * 1000);
    auto st = lifecycle::process_start_time(child);
    auto ref = lifecycle::ProcessRef::of(child);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(st.has_value());
    ASSERT_TRUE(ref.has_value());
    EXPECT_EQ(*st, ref->start_time);
    EXPECT_GT(*st, 0u);
}
