// The safe reader and writer of files inside a CT root (ns/root_file.h):
// symlinks anywhere on the path, hard links, FIFOs and mount points, each
// with openat2 and with the component walk of kernels without it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "ns/root_file.h"
#include "ns/syscalls.h"
#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/unique_fd.h"
#include "tests/unit/tmpdir.h"

using namespace vessel;
namespace stdfs = std::filesystem;

namespace {

void put(const stdfs::path& p, const std::string& data) { std::ofstream(p) << data; }

std::string get(const stdfs::path& p) { return fs::read_file(p).value_or("<missing>"); }

// The errno of the Error f throws, 0 if none; the message must name what.
template <typename F>
int refusal(F&& f, const std::string& what = {})
{
    try {
        f();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        return e.sys_errno();
    }
    return 0;
}

class RootFile : public ::testing::TestWithParam<bool> {
protected:
    // With the parameter set, openat2 is reported missing and the walk works.
    RootFile() : missing_(GetParam() ? ns::sys::kOpenat2 : 0u)
    {
        stdfs::create_directories(root() / "etc");
        root_fd_ = fs::open_dir(root(), O_PATH);
    }
    stdfs::path root() const { return t_ / "root"; }
    stdfs::path etc() const { return root() / "etc"; }
    int fd() const { return root_fd_.get(); }

    test::TmpDir t_;

private:
    ns::sys::PretendMissing missing_;
    UniqueFd root_fd_;
};

}  // namespace

TEST_P(RootFile, ReadsAndReplacesARegularFileKeepingModeAndOwner)
{
    put(etc() / "hosts", "old\n");
    ::chmod((etc() / "hosts").c_str(), 0640);
    if (::geteuid() == 0) {
        ASSERT_EQ(::chown((etc() / "hosts").c_str(), 123, 456), 0);
    }
    EXPECT_EQ(ns::read_in_root(fd(), "etc/hosts"), "old\n");
    EXPECT_EQ(ns::read_in_root(fd(), "/etc/missing"), std::nullopt);

    ns::replace_in_root(fd(), "etc/hosts", "new\n");
    EXPECT_EQ(get(etc() / "hosts"), "new\n");
    struct stat st {};
    ASSERT_EQ(::stat((etc() / "hosts").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    if (::geteuid() == 0) {
        EXPECT_EQ(st.st_uid, 123u);
        EXPECT_EQ(st.st_gid, 456u);
    }
    // A new file; no temporary file is left behind.
    ns::replace_in_root(fd(), "etc/hostname", "h\n");
    ASSERT_EQ(::stat((etc() / "hostname").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
    EXPECT_EQ(std::distance(stdfs::directory_iterator(etc()), stdfs::directory_iterator()), 2);
}

TEST_P(RootFile, ASymlinkedFileToAHostPathIsNeitherReadNorWritten)
{
    put(t_ / "host-file", "host\n");
    stdfs::create_symlink(t_ / "host-file", etc() / "resolv.conf");
    EXPECT_EQ(refusal([&] { ns::read_in_root(fd(), "etc/resolv.conf"); }), ELOOP);
    EXPECT_EQ(refusal([&] { ns::replace_in_root(fd(), "etc/resolv.conf", "x"); }, "is a symlink (-> "), ELOOP);
    EXPECT_EQ(get(t_ / "host-file"), "host\n");
    EXPECT_TRUE(stdfs::is_symlink(etc() / "resolv.conf"));
    // Even a link that stays inside the root.
    put(etc() / "real", "r");
    stdfs::create_symlink("real", etc() / "hosts");
    EXPECT_EQ(refusal([&] { ns::replace_in_root(fd(), "etc/hosts", "x"); }), ELOOP);
    EXPECT_EQ(get(etc() / "real"), "r");
}

TEST_P(RootFile, ASymlinkedDirectoryOnTheWayIsRefused)
{
    stdfs::create_directories(t_ / "host-etc");
    put(t_ / "host-etc/hosts", "host\n");
    stdfs::remove_all(etc());
    stdfs::create_symlink(t_ / "host-etc", etc());
    EXPECT_EQ(refusal([&] { ns::read_in_root(fd(), "etc/hosts"); }, "/etc is a symlink"), ELOOP);
    EXPECT_EQ(refusal([&] { ns::replace_in_root(fd(), "etc/hosts", "x"); }, "/etc is a symlink"), ELOOP);
    EXPECT_EQ(refusal([&] { ns::replace_in_root(fd(), "etc/new", "x"); }), ELOOP);
    EXPECT_EQ(get(t_ / "host-etc/hosts"), "host\n");
    EXPECT_FALSE(stdfs::exists(t_ / "host-etc/new"));
}

TEST_P(RootFile, AHardLinkKeepsItsContentTheNameGetsANewInode)
{
    put(t_ / "host-hosts", "host\n");
    stdfs::create_hard_link(t_ / "host-hosts", etc() / "hosts");
    EXPECT_EQ(ns::read_in_root(fd(), "etc/hosts"), "host\n");
    ns::replace_in_root(fd(), "etc/hosts", "ct\n");
    EXPECT_EQ(get(t_ / "host-hosts"), "host\n");
    EXPECT_EQ(get(etc() / "hosts"), "ct\n");
    EXPECT_EQ(stdfs::hard_link_count(t_ / "host-hosts"), 1u);
}

TEST_P(RootFile, FifosDirectoriesAndHugeFilesAreRefused)
{
    ASSERT_EQ(::mkfifo((etc() / "resolv.conf").c_str(), 0644), 0);
    EXPECT_EQ(refusal([&] { ns::read_in_root(fd(), "etc/resolv.conf"); }, "not a regular file"), EINVAL);
    EXPECT_EQ(refusal([&] { ns::replace_in_root(fd(), "etc/resolv.conf", "x"); }, "not a regular file"), EINVAL);
    stdfs::create_directories(etc() / "hosts");
    EXPECT_EQ(refusal([&] { ns::replace_in_root(fd(), "etc/hosts", "x"); }), EINVAL);
    EXPECT_TRUE(stdfs::is_directory(etc() / "hosts"));
    {
        std::ofstream big(etc() / "big");
        big << std::string(ns::kMaxRootFileSize + 1, 'x');
    }
    EXPECT_EQ(refusal([&] { ns::read_in_root(fd(), "etc/big"); }, "larger than"), EFBIG);
    EXPECT_EQ(refusal([&] { ns::replace_in_root(fd(), "etc/..", "x"); }), EINVAL);
}

TEST_P(RootFile, AMountPointOnTheWayIsRefused)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root";
    // In a child with a mount namespace of its own: the tmpfs dies with it.
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        int code = 0;
        try {
            if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                ::mount("tmpfs", etc().c_str(), "tmpfs", 0, "size=64k") != 0)
                ::_exit(90);
            put(etc() / "hosts", "mounted\n");
            // Opened here: an fd from before unshare() sees the old namespace's mounts.
            UniqueFd root_fd = fs::open_dir(root(), O_PATH);
            if (refusal([&] { ns::replace_in_root(root_fd.get(), "etc/hosts", "x"); }, "mount point") != EXDEV)
                code |= 1;
            if (refusal([&] { ns::read_in_root(root_fd.get(), "etc/hosts"); }) != EXDEV)
                code |= 2;
            if (get(etc() / "hosts") != "mounted\n")
                code |= 4;
        } catch (...) {
            code |= 8;
        }
        ::_exit(code);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

INSTANTIATE_TEST_SUITE_P(Openat2AndWalk, RootFile, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Walk" : "Openat2"; });
