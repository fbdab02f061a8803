// The capability table and apply_caps. apply_caps runs in forked children
// only: it changes the process for good.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "runtime/base/error.h"
#include "runtime/security/caps.h"
#include "tests/unit/child.h"
#include "tests/unit/test_util.h"

using namespace vessel;
using test::in_child;
using security::cap_by_name;

namespace {

constexpr std::uint64_t bit(int cap) { return std::uint64_t{1} << cap; }

// CapInh, CapPrm, CapEff, CapBnd, CapAmb of /proc/self/status.
std::map<std::string, std::uint64_t> parse_status(const std::string& text)
{
    std::map<std::string, std::uint64_t> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("Cap", 0) != 0)
            continue;
        auto colon = line.find(':');
        out[line.substr(0, colon)] = std::stoull(line.substr(colon + 1), nullptr, 16);
    }
    return out;
}

std::string read_status()
{
    std::ifstream f("/proc/self/status");
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

bool can_apply()
{
    auto caps = parse_status(read_status());
    return (caps["CapEff"] & bit(8 /*setpcap*/)) != 0;
}

}  // namespace

TEST(Caps, TableCoversEveryCapabilityOnceInOrder)
{
    auto names = security::cap_names();
    ASSERT_EQ(names.size(), 41u);
    std::set<std::string_view> seen;
    for (size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(names[i].cap, static_cast<int>(i));
        EXPECT_TRUE(seen.insert(names[i].name).second) << names[i].name;
        EXPECT_EQ(cap_by_name(names[i].name), names[i].cap);
        EXPECT_EQ(security::cap_name(names[i].cap), names[i].name);
    }
    EXPECT_EQ(security::cap_name(63), "");
}

TEST(Caps, LookupIsCaseInsensitiveAndTakesOciAndVzctlSpellings)
{
    EXPECT_EQ(cap_by_name("net_admin"), 12);
    EXPECT_EQ(cap_by_name("NET_ADMIN"), 12);
    EXPECT_EQ(cap_by_name("CAP_SYS_ADMIN"), 21);
    EXPECT_EQ(cap_by_name("cap_checkpoint_restore"), 40);
    EXPECT_EQ(cap_by_name("ve_admin"), 12);
    EXPECT_EQ(cap_by_name("VE_ADMIN"), 12);
    EXPECT_EQ(cap_by_name("bogus"), -1);
    EXPECT_EQ(cap_by_name(""), -1);
    EXPECT_EQ(cap_by_name("cap_"), -1);
    // Every name vzctl's cap.c knows.
    for (const char* n : {"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
                          "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
                          "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
                          "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
                          "LEASE", "AUDIT_WRITE", "VE_ADMIN", "SETFCAP"})
        EXPECT_GE(cap_by_name(n), 0) << n;
}

TEST(Caps, DefaultMaskIsOpenVzs)
{
    const std::uint64_t m = security::default_cap_mask();
    for (const char* off : {"net_admin", "sys_module", "sys_rawio", "sys_pacct", "sys_admin", "sys_time"})
        EXPECT_EQ(m & bit(cap_by_name(off)), 0u) << off;
    for (const char* on : {"chown", "dac_override", "kill", "setuid", "setgid", "setpcap", "net_bind_service",
                           "net_raw", "sys_chroot", "sys_ptrace", "sys_boot", "sys_nice", "sys_resource", "mknod",
                           "audit_write", "setfcap"})
        EXPECT_NE(m & bit(cap_by_name(on)), 0u) << on;
    const int last = security::cap_last_cap();
    ASSERT_GE(last, 36);
    EXPECT_EQ(m >> (last + 1), 0u) << "a capability beyond the kernel's cap_last_cap";
    // Everything else the kernel has is kept.
    int kept = 0;
    for (int c = 0; c <= last; ++c)
        kept += (m & bit(c)) != 0;
    EXPECT_EQ(kept, std::min(last, 40) + 1 - 6);
}

TEST(Caps, CapLastCapMatchesTheKernel)
{
    std::ifstream f("/proc/sys/kernel/cap_last_cap");
    int v = -1;
    f >> v;
    EXPECT_EQ(security::cap_last_cap(), v);
}

TEST(Caps, MaskWithChanges)
{
    const std::uint64_t base = security::default_cap_mask();
    std::uint64_t m = security::cap_mask_with(base, "net_admin:on sys_time:on,chown:off");
    EXPECT_NE(m & bit(12), 0u);
    EXPECT_NE(m & bit(25), 0u);
    EXPECT_EQ(m & bit(0), 0u);
    EXPECT_EQ(security::cap_mask_with(base, ""), base);
    EXPECT_EQ(security::cap_mask_with(base, "  KILL:OFF  "), base & ~bit(5));
    test::expect_error_containing([&] { security::cap_mask_with(base, "bogus:on"); }, ExitCode::InvalidValue,
                                  {"unknown capability \"bogus\""});
    test::expect_error_containing([&] { security::cap_mask_with(base, "net_admin"); }, ExitCode::InvalidValue,
                                  {"expected NAME:on|off"});
    test::expect_error_containing([&] { security::cap_mask_with(base, "net_admin:maybe"); }, ExitCode::InvalidValue,
                                  {"net_admin:maybe"});
}

TEST(Caps, ApplyDefaultMask)
{
    if (!can_apply())
        GTEST_SKIP() << "needs CAP_SETPCAP";
    auto before = parse_status(read_status());
    const std::uint64_t keep = security::default_cap_mask();
    auto r = in_child([&] {
        security::apply_caps(keep);
        std::string out = read_status();
        // sys_admin is gone for real, not only in the numbers: a new UTS
        // namespace (harmless if it worked) needs it.
        if (::unshare(CLONE_NEWUTS) == 0 || errno != EPERM)
            out += "\nunshare(CLONE_NEWUTS) was not refused";
        return out;
    });
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out.find("was not refused"), std::string::npos);
    auto after = parse_status(r.out);
    EXPECT_EQ(after["CapBnd"], before["CapBnd"] & keep);
    EXPECT_EQ(after["CapPrm"], before["CapPrm"] & keep);
    EXPECT_EQ(after["CapEff"], before["CapPrm"] & keep);
    EXPECT_EQ(after["CapInh"] & ~keep, 0u);
    EXPECT_EQ(after["CapAmb"], 0u);
}

TEST(Caps, ApplySurvivesExecAsRoot)
{
    if (!can_apply() || ::geteuid() != 0)
        GTEST_SKIP() << "needs root with CAP_SETPCAP";
    if (::access("/bin/busybox", X_OK) != 0)
        GTEST_SKIP() << "no /bin/busybox";
    auto before = parse_status(read_status());
    const std::uint64_t keep = bit(0) | bit(5) | bit(8);  // chown kill setpcap
    auto r = in_child([&]() -> std::string {
        security::apply_caps(keep);
        // Root's sets are recomputed at exec from the bounding set.
        int p[2];
        if (::pipe(p) != 0)
            return "pipe";
        pid_t pid = ::fork();
        if (pid == 0) {
            ::dup2(p[1], 1);
            ::execl("/bin/busybox", "busybox", "cat", "/proc/self/status", nullptr);
            ::_exit(127);
        }
        ::close(p[1]);
        std::string out;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(p[0], buf, sizeof buf)) > 0)
            out.append(buf, static_cast<size_t>(n));
        int st = 0;
        ::waitpid(pid, &st, 0);
        return out;
    });
    ASSERT_EQ(r.status, 0) << r.out;
    auto after = parse_status(r.out);
    EXPECT_EQ(after["CapBnd"], before["CapBnd"] & keep);
    EXPECT_EQ(after["CapEff"], before["CapBnd"] & keep);
    EXPECT_EQ(after["CapPrm"], before["CapBnd"] & keep);
    EXPECT_EQ(after["CapAmb"], 0u);
}

TEST(Caps, ApplyNothingLeavesNothing)
{
    if (!can_apply())
        GTEST_SKIP() << "needs CAP_SETPCAP";
    auto r = in_child([] {
        security::apply_caps(0);
        return read_status();
    });
    ASSERT_EQ(r.status, 0) << r.out;
    auto after = parse_status(r.out);
    EXPECT_EQ(after["CapBnd"], 0u);
    EXPECT_EQ(after["CapPrm"], 0u);
    EXPECT_EQ(after["CapEff"], 0u);
    EXPECT_EQ(after["CapInh"], 0u);
}

TEST(Caps, MergedSettingAddsUpWithTheLaterWinning)
{
    EXPECT_EQ(security::merge_capability_setting("", "sys_time:on"), "sys_time:on");
    EXPECT_EQ(security::merge_capability_setting("sys_time:on net_raw:off", "sys_time:off"), "net_raw:off sys_time:off");
    // vzctl's and OCI's spellings, normalised to the table's.
    EXPECT_EQ(security::merge_capability_setting("CAP_NET_ADMIN:on", "ve_admin:off,chown:off"),
              "chown:off net_admin:off");
    test::expect_error_code([] { security::merge_capability_setting("", "nope:on"); }, ExitCode::InvalidValue);
    test::expect_error_code([] { security::merge_capability_setting("chown:maybe", ""); }, ExitCode::InvalidValue);
}
