// ns/sealed_exe: the executable a container may see must refuse writes,
// through the fd and through /proc/PID/exe of whatever runs it, and must
// still run. Both ways are tested: the detached read-only mount, and the
// sealed memfd that a kernel before 5.12 gets.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "ns/sealed_exe.h"
#include "ns/syscalls.h"
#include "runtime/base/error.h"

using namespace vessel;

namespace {

const char* const kTrue = "/bin/true";

// Runs the sealed program as arg0 and returns its wait status.
int run_sealed(int fd, const char* arg0)
{
    pid_t pid = ::fork();
    if (pid == 0) {
        char* argv[] = {const_cast<char*>(arg0), nullptr};
        char* envp[] = {nullptr};
        ::execveat(fd, "", argv, envp, AT_EMPTY_PATH);
        ::_exit(99);
    }
    int status = -1;
    ::waitpid(pid, &status, 0);
    return status;
}

// What both ways promise besides refusing writes: close-on-exec, and a
// program that still runs.
void expect_runs(const ns::SealedExe& exe)
{
    EXPECT_NE(::fcntl(exe.fd.get(), F_GETFD) & FD_CLOEXEC, 0);
    int status = run_sealed(exe.fd.get(), "true");
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// Opening for writing through the magic link, as container root would.
int reopen_for_writing(int fd)
{
    std::string link = "/proc/self/fd/" + std::to_string(fd);
    int w = ::open(link.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (w >= 0) {
        ::close(w);
        return 0;
    }
    return errno;
}

}  // namespace

TEST(SealedExe, DetachedReadOnlyMount)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root";
    auto exe = ns::open_sealed_exe(kTrue);
    ASSERT_EQ(exe.how, "read-only detached mount") << "this kernel should have open_tree and mount_setattr";
    struct statvfs vfs {};
    ASSERT_EQ(::fstatvfs(exe.fd.get(), &vfs), 0);
    EXPECT_NE(vfs.f_flag & ST_RDONLY, 0u);
    EXPECT_NE(vfs.f_flag & ST_NOSUID, 0u);
    EXPECT_EQ(reopen_for_writing(exe.fd.get()), EROFS);
    // The same file as the original, not a copy: it shares the page cache.
    struct stat a {}, b {};
    ASSERT_EQ(::fstat(exe.fd.get(), &a), 0);
    ASSERT_EQ(::stat(kTrue, &b), 0);
    EXPECT_EQ(a.st_ino, b.st_ino);
    EXPECT_EQ(a.st_dev, b.st_dev);
    expect_runs(exe);
}

TEST(SealedExe, SealedMemfdWithoutDetachedMounts)
{
    ns::sys::PretendMissing old(ns::sys::kDetachedMount);
    auto exe = ns::open_sealed_exe(kTrue);
    ASSERT_EQ(exe.how, "sealed memfd copy");
    int seals = ::fcntl(exe.fd.get(), F_GET_SEALS);
    ASSERT_GE(seals, 0);
    for (int seal : {F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE})
        EXPECT_NE(seals & seal, 0) << "seal " << seal;
    // A memfd may be reopened for writing, but nothing can be written.
    std::string link = "/proc/self/fd/" + std::to_string(exe.fd.get());
    int w = ::open(link.c_str(), O_WRONLY | O_CLOEXEC);
    if (w >= 0) {
        EXPECT_EQ(::write(w, "x", 1), -1);
        EXPECT_EQ(errno, EPERM);
        ::close(w);
    }
    struct stat a {}, b {};
    ASSERT_EQ(::fstat(exe.fd.get(), &a), 0);
    ASSERT_EQ(::stat(kTrue, &b), 0);
    EXPECT_EQ(a.st_size, b.st_size);
    // A copy, not the file itself.
    EXPECT_FALSE(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    expect_runs(exe);
}

TEST(SealedExe, MissingProgramIsAnErrorNamingIt)
{
    ns::sys::PretendMissing old(ns::sys::kDetachedMount);
    try {
        ns::open_sealed_exe("/nonexistent/vessel-spawn");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/vessel-spawn"), std::string::npos) << e.what();
    }
    EXPECT_THROW(ns::open_sealed_exe("/nonexistent/vessel-spawn"), Error);
}
