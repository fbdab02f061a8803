// Namespace primitives against the real kernel. Everything that needs root
// skips without it; whatever a test mounts lives in a child's mount
// namespace and dies with the child, every child is killed and reaped, and
// cgroups are created only below the test's own cgroup.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ns/cgroup_view.h"
#include "ns/clone.h"
#include "ns/join.h"
#include "ns/path.h"
#include "ns/proc_mask.h"
#include "ns/pty.h"
#include "ns/rootfs.h"
#include "ns/syscalls.h"
#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/lifecycle/cgroup_view.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"

using namespace vessel;
namespace stdfs = std::filesystem;

namespace {

#define REQUIRE_ROOT()                                   \
    do {                                                 \
        if (::geteuid() != 0)                            \
            GTEST_SKIP() << "needs root";                \
    } while (0)

void write_file(const stdfs::path& p, const std::string& data)
{
    std::ofstream f(p);
    f << data;
}

std::string slurp(const stdfs::path& p)
{
    auto s = fs::read_file(p);
    return s ? *s : std::string("<missing>");
}

std::string read_all(int fd)
{
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

void write_str(int fd, const std::string& s)
{
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        off += static_cast<size_t>(n);
    }
}

ino_t ns_inode(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return 0;
    return st.st_ino;
}

int wait_status(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, __WALL) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return status;
}

struct Outcome {
    std::string report;  // what the child wrote: "" = all checks passed
    int status = -1;     // raw wait status
    ns::CloneResult clone;

    bool exited(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
};

// Runs body in a child made by clone_process. The child writes body's
// result (or the exception it threw) to a pipe and exits 0 when it is
// empty, 1 otherwise; a body that execs leaves the pipe empty and the exit
// code to the program it ran.
Outcome run_child(std::uint64_t flags, const std::function<std::string()>& body, int cgroup_fd = -1)
{
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe");
    UniqueFd r(p[0]), w(p[1]);
    Outcome o;
    o.clone = ns::clone_process({flags, cgroup_fd, SIGCHLD}, [&]() -> int {
        r.reset();
        std::string out;
        try {
            out = body();
        } catch (const std::exception& e) {
            out = std::string("exception: ") + e.what();
        }
        write_str(w.get(), out);
        return out.empty() ? 0 : 1;
    });
    w.reset();
    o.report = read_all(r.get());
    o.status = wait_status(o.clone.pid);
    return o;
}

// A child that sits in its namespaces until killed; setup() runs first in
// it, and the constructor returns once it has.
class Sleeper {
public:
    Sleeper(std::uint64_t flags, const std::function<void()>& setup = {})
    {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe");
        UniqueFd r(p[0]), w(p[1]);
        res_ = ns::clone_process({flags, -1, SIGCHLD}, [&]() -> int {
            if (setup)
                setup();
            write_str(w.get(), "r");
            for (;;)
                ::pause();
        });
        w.reset();
        char c = 0;
        if (::read(r.get(), &c, 1) != 1)
            throw std::runtime_error("sleeper died during setup");
    }
    ~Sleeper()
    {
        ::kill(res_.pid, SIGKILL);
        wait_status(res_.pid);
    }
    Sleeper(const Sleeper&) = delete;
    Sleeper& operator=(const Sleeper&) = delete;

    pid_t pid() const { return res_.pid; }
    int pidfd() const { return res_.pidfd.get(); }
    std::string ns(const char* type) const { return "/proc/" + std::to_string(res_.pid) + "/ns/" + type; }

private:
    ns::CloneResult res_;
};

std::string hostname()
{
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
}

// The cgroup2 path of this process, from the "0::" line of /proc/self/cgroup.
std::string own_cgroup2()
{
    std::ifstream f("/proc/self/cgroup");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("0::", 0) == 0)
            return line.substr(3);
    return {};
}

// Mount points of this process's mount namespace (field 5 of mountinfo).
std::vector<std::string> mount_points()
{
    std::vector<std::string> out;
    std::ifstream f("/proc/self/mountinfo");
    std::string line;
    while (std::getline(f, line)) {
        std::istringstream in(line);
        std::string id, parent, dev, root, mp;
        in >> id >> parent >> dev >> root >> mp;
        out.push_back(mp);
    }
    return out;
}

bool mounted_at(const stdfs::path& p)
{
    for (const auto& mp : mount_points())
        if (mp == p.string())
            return true;
    return false;
}

std::string cgroup2_mount()
{
    std::ifstream f("/proc/self/mountinfo");
    std::string line;
    while (std::getline(f, line)) {
        if (line.find(" - cgroup2 ") == std::string::npos)
            continue;
        // fields: id parent maj:min root mountpoint ...
        std::istringstream in(line);
        std::string id, parent, dev, root, mp;
        in >> id >> parent >> dev >> root >> mp;
        if (root == "/")
            return mp;
    }
    return {};
}

}  // namespace

// ---------------------------------------------------------------- clone

TEST(Clone, RejectsFlagsThatAreNotNamespaces)
{
    test::expect_error_code([] { ns::clone_process({CLONE_VM, -1, SIGCHLD}, [] { return 0; }); },
                            ExitCode::InvalidValue);
}

TEST(Clone, FlagNames)
{
    EXPECT_EQ(ns::clone_flag_names(CLONE_NEWNS | CLONE_NEWPID), "CLONE_NEWNS|CLONE_NEWPID");
    EXPECT_EQ(ns::clone_flag_names(0), "0");
    EXPECT_EQ(ns::clone_flag_names(CLONE_NEWTIME | 0x1), "CLONE_NEWTIME|0x1");
}

TEST(Clone, ExitCodeAndExceptionBecomeTheChildsStatus)
{
    auto r1 = ns::clone_process({0, -1, SIGCHLD}, [] { return 42; });
    int st = wait_status(r1.pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 42) << st;

    // A throwing child exits 127 and never returns into this test: if it
    // did, the line below would run twice and the test would see two results.
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    UniqueFd r(p[0]), w(p[1]);
    auto r2 = ns::clone_process({0, -1, SIGCHLD}, []() -> int { throw Error(ExitCode::System, "boom"); });
    write_str(w.get(), "parent-only\n");
    w.reset();
    st = wait_status(r2.pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 127) << st;
    EXPECT_EQ(read_all(r.get()), "parent-only\n");
}

TEST(Clone, NewPidAndUtsNamespaces)
{
    REQUIRE_ROOT();
    const std::string before = hostname();
    auto o = run_child(CLONE_NEWUTS | CLONE_NEWPID, [] {
        if (::getpid() != 1)
            return "getpid() = " + std::to_string(::getpid());
        const char* name = "vessel-clone-test";
        if (::sethostname(name, std::strlen(name)) != 0)
            return std::string("sethostname: ") + std::strerror(errno);
        if (hostname() != name)
            return "hostname is " + hostname();
        return std::string();
    });
    EXPECT_EQ(o.report, "");
    EXPECT_TRUE(o.exited(0)) << o.status;
    EXPECT_EQ(hostname(), before);
    EXPECT_TRUE(o.clone.pidfd) << o.clone.path;
    EXPECT_TRUE(o.clone.used_clone3);
    EXPECT_FALSE(o.clone.into_cgroup);
    EXPECT_EQ(o.clone.path, "clone3(CLONE_NEWPID|CLONE_NEWUTS|CLONE_PIDFD)");
}

TEST(Clone, PidfdRefersToTheChild)
{
    REQUIRE_ROOT();
    auto o = run_child(CLONE_NEWPID, [] { return std::string(); });
    ASSERT_TRUE(o.clone.pidfd);
    // Reaped: the pidfd now refers to a process that is gone.
    EXPECT_FALSE(ns::send_signal(o.clone.pidfd.get(), o.clone.pid, 0));
}

TEST(Clone, FallsBackToCloneAndPidfdOpen)
{
    REQUIRE_ROOT();
    ns::sys::PretendMissing no_clone3(ns::sys::kClone3);
    auto o = run_child(CLONE_NEWUTS | CLONE_NEWPID, [] {
        return ::getpid() == 1 ? std::string() : "getpid() = " + std::to_string(::getpid());
    });
    EXPECT_EQ(o.report, "");
    EXPECT_TRUE(o.exited(0));
    EXPECT_FALSE(o.clone.used_clone3);
    EXPECT_TRUE(o.clone.pidfd);
    EXPECT_EQ(o.clone.path.rfind("clone(CLONE_NEWPID|CLONE_NEWUTS)+pidfd_open", 0), 0u) << o.clone.path;
}

TEST(Clone, FallsBackToCloneWithoutPidfd)
{
    REQUIRE_ROOT();
    ns::sys::PretendMissing none(ns::sys::kClone3 | ns::sys::kPidfd);
    auto o = run_child(CLONE_NEWPID, [] { return std::string(); });
    EXPECT_TRUE(o.exited(0));
    EXPECT_FALSE(o.clone.pidfd);
    EXPECT_NE(o.clone.path.find("no pidfd"), std::string::npos) << o.clone.path;
}

TEST(Clone, TimeNamespaceNeedsClone3)
{
    REQUIRE_ROOT();
    if (ns_inode("/proc/self/ns/time") == 0)
        GTEST_SKIP() << "kernel without time namespaces";
    const ino_t mine = ns_inode("/proc/self/ns/time");
    auto o = run_child(CLONE_NEWTIME | CLONE_NEWPID, [mine] {
        ino_t theirs = ns_inode("/proc/self/ns/time");
        return theirs != 0 && theirs != mine ? std::string() : std::string("same time namespace as the parent");
    });
    EXPECT_EQ(o.report, "");
    EXPECT_TRUE(o.exited(0));
    EXPECT_TRUE(o.clone.used_clone3);

    ns::sys::PretendMissing no_clone3(ns::sys::kClone3);
    test::expect_error_containing([] { ns::clone_process({CLONE_NEWTIME, -1, SIGCHLD}, [] { return 0; }); },
                                  ExitCode::System, {"CLONE_NEWTIME needs clone3"});
}

// What the monitor does: unshare(CLONE_NEWTIME), set the offsets while the
// namespace is empty, then clone init without CLONE_NEWTIME. Init lands in
// the new time namespace, and a process joining init later sees its clock.
TEST(Clone, ChildLandsInTheTimeNamespaceUnsharedBefore)
{
    REQUIRE_ROOT();
    if (ns_inode("/proc/self/ns/time") == 0)
        GTEST_SKIP() << "kernel without time namespaces";
    auto o = run_child(0, []() -> std::string {
        if (::unshare(CLONE_NEWTIME) != 0)
            return std::string("unshare: ") + std::strerror(errno);
        {
            std::ofstream f("/proc/self/timens_offsets");
            f << "monotonic 864000 0\n";
        }
        const ino_t for_children = ns_inode("/proc/self/ns/time_for_children");
        struct timespec outside {};
        ::clock_gettime(CLOCK_MONOTONIC, &outside);
        Sleeper init(CLONE_NEWPID);
        std::string bad;
        if (ns_inode(init.ns("time")) != for_children)
            bad += "init is not in the new time namespace\n";
        if ((ns::namespaces_of(init.pid()) & CLONE_NEWTIME) == 0)
            bad += "namespaces_of misses the time namespace\n";
        auto joiner = run_child(0, [&]() -> std::string {
            ns::join_namespaces(init.pid(), init.pidfd(), CLONE_NEWTIME);
            struct timespec inside {};
            ::clock_gettime(CLOCK_MONOTONIC, &inside);
            return inside.tv_sec >= outside.tv_sec + 864000 ? "" : "the joined clock has no offset\n";
        });
        return bad + joiner.report;
    });
    EXPECT_EQ(o.report, "");
    EXPECT_TRUE(o.exited(0));
}

TEST(Clone, IntoCgroup)
{
    REQUIRE_ROOT();
    const std::string mnt = cgroup2_mount();
    const std::string own = own_cgroup2();
    if (mnt.empty() || own.empty())
        GTEST_SKIP() << "no cgroup2 mount";
    // Hygiene: cgroups only below our own, never at a hierarchy root. A
    // test that runs in the root cgroup clones into that one instead, which
    // still proves the CLONE_INTO_CGROUP path without creating anything.
    const stdfs::path own_dir = stdfs::path(mnt) / own.substr(1);
    stdfs::path target = own_dir;
    bool created = false;
    if (own != "/") {
        target = own_dir / ("vessel-test-ns-" + std::to_string(::getpid()));
        ASSERT_EQ(::mkdir(target.c_str(), 0755), 0) << std::strerror(errno);
        created = true;
    }
    const std::string expect = own == "/" ? "/" : own + "/" + target.filename().string();
    {
        UniqueFd cg(::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        ASSERT_TRUE(cg);
        auto o = run_child(0, [expect] { return own_cgroup2() == expect ? "" : "in " + own_cgroup2(); }, cg.get());
        EXPECT_EQ(o.report, "");
        EXPECT_TRUE(o.clone.into_cgroup);
        EXPECT_EQ(o.clone.path, "clone3(CLONE_PIDFD|CLONE_INTO_CGROUP)");

        ns::sys::PretendMissing old(ns::sys::kIntoCgroup);
        auto o2 = run_child(0, [] { return std::string(); }, cg.get());
        EXPECT_TRUE(o2.exited(0));
        EXPECT_FALSE(o2.clone.into_cgroup);
        EXPECT_TRUE(o2.clone.used_clone3);
        EXPECT_NE(o2.clone.path.find("cgroup attached afterwards"), std::string::npos) << o2.clone.path;
    }
    if (created) {
        EXPECT_EQ(::rmdir(target.c_str()), 0) << std::strerror(errno);
    }
}

TEST(Clone, SendSignal)
{
    Sleeper s(0);
    EXPECT_TRUE(ns::send_signal(s.pidfd(), s.pid(), 0));
    EXPECT_TRUE(ns::send_signal(-1, s.pid(), 0));
    // Never a process group or "every process": signal 0, to be harmless
    // even if the guard were missing.
    test::expect_error_code([] { ns::send_signal(-1, 0, 0); }, ExitCode::InvalidValue);
    test::expect_error_code([] { ns::send_signal(-1, -1, 0); }, ExitCode::InvalidValue);
}

TEST(Clone, PidfdOpenOfAGoneProcess)
{
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
        ::_exit(0);
    wait_status(pid);
    test::expect_error_code([pid] { ns::pidfd_open(pid); }, ExitCode::NotRunning);
}

// ---------------------------------------------------------------- paths

class InRoot : public ::testing::TestWithParam<bool> {
protected:
    // With the parameter set, openat2 is reported missing and the
    // component walk does the work.
    InRoot() : missing_(GetParam() ? ns::sys::kOpenat2 : 0u) {}
    bool walk() const { return GetParam(); }

private:
    ns::sys::PretendMissing missing_;
};

TEST_P(InRoot, AbsoluteSymlinkStaysInsideTheRoot)
{
    test::TmpDir t;
    stdfs::create_directories(t / "outside");
    write_file(t / "outside/secret", "host");
    const stdfs::path root = t / "root";
    stdfs::create_directories(root / t.path().relative_path() / "outside");
    write_file(root / t.path().relative_path() / "outside/secret", "inside");
    stdfs::create_directory_symlink(t / "outside", root / "link");

    UniqueFd rfd = fs::open_dir(root);
    if (walk()) {
        test::expect_error_containing([&] { ns::open_in_root(rfd.get(), "link/secret", O_RDONLY); },
                                      ExitCode::System, {"/link is a symlink", "outside"});
    } else {
        UniqueFd fd = ns::open_in_root(rfd.get(), "link/secret", O_RDONLY);
        EXPECT_EQ(read_all(fd.get()), "inside");
    }
}

TEST_P(InRoot, DotDotCannotLeave)
{
    test::TmpDir t;
    write_file(t / "secret", "host");
    const stdfs::path root = t / "root";
    stdfs::create_directories(root);
    write_file(root / "secret", "inside");
    UniqueFd rfd = fs::open_dir(root);
    if (walk()) {
        test::expect_error_containing([&] { ns::open_in_root(rfd.get(), "../secret", O_RDONLY); }, ExitCode::System,
                                      {"\"..\""});
    } else {
        UniqueFd fd = ns::open_in_root(rfd.get(), "../../secret", O_RDONLY);
        EXPECT_EQ(read_all(fd.get()), "inside");
    }
}

TEST_P(InRoot, MountPointIsCreatedAndChecked)
{
    test::TmpDir t;
    const stdfs::path root = t / "root";
    stdfs::create_directories(root);
    stdfs::create_directories(t / "host");
    UniqueFd rfd = fs::open_dir(root);

    UniqueFd d = ns::make_mount_point(rfd.get(), "/a/b/c", ns::MountPointKind::Directory, 0711);
    EXPECT_TRUE(d);
    EXPECT_TRUE(stdfs::is_directory(root / "a/b/c"));
    const mode_t mask = ::umask(0);
    ::umask(mask);
    struct stat st {};
    ASSERT_EQ(::stat((root / "a/b").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0711u & ~mask);

    UniqueFd f = ns::make_mount_point(rfd.get(), "a/file", ns::MountPointKind::File);
    EXPECT_TRUE(stdfs::is_regular_file(root / "a/file"));

    stdfs::create_directory_symlink(t / "host", root / "proc");
    test::expect_error_containing(
        [&] { ns::make_mount_point(rfd.get(), "proc", ns::MountPointKind::Directory); }, ExitCode::System,
        {"/proc in the container root is a symlink", (t / "host").string()});
    test::expect_error_containing([&] { ns::make_mount_point(rfd.get(), "a/b", ns::MountPointKind::File); },
                                  ExitCode::System, {"is a directory"});
    test::expect_error_containing([&] { ns::make_mount_point(rfd.get(), "a/file", ns::MountPointKind::Directory); },
                                  ExitCode::System, {"is not a directory"});
    // Nothing was created on the host side of the symlink.
    EXPECT_TRUE(stdfs::is_empty(t / "host"));
}

INSTANTIATE_TEST_SUITE_P(Ns, InRoot, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "walk" : "openat2"; });

// ---------------------------------------------------------------- rootfs

namespace {

constexpr std::uint64_t kCtFlags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC;

ns::RootfsSpec spec_for(const stdfs::path& root, unsigned numpty = 0)
{
    ns::RootfsSpec spec;
    spec.root = root;
    spec.numpty = numpty;
    return spec;
}

stdfs::path make_tiny_root(const stdfs::path& root)
{
    stdfs::create_directories(root / "bin");
    stdfs::copy_file("/bin/busybox", root / "bin/busybox");
    stdfs::permissions(root / "bin/busybox", stdfs::perms(0755));
    return root;
}

std::string check_node(const char* path, unsigned maj, unsigned min)
{
    struct stat st {};
    if (::lstat(path, &st) != 0)
        return std::string(path) + ": " + std::strerror(errno) + "\n";
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != maj || minor(st.st_rdev) != min)
        return std::string(path) + ": not char " + std::to_string(maj) + ":" + std::to_string(min) + "\n";
    if ((st.st_mode & 07777) != 0666)
        return std::string(path) + ": mode " + std::to_string(st.st_mode & 07777) + "\n";
    return {};
}

std::string check_link(const char* path, const std::string& target)
{
    char buf[256] = {};
    ssize_t n = ::readlink(path, buf, sizeof buf - 1);
    if (n < 0 || target != buf)
        return std::string(path) + ": not a link to " + target + "\n";
    return {};
}

// A mount of proc_mask.h's table (or /proc/sys/net below it).
bool is_kernel_path_mount(const std::string& mp)
{
    if (mp == "/proc/sys/net")
        return true;
    for (const auto& k : ns::kernel_paths())
        if (mp == "/" + std::string(k.path))
            return true;
    return false;
}

// In the child, before pivot_root or after a failed setup: the host-side
// directory must not have become a mount point in this mount namespace and
// must still hold what it held.
std::string host_dir_untouched(const stdfs::path& dir)
{
    std::string out;
    if (mounted_at(dir))
        out += dir.string() + " became a mount point\n";
    if (slurp(dir / "sentinel") != "host")
        out += dir.string() + "/sentinel changed\n";
    int n = 0;
    for ([[maybe_unused]] auto& e : stdfs::directory_iterator(dir))
        ++n;
    if (n != 1)
        out += dir.string() + " has " + std::to_string(n) + " entries\n";
    return out;
}

}  // namespace

TEST(Rootfs, DevNodeTable)
{
    size_t n = 0;
    const ns::DevNode* nodes = ns::default_dev_nodes(&n);
    ASSERT_EQ(n, 6u);
    EXPECT_STREQ(nodes[0].name, "null");
    EXPECT_EQ(nodes[0].major, 1u);
    EXPECT_EQ(nodes[0].minor, 3u);
    EXPECT_STREQ(nodes[5].name, "tty");
    EXPECT_EQ(nodes[5].major, 5u);
    EXPECT_EQ(nodes[5].minor, 0u);
}

TEST(Rootfs, RejectsRelativeRoot)
{
    test::expect_error_code([] { ns::setup_rootfs(spec_for("relative/root")); }, ExitCode::InvalidValue);
}

TEST(Rootfs, SetupForReal)
{
    REQUIRE_ROOT();
    test::TmpDir t;
    const stdfs::path root = make_tiny_root(t / "root");
    write_file(t / "sentinel", "host");
    const stdfs::path sentinel = t / "sentinel";

    auto o = run_child(kCtFlags, [&]() -> std::string {
        ns::setup_rootfs(spec_for(root, 7));
        std::string bad;
        struct stat st {};
        if (::stat("/proc/1", &st) != 0)
            bad += "/proc/1 missing\n";
        if (check_link("/proc/self", "1") != "")
            bad += "/proc is not the container's\n";
        size_t n = 0;
        const ns::DevNode* nodes = ns::default_dev_nodes(&n);
        for (size_t i = 0; i < n; ++i)
            bad += check_node(("/dev/" + std::string(nodes[i].name)).c_str(), nodes[i].major, nodes[i].minor);
        if (::stat("/dev/pts/ptmx", &st) != 0 || !S_ISCHR(st.st_mode))
            bad += "/dev/pts/ptmx missing\n";
        bad += check_link("/dev/ptmx", "pts/ptmx");
        bad += check_link("/dev/fd", "/proc/self/fd");
        bad += check_link("/dev/stdin", "/proc/self/fd/0");
        bad += check_link("/dev/stdout", "/proc/self/fd/1");
        bad += check_link("/dev/stderr", "/proc/self/fd/2");
        if (::stat("/dev/shm", &st) != 0 || (st.st_mode & 07777) != 01777)
            bad += "/dev/shm not 1777\n";
        if (::stat("/dev", &st) != 0 || (st.st_mode & 07777) != 0755)
            bad += "/dev not 755\n";
        if (::stat(sentinel.c_str(), &st) == 0 || errno != ENOENT)
            bad += "the host's " + sentinel.string() + " is reachable\n";
        if (::stat("/bin/busybox", &st) != 0)
            bad += "/bin/busybox missing\n";
        struct statvfs sv {};
        if (::statvfs("/sys", &sv) != 0 || (sv.f_flag & ST_RDONLY) == 0)
            bad += "/sys is writable\n";
        if (::mkdir("/sys/vessel-test", 0755) == 0 || errno != EROFS)
            bad += "mkdir in /sys did not fail with EROFS\n";
        // The sysfs of the new network namespace: only lo.
        int links = 0;
        for ([[maybe_unused]] auto& e : stdfs::directory_iterator("/sys/class/net"))
            ++links;
        if (links != 1)
            bad += "/sys/class/net has " + std::to_string(links) + " entries\n";
        if (slurp("/proc/self/mountinfo").find("max=7") == std::string::npos)
            bad += "devpts without max=7\n";
        // Nothing of the host's tree is left, only what setup mounted (the
        // kernel files' masks are ProcMask's to check).
        std::string seen;
        for (const auto& mp : mount_points())
            if (!is_kernel_path_mount(mp))
                seen += mp + " ";
        if (seen != "/ /proc /sys /dev /dev/pts /dev/shm ")
            bad += "mount table: " + seen + "\n";
        char cwd[256] = {};
        if (::getcwd(cwd, sizeof cwd) == nullptr || std::string(cwd) != "/")
            bad += "cwd is not /\n";
        if (!bad.empty())
            return bad;
        // The tree is usable: run a program from it.
        ::execl("/bin/busybox", "busybox", "sh", "-c",
                "test -c /dev/null && test -d /proc/1 && test -c /dev/pts/ptmx && exit 42", nullptr);
        return std::string("exec busybox: ") + std::strerror(errno);
    });
    EXPECT_EQ(o.report, "");
    EXPECT_TRUE(o.exited(42)) << o.status;
    // Private propagation: none of it is visible here.
    for (const auto& mp : mount_points())
        EXPECT_EQ(mp.rfind(t.path().string(), 0), std::string::npos) << mp;
}

class RootfsSymlink : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

// A template whose proc, sys or dev points at a host directory: setup
// refuses, names the link, and nothing appears on or in the host directory.
TEST_P(RootfsSymlink, ToAHostDirectoryIsRefused)
{
    REQUIRE_ROOT();
    const auto [name, walk] = GetParam();
    ns::sys::PretendMissing missing(walk ? ns::sys::kOpenat2 : 0u);
    test::TmpDir t;
    const stdfs::path root = make_tiny_root(t / "root");
    const stdfs::path host = t / "hostdir";
    stdfs::create_directories(host);
    write_file(host / "sentinel", "host");
    stdfs::create_directory_symlink(host, root / name);

    auto o = run_child(kCtFlags, [&]() -> std::string {
        std::string seen;
        ns::RootfsSpec spec = spec_for(root);
        spec.before_pivot = [&](int) { seen = host_dir_untouched(host); };
        try {
            ns::setup_rootfs(spec);
        } catch (const Error& e) {
            // Still before pivot_root: the host path is visible here.
            std::string bad = host_dir_untouched(host);
            return bad.empty() ? std::string("refused: ") + e.what() : bad;
        }
        return seen.empty() ? "set up without touching the host" : seen;
    });
    EXPECT_EQ(o.report.rfind("refused: mount /" + std::string(name) + ": /" + name +
                                 " in the container root is a symlink (-> " + host.string() + ")",
                             0),
              0u)
        << o.report;
    EXPECT_EQ(host_dir_untouched(host), "");
}

INSTANTIATE_TEST_SUITE_P(Ns, RootfsSymlink,
                         ::testing::Combine(::testing::Values("proc", "sys", "dev"), ::testing::Bool()),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param)) +
                                    (std::get<1>(info.param) ? "_walk" : "_openat2");
                         });

// dev/null in a template pointing at a host file: the fresh /dev hides it,
// the container gets a real null device, and the host file is unchanged.
TEST(Rootfs, DevNullSymlinkToAHostFile)
{
    REQUIRE_ROOT();
    test::TmpDir t;
    const stdfs::path root = make_tiny_root(t / "root");
    const stdfs::path host = t / "hostfile";
    write_file(host, "host");
    ::chmod(host.c_str(), 0600);
    stdfs::create_directories(root / "dev");
    stdfs::create_symlink(host, root / "dev/null");

    auto host_file_ok = [host]() -> std::string {
        struct stat st {};
        if (::lstat(host.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0600)
            return "host file changed type or mode\n";
        if (mounted_at(host))
            return "host file became a mount point\n";
        return slurp(host) == "host" ? "" : "host file content changed\n";
    };
    auto o = run_child(kCtFlags, [&]() -> std::string {
        std::string seen;
        ns::RootfsSpec spec = spec_for(root);
        spec.before_pivot = [&](int) { seen = host_file_ok(); };
        ns::setup_rootfs(spec);
        return seen + check_node("/dev/null", 1, 3);
    });
    EXPECT_EQ(o.report, "");
    EXPECT_EQ(host_file_ok(), "");
    // The template's own link is left as it was.
    EXPECT_TRUE(stdfs::is_symlink(root / "dev/null"));
}

// ---------------------------------------------------------------- kernel files

namespace {

bool readonly_at(const char* path)
{
    struct statvfs sv {};
    return ::statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY) != 0;
}

// errno of opening path for writing (0: it opened).
int open_for_write(const char* path)
{
    UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
    return fd ? 0 : errno;
}

}  // namespace

class ProcMask : public ::testing::TestWithParam<bool> {};

// Every entry of the table that this kernel has is masked or read-only
// after setup; /proc/sys/net stays writable exactly when the child has a
// network namespace of its own.
TEST_P(ProcMask, KernelFilesAreMaskedOrReadOnly)
{
    REQUIRE_ROOT();
    const bool own_net = GetParam();
    test::TmpDir t;
    const stdfs::path root = make_tiny_root(t / "root");
    auto o = run_child(kCtFlags, [&]() -> std::string {
        ns::RootfsSpec spec = spec_for(root);
        spec.own_net_ns = own_net;
        ns::setup_rootfs(spec);
        std::string bad;
        int checked = 0;
        for (const auto& k : ns::kernel_paths()) {
            const std::string p = "/" + std::string(k.path);
            struct stat st {};
            if (::stat(p.c_str(), &st) != 0)
                continue;
            ++checked;
            if (k.rule == ns::KernelPathRule::ReadOnly) {
                if (!mounted_at(p) || !readonly_at(p.c_str()))
                    bad += p + " is not a read-only mount\n";
                if (S_ISREG(st.st_mode) && open_for_write(p.c_str()) != EROFS)
                    bad += p + " opens for writing\n";
            } else if (S_ISDIR(st.st_mode)) {
                struct statfs sfs {};
                int n = 0;
                for ([[maybe_unused]] auto& e : stdfs::directory_iterator(p))
                    ++n;
                if (::statfs(p.c_str(), &sfs) != 0 || sfs.f_type != TMPFS_MAGIC || n != 0 || !readonly_at(p.c_str()))
                    bad += p + " is not an empty read-only tmpfs\n";
            } else {
                bad += check_node(p.c_str(), 1, 3);
                UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
                if (!fd || !read_all(fd.get()).empty())
                    bad += p + " reads something\n";
            }
        }
        if (checked < 4)
            bad += "only " + std::to_string(checked) + " entries exist\n";
        if (open_for_write("/proc/sys/kernel/hostname") != EROFS)
            bad += "/proc/sys/kernel/hostname is writable\n";
        const int net = open_for_write("/proc/sys/net/ipv4/ip_default_ttl");
        if (own_net ? net != 0 : net != EROFS)
            bad += std::string("/proc/sys/net/ipv4/ip_default_ttl: ") + (net ? std::strerror(net) : "opened") + "\n";
        if (mounted_at("/proc/sys/net") != own_net)
            bad += "/proc/sys/net mount: " + std::to_string(mounted_at("/proc/sys/net")) + "\n";
        // Read-only binds keep the flags /proc was mounted with.
        struct statvfs sv {};
        if (::statvfs("/proc/sys", &sv) != 0 || (sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) !=
                                                     (ST_NOSUID | ST_NODEV | ST_NOEXEC))
            bad += "/proc/sys lost nosuid, nodev or noexec\n";
        return bad;
    });
    EXPECT_EQ(o.report, "");
}

INSTANTIATE_TEST_SUITE_P(Ns, ProcMask, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "OwnNetNs" : "HostNetNs"; });

TEST(ProcMask, RemountReadonlyNeedsAMountRoot)
{
    REQUIRE_ROOT();
    test::TmpDir t;
    stdfs::create_directories(t / "d");
    auto o = run_child(CLONE_NEWNS, [&]() -> std::string {
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
        UniqueFd fd(::open((t / "d").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        try {
            ns::remount_readonly(fd.get(), "d");
        } catch (const Error& e) {
            return std::string(e.what()).find("not the root of a mount") != std::string::npos ? "" : e.what();
        }
        return "remounted a plain directory";
    });
    EXPECT_EQ(o.report, "");
}

// ---------------------------------------------------------------- cgroup view

// The view this host's layout gives, mounted in a child with new cgroup and
// PID namespaces: every hierarchy shows the child's cgroup as its root, and
// nothing in it can be written.
TEST(CgroupView, ForRealFromInsideACgroupNamespace)
{
    REQUIRE_ROOT();
    if (!stdfs::exists("/proc/self/ns/cgroup"))
        GTEST_SKIP() << "kernel without cgroup namespaces";
    const ns::CgroupView view = lifecycle::cgroup_view_for(cgroup::detect_layout(), true);
    if (view.kind == ns::CgroupView::Kind::None)
        GTEST_SKIP() << "no cgroup hierarchy";
    test::TmpDir t;
    const stdfs::path root = make_tiny_root(t / "root");
    const std::string probe_name = "vessel-test-" + std::to_string(::getpid());
    auto o = run_child(kCtFlags | CLONE_NEWCGROUP, [&]() -> std::string {
        ns::RootfsSpec spec = spec_for(root);
        spec.cgroups = view;
        ns::setup_rootfs(spec);
        std::string bad;
        if (!readonly_at("/sys/fs/cgroup"))
            bad += "/sys/fs/cgroup is writable\n";
        std::vector<std::string> dirs;
        if (view.kind == ns::CgroupView::Kind::Unified) {
            dirs.push_back("/sys/fs/cgroup");
        } else {
            for (const auto& h : view.v1) {
                dirs.push_back("/sys/fs/cgroup/" + h.dir);
                for (const auto& a : h.aliases)
                    if (check_link(("/sys/fs/cgroup/" + a).c_str(), h.dir) != "")
                        bad += "/sys/fs/cgroup/" + a + " is not a link to " + h.dir + "\n";
            }
            if (view.unified_beside)
                dirs.push_back("/sys/fs/cgroup/unified");
        }
        for (const auto& d : dirs) {
            if (!readonly_at(d.c_str()))
                bad += d + " is writable\n";
            // This process is PID 1 of its namespace, in the view's root.
            if (slurp(d + "/cgroup.procs").find("1\n") == std::string::npos)
                bad += d + "/cgroup.procs does not list 1: " + slurp(d + "/cgroup.procs") + "\n";
            // A name of this run's own: should the mount be writable after
            // all, the cgroup it made is a real one, removed at once.
            const std::string probe = d + "/" + probe_name;
            if (::mkdir(probe.c_str(), 0755) == 0) {
                ::rmdir(probe.c_str());
                bad += "mkdir in " + d + " succeeded\n";
            } else if (errno != EROFS) {
                bad += "mkdir in " + d + ": " + std::strerror(errno) + "\n";
            }
        }
        std::istringstream own(slurp("/proc/self/cgroup"));
        for (std::string line; std::getline(own, line);)
            if (!line.ends_with(":/"))
                bad += "/proc/self/cgroup: " + line + "\n";
        return bad;
    });
    EXPECT_EQ(o.report, "");
}

TEST(CgroupView, HierarchyNamesArePlainNames)
{
    REQUIRE_ROOT();
    test::TmpDir t;
    const stdfs::path root = make_tiny_root(t / "root");
    auto o = run_child(kCtFlags, [&]() -> std::string {
        ns::RootfsSpec spec = spec_for(root);
        spec.cgroups.kind = ns::CgroupView::Kind::V1;
        spec.cgroups.v1.push_back({"../../escape", "memory", {}});
        try {
            ns::setup_rootfs(spec);
        } catch (const Error& e) {
            return std::string(e.what()).find("is not a plain name") != std::string::npos ? "" : e.what();
        }
        return "mounted";
    });
    EXPECT_EQ(o.report, "");
    EXPECT_FALSE(stdfs::exists(t / "escape"));
}

// ---------------------------------------------------------------- join

TEST(Join, NamespacesOfAChild)
{
    REQUIRE_ROOT();
    Sleeper s(CLONE_NEWUTS | CLONE_NEWNET);
    EXPECT_EQ(ns::namespaces_of(s.pid()), CLONE_NEWUTS | CLONE_NEWNET);
    EXPECT_EQ(ns::namespaces_of(::getpid()), 0);
}

TEST(Join, NamespacesOfAGoneProcess)
{
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
        ::_exit(0);
    wait_status(pid);
    test::expect_error_code([pid] { ns::namespaces_of(pid); }, ExitCode::NotRunning);
}

class Join : public ::testing::TestWithParam<int> {
protected:
    // 0: setns on the pidfd; 1: per-file setns checked by the pidfd;
    // 2: per-file setns with no pidfd at all.
    int mode() const { return GetParam(); }
    std::string expected_prefix() const
    {
        return mode() == 0 ? "setns(pidfd, " : "setns per /proc/";
    }
};

TEST_P(Join, UtsAndNet)
{
    REQUIRE_ROOT();
    Sleeper s(CLONE_NEWUTS | CLONE_NEWNET, [] {
        const char* name = "vessel-join-test";
        ::sethostname(name, std::strlen(name));
    });
    const ino_t net = ns_inode(s.ns("net"));
    const std::string before = hostname();
    ns::sys::PretendMissing missing(mode() == 1 ? ns::sys::kSetnsPidfd : 0u);
    const int pidfd = mode() == 2 ? -1 : s.pidfd();
    auto o = run_child(0, [&]() -> std::string {
        std::string desc = ns::join_namespaces(s.pid(), pidfd, ns::namespaces_of(s.pid()));
        std::string bad;
        if (hostname() != "vessel-join-test")
            bad += "hostname " + hostname() + "\n";
        if (ns_inode("/proc/self/ns/net") != net)
            bad += "not in the child's net namespace\n";
        return bad.empty() ? "ok " + desc : bad;
    });
    EXPECT_EQ(o.report.rfind("ok " + expected_prefix(), 0), 0u) << o.report;
    if (mode() == 1) {
        EXPECT_NE(o.report.find("checked against the pidfd"), std::string::npos) << o.report;
    }
    if (mode() == 2) {
        EXPECT_NE(o.report.find("unchecked"), std::string::npos) << o.report;
    }
    EXPECT_EQ(hostname(), before);
}

// The exec path: join everything, then clone a child, which is the one that
// lands in the container's PID namespace.
TEST_P(Join, PidMountAndTimeApplyToTheNextChild)
{
    REQUIRE_ROOT();
    std::uint64_t flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
    const bool timens = ns_inode("/proc/self/ns/time") != 0;
    if (timens)
        flags |= CLONE_NEWTIME;
    Sleeper s(flags);
    const ino_t pidns = ns_inode(s.ns("pid"));
    const ino_t mntns = ns_inode(s.ns("mnt"));
    const ino_t timens_ino = ns_inode(s.ns("time"));
    ns::sys::PretendMissing missing(mode() == 1 ? ns::sys::kSetnsPidfd : 0u);
    const int pidfd = mode() == 2 ? -1 : s.pidfd();
    auto o = run_child(0, [&]() -> std::string {
        int want = ns::namespaces_of(s.pid());
        if (want != static_cast<int>(flags))
            return "namespaces_of: " + ns::clone_flag_names(static_cast<unsigned>(want)) + "\n";
        ns::join_namespaces(s.pid(), pidfd, want);
        std::string bad;
        if (ns_inode("/proc/self/ns/mnt") != mntns)
            bad += "mount namespace not joined\n";
        if (timens && ns_inode("/proc/self/ns/time") != timens_ino)
            bad += "time namespace not joined\n";
        // This process stays where it was; its children do not.
        auto grandchild = run_child(0, [&]() -> std::string {
            if (ns_inode("/proc/self/ns/pid") != pidns)
                return "grandchild not in the container's PID namespace\n";
            return ::getpid() == 1 ? "grandchild is pid 1\n" : "";
        });
        return bad + grandchild.report;
    });
    EXPECT_EQ(o.report, "");
    EXPECT_TRUE(o.exited(0));
}

INSTANTIATE_TEST_SUITE_P(Ns, Join, ::testing::Values(0, 1, 2), [](const auto& info) {
    return info.param == 0 ? "pidfd" : info.param == 1 ? "files_checked" : "files_unchecked";
});

TEST(Join, OpenNamespaceForALaterSetns)
{
    REQUIRE_ROOT();
    Sleeper s(CLONE_NEWUTS | CLONE_NEWCGROUP, [] {
        const char* name = "vessel-open-ns";
        ::sethostname(name, std::strlen(name));
    });
    UniqueFd uts = ns::open_namespace(s.pid(), s.pidfd(), CLONE_NEWUTS);
    UniqueFd cg = ns::open_namespace(s.pid(), s.pidfd(), CLONE_NEWCGROUP);
    EXPECT_EQ(ns_inode(ns::fd_path(cg.get())), ns_inode(s.ns("cgroup")));
    auto o = run_child(0, [&]() -> std::string {
        if (::setns(uts.get(), CLONE_NEWUTS) != 0 || ::setns(cg.get(), CLONE_NEWCGROUP) != 0)
            return std::string("setns: ") + std::strerror(errno);
        if (ns_inode("/proc/self/ns/cgroup") != ns_inode(s.ns("cgroup")))
            return "cgroup namespace not joined";
        return hostname() == "vessel-open-ns" ? "" : "hostname " + hostname();
    });
    EXPECT_EQ(o.report, "");
    test::expect_error_code([&] { ns::open_namespace(s.pid(), s.pidfd(), CLONE_NEWUTS | CLONE_NEWNET); },
                            ExitCode::InvalidValue);
}

TEST(Join, NothingToJoin)
{
    EXPECT_EQ(ns::join_namespaces(::getpid(), -1, 0), "no namespaces to join");
    test::expect_error_code([] { ns::join_namespaces(::getpid(), -1, CLONE_VM); }, ExitCode::InvalidValue);
}

// ---------------------------------------------------------------- pty

namespace {

// Forks a child that takes the pty as its terminal and runs body;
// the child never returns into the test.
pid_t spawn_on_pty(const std::string& slave, const std::function<int()>& body)
{
    pid_t pid = ::fork();
    if (pid != 0)
        return pid;
    int rc = 120;
    try {
        ns::make_controlling_tty(slave);
        rc = body();
    } catch (...) {
        rc = 121;
    }
    ::_exit(rc);
}

struct Pipe {
    UniqueFd r, w;
    Pipe()
    {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe");
        r.reset(p[0]);
        w.reset(p[1]);
    }
};

}  // namespace

TEST(Pty, OpenPtyGivesAWorkingPair)
{
    ns::Pty p = ns::open_pty();
    ASSERT_TRUE(p.master);
    struct stat st {};
    ASSERT_EQ(::stat(p.slave_path.c_str(), &st), 0) << p.slave_path;
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    UniqueFd slave = ns::open_pty_slave(p);
    ASSERT_TRUE(slave);
    struct stat st2 {};
    ASSERT_EQ(::fstat(slave.get(), &st2), 0);
    EXPECT_EQ(st.st_rdev, st2.st_rdev);
    // Raw on the slave, so the bytes pass unchanged.
    ns::RawMode raw(slave.get());
    write_str(slave.get(), "ping");
    char buf[8] = {};
    ASSERT_EQ(::read(p.master.get(), buf, 4), 4);
    EXPECT_STREQ(buf, "ping");
}

TEST(Pty, RawModeRestoresAndIgnoresNonTerminals)
{
    ns::Pty p = ns::open_pty();
    UniqueFd slave = ns::open_pty_slave(p);
    struct termios before {};
    ASSERT_EQ(::tcgetattr(slave.get(), &before), 0);
    ASSERT_NE(before.c_lflag & ICANON, 0u);
    {
        ns::RawMode raw(slave.get());
        struct termios now {};
        ::tcgetattr(slave.get(), &now);
        EXPECT_EQ(now.c_lflag & (ICANON | ECHO), 0u);
    }
    struct termios after {};
    ::tcgetattr(slave.get(), &after);
    EXPECT_EQ(after.c_lflag, before.c_lflag);

    Pipe pipe;
    ns::RawMode none(pipe.r.get());  // not a terminal: nothing to do, no error
}

TEST(Pty, CopyWinsize)
{
    ns::Pty a = ns::open_pty();
    ns::Pty b = ns::open_pty();
    struct winsize ws {};
    ws.ws_row = 33;
    ws.ws_col = 101;
    ASSERT_EQ(::ioctl(a.master.get(), TIOCSWINSZ, &ws), 0);
    ns::copy_winsize(a.master.get(), b.master.get());
    struct winsize got {};
    ASSERT_EQ(::ioctl(b.master.get(), TIOCGWINSZ, &got), 0);
    EXPECT_EQ(got.ws_row, 33);
    EXPECT_EQ(got.ws_col, 101);
}

TEST(Pty, RelayCopiesBothWaysAndEndsWithTheChild)
{
    ns::Pty p = ns::open_pty();
    pid_t pid = spawn_on_pty(p.slave_path, [] {
        char buf[64] = {};
        ssize_t n = ::read(0, buf, sizeof buf - 1);  // one canonical line
        std::string line(buf, n > 0 ? static_cast<size_t>(n) : 0);
        std::string reply = "got:" + line;
        write_str(1, reply);
        return 3;
    });
    UniqueFd pidfd = ns::pidfd_open(pid);
    Pipe in, out;
    write_str(in.w.get(), "hello\n");
    in.w.reset();
    ns::relay(in.r.get(), out.w.get(), p.master.get(), pidfd.get());
    out.w.reset();
    const std::string got = read_all(out.r.get());
    EXPECT_NE(got.find("got:hello"), std::string::npos) << got;
    int st = wait_status(pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3) << st;
}

// Piped input without a trailing newline: the relay ends the partial line
// and then the input, as ^D ^D would, so a reader in the child sees EOF.
TEST(Pty, RelayPassesEndOfInput)
{
    ns::Pty p = ns::open_pty();
    pid_t pid = spawn_on_pty(p.slave_path, [] {
        size_t total = 0;
        char buf[64];
        for (;;) {
            ssize_t n = ::read(0, buf, sizeof buf);
            if (n <= 0)
                break;
            total += static_cast<size_t>(n);
        }
        write_str(1, "total=" + std::to_string(total) + "\n");
        return 0;
    });
    UniqueFd pidfd = ns::pidfd_open(pid);
    Pipe in, out;
    write_str(in.w.get(), "abc");
    in.w.reset();
    ns::relay(in.r.get(), out.w.get(), p.master.get(), pidfd.get());
    out.w.reset();
    const std::string got = read_all(out.r.get());
    EXPECT_NE(got.find("total=3"), std::string::npos) << got;
    EXPECT_EQ(wait_status(pid), 0);
}

// A grandchild that keeps the pty open (and ignores the hangup) must not
// keep the relay alive once the child it was started for has exited.
TEST(Pty, RelayEndsWhenTheChildExitsWhileAGrandchildHoldsThePty)
{
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    ns::Pty p = ns::open_pty();
    Pipe side;
    pid_t pid = spawn_on_pty(p.slave_path, [&] {
        pid_t g = ::fork();
        if (g == 0) {
            side.w.reset();  // the test reads the pid up to EOF
            ::signal(SIGHUP, SIG_IGN);
            ::sleep(60);
            ::_exit(0);
        }
        write_str(side.w.get(), std::to_string(g));
        write_str(1, "bye\n");
        return 0;
    });
    side.w.reset();
    UniqueFd pidfd = ns::pidfd_open(pid);
    Pipe out;
    const auto t0 = std::chrono::steady_clock::now();
    ns::relay(-1, out.w.get(), p.master.get(), pidfd.get());
    const auto took = std::chrono::steady_clock::now() - t0;
    out.w.reset();
    EXPECT_NE(read_all(out.r.get()).find("bye"), std::string::npos);
    EXPECT_LT(took, std::chrono::seconds(10));
    EXPECT_EQ(wait_status(pid), 0);
    const pid_t g = static_cast<pid_t>(std::stol("0" + read_all(side.r.get())));
    ASSERT_GT(g, 0);
    ::kill(g, SIGKILL);
    wait_status(g);
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

// The caller's terminal is resized while the relay runs: SIGWINCH makes the
// relay copy the new size to the container's pty, where the child sees it.
TEST(Pty, RelayForwardsWindowSizeChanges)
{
    ns::Pty term = ns::open_pty();  // stands in for the caller's terminal
    UniqueFd term_slave = ns::open_pty_slave(term);
    ns::Pty p = ns::open_pty();
    pid_t pid = spawn_on_pty(p.slave_path, [] {
        for (int i = 0; i < 500; ++i) {
            struct winsize ws {};
            if (::ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 40 && ws.ws_col == 120)
                return 0;
            ::usleep(10000);
        }
        return 1;
    });
    const pid_t self = ::getpid();
    pid_t resizer = ::fork();
    if (resizer == 0) {
        ::usleep(200000);
        struct winsize ws {};
        ws.ws_row = 40;
        ws.ws_col = 120;
        ::ioctl(term.master.get(), TIOCSWINSZ, &ws);
        ::kill(self, SIGWINCH);
        ::_exit(0);
    }
    UniqueFd pidfd = ns::pidfd_open(pid);
    ns::relay(term_slave.get(), term_slave.get(), p.master.get(), pidfd.get());
    EXPECT_EQ(wait_status(resizer), 0);
    int st = wait_status(pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "the child never saw 40x120";
}

TEST(Pty, RelayRestoresTheSignalMask)
{
    sigset_t before, after;
    ::sigprocmask(SIG_SETMASK, nullptr, &before);
    ns::Pty p = ns::open_pty();
    pid_t pid = spawn_on_pty(p.slave_path, [] { return 0; });
    UniqueFd pidfd = ns::pidfd_open(pid);
    ns::relay(-1, -1, p.master.get(), pidfd.get());
    wait_status(pid);
    ::sigprocmask(SIG_SETMASK, nullptr, &after);
    EXPECT_EQ(sigismember(&before, SIGWINCH), sigismember(&after, SIGWINCH));
}
