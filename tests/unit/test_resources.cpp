// spec::resources_from: configured values to kernel limits.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "runtime/base/error.h"
#include "runtime/spec/resources.h"
#include "tests/unit/test_util.h"

using namespace vessel;

namespace {

using Values = std::map<std::string, std::string, std::less<>>;

spec::Resources from(const Values& v, const std::set<std::string, std::less<>>* only = nullptr)
{
    return spec::resources_from(
        [&](std::string_view key) -> std::optional<std::string> {
            auto it = v.find(key);
            return it == v.end() ? std::nullopt : std::optional<std::string>(it->second);
        },
        "/proc", only);
}

constexpr std::uint64_t MiB = 1 << 20;

}  // namespace

TEST(Resources, NothingConfiguredLimitsNothing)
{
    auto r = from({});
    EXPECT_TRUE(r.limits.empty());
    EXPECT_FALSE(r.memlock);
    EXPECT_FALSE(r.ioprio);
    EXPECT_FALSE(r.numpty);
}

TEST(Resources, BeancountersBecomeLimitsInBytesAndTasks)
{
    auto r = from({{"NUMPROC", "64:80"},
                   {"PHYSPAGES", "0:256M"},
                   {"SWAPPAGES", "0:unlimited"},
                   {"OOMGUARPAGES", "1000:unlimited"},
                   {"VMGUARPAGES", "2000:unlimited"},
                   {"LOCKEDPAGES", "16:32"},
                   {"NUMPTY", "10:12"}});
    EXPECT_EQ(r.limits.tasks, 80u);  // the limit, not the barrier
    EXPECT_EQ(r.limits.memory, 256 * MiB);
    EXPECT_EQ(r.limits.swap, cgroup::kNoLimit);
    EXPECT_EQ(r.limits.memory_min, 1000u * 4096);
    EXPECT_EQ(r.limits.memory_low, 2000u * 4096);
    ASSERT_TRUE(r.memlock);
    EXPECT_EQ(r.memlock->soft, 16u * 4096);
    EXPECT_EQ(r.memlock->hard, 32u * 4096);
    EXPECT_EQ(r.numpty, 12u);
}

TEST(Resources, NumfileNumflockNumsiginfoAreLimitsOfTheKernelSeriesController)
{
    auto r = from({{"NUMFILE", "1000:1024"}, {"NUMFLOCK", "500:550"}, {"NUMSIGINFO", "unlimited"}});
    EXPECT_EQ(r.limits.numfile, 1024u);
    EXPECT_EQ(r.limits.numflock, 550u);
    EXPECT_EQ(r.limits.numsiginfo, cgroup::kNoLimit);
    const std::set<std::string, std::less<>> only{"NUMFILE"};
    auto one = from({{"NUMFILE", "64"}, {"NUMFLOCK", "5"}}, &only);
    EXPECT_EQ(one.limits.numfile, 64u);
    EXPECT_FALSE(one.limits.numflock);
}

TEST(Resources, CpuLimitIsTheSmallerOfCpulimitAndCpus)
{
    EXPECT_EQ(from({{"CPULIMIT", "300"}, {"CPUS", "2"}}).limits.cpu_percent, 200u);
    EXPECT_EQ(from({{"CPULIMIT", "50"}, {"CPUS", "2"}}).limits.cpu_percent, 50u);
    EXPECT_EQ(from({{"CPULIMIT", "0"}, {"CPUS", "3"}}).limits.cpu_percent, 300u);
    EXPECT_EQ(from({{"CPULIMIT", "0"}}).limits.cpu_percent, 0u);
    EXPECT_EQ(from({{"CPUUNITS", "2000"}}).limits.cpu_weight, 2000u);
    EXPECT_EQ(from({{"CPUMASK", "0-3,5"}}).limits.cpuset, "0-3,5");
    EXPECT_EQ(from({{"CPUMASK", "all"}}).limits.cpuset, "");
    EXPECT_EQ(from({{"IOPRIO", "6"}}).ioprio, 6);
}

TEST(Resources, OnlyTheChangedKeysAndTheirPartners)
{
    const Values v{{"NUMPROC", "64:64"}, {"CPULIMIT", "50"}, {"CPUS", "1"}, {"PHYSPAGES", "0:1G"}};
    std::set<std::string, std::less<>> only{"CPUS"};
    auto r = from(v, &only);
    EXPECT_FALSE(r.limits.tasks);
    EXPECT_FALSE(r.limits.memory);
    EXPECT_EQ(r.limits.cpu_percent, 50u);  // CPULIMIT read with CPUS
}

TEST(Resources, BadValuesNameTheKey)
{
    test::expect_error_code([] { from({{"CPUMASK", "3-1"}}); }, ExitCode::InvalidValue);
    test::expect_error_code([] { from({{"CPUMASK", "a"}}); }, ExitCode::InvalidValue);
    test::expect_error_code([] { from({{"CPUMASK", "1,"}}); }, ExitCode::InvalidValue);
    test::expect_error_code([] { from({{"NUMPROC", "10:5"}}); }, ExitCode::InvalidValue);
    try {
        from({{"IOPRIO", "9"}});
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("IOPRIO"), std::string::npos) << e.what();
    }
}

TEST(Resources, IoLimitWithoutABlockDeviceIsANote)
{
    auto r = from({{"IOLIMIT", "10M"}});  // /proc is on no block device
    EXPECT_FALSE(r.limits.io);
    ASSERT_EQ(r.notes.size(), 1u);
    EXPECT_NE(r.notes[0].find("not on a block device"), std::string::npos) << r.notes[0];
}
