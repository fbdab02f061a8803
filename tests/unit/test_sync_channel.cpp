// The sync channel between vessel and the process it starts in a CT: what
// the parent makes of the child's messages. The child's end may be in the
// hands of CT root (it can ptrace vessel-spawn), so only the form that the
// real child sends is believed.
#include <gtest/gtest.h>

#include "runtime/lifecycle/sync_channel.h"
#include "runtime/lifecycle/sync_wire.h"

using namespace vessel::lifecycle;

TEST(SyncChannel, EofWithoutWordsIsASuccessfulExec)
{
    SyncChannel sync;
    sync.close_child_end();
    auto out = sync.outcome();
    EXPECT_FALSE(out.failure);
    EXPECT_EQ(out.spawned, -1);
}

TEST(SyncChannel, TheFirstPidStandsLaterOnesAreIgnored)
{
    SyncChannel sync;
    wire::send_pid(sync.child_fd(), 4242);
    wire::send_pid(sync.child_fd(), 1);
    sync.close_child_end();
    EXPECT_EQ(sync.outcome().spawned, 4242);
}

TEST(SyncChannel, MalformedPidsAreNotBelieved)
{
    SyncChannel sync;
    const char bad[] = "pid 12x";
    wire::send_packet(sync.child_fd(), bad, sizeof bad - 1);
    const char zero[] = "pid 0";
    wire::send_packet(sync.child_fd(), zero, sizeof zero - 1);
    sync.close_child_end();
    EXPECT_EQ(sync.outcome().spawned, -1);
}

TEST(SyncChannel, AFailureCarriesItsCodeAndTheFirstOneWins)
{
    SyncChannel sync;
    wire::send_failure(sync.child_fd(), 21, "rootfs", "bad thing");
    wire::send_failure(sync.child_fd(), 3, "second");
    sync.close_child_end();
    auto out = sync.outcome();
    ASSERT_TRUE(out.failure);
    EXPECT_EQ(out.failure->code, 21);
    EXPECT_EQ(out.failure->message, "rootfs: bad thing");
}
