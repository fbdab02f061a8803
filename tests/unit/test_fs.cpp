#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/undo.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"

using namespace vessel;
namespace stdfs = std::filesystem;

namespace {
void touch(const stdfs::path& p, const std::string& data = "x")
{
    std::ofstream(p) << data;
}
}  // namespace

TEST(Fs, WriteFileAtomicReplacesContentAndLeavesNoTemporary)
{
    test::TmpDir t;
    auto p = t / "a.conf";
    fs::write_file_atomic(p, "one\n", 0600);
    fs::write_file_atomic(p, "two\n", 0640);
    EXPECT_EQ(*fs::read_file(p), "two\n");
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    int n = 0;
    for ([[maybe_unused]] auto& e : stdfs::directory_iterator(t.path()))
        ++n;
    EXPECT_EQ(n, 1);
}

TEST(Fs, WriteFileAtomicIntoMissingDirectoryFailsWithPath)
{
    test::TmpDir t;
    try {
        fs::write_file_atomic(t / "no/such/file", "x");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("no/such"), std::string::npos) << e.what();
        EXPECT_EQ(e.sys_errno(), ENOENT);
    }
}

TEST(Fs, ReadFileMissingIsNullopt)
{
    test::TmpDir t;
    EXPECT_FALSE(fs::read_file(t / "missing").has_value());
}

TEST(Fs, MakeDirsCreatesChainAndRejectsFile)
{
    test::TmpDir t;
    fs::make_dirs(t / "a/b/c", 0700);
    EXPECT_TRUE(stdfs::is_directory(t / "a/b/c"));
    fs::make_dirs(t / "a/b/c");  // existing: fine
    touch(t / "f");
    EXPECT_THROW(fs::make_dirs(t / "f/g"), Error);
}

TEST(Fs, RemoveTreeDoesNotFollowSymlinks)
{
    test::TmpDir t;
    stdfs::create_directories(t / "outside");
    touch(t / "outside/sentinel");
    stdfs::create_directories(t / "tree/sub/deeper");
    touch(t / "tree/sub/deeper/file");
    stdfs::create_directory_symlink(t / "outside", t / "tree/link");
    stdfs::create_directory_symlink(t / "outside", t / "tree/sub/link2");
    ::mkfifo((t / "tree/fifo").c_str(), 0600);
    EXPECT_TRUE(fs::remove_tree(t / "tree"));
    EXPECT_FALSE(stdfs::exists(t / "tree"));
    EXPECT_TRUE(stdfs::exists(t / "outside/sentinel"));
    EXPECT_FALSE(fs::remove_tree(t / "tree"));
}

TEST(Fs, RemoveTreeOfSymlinkRemovesOnlyTheLink)
{
    test::TmpDir t;
    stdfs::create_directories(t / "outside");
    touch(t / "outside/sentinel");
    stdfs::create_directory_symlink(t / "outside", t / "link");
    EXPECT_TRUE(fs::remove_tree(t / "link"));
    EXPECT_TRUE(stdfs::exists(t / "outside/sentinel"));
}

TEST(Fs, RemoveTreeStopsAtMountPoints)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to mount";
    test::TmpDir t;
    stdfs::create_directories(t / "tree/mnt");
    ASSERT_EQ(::mount("tmpfs", (t / "tree/mnt").c_str(), "tmpfs", 0, "size=1m"), 0);
    touch(t / "tree/mnt/keep");
    EXPECT_THROW(fs::remove_tree(t / "tree"), Error);
    EXPECT_TRUE(stdfs::exists(t / "tree/mnt/keep"));
    EXPECT_TRUE(fs::is_mount_point(t / "tree/mnt"));
    EXPECT_FALSE(fs::is_mount_point(t / "tree"));
    ASSERT_EQ(::umount2((t / "tree/mnt").c_str(), 0), 0);
}

TEST(Fs, SpaceAtWalksUpToAnExistingParent)
{
    test::TmpDir t;
    auto s = fs::space_at(t / "not/yet/there");
    EXPECT_GT(s.bytes_free, 0u);
}

TEST(Undo, RunsInReverseUnlessCommitted)
{
    std::string order;
    {
        UndoStack u;
        u.push("a", [&] { order += 'a'; });
        u.push("b", [&] { order += 'b'; });
        u.push("throws", [&] { throw Error(ExitCode::System, "boom"); });
        u.push("c", [&] { order += 'c'; });
    }
    EXPECT_EQ(order, "cba");
    {
        UndoStack u;
        u.push("x", [&] { order += 'x'; });
        u.commit();
    }
    EXPECT_EQ(order, "cba");
}

TEST(ErrorType, ContextIsPrependedAndErrnoAppended)
{
    test::expect_error(
        [] { with_context("start 101", [] { with_context("cgroup", [] { throw_errno(EINVAL, "write memory.max"); }); }); },
        ExitCode::System, "start 101: cgroup: write memory.max: Invalid argument");
    test::expect_error_code([] { throw_errno(ENOSPC, "write x"); }, ExitCode::NoDiskSpace);
}

TEST(Fs, WriteFileAtomicWithoutDurabilityStillReplacesWhole)
{
    test::TmpDir t;
    auto p = t / "state.json";
    fs::write_file_atomic(p, "old\n", 0600, false);
    fs::write_file_atomic(p, "new\n", 0600, false);
    EXPECT_EQ(*fs::read_file(p), "new\n");
    int n = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(t.path()))
        ++n;
    EXPECT_EQ(n, 1);
}
