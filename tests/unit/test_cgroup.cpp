// The cgroup backends against a fake cgroupfs (a directory tree with the
// kernel's control files as plain files, filled in on mkdir by a hook the
// way the kernel does), and, as root, against the host's own hierarchies
// below the cgroup the test runs in.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "runtime/base/error.h"
#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/devices.h"
#include "runtime/cgroup/counters.h"
#include "runtime/cgroup/limits.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/lifecycle/cgroup_view.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"

using namespace vessel;
using namespace std::chrono_literals;
namespace stdfs = std::filesystem;
using cgroup::Layout;
using cgroup::Mode;
using cgroup::ProcessContainer;

namespace {

void put(const stdfs::path& p, const std::string& s)
{
    std::ofstream(p) << s;
}

std::string slurp(const stdfs::path& p)
{
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool is_dir(const stdfs::path& p)
{
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string words(std::string s)
{
    std::string out;
    std::istringstream in(s);
    for (std::string w; in >> w;) {
        if (w.starts_with("+"))
            w = w.substr(1);
        out += (out.empty() ? "" : " ") + w;
    }
    return out;
}

// A fake cgroupfs: one directory per hierarchy, a mountinfo that mounts
// them, and the caller's /proc/self/cgroup. New directories get their
// control files from the mkdir hook, as the kernel gives them.
class FakeCgroupfs {
public:
    struct Options {
        bool v2_only = false;
        bool unified_freeze = true;  // cgroup.freeze in new unified dirs
        bool unified_kill = true;    // cgroup.kill in new unified dirs
        bool memsw = true;           // v1 swap accounting (memory.memsw.*)
        bool beancounter = false;    // v2: the kernel series' controller
    };

    explicit FakeCgroupfs(Options o) : opt_(o)
    {
        std::string mi = "22 1 0:21 / /proc rw - proc proc rw\n";
        int id = 30;
        auto mount = [&](const std::string& dir, const std::string& fstype, const std::string& super) {
            stdfs::create_directories(t_ / dir);
            ++id;
            mi += std::to_string(id) + " 29 0:" + std::to_string(id) + " / " + (t_ / dir).string() +
                  " rw,nosuid,nodev,noexec,relatime shared:" + std::to_string(id) + " - " + fstype + " " + fstype +
                  " " + super + "\n";
        };
        if (opt_.v2_only) {
            mount("unified", "cgroup2", "rw,nsdelegate");
            put(t_ / "unified/cgroup.controllers",
                std::string("cpuset cpu io memory pids") + (opt_.beancounter ? " beancounter" : "") + "\n");
            put(t_ / "unified/cgroup.subtree_control", "\n");
            put(t_ / "unified/cgroup.procs", "1\n");
            self_ = "0::/\n";
        } else {
            for (const char* c : {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"})
                mount(c, "cgroup", std::string("rw,") + c);
            mount("systemd", "cgroup", "rw,xattr,name=systemd");
            mount("unified", "cgroup2", "rw");
            put(t_ / "unified/cgroup.controllers", "\n");
            put(t_ / "unified/cgroup.subtree_control", "\n");
            put(t_ / "cpuset/cpuset.cpus", "0-1\n");
            put(t_ / "cpuset/cpuset.mems", "0\n");
            // The test "runs" in a memory cgroup of its own, the way a
            // session may be limited, and at the root everywhere else.
            stdfs::create_directories(t_ / "memory/user/me");
            put(t_ / "memory/user/me/memory.limit_in_bytes", "1073741824\n");
            self_ = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:/user/me\n"
                    "3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n";
        }
        put(t_ / "mountinfo", mi);
        put(t_ / "self_cgroup", self_);
        cgroup::detail::set_fs_hooks({
            [this](const cgroup::detail::Member& m, const stdfs::path& d) { populate(m, d); },
            [](const stdfs::path& d) {
                // rmdir of a cgroup takes its control files with it.
                std::error_code ec;
                for (const auto& e : stdfs::directory_iterator(d, ec))
                    if (e.is_regular_file())
                        stdfs::remove(e.path(), ec);
            },
            [this](const stdfs::path& file, std::string_view value) { return written(file, value); },
        });
    }
    ~FakeCgroupfs() { cgroup::detail::set_fs_hooks({}); }

    Layout layout() const { return cgroup::detect_layout(t_ / "mountinfo"); }
    stdfs::path self() const { return t_ / "self_cgroup"; }
    stdfs::path operator/(const std::string& rel) const { return t_ / rel; }
    const stdfs::path& root() const { return t_.path(); }

    std::unique_ptr<ProcessContainer> create(const std::string& parent = "vessel-test", const std::string& name = "101")
    {
        return ProcessContainer::create(layout(), parent, name, self());
    }

    std::vector<std::string> mkdirs;  // every directory the hook saw made

private:
    void populate(const cgroup::detail::Member& m, const stdfs::path& d)
    {
        mkdirs.push_back(d.lexically_relative(t_.path()).string());
        put(d / "cgroup.procs", "");
        if (m.unified()) {
            put(d / "cgroup.controllers", words(slurp(d.parent_path() / "cgroup.subtree_control")) + "\n");
            put(d / "cgroup.subtree_control", "\n");
            put(d / "cgroup.events", "populated 0\nfrozen 0\n");
            if (opt_.unified_freeze)
                put(d / "cgroup.freeze", "0\n");
            if (opt_.unified_kill)
                put(d / "cgroup.kill", "");
            std::string enabled = " " + slurp(d / "cgroup.controllers");
            if (enabled.find(" memory") != std::string::npos) {
                put(d / "memory.max", "max\n");
                put(d / "memory.swap.max", "max\n");
                put(d / "memory.min", "0\n");
                put(d / "memory.low", "0\n");
            }
            if (enabled.find(" pids") != std::string::npos)
                put(d / "pids.max", "max\n");
            if (enabled.find(" cpu") != std::string::npos) {
                put(d / "cpu.weight", "100\n");
                put(d / "cpu.max", "max 100000\n");
            }
            if (enabled.find(" io") != std::string::npos)
                put(d / "io.max", "");
            if (enabled.find(" cpuset") != std::string::npos)
                put(d / "cpuset.cpus", "\n");
            if (enabled.find(" beancounter") != std::string::npos) {
                put(d / "beancounter.max", "numfile max\nnumflock max\nnumsiginfo max\n");
                put(d / "beancounter.current", "numfile 3\nnumflock 1\nnumsiginfo 0\n");
                put(d / "beancounter.peak", "numfile 17\nnumflock 2\nnumsiginfo 4\n");
                put(d / "beancounter.events", "numfile.max 5\nnumflock.max 0\nnumsiginfo.max 1\n");
            }
            return;
        }
        if (m.has("cpuset")) {
            put(d / "cpuset.cpus", "\n");
            put(d / "cpuset.mems", "\n");
        }
        if (m.has("memory")) {
            put(d / "memory.limit_in_bytes", "9223372036854771712\n");
            put(d / "memory.use_hierarchy", "0\n");
            if (opt_.memsw)
                put(d / "memory.memsw.limit_in_bytes", "9223372036854771712\n");
        }
        if (m.has("blkio"))
            for (const char* f : {"read_bps_device", "write_bps_device", "read_iops_device", "write_iops_device"})
                put(d / (std::string("blkio.throttle.") + f), "");
        if (m.has("pids"))
            put(d / "pids.max", "max\n");
        if (m.has("freezer"))
            put(d / "freezer.state", "THAWED\n");
        if (m.has("cpu")) {
            put(d / "cpu.shares", "1024\n");
            put(d / "cpu.cfs_quota_us", "-1\n");
            put(d / "cpu.cfs_period_us", "100000\n");
        }
        if (m.has("devices")) {
            // A new cgroup below an allow-all parent allows everything.
            put(d / "devices.list", "a *:* rwm\n");
            put(d / "devices.allow", "");
            put(d / "devices.deny", "");
        }
    }

public:
    // Every knob write, in order, as "file value"; a write of fail_value
    // fails with EPERM, as the kernel's does for more than the parent has.
    std::vector<std::string> writes;
    std::string fail_value;

private:
    int written(const stdfs::path& file, std::string_view value)
    {
        if (!fail_value.empty() && value == fail_value)
            return EPERM;
        writes.push_back(file.filename().string() + " " + std::string(value));
        const std::string name = file.filename().string();
        if (name == "devices.allow" || name == "devices.deny")
            devices_write(file.parent_path() / "devices.list", name == "devices.allow", std::string(value));
        return 0;
    }

    // The v1 devices controller's list: "a *:* rwm" while allowing all,
    // else its exceptions; an allow merges access into the line for the
    // same device, a deny takes access away from it.
    static void devices_write(const stdfs::path& list, bool allow, const std::string& value)
    {
        if (value == "a") {
            put(list, allow ? "a *:* rwm\n" : "");
            return;
        }
        std::string text = slurp(list);
        if (text.starts_with("a "))
            return;  // exceptions of allow-all mode are not listed
        std::istringstream in(value);
        std::string type, nums, acc;
        in >> type >> nums >> acc;
        std::vector<std::string> lines;
        std::istringstream l(text);
        bool found = false;
        for (std::string line; std::getline(l, line);) {
            if (line.starts_with(type + " " + nums + " ")) {
                found = true;
                std::string have = line.substr(type.size() + nums.size() + 2);
                std::string merged;
                for (char c : std::string("rwm")) {
                    bool in_have = have.find(c) != std::string::npos, in_acc = acc.find(c) != std::string::npos;
                    if (allow ? (in_have || in_acc) : (in_have && !in_acc))
                        merged += c;
                }
                if (!merged.empty())
                    lines.push_back(type + " " + nums + " " + merged);
                continue;
            }
            lines.push_back(line);
        }
        if (!found && allow)
            lines.push_back(value);
        std::string out;
        for (const auto& line : lines)
            out += line + "\n";
        put(list, out);
    }

    Options opt_;
    test::TmpDir t_;
    std::string self_;
};

const std::vector<std::string> hybrid_hierarchies{"blkio", "cpu", "cpuacct", "cpuset", "devices",
                                                  "freezer", "memory", "pids", "unified"};

// A directory that is ours in the fake tree, per hierarchy.
stdfs::path fake_dir(const FakeCgroupfs& f, const std::string& h, const std::string& rel = "vessel-test/101")
{
    return f / (h == "memory" ? "memory/user/me/" + rel : h + "/" + rel);
}

}  // namespace

// --- layout -----------------------------------------------------------------

TEST(CgroupLayout, HybridHostIsV1WithUnifiedBeside)
{
    FakeCgroupfs f({});
    Layout l = f.layout();
    EXPECT_EQ(l.mode, Mode::V1);
    ASSERT_TRUE(l.unified);
    EXPECT_EQ(*l.unified, f / "unified");
    EXPECT_EQ(l.v1.at("pids"), f / "pids");
    EXPECT_EQ(l.v1.at("name=systemd"), f / "systemd");
    EXPECT_EQ(l.v1.count("xattr"), 0u);
    EXPECT_EQ(l.v1.count("rw"), 0u);
    EXPECT_TRUE(l.has_controller("memory"));
    EXPECT_FALSE(l.has_controller("io"));
    EXPECT_EQ(l.roots.at("pids"), "/");
    EXPECT_TRUE(l.unified_controllers.empty());
    EXPECT_FALSE(l.unified_nsdelegate);
}

TEST(CgroupLayout, Cgroup2OnlyIsV2AndReadsRootControllers)
{
    FakeCgroupfs f({.v2_only = true});
    Layout l = f.layout();
    EXPECT_EQ(l.mode, Mode::V2);
    EXPECT_TRUE(l.v1.empty());
    EXPECT_EQ(l.unified_controllers, (std::vector<std::string>{"cpuset", "cpu", "io", "memory", "pids"}));
    EXPECT_TRUE(l.has_controller("io"));
    EXPECT_FALSE(l.has_controller("devices"));
}

TEST(CgroupLayout, ComountedEscapedAndNamedHierarchies)
{
    test::TmpDir t;
    put(t / "mountinfo",
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime shared:9 - cgroup cgroup rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct\n"
        "42 31 0:39 /lxc/c1 /sys/fs/cgroup/my\\040pids rw,relatime - cgroup cgroup rw,pids,release_agent=/x\n"
        "43 31 0:40 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
        "44 31 0:41 / /other/cpu rw,relatime - cgroup cgroup rw,cpu,cpuacct\n");
    Layout l = cgroup::detect_layout(t / "mountinfo");
    EXPECT_EQ(l.mode, Mode::V1);
    EXPECT_EQ(l.v1.at("cpu"), "/sys/fs/cgroup/cpu,cpuacct");
    EXPECT_EQ(l.v1.at("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct");  // first mount wins
    EXPECT_EQ(l.v1.at("pids"), "/sys/fs/cgroup/my pids");
    EXPECT_EQ(l.roots.at("pids"), "/lxc/c1");
    EXPECT_EQ(l.v1.count("release_agent=/x"), 0u);
    EXPECT_EQ(*l.unified, "/sys/fs/cgroup/unified");
    EXPECT_TRUE(l.unified_nsdelegate);
}

TEST(CgroupLayout, NamedHierarchyAloneDoesNotMakeV1)
{
    test::TmpDir t;
    put(t / "mountinfo", "40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
                         "43 31 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    EXPECT_EQ(cgroup::detect_layout(t / "mountinfo").mode, Mode::V2);
}

// --- the CT's /sys/fs/cgroup --------------------------------------------------

namespace {

Layout layout_from(const std::string& mountinfo)
{
    test::TmpDir t;
    put(t / "mountinfo", mountinfo);
    return cgroup::detect_layout(t / "mountinfo");
}

const char* const kHybridMountinfo =
    "40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "42 31 0:39 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "43 31 0:40 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";

}  // namespace

TEST(CgroupView, HybridHostGetsEachControllerHierarchyAndUnifiedButNotNamedOnes)
{
    auto v = lifecycle::cgroup_view_for(layout_from(kHybridMountinfo), true);
    EXPECT_EQ(v.kind, ns::CgroupView::Kind::V1);
    EXPECT_TRUE(v.unified_beside);
    EXPECT_FALSE(v.unified_writable);
    ASSERT_EQ(v.v1.size(), 2u);
    EXPECT_EQ(v.v1[0].dir, "cpu,cpuacct");
    EXPECT_EQ(v.v1[0].options, "cpu,cpuacct");
    EXPECT_EQ(v.v1[0].aliases, (std::vector<std::string>{"cpu", "cpuacct"}));
    EXPECT_EQ(v.v1[1].dir, "memory");
    EXPECT_TRUE(v.v1[1].aliases.empty());
}

TEST(CgroupView, Cgroup2IsWritableOnlyWithNsdelegate)
{
    auto plain = lifecycle::cgroup_view_for(layout_from("43 31 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"), true);
    EXPECT_EQ(plain.kind, ns::CgroupView::Kind::Unified);
    EXPECT_FALSE(plain.unified_writable);
    auto delegating = lifecycle::cgroup_view_for(
        layout_from("43 31 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"), true);
    EXPECT_EQ(delegating.kind, ns::CgroupView::Kind::Unified);
    EXPECT_TRUE(delegating.unified_writable);
    EXPECT_TRUE(delegating.v1.empty());
}

TEST(CgroupView, NothingWithoutACgroupNamespace)
{
    EXPECT_EQ(lifecycle::cgroup_view_for(layout_from(kHybridMountinfo), false).kind, ns::CgroupView::Kind::None);
    EXPECT_EQ(lifecycle::cgroup_view_for(layout_from("43 31 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"), false)
                  .kind,
              ns::CgroupView::Kind::None);
}

TEST(CgroupLayout, MissingMountinfoIsAnError)
{
    test::TmpDir t;
    test::expect_error_containing([&] { cgroup::detect_layout(t / "nope"); }, ExitCode::System, {"nope"});
}

TEST(CgroupLayout, ProcCgroupKeys)
{
    test::TmpDir t;
    put(t / "cg", "12:cpu,cpuacct:/a/b\n11:name=systemd:/user.slice\n3:pids:/x:y\n0::/unified/z\n");
    auto m = cgroup::read_proc_cgroup(t / "cg");
    EXPECT_EQ(m.at("cpu"), "/a/b");
    EXPECT_EQ(m.at("cpuacct"), "/a/b");
    EXPECT_EQ(m.at("name=systemd"), "/user.slice");
    EXPECT_EQ(m.at("pids"), "/x:y");
    EXPECT_EQ(m.at(""), "/unified/z");
}

TEST(CgroupLayout, KnobTableOwners)
{
    using cgroup::detail::knob_owner;
    ASSERT_NE(knob_owner("memory.limit_in_bytes"), nullptr);
    EXPECT_EQ(knob_owner("memory.limit_in_bytes")->v1, "memory");
    EXPECT_EQ(knob_owner("memory.max")->v2, "memory");
    EXPECT_EQ(knob_owner("io.max")->v1, "");
    EXPECT_EQ(knob_owner("devices.allow")->v2, "");
    EXPECT_EQ(knob_owner("cgroup.procs")->v1, cgroup::detail::core);
    EXPECT_EQ(knob_owner("tasks")->v1, cgroup::detail::core);
    EXPECT_EQ(knob_owner("nosuch.file"), nullptr);
    auto wanted = cgroup::detail::wanted_v2_controllers();
    for (const char* c : {"cpu", "cpuset", "io", "memory", "pids"})
        EXPECT_NE(std::find(wanted.begin(), wanted.end(), c), wanted.end()) << c;
    for (const char* c : {"devices", "freezer", "blkio", "cpuacct"})
        EXPECT_EQ(std::find(wanted.begin(), wanted.end(), c), wanted.end()) << c;
}

// --- v1 (hybrid) against the fake tree ----------------------------------------

TEST(CgroupV1Fake, CreateMakesOneDirPerHierarchyBelowOwnCgroup)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    std::vector<std::string> expect;
    for (const auto& h : hybrid_hierarchies)
        expect.push_back(fake_dir(f, h).string());
    auto paths = pc->paths();
    std::sort(paths.begin(), paths.end());
    std::sort(expect.begin(), expect.end());
    EXPECT_EQ(paths, expect);
    for (const auto& p : expect)
        EXPECT_TRUE(is_dir(p)) << p;
    // Membership in name=systemd belongs to the init system.
    EXPECT_FALSE(stdfs::exists(f / "systemd/vessel-test"));
    // Memory went below the caller's own memory cgroup, not to the root.
    EXPECT_FALSE(stdfs::exists(f / "memory/vessel-test"));
    auto ctrls = pc->controllers();
    std::sort(ctrls.begin(), ctrls.end());
    EXPECT_EQ(ctrls, (std::vector<std::string>{"blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory",
                                               "pids"}));
}

TEST(CgroupV1Fake, CpusetAndMemoryHierarchyPreparedOnEveryNewLevel)
{
    FakeCgroupfs f({});
    auto pc = f.create("a/b", "101");
    for (const char* rel : {"cpuset/a", "cpuset/a/b", "cpuset/a/b/101"}) {
        EXPECT_EQ(slurp(f / rel / "cpuset.cpus"), "0-1\n") << rel;
        EXPECT_EQ(slurp(f / rel / "cpuset.mems"), "0\n") << rel;
    }
    for (const char* rel : {"memory/user/me/a", "memory/user/me/a/b/101"})
        EXPECT_EQ(slurp(f / rel / "memory.use_hierarchy"), "1") << rel;
}

TEST(CgroupV1Fake, AbsoluteParentIsRelativeToEachHierarchyRoot)
{
    FakeCgroupfs f({});
    auto pc = f.create("/machine", "101");
    EXPECT_TRUE(is_dir(f / "memory/machine/101"));
    EXPECT_TRUE(is_dir(f / "pids/machine/101"));
    EXPECT_TRUE(is_dir(f / "unified/machine/101"));
}

TEST(CgroupV1Fake, BadNamesAreRefusedBeforeAnythingIsMade)
{
    FakeCgroupfs f({});
    for (const char* name : {"", ".", "..", "a/b"})
        test::expect_error_code([&] { f.create("p", name); }, ExitCode::InvalidValue);
    test::expect_error_code([&] { f.create("x/../y", "101"); }, ExitCode::InvalidValue);
    EXPECT_TRUE(f.mkdirs.empty());
}

TEST(CgroupV1Fake, FailureHalfWayRemovesWhatWasMade)
{
    FakeCgroupfs f({});
    put(f / "pids/vessel-test", "not a directory");  // pids comes after six other hierarchies
    stdfs::create_directories(f / "cpu/vessel-test");  // someone else's: kept
    test::expect_error(
        [&] { f.create(); }, ExitCode::System,
        "cgroup: mkdir " + (f / "pids/vessel-test").string() + ": Not a directory");
    EXPECT_GE(f.mkdirs.size(), 6u);
    for (const char* h : {"blkio", "cpuacct", "cpuset", "devices", "freezer", "unified"})
        EXPECT_FALSE(stdfs::exists(f / h / "vessel-test")) << h;
    EXPECT_FALSE(stdfs::exists(f / "memory/user/me/vessel-test"));
    EXPECT_TRUE(is_dir(f / "cpu/vessel-test"));
    EXPECT_FALSE(stdfs::exists(f / "cpu/vessel-test/101"));
}

TEST(CgroupV1Fake, CpusetWithoutCpusInParentFailsAndRollsBack)
{
    FakeCgroupfs f({});
    put(f / "cpuset/cpuset.cpus", "\n");
    test::expect_error_containing([&] { f.create(); }, ExitCode::System, {"cpuset.cpus is empty"});
    EXPECT_FALSE(stdfs::exists(f / "cpuset/vessel-test"));
    EXPECT_FALSE(stdfs::exists(f / "blkio/vessel-test"));
}

TEST(CgroupV1Fake, ExistingDirectoriesAreReused)
{
    FakeCgroupfs f({});
    f.create()->destroy();
    auto pc = f.create();
    EXPECT_TRUE(is_dir(fake_dir(f, "pids")));
    auto again = f.create();  // the leaf exists too: reused, not an error
    EXPECT_EQ(again->paths(), pc->paths());
}

TEST(CgroupV1Fake, AttachWritesEveryHierarchyAndPidsAreTheUnion)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    pc->attach(4242);
    for (const auto& h : hybrid_hierarchies)
        EXPECT_EQ(slurp(fake_dir(f, h) / "cgroup.procs"), "4242") << h;
    put(fake_dir(f, "pids") / "cgroup.procs", "4242\n17\n");
    stdfs::create_directories(fake_dir(f, "memory") / "nested");
    put(fake_dir(f, "memory") / "nested/cgroup.procs", "99\n17\n");
    EXPECT_EQ(pc->pids(), (std::vector<pid_t>{17, 99, 4242}));
    EXPECT_FALSE(pc->empty());
}

TEST(CgroupV1Fake, ProcsFilesOpenInPathOrder)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    auto fds = pc->open_procs_files();
    ASSERT_EQ(fds.size(), pc->paths().size());
    for (size_t i = 0; i < fds.size(); ++i) {
        EXPECT_EQ(::fcntl(fds[i].get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        ASSERT_EQ(::write(fds[i].get(), "0", 1), 1);
        EXPECT_EQ(slurp(stdfs::path(pc->paths()[i]) / "cgroup.procs"), "0");
    }
    auto u = pc->unified_fd();
    ASSERT_TRUE(u);
    EXPECT_EQ(::faccessat(u.get(), "cgroup.kill", F_OK, 0), 0);
}

TEST(CgroupV1Fake, KnobsGoToTheirControllersHierarchy)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    pc->set("pids.max", "100");
    EXPECT_EQ(slurp(fake_dir(f, "pids") / "pids.max"), "100");
    pc->set("memory.limit_in_bytes", "268435456");
    EXPECT_EQ(slurp(fake_dir(f, "memory") / "memory.limit_in_bytes"), "268435456");
    EXPECT_EQ(pc->get("cpu.shares"), "1024\n");
    EXPECT_EQ(pc->get("cpuset.cpus"), "0-1\n");
    EXPECT_EQ(pc->get("cgroup.events"), "populated 0\nfrozen 0\n");  // the unified member's
    EXPECT_EQ(pc->get("pids.current"), std::nullopt);
    test::expect_error([&] { pc->set("pids.bogus", "1"); }, ExitCode::System,
                       "cgroup: write pids.bogus: No such file or directory");
    test::expect_error([&] { pc->set("io.max", "8:0 rbps=1"); }, ExitCode::System,
                       "cgroup: no io controller on this host");
    test::expect_error([&] { pc->get("hugetlb.2MB.limit_in_bytes"); }, ExitCode::System,
                       "cgroup: no hugetlb controller on this host");
    test::expect_error([&] { pc->get("rdma.max"); }, ExitCode::System, "cgroup: no rdma controller on this host");
    test::expect_error_code([&] { pc->set("../pids.max", "1"); }, ExitCode::InvalidParameter);
}

TEST(CgroupV1Fake, OpenFindsTheHierarchiesAgain)
{
    FakeCgroupfs f({});
    auto created = f.create();
    auto pc = ProcessContainer::open(f.layout(), created->paths());
    EXPECT_EQ(pc->paths(), created->paths());
    pc->set("pids.max", "5");
    EXPECT_EQ(slurp(fake_dir(f, "pids") / "pids.max"), "5");
    test::expect_error_containing([&] { ProcessContainer::open(f.layout(), {"/tmp/elsewhere"}); }, ExitCode::System,
                                  {"not a cgroup below a mounted hierarchy"});
    test::expect_error_containing([&] { ProcessContainer::open(f.layout(), {(f / "pids").string()}); },
                                  ExitCode::System, {"not a cgroup below"});
}

TEST(CgroupV1Fake, FreezePrefersUnifiedCgroupFreeze)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    put(fake_dir(f, "unified") / "cgroup.events", "populated 1\nfrozen 1\n");
    pc->freeze();
    EXPECT_EQ(slurp(fake_dir(f, "unified") / "cgroup.freeze"), "1");
    EXPECT_EQ(slurp(fake_dir(f, "freezer") / "freezer.state"), "THAWED\n");
    pc->thaw();
    EXPECT_EQ(slurp(fake_dir(f, "unified") / "cgroup.freeze"), "0");
}

TEST(CgroupV1Fake, FreezeUsesV1FreezerWithoutCgroupFreeze)
{
    FakeCgroupfs f({.unified_freeze = false});
    auto pc = f.create();
    pc->freeze();
    EXPECT_EQ(slurp(fake_dir(f, "freezer") / "freezer.state"), "FROZEN");
    pc->thaw();
    EXPECT_EQ(slurp(fake_dir(f, "freezer") / "freezer.state"), "THAWED");
}

TEST(CgroupV1Fake, FreezeThatNeverCompletesTimesOutAndThaws)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    pc->set_freeze_timeout(30ms);
    auto start = std::chrono::steady_clock::now();
    test::expect_error([&] { pc->freeze(); }, ExitCode::System,
                       "cgroup: freeze: not frozen after 30 ms: Connection timed out");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_EQ(slurp(fake_dir(f, "unified") / "cgroup.freeze"), "0");
}

TEST(CgroupV1Fake, KillAllOfAnEmptyContainerIsImmediate)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    EXPECT_TRUE(pc->empty());
    EXPECT_TRUE(pc->kill_all(1s));
}

TEST(CgroupV1Fake, KillAllNeverSignalsAProcessOutsideTheContainer)
{
    // The fake lists a real process that is not really in the fake
    // cgroup (as a recycled pid would be): it must survive.
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;)
            ::pause();
    }
    {
        FakeCgroupfs f({.unified_freeze = false, .unified_kill = false});
        auto pc = f.create();
        put(fake_dir(f, "pids") / "cgroup.procs", std::to_string(child) + "\n");
        EXPECT_FALSE(pc->kill_all(100ms));
        EXPECT_EQ(slurp(fake_dir(f, "freezer") / "freezer.state"), "THAWED");  // frozen, then thawed
    }
    {
        FakeCgroupfs f({});
        auto pc = f.create();
        put(fake_dir(f, "unified") / "cgroup.procs", std::to_string(child) + "\n");
        put(fake_dir(f, "unified") / "cgroup.events", "populated 1\nfrozen 0\n");
        EXPECT_FALSE(pc->kill_all(50ms));
        EXPECT_EQ(slurp(fake_dir(f, "unified") / "cgroup.kill"), "1");
    }
    int status = 0;
    EXPECT_EQ(::waitpid(child, &status, WNOHANG), 0) << "the outside process was killed";
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
}

TEST(CgroupV1Fake, DestroyRemovesLeavesAndNestedCgroupsButKeepsParents)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    stdfs::create_directories(fake_dir(f, "pids") / "init.scope/deeper");
    pc->destroy();
    for (const auto& h : hybrid_hierarchies) {
        EXPECT_FALSE(stdfs::exists(fake_dir(f, h))) << h;
        EXPECT_TRUE(is_dir(fake_dir(f, h, "vessel-test"))) << h;
    }
    EXPECT_NO_THROW(pc->destroy());  // already gone is fine
}

// --- v2 against the fake tree -------------------------------------------------

TEST(CgroupV2Fake, CreateEnablesControllersTopDown)
{
    FakeCgroupfs f({.v2_only = true});
    auto pc = f.create();
    EXPECT_EQ(pc->paths(), (std::vector<std::string>{(f / "unified/vessel-test/101").string()}));
    // Only what the parent offers, in one write per level.
    EXPECT_EQ(words(slurp(f / "unified/cgroup.subtree_control")), "cpu cpuset memory io pids");
    EXPECT_EQ(words(slurp(f / "unified/vessel-test/cgroup.subtree_control")), "cpu cpuset memory io pids");
    EXPECT_EQ(words(slurp(f / "unified/vessel-test/101/cgroup.subtree_control")), "");
    auto c = pc->controllers();
    EXPECT_NE(std::find(c.begin(), c.end(), "memory"), c.end());
    pc->set("memory.max", "268435456");
    EXPECT_EQ(slurp(f / "unified/vessel-test/101/memory.max"), "268435456");
    EXPECT_EQ(pc->get("pids.max"), "max\n");
    test::expect_error([&] { pc->set("devices.allow", "a"); }, ExitCode::System,
                       "cgroup: no devices controller on this host");
    test::expect_error([&] { pc->set("freezer.state", "FROZEN"); }, ExitCode::System,
                       "cgroup: no freezer controller on this host");
}

TEST(CgroupV2Fake, ControllersAlreadyEnabledAreNotWrittenAgain)
{
    FakeCgroupfs f({.v2_only = true});
    put(f / "unified/cgroup.subtree_control", "cpuset cpu io memory pids\n");
    auto pc = f.create();
    EXPECT_EQ(slurp(f / "unified/cgroup.subtree_control"), "cpuset cpu io memory pids\n");
}

TEST(CgroupV2Fake, ControllerThatCannotBeEnabledIsRecordedNotFatal)
{
    FakeCgroupfs f({.v2_only = true});
    // A write that fails (as EBUSY does for a parent holding processes):
    // a dangling symlink reads as absent and cannot be opened for writing.
    stdfs::remove(f / "unified/cgroup.subtree_control");
    stdfs::create_symlink(f / "nowhere/x", f / "unified/cgroup.subtree_control");
    std::unique_ptr<ProcessContainer> pc;
    ASSERT_NO_THROW(pc = f.create());
    test::expect_error(
        [&] { pc->set("memory.max", "1"); }, ExitCode::System,
        "cgroup: write memory.max: no memory controller in " + (f / "unified/vessel-test/101").string() +
            " (not enabled in " + (f / "unified").string() + ": No such file or directory)");
    stdfs::remove(f / "unified/cgroup.subtree_control");
}

TEST(CgroupV2Fake, FreezeWaitsForFrozenEvent)
{
    FakeCgroupfs f({.v2_only = true});
    auto pc = f.create();
    auto dir = f / "unified/vessel-test/101";
    std::thread kernel([&] {
        std::this_thread::sleep_for(20ms);
        put(dir / "cgroup.events", "populated 1\nfrozen 1\n");
    });
    pc->freeze();
    kernel.join();
    EXPECT_EQ(slurp(dir / "cgroup.freeze"), "1");
    pc->thaw();
    EXPECT_EQ(slurp(dir / "cgroup.freeze"), "0");
    EXPECT_FALSE(pc->empty());  // populated 1
}

TEST(CgroupV2Fake, FreezeWithoutCgroupFreezeIsAnError)
{
    FakeCgroupfs f({.v2_only = true, .unified_freeze = false});
    auto pc = f.create();
    test::expect_error_containing([&] { pc->freeze(); }, ExitCode::System, {"no cgroup.freeze"});
}

// --- the real kernel, as root, below the test's own cgroup ----------------------

namespace {

class RealCgroup : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root";
        layout_ = cgroup::detect_layout();
        if (layout_.mode != Mode::V1 || !layout_.unified || !layout_.v1.count("pids") || !layout_.v1.count("freezer"))
            GTEST_SKIP() << "written for the hybrid hosts of DESIGN.md";
        parent_ = "vessel-test-" + std::to_string(::getpid());
        // Where every directory of the test will be, computed independently
        // of the code under test so that cleanup works even if it fails.
        auto self = cgroup::read_proc_cgroup("/proc/self/cgroup");
        std::set<stdfs::path> mounts;
        for (const auto& [ctrl, mount] : layout_.v1)
            if (!ctrl.starts_with("name=") && mounts.insert(mount).second)
                parent_dirs_.push_back(mount / stdfs::path(self.at(ctrl)).relative_path() / parent_);
        parent_dirs_.push_back(*layout_.unified / stdfs::path(self.at("")).relative_path() / parent_);
        for (const auto& d : parent_dirs_)
            ASSERT_FALSE(stdfs::exists(d)) << d << " exists before the test";
    }

    void TearDown() override
    {
        for (pid_t p : children_) {
            ::kill(p, SIGKILL);
            ::waitpid(p, nullptr, 0);
        }
        if (pc_) {
            try {
                pc_->thaw();
            } catch (const std::exception&) {
            }
        }
        // Nested ones first, then the leaves, then the parents.
        for (const auto& d : parent_dirs_) {
            std::vector<stdfs::path> dirs;
            std::error_code ec;
            for (auto it = stdfs::recursive_directory_iterator(d, ec); !ec && it != stdfs::end(it); it.increment(ec))
                if (it->is_directory())
                    dirs.push_back(it->path());
            std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) { return a.string() > b.string(); });
            dirs.push_back(d);
            for (const auto& x : dirs)
                EXPECT_EQ(cgroup::detail::remove_cgroup_dir(x, 2000ms), 0) << x;
        }
        for (const auto& d : parent_dirs_)
            EXPECT_FALSE(stdfs::exists(d)) << d << " leaked";
    }

    pid_t spawn_sleeper()
    {
        pid_t p = ::fork();
        if (p == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            for (;;)
                ::pause();
        }
        if (p > 0)
            children_.push_back(p);
        return p;
    }

    void reap(pid_t p, int expect_signal)
    {
        int status = 0;
        ASSERT_EQ(::waitpid(p, &status, 0), p);
        children_.erase(std::remove(children_.begin(), children_.end(), p), children_.end());
        ASSERT_TRUE(WIFSIGNALED(status));
        EXPECT_EQ(WTERMSIG(status), expect_signal);
    }

    // Each hierarchy line of /proc/PID/cgroup that names the container.
    std::set<std::string> member_lines(pid_t p)
    {
        std::ifstream in("/proc/" + std::to_string(p) + "/cgroup");
        std::set<std::string> out;
        for (std::string line; std::getline(in, line);)
            if (line.ends_with("/" + parent_ + "/ct"))
                out.insert(line.substr(line.find(':') + 1, line.rfind(':') - line.find(':') - 1));
        return out;
    }

    std::set<std::string> all_hierarchies() const
    {
        std::set<std::string> out{""};
        for (const auto& [ctrl, mount] : layout_.v1)
            if (!ctrl.starts_with("name="))
                out.insert(ctrl);
        return out;
    }

    Layout layout_;
    std::string parent_;
    std::vector<stdfs::path> parent_dirs_;
    std::vector<pid_t> children_;
    std::unique_ptr<ProcessContainer> pc_;
};

}  // namespace

TEST_F(RealCgroup, AttachPutsTheProcessInEveryHierarchy)
{
    pc_ = ProcessContainer::create(layout_, parent_, "ct");
    EXPECT_EQ(pc_->paths().size(), parent_dirs_.size());
    pid_t child = spawn_sleeper();
    ASSERT_GT(child, 0);
    pc_->attach(child);
    EXPECT_EQ(member_lines(child), all_hierarchies());
    EXPECT_EQ(pc_->pids(), std::vector<pid_t>{child});
    EXPECT_FALSE(pc_->empty());
    EXPECT_NE(pc_->get("cpuset.cpus").value_or(""), "\n");

    pc_->set("pids.max", "7");
    EXPECT_EQ(pc_->get("pids.max"), "7\n");
    test::expect_error([&] { pc_->set("pids.max", "-3"); }, ExitCode::System,
                       "cgroup: write pids.max: Invalid argument");

    ::kill(child, SIGKILL);
    reap(child, SIGKILL);
    pc_->destroy();
    for (const auto& p : pc_->paths())
        EXPECT_FALSE(stdfs::exists(p)) << p;
    for (const auto& d : parent_dirs_)
        EXPECT_TRUE(is_dir(d)) << d << " (parents stay)";
}

TEST_F(RealCgroup, ZeroInCgroupProcsMeansTheWriter)
{
    pc_ = ProcessContainer::create(layout_, parent_, "ct");
    auto fds = pc_->open_procs_files();
    int sync[2];
    ASSERT_EQ(::pipe2(sync, O_CLOEXEC), 0);
    // The writer sits in new PID and cgroup namespaces, as CT init does: its
    // own pid there (1) means nothing on the host, "0" still means itself.
    pid_t mid = ::fork();
    ASSERT_GE(mid, 0);
    if (mid == 0) {
        if (::unshare(CLONE_NEWPID | CLONE_NEWCGROUP) != 0)
            ::_exit(2);
        pid_t inner = ::fork();
        if (inner == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            char ok = 'y';
            for (const auto& fd : fds)
                if (::write(fd.get(), "0", 1) != 1)
                    ok = 'n';
            if (::write(sync[1], &ok, 1) != 1)
                ::_exit(3);
            for (;;)
                ::pause();
        }
        if (::write(sync[1], &inner, sizeof inner) != static_cast<ssize_t>(sizeof inner))
            ::_exit(3);
        ::waitpid(inner, nullptr, 0);
        ::_exit(0);
    }
    children_.push_back(mid);
    ::close(sync[1]);
    pid_t inner = 0;
    char ok = 0;
    ASSERT_EQ(::read(sync[0], &inner, sizeof inner), static_cast<ssize_t>(sizeof inner));
    ASSERT_EQ(::read(sync[0], &ok, 1), 1);
    ::close(sync[0]);
    EXPECT_EQ(ok, 'y');
    EXPECT_EQ(member_lines(inner), all_hierarchies());
    EXPECT_EQ(pc_->pids(), std::vector<pid_t>{inner});
    EXPECT_TRUE(pc_->kill_all(5s));
    int status = 0;
    ASSERT_EQ(::waitpid(mid, &status, 0), mid);  // the inner one died, so its parent returned
    children_.clear();
    pc_->destroy();
}

TEST_F(RealCgroup, CloneIntoCgroupCoversOnlyTheUnifiedHierarchy)
{
    pc_ = ProcessContainer::create(layout_, parent_, "ct");
    UniqueFd cg = pc_->unified_fd();
    ASSERT_TRUE(cg);
    struct clone_args args {};
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<std::uint64_t>(cg.get());
    long r = ::syscall(SYS_clone3, &args, sizeof args);
    if (r == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;)
            ::pause();
    }
    ASSERT_GT(r, 0) << std::strerror(errno);
    pid_t child = static_cast<pid_t>(r);
    children_.push_back(child);
    // On a hybrid host the v1 hierarchies still need cgroup.procs.
    EXPECT_EQ(member_lines(child), std::set<std::string>{""});
    pc_->attach(child);
    EXPECT_EQ(member_lines(child), all_hierarchies());
    EXPECT_TRUE(pc_->kill_all(5s));
    reap(child, SIGKILL);
    pc_->destroy();
}

TEST_F(RealCgroup, FreezeAndThawThroughUnifiedAndV1Freezer)
{
    pc_ = ProcessContainer::create(layout_, parent_, "ct");
    pid_t child = spawn_sleeper();
    pc_->attach(child);

    pc_->freeze();
    EXPECT_EQ(cgroup::detail::keyed_value(*pc_->get("cgroup.events"), "frozen"), "1");
    pc_->thaw();
    EXPECT_EQ(cgroup::detail::keyed_value(*pc_->get("cgroup.events"), "frozen"), "0");

    // Without its unified member the container falls back to freezer.state.
    std::vector<std::string> v1_only;
    for (const auto& p : pc_->paths())
        if (!p.starts_with(layout_.unified->string()))
            v1_only.push_back(p);
    auto v1 = ProcessContainer::open(layout_, v1_only);
    v1->freeze();
    EXPECT_EQ(v1->get("freezer.state"), "FROZEN\n");
    v1->thaw();
    EXPECT_EQ(v1->get("freezer.state"), "THAWED\n");

    ::kill(child, SIGKILL);
    reap(child, SIGKILL);
    pc_->destroy();
}

TEST_F(RealCgroup, KillAllWithCgroupKillTakesChildrenToo)
{
    pc_ = ProcessContainer::create(layout_, parent_, "ct");
    ASSERT_TRUE(stdfs::exists(stdfs::path(pc_->paths().back()) / "cgroup.kill"));
    int go[2];
    int forked[2];
    ASSERT_EQ(::pipe(go), 0);
    ASSERT_EQ(::pipe(forked), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        char c = 0;
        // Once attached, fork a grandchild inside (not the test's to reap).
        if (::read(go[0], &c, 1) != 1)
            ::_exit(1);
        pid_t g = ::fork();
        if (g == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            for (;;)
                ::pause();
        }
        if (::write(forked[1], &g, sizeof g) != static_cast<ssize_t>(sizeof g))
            ::_exit(1);
        for (;;)
            ::pause();
    }
    children_.push_back(child);
    pc_->attach(child);
    ASSERT_EQ(::write(go[1], "g", 1), 1);
    pid_t grandchild = 0;
    ASSERT_EQ(::read(forked[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
    for (int fd : {go[0], go[1], forked[0], forked[1]})
        ::close(fd);
    EXPECT_EQ(pc_->pids(), (std::vector<pid_t>{std::min(child, grandchild), std::max(child, grandchild)}));
    EXPECT_TRUE(pc_->kill_all(5s));
    reap(child, SIGKILL);
    EXPECT_TRUE(pc_->empty());
    EXPECT_TRUE(pc_->pids().empty());
    pc_->destroy();
}

TEST_F(RealCgroup, KillAllByFreezeAndSignalOnV1)
{
    pc_ = ProcessContainer::create(layout_, parent_, "ct");
    std::vector<std::string> v1_only;
    for (const auto& p : pc_->paths())
        if (!p.starts_with(layout_.unified->string()))
            v1_only.push_back(p);
    auto v1 = ProcessContainer::open(layout_, v1_only);
    pid_t a = spawn_sleeper();
    pid_t b = spawn_sleeper();
    pid_t outside = spawn_sleeper();
    v1->attach(a);
    v1->attach(b);
    EXPECT_TRUE(v1->kill_all(5s));
    reap(a, SIGKILL);
    reap(b, SIGKILL);
    EXPECT_EQ(::waitpid(outside, nullptr, WNOHANG), 0) << "a process outside was killed";
    EXPECT_EQ(v1->get("freezer.state"), "THAWED\n");
    pc_->destroy();
}

TEST_F(RealCgroup, DestroyTakesNestedCgroupsAndRetriesWhileBusy)
{
    pc_ = ProcessContainer::create(layout_, parent_, "ct");
    for (const auto& p : pc_->paths())
        ASSERT_EQ(::mkdir((stdfs::path(p) / "nested").c_str(), 0755), 0) << p;
    pid_t child = spawn_sleeper();
    pc_->attach(child);
    // Killed right before destroy: the kernel may still hold the cgroup busy.
    ::kill(child, SIGKILL);
    reap(child, SIGKILL);
    pc_->destroy();
    for (const auto& p : pc_->paths())
        EXPECT_FALSE(stdfs::exists(p)) << p;
}

TEST_F(RealCgroup, PartialCreateOnTheRealKernelRollsBack)
{
    // The pids hierarchy refuses a name the others accept: a name that
    // collides with one of its control files.
    test::expect_error_containing([&] { ProcessContainer::create(layout_, parent_, "pids.max"); },
                                  ExitCode::System, {"mkdir", "pids.max"});
    for (const auto& d : parent_dirs_)
        EXPECT_FALSE(stdfs::exists(d / "pids.max") && is_dir(d / "pids.max")) << d;
    for (const auto& d : parent_dirs_)
        EXPECT_FALSE(stdfs::exists(d)) << d << " left behind";
}

// --- limits -----------------------------------------------------------------

namespace {

std::vector<std::string> files_of(const std::vector<cgroup::KnobWrite>& writes)
{
    std::vector<std::string> out;
    for (const auto& w : writes)
        out.push_back(w.file + "=" + w.value);
    return out;
}

constexpr std::uint64_t MiB = 1 << 20;

}  // namespace

TEST(CgroupLimits, CpuConversions)
{
    EXPECT_EQ(cgroup::cpu_shares_of(1000), 1024u);
    EXPECT_EQ(cgroup::cpu_shares_of(8), 8u);
    EXPECT_EQ(cgroup::cpu_shares_of(1), 2u);  // the kernel's minimum
    EXPECT_EQ(cgroup::cpu_weight_of(1000), 100u);
    EXPECT_EQ(cgroup::cpu_weight_of(8), 1u);
    EXPECT_EQ(cgroup::cpu_weight_of(500000), 10000u);
}

TEST(CgroupLimits, V1WritesEveryKnobInItsHierarchy)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    cgroup::Limits l;
    l.tasks = 64;
    l.memory = 256 * MiB;
    l.swap = 512 * MiB;
    l.cpu_weight = 2000;
    l.cpu_percent = 25;
    l.cpuset = "";
    l.io = cgroup::IoThrottle{8, 0, 1000000, 300};
    auto skipped = cgroup::apply_limits(*pc, l);
    EXPECT_TRUE(skipped.empty());
    EXPECT_EQ(slurp(fake_dir(f, "pids") / "pids.max"), "64");
    EXPECT_EQ(slurp(fake_dir(f, "memory") / "memory.limit_in_bytes"), std::to_string(256 * MiB));
    EXPECT_EQ(slurp(fake_dir(f, "memory") / "memory.memsw.limit_in_bytes"), std::to_string(768 * MiB));
    EXPECT_EQ(slurp(fake_dir(f, "cpu") / "cpu.shares"), "2048");
    EXPECT_EQ(slurp(fake_dir(f, "cpu") / "cpu.cfs_quota_us"), "25000");
    EXPECT_EQ(slurp(fake_dir(f, "cpu") / "cpu.cfs_period_us"), "100000");
    // v1 has no "inherit": an empty mask means the parent's CPUs.
    EXPECT_EQ(slurp(fake_dir(f, "cpuset") / "cpuset.cpus"), "0-1");
    EXPECT_EQ(slurp(fake_dir(f, "blkio") / "blkio.throttle.read_bps_device"), "8:0 1000000");
    EXPECT_EQ(slurp(fake_dir(f, "blkio") / "blkio.throttle.write_iops_device"), "8:0 300");
    EXPECT_FALSE(cgroup::limit_support(*pc, cgroup::LimitKind::MemoryMin).ok);
}

TEST(CgroupLimits, V1MemswIsMemoryPlusSwapWrittenInAnOrderTheKernelAccepts)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    const auto mem = fake_dir(f, "memory");
    cgroup::Limits l;
    // From unlimited: memory first (memsw is unlimited, so there is room).
    l.memory = 256 * MiB;
    l.swap = 512 * MiB;
    EXPECT_EQ(files_of(cgroup::plan_limits(*pc, l)),
              (std::vector<std::string>{"memory.limit_in_bytes=268435456", "memory.memsw.limit_in_bytes=805306368"}));
    cgroup::apply_limits(*pc, l);
    // Lowering below the current memory limit: memory comes down first.
    l.memory = 64 * MiB;
    l.swap = 0;
    EXPECT_EQ(files_of(cgroup::plan_limits(*pc, l)),
              (std::vector<std::string>{"memory.limit_in_bytes=67108864", "memory.memsw.limit_in_bytes=67108864"}));
    cgroup::apply_limits(*pc, l);
    // Raising past the current memory limit: memsw first.
    l.memory = 512 * MiB;
    EXPECT_EQ(files_of(cgroup::plan_limits(*pc, l)),
              (std::vector<std::string>{"memory.memsw.limit_in_bytes=536870912", "memory.limit_in_bytes=536870912"}));
    cgroup::apply_limits(*pc, l);
    // Memory alone keeps the swap allowance there is (here 0, then 100M).
    put(mem / "memory.memsw.limit_in_bytes", std::to_string(612 * MiB));
    cgroup::Limits only_mem;
    only_mem.memory = 128 * MiB;
    EXPECT_EQ(files_of(cgroup::plan_limits(*pc, only_mem)),
              (std::vector<std::string>{"memory.limit_in_bytes=134217728", "memory.memsw.limit_in_bytes=239075328"}));
    // Unlimited is -1 on v1.
    cgroup::Limits none;
    none.memory = cgroup::kNoLimit;
    none.swap = cgroup::kNoLimit;
    EXPECT_EQ(files_of(cgroup::plan_limits(*pc, none)),
              (std::vector<std::string>{"memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"}));
}

TEST(CgroupLimits, V1WithoutSwapAccountingSkipsSwapAndSaysWhy)
{
    FakeCgroupfs f({.memsw = false});
    auto pc = f.create();
    cgroup::Limits l;
    l.memory = 64 * MiB;
    l.swap = 0;
    auto skipped = cgroup::apply_limits(*pc, l);
    ASSERT_EQ(skipped.size(), 1u);
    EXPECT_NE(skipped[0].find("swap limit not enforced: no swap accounting"), std::string::npos) << skipped[0];
    EXPECT_EQ(slurp(fake_dir(f, "memory") / "memory.limit_in_bytes"), std::to_string(64 * MiB));
    test::expect_error([&] { cgroup::plan_limits(*pc, l, nullptr); }, ExitCode::System,
                       "swap limit not enforced: no swap accounting (memory.memsw.limit_in_bytes is missing)");
}

TEST(CgroupLimits, AFailedWritePutsTheEarlierOnesBack)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    // A control file that reads but refuses writes, as the kernel's do with
    // EBUSY or EINVAL: /proc/version stands in for it.
    const auto shares = fake_dir(f, "cpu") / "cpu.shares";
    stdfs::remove(shares);
    stdfs::create_symlink("/proc/version", shares);
    cgroup::Limits l;
    l.tasks = 64;
    l.memory = 64 * MiB;
    l.cpu_weight = 2000;
    try {
        cgroup::apply_limits(*pc, l);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cpu.shares"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("nothing was changed"), std::string::npos) << e.what();
    }
    EXPECT_EQ(slurp(fake_dir(f, "pids") / "pids.max"), "max");
    EXPECT_EQ(slurp(fake_dir(f, "memory") / "memory.limit_in_bytes"), "9223372036854771712");
    EXPECT_EQ(slurp(fake_dir(f, "memory") / "memory.memsw.limit_in_bytes"), "9223372036854771712");
}

TEST(CgroupLimits, V2BeancounterLimitsAreKeyedLinesOfBeancounterMax)
{
    FakeCgroupfs f({.v2_only = true, .beancounter = true});
    auto pc = f.create();
    const auto d = f / "unified/vessel-test/101";
    cgroup::Limits l;
    l.numfile = 16;
    l.numflock = cgroup::kNoLimit;
    l.numsiginfo = 8;
    EXPECT_EQ(files_of(cgroup::plan_limits(*pc, l)),
              (std::vector<std::string>{"beancounter.max=numfile 16", "beancounter.max=numflock max",
                                        "beancounter.max=numsiginfo 8"}));
    EXPECT_EQ(cgroup::limit_support(*pc, cgroup::LimitKind::Numfile).how, "beancounter.max numfile");
    EXPECT_TRUE(cgroup::apply_limits(*pc, l).empty());
    // A failed write puts the earlier lines back as they were ("max").
    put(d / "beancounter.max", "numfile max\nnumflock max\nnumsiginfo max\n");
    f.writes.clear();
    f.fail_value = "numsiginfo 8";
    EXPECT_THROW(cgroup::apply_limits(*pc, l), Error);
    EXPECT_EQ(f.writes, (std::vector<std::string>{"beancounter.max numfile 16", "beancounter.max numflock max",
                                                  "beancounter.max numflock max", "beancounter.max numfile max"}));
}

TEST(CgroupLimits, BeancounterLimitsWithoutTheControllerAreSkippedAndSaySo)
{
    FakeCgroupfs f({.v2_only = true});
    auto pc = f.create();
    cgroup::Limits l;
    l.numfile = 16;
    std::vector<std::string> skipped;
    EXPECT_TRUE(cgroup::plan_limits(*pc, l, &skipped).empty());
    ASSERT_EQ(skipped.size(), 1u);
    EXPECT_EQ(skipped[0], "open file limit (numfile) not enforced: no beancounter controller for the container");
    FakeCgroupfs v1({});
    auto pc1 = v1.create();
    EXPECT_EQ(cgroup::limit_support(*pc1, cgroup::LimitKind::Numflock).reason,
              "the beancounter controller of the kernel series is cgroup v2 only");
}

TEST(CgroupCounters, BeancounterFiguresComeFromItsFiles)
{
    FakeCgroupfs f({.v2_only = true, .beancounter = true});
    auto pc = f.create();
    auto c = cgroup::read_counters(*pc);
    ASSERT_TRUE(c.numfile && c.numfile_peak && c.numfile_failcnt);
    EXPECT_EQ(c.numfile->value, 3u);
    EXPECT_EQ(c.numfile->source, "beancounter.current numfile");
    EXPECT_EQ(c.numfile_peak->value, 17u);
    EXPECT_EQ(c.numfile_failcnt->value, 5u);
    EXPECT_EQ(c.numfile_failcnt->source, "beancounter.events numfile.max");
    EXPECT_EQ(c.numflock->value, 1u);
    EXPECT_EQ(c.numsiginfo_failcnt->value, 1u);
    // Without the controller, and for the stand-in of --explain: absent.
    FakeCgroupfs plain({.v2_only = true});
    EXPECT_FALSE(cgroup::read_counters(*plain.create()).numfile);
    EXPECT_FALSE(cgroup::expected_counters(cgroup::Mode::V2).numfile);
}

TEST(CgroupLimits, V2WritesTheUnifiedFiles)
{
    FakeCgroupfs f({.v2_only = true});
    auto pc = f.create();
    const auto d = f / "unified/vessel-test/101";
    put(d / "io.max", "8:16 rbps=5 wbps=max riops=max wiops=max\n");
    cgroup::Limits l;
    l.tasks = cgroup::kNoLimit;
    l.memory = 256 * MiB;
    l.swap = 0;
    l.memory_min = 64 * MiB;
    l.memory_low = 128 * MiB;
    l.cpu_weight = 2000;
    l.cpu_percent = 150;
    l.cpuset = "0";
    l.io = cgroup::IoThrottle{8, 0, 0, 300};
    EXPECT_TRUE(cgroup::apply_limits(*pc, l).empty());
    EXPECT_EQ(slurp(d / "pids.max"), "max");
    EXPECT_EQ(slurp(d / "memory.max"), std::to_string(256 * MiB));
    EXPECT_EQ(slurp(d / "memory.swap.max"), "0");
    EXPECT_EQ(slurp(d / "memory.min"), std::to_string(64 * MiB));
    EXPECT_EQ(slurp(d / "memory.low"), std::to_string(128 * MiB));
    EXPECT_EQ(slurp(d / "cpu.weight"), "200");
    EXPECT_EQ(slurp(d / "cpu.max"), "150000 100000");
    EXPECT_EQ(slurp(d / "cpuset.cpus"), "0");
    EXPECT_EQ(slurp(d / "io.max"), "8:0 rbps=max wbps=max riops=300 wiops=300");
    // The plan restores another device's line as it was, and this one's as "max".
    cgroup::Limits none;
    none.cpu_percent = 0;
    EXPECT_EQ(files_of(cgroup::plan_limits(*pc, none)), (std::vector<std::string>{"cpu.max=max 100000"}));
}

// --- device rules (v1 files; the BPF program is in test_devices.cpp) -----------

namespace {

using cgroup::DeviceRule;
using cgroup::kAnyDevice;
constexpr unsigned kRw = cgroup::kDevRead | cgroup::kDevWrite;

const std::vector<DeviceRule> base_rules{
    {'c', kAnyDevice, kAnyDevice, cgroup::kDevMknod},
    {'c', 1, 3, kRw},
    {'c', 136, kAnyDevice, kRw},
};

}  // namespace

TEST(CgroupDevices, V1RuleText)
{
    EXPECT_EQ(cgroup::v1_rule_text({'c', 1, 3, kRw}), "c 1:3 rw");
    EXPECT_EQ(cgroup::v1_rule_text({'b', kAnyDevice, kAnyDevice, cgroup::kDevMknod}), "b *:* m");
    EXPECT_EQ(cgroup::v1_rule_text({'c', 136, kAnyDevice, kRw | cgroup::kDevMknod}), "c 136:* rwm");
}

TEST(CgroupDevices, V1FreshCgroupDeniesAllFirstThenAllowsEachRule)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    f.writes.clear();
    auto warnings = cgroup::apply_device_rules(*pc, base_rules);
    EXPECT_EQ(f.writes, (std::vector<std::string>{"devices.deny a", "devices.allow c 1:3 rw",
                                                  "devices.allow c 136:* rw", "devices.allow c *:* m"}));
    EXPECT_EQ(slurp(fake_dir(f, "devices") / "devices.list"), "c 1:3 rw\nc 136:* rw\nc *:* m\n");
    // The fake unified directory is no cgroup2: the program cannot be
    // attached, and the v1 rules, which are in force, say so.
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("enforced by the v1 devices cgroup only"), std::string::npos) << warnings[0];
}

TEST(CgroupDevices, V1ChangeWritesOnlyTheDifferenceTakingAwayFirst)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    cgroup::apply_device_rules(*pc, base_rules);
    f.writes.clear();
    auto want = base_rules;
    want[1].access = cgroup::kDevRead;            // 1:3 loses w
    want.push_back({'c', 10, 200, kRw});          // tun comes
    want.erase(want.begin() + 2);                 // ptys go
    cgroup::apply_device_rules(*pc, want);
    EXPECT_EQ(f.writes, (std::vector<std::string>{"devices.deny c 1:3 w", "devices.deny c 136:* rw",
                                                  "devices.allow c 10:200 rw"}));
    EXPECT_EQ(slurp(fake_dir(f, "devices") / "devices.list"), "c 1:3 r\nc *:* m\nc 10:200 rw\n");
    // Nothing to do: nothing written.
    f.writes.clear();
    cgroup::apply_device_rules(*pc, want);
    EXPECT_TRUE(f.writes.empty());
}

TEST(CgroupDevices, V1FailedWritePutsTheListBack)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    cgroup::apply_device_rules(*pc, base_rules);
    auto sorted_list = [&] {
        std::istringstream in(slurp(fake_dir(f, "devices") / "devices.list"));
        std::set<std::string> lines;
        for (std::string line; std::getline(in, line);)
            lines.insert(line);
        return lines;
    };
    const auto before = sorted_list();
    auto want = base_rules;
    want.erase(want.begin() + 1);
    want.push_back({'b', 8, 0, cgroup::kDevRead});
    f.fail_value = "b 8:0 r";  // the parent does not have it
    test::expect_error_containing([&] { cgroup::apply_device_rules(*pc, want); }, ExitCode::System,
                                  {"devices.allow", "Operation not permitted (nothing was changed)"});
    EXPECT_EQ(sorted_list(), before);
}

TEST(CgroupDevices, V1FailureOnAFreshCgroupGoesBackToAllowAll)
{
    FakeCgroupfs f({});
    auto pc = f.create();
    f.fail_value = "c 136:* rw";
    test::expect_error_containing([&] { cgroup::apply_device_rules(*pc, base_rules); }, ExitCode::System,
                                  {"nothing was changed"});
    EXPECT_EQ(slurp(fake_dir(f, "devices") / "devices.list"), "a *:* rwm\n");
}

TEST(CgroupDevices, V2WithoutAProgramIsAnError)
{
    // cgroup2 alone: the BPF program is the only enforcement, so failing to
    // attach it fails the whole step (here: the fake directory is no cgroup).
    FakeCgroupfs f({.v2_only = true});
    auto pc = f.create();
    test::expect_error_containing([&] { cgroup::apply_device_rules(*pc, base_rules); }, ExitCode::System,
                                  {"bpf("});
}
