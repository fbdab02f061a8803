// The kernel probe: the report names every capability and a fallback for
// each one that is missing; on the project's hosts (kernel 6.x) the
// namespace and process primitives are there.
#include <gtest/gtest.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "runtime/features/features.h"

using namespace vessel;

namespace {

const std::vector<std::string> labels{
    "kernel:",         "cgroup:",           "cgroup controllers:", "clone3:",      "pidfd:",
    "CLONE_INTO_CGROUP:", "setns with pidfd:", "time namespace:",    "cgroup namespace:", "openat2:",
    "overlayfs:",      "cgroup.kill:",      "freezer:",            "envid:",       "beancounter controller:",
};

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

bool has_line(const std::string& text, const std::string& prefix)
{
    for (const auto& l : lines(text))
        if (l.starts_with(prefix))
            return true;
    return false;
}

}  // namespace

TEST(Features, KernelReleaseComparison)
{
    EXPECT_TRUE(features::kernel_at_least("6.18.44-fc-v669", 5, 14));
    EXPECT_TRUE(features::kernel_at_least("5.14.0-rc1", 5, 14));
    EXPECT_FALSE(features::kernel_at_least("5.13.19", 5, 14));
    EXPECT_FALSE(features::kernel_at_least("4.19.0-26-amd64", 5, 2));
    EXPECT_TRUE(features::kernel_at_least("6.1", 6, 1));
    EXPECT_FALSE(features::kernel_at_least("", 1, 0));
    EXPECT_FALSE(features::kernel_at_least("garbage", 1, 0));
    EXPECT_FALSE(features::kernel_at_least("6", 1, 0));
}

TEST(Features, ReportNamesEveryCapability)
{
    std::string text = features::describe(features::probe());
    for (const auto& l : labels)
        EXPECT_TRUE(has_line(text, l)) << "no \"" << l << "\" in:\n" << text;
}

TEST(Features, EveryMissingCapabilityNamesItsFallback)
{
    features::Features none;  // a kernel with nothing at all
    std::string text = features::describe(none);
    for (const auto& l : labels)
        EXPECT_TRUE(has_line(text, l)) << l;
    for (const auto& l : lines(text)) {
        if (l.find(": no") != std::string::npos || l.starts_with("cgroup: none")) {
            EXPECT_NE(l.find("(fallback: "), std::string::npos) << l;
        }
    }
    EXPECT_TRUE(has_line(text, "clone3: no (fallback: clone() with the namespace flags, then pidfd_open())"));
    EXPECT_TRUE(has_line(text, "envid: no (fallback: CTID kept in the run state)"));
    EXPECT_TRUE(has_line(text, "beancounter controller: no (fallback: numfile accounted only)"));
}

TEST(Features, HybridAndV2CgroupLines)
{
    features::Features f;
    f.kernel = "6.1.0";
    f.cgroups.mode = cgroup::Mode::V1;
    f.cgroups.unified = "/sys/fs/cgroup/unified";
    f.cgroups.v1 = {{"pids", "/sys/fs/cgroup/pids"}, {"name=systemd", "/sys/fs/cgroup/systemd"}};
    f.clone3 = f.clone_into_cgroup = true;
    f.cgroup_freeze = true;
    std::string text = features::describe(f);
    EXPECT_TRUE(has_line(text, "cgroup: v1 (hybrid; unified at /sys/fs/cgroup/unified)")) << text;
    EXPECT_TRUE(has_line(text, "cgroup controllers: pids (v1); none (unified, not used)")) << text;
    EXPECT_TRUE(has_line(text, "CLONE_INTO_CGROUP: yes (unified hierarchy;")) << text;
    EXPECT_TRUE(has_line(text, "freezer: yes (cgroup.freeze)")) << text;

    features::Features v2;
    v2.kernel = "6.1.0";
    v2.cgroups.mode = cgroup::Mode::V2;
    v2.cgroups.unified = "/sys/fs/cgroup";
    v2.cgroups.unified_controllers = {"cpu", "memory", "pids"};
    v2.clone_into_cgroup = true;
    text = features::describe(v2);
    EXPECT_TRUE(has_line(text, "cgroup: v2 (unified at /sys/fs/cgroup)")) << text;
    EXPECT_TRUE(has_line(text, "cgroup controllers: cpu memory pids")) << text;
    EXPECT_TRUE(has_line(text, "CLONE_INTO_CGROUP: yes (unified hierarchy)")) << text;
}

TEST(Features, ProbeIsCachedAndMatchesThisKernel)
{
    const auto& f = features::probe();
    EXPECT_EQ(&f, &features::probe());
    struct utsname u {};
    ASSERT_EQ(::uname(&u), 0);
    EXPECT_EQ(f.kernel, u.release);
    // The project's hosts run 6.x kernels: these are there, and the probe
    // must see them (an older kernel skips rather than fails).
    if (!features::kernel_at_least(f.kernel, 5, 8))
        GTEST_SKIP() << "kernel " << f.kernel << " is older than the project's hosts";
    EXPECT_TRUE(f.clone3);
    EXPECT_TRUE(f.clone_pidfd);
    EXPECT_TRUE(f.cgroup_ns);
    EXPECT_TRUE(f.openat2);
    if (features::kernel_at_least(f.kernel, 5, 6)) {
        EXPECT_TRUE(f.time_ns);
    }
    if (::geteuid() == 0) {
        EXPECT_TRUE(f.setns_pidfd);
    }
    if (f.cgroups.unified) {
        EXPECT_TRUE(f.clone_into_cgroup);
        EXPECT_TRUE(f.cgroup_freeze);
        if (features::kernel_at_least(f.kernel, 5, 14)) {
            EXPECT_TRUE(f.cgroup_kill);
        }
    }
    std::string text = features::describe(f);
    for (const char* yes : {"clone3: yes", "pidfd: yes", "time namespace: yes", "cgroup namespace: yes"})
        EXPECT_TRUE(has_line(text, yes)) << yes << " missing in:\n" << text;
}
