#include "runtime/config/keys.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <set>
#include <string>

#include "runtime/base/error.h"
#include "runtime/bc/ubc_table.h"
#include "tests/unit/test_util.h"

namespace vessel::config {
namespace {

using test::expect_error;

void expect_ok(std::string_view key, std::initializer_list<std::string_view> values)
{
    for (std::string_view value : values)
        EXPECT_NO_THROW(validate_value(key, value)) << key << "=" << value;
}

void expect_ok(std::string_view key, std::string_view value)
{
    expect_ok(key, {value});
}

void expect_bad(std::string_view key, std::string_view value, const std::string& message)
{
    expect_error([&] { validate_value(key, value); }, ExitCode::InvalidValue, message);
}

TEST(KeyTable, HasTheVzctlKeys)
{
    for (const char* name :
         {"VE_ROOT", "VE_PRIVATE", "TEMPLATE", "LOCKDIR", "DUMPDIR", "CONFIGFILE", "DEF_OSTEMPLATE", "STOP_TIMEOUT",
          "VE_LAYOUT", "CONFDIR", "RUNDIR", "CGROUP_PARENT", "OSTEMPLATE", "ORIGIN_SAMPLE", "HOSTNAME", "NAME",
          "DESCRIPTION", "ONBOOT", "BOOTORDER", "DISABLED", "IP_ADDRESS", "NAMESERVER", "SEARCHDOMAIN", "NETIF",
          "CPUUNITS", "CPULIMIT", "CPUS", "CPUMASK", "IOPRIO", "IOLIMIT", "IOPSLIMIT", "DISKSPACE", "DISKINODES",
          "QUOTATIME", "CAPABILITY", "DEVICES", "DEVNODES", "FEATURES", "NETFILTER", "LOCAL_UID", "LOCAL_GID",
          "VERBOSE", "AVNUMPROC", "SECCOMP_PROFILE"}) {
        const KeyInfo* k = find_key(name);
        ASSERT_NE(k, nullptr) << name;
        EXPECT_EQ(k->name, name);
        EXPECT_FALSE(k->help.empty()) << name;
    }
}

TEST(KeyTable, NamesAreUnique)
{
    std::set<std::string_view> seen;
    for (const KeyInfo& k : key_table())
        EXPECT_TRUE(seen.insert(k.name).second) << k.name;
}

TEST(KeyTable, EveryBeancounterIsABarrierLimitInItsUnit)
{
    int count = 0;
    for (const bc::UbcParam& p : bc::ubc_params()) {
        if (p.key.empty())
            continue;
        const KeyInfo* k = find_key(p.key);
        ASSERT_NE(k, nullptr) << p.key;
        EXPECT_EQ(k->kind, KeyKind::BarrierLimit) << p.key;
        EXPECT_EQ(k->unit, p.unit) << p.key;
        ++count;
    }
    EXPECT_EQ(count, 21);
    EXPECT_EQ(find_key("AVNUMPROC")->kind, KeyKind::BarrierLimit);
    EXPECT_EQ(find_key("DISKSPACE")->unit, Unit::KiB);
}

TEST(KeyTable, Aliases)
{
    EXPECT_EQ(find_key("DCACHE"), find_key("DCACHESIZE"));
    EXPECT_EQ(find_key("IPTENTRIES"), find_key("NUMIPTENT"));
    EXPECT_EQ(find_key("DCACHE")->name, "DCACHESIZE");
    EXPECT_EQ(key_aliases().size(), 2u);
    for (const KeyAlias& a : key_aliases())
        EXPECT_NE(find_key(a.key), nullptr) << a.key;
}

TEST(KeyTable, UnknownKeys)
{
    EXPECT_EQ(find_key("NOT_A_KEY"), nullptr);
    EXPECT_EQ(find_key("numproc"), nullptr);
    EXPECT_EQ(find_key(""), nullptr);
    // Anything goes for a key Vessel does not know.
    expect_ok("NOT_A_KEY", "12x");
}

TEST(ValidateValue, Uint)
{
    expect_ok("CPUUNITS", {"8", "500000"});
    expect_bad("CPUUNITS", "7", "\"7\": must be between 8 and 500000");
    expect_bad("CPUUNITS", "1k", "\"1k\": not a number");
    expect_ok("IOPRIO", "0");
    expect_bad("IOPRIO", "8", "\"8\": must be between 0 and 7");
    expect_ok("STOP_TIMEOUT", "120");
    expect_bad("BOOTORDER", "", "\"\": not a number");
}

TEST(ValidateValue, Bool)
{
    expect_ok("ONBOOT", "yes");
    expect_ok("DISABLED", "no");
    expect_bad("ONBOOT", "maybe", "\"maybe\": must be yes or no");
}

TEST(ValidateValue, BarrierLimitAndAmount)
{
    expect_ok("NUMPROC", "240:240");
    expect_ok("PHYSPAGES", "0:256M");
    expect_ok("KMEMSIZE", "14372700:14790164");
    expect_ok("DISKSPACE", "2G:2.2G");
    expect_ok("DCACHE", "3409920:3624960");
    expect_bad("NUMPROC", "12x", "\"12x\": not a number");
    expect_bad("NUMPROC", "1K", "\"1K\": no size suffix allowed");
    expect_bad("PHYSPAGES", "2:1", "\"2:1\": barrier is greater than limit");
    expect_bad("IPTENTRIES", "1M", "\"1M\": no size suffix allowed");
    expect_ok("IOLIMIT", "10M");
    expect_bad("IOLIMIT", "10M:20M", "\"10M:20M\": not a number");
}

TEST(ValidateValue, Hostname)
{
    expect_ok("HOSTNAME", {"ct101", "web.example.com", "a", "1.2.3.4", "xn--bcher-kva.example", "A-b.C", ""});
    for (const char* h : {"-web", "web-", "a..b", ".a", "a.", "a_b", "a b", "ü.example"})
        expect_bad("HOSTNAME", h, "\"" + std::string(h) + "\": not a valid host name");
    std::string label63(63, 'a');
    EXPECT_TRUE(valid_hostname(label63));
    EXPECT_FALSE(valid_hostname(label63 + "a"));
    std::string long_name;
    while (long_name.size() < 253)
        long_name += "abcdefghi.";
    long_name.resize(253);
    EXPECT_TRUE(valid_hostname(long_name));
    EXPECT_FALSE(valid_hostname(long_name + "x"));
}

TEST(ValidateValue, ContainerName)
{
    expect_ok("NAME", "web-1.example_2");
    expect_bad("NAME", "1web", "\"1web\": not a valid container name");
    expect_bad("NAME", "a b", "\"a b\": not a valid container name");
}

TEST(ValidateValue, IpList)
{
    expect_ok("IP_ADDRESS", {"", "10.0.0.1", "10.0.0.1 192.168.1.0/24  fe80::1\t2001:db8::/64 ::ffff:1.2.3.4",
                             "10.0.0.1/0 10.0.0.1/32 ::1/128"});
    for (const char* ip : {"10.0.0.256", "10.0.0", "10.0.0.1/33", "10.0.0.1/", "10.0.0.1/ab", "10.0.0.1/-1",
                           "::1/129", "fe80::1%eth0", "host.example.com", "inherit", "10.0.0.1/24/1"})
        expect_bad("IP_ADDRESS", std::string("10.0.0.1 ") + ip, "\"" + std::string(ip) + "\": not a valid IP address");
    expect_ok("NAMESERVER", {"inherit", "8.8.8.8 2001:4860:4860::8888"});
    expect_bad("NAMESERVER", "dns.example", "\"dns.example\": not a valid IP address");
    // A resolver takes addresses, not networks.
    expect_bad("NAMESERVER", "8.8.8.8 10.0.0.0/8", "\"10.0.0.0/8\": not a valid IP address");
    expect_ok("SEARCHDOMAIN", {"", "inherit", "example.com corp.example.org\tinherit", "a-1.example"});
    for (const char* d : {"-a.example", "a..example", "a_b.example", "10.0.0.1/8", "ample!"})
        expect_bad("SEARCHDOMAIN", std::string("ok.example ") + d, "\"" + std::string(d) + "\": not a valid domain name");

    EXPECT_TRUE(valid_ip("10.1.2.3", false));
    EXPECT_FALSE(valid_ip("10.1.2.3/8", false));
    EXPECT_TRUE(valid_ip("10.1.2.3/8", true));
    EXPECT_FALSE(valid_ip("", true));
}

TEST(ValidateValue, Enum)
{
    expect_ok("VE_LAYOUT", "simfs");
    expect_bad("VE_LAYOUT", "ploop", "\"ploop\": must be one of: simfs");
    expect_ok("NETFILTER", {"disabled", "stateless", "stateful", "full"});
    expect_bad("NETFILTER", "", "\"\": must be one of: disabled stateless stateful full");
    expect_bad("NETFILTER", "stateless full", "\"stateless full\": must be one of: disabled stateless stateful full");
}

TEST(ValidateValue, FreeTextAndPaths)
{
    expect_ok("DESCRIPTION", "anything at all: 12x");
    expect_ok("VE_ROOT", {"/vz/root/$VEID", ""});
    expect_ok("CONFDIR", "conf");
}

TEST(ValidateFile, NamesFileLineAndKey)
{
    auto f = ConfigFile::parse("# 101\nONBOOT=\"yes\"\n\nUNKNOWN=\"12x\"\n\n\nNUMPROC=\"12x\"\n", "101.conf");
    expect_error([&] { validate_file(f); }, ExitCode::InvalidValue, "101.conf:7: NUMPROC: \"12x\": not a number");

    auto alias = ConfigFile::parse("DCACHE=\"1x\"\n", "/etc/vessel/conf/102.conf");
    expect_error([&] { validate_file(alias); }, ExitCode::InvalidValue,
                 "/etc/vessel/conf/102.conf:1: DCACHE: \"1x\": not a number");

    auto first = ConfigFile::parse("CPUUNITS=1\nONBOOT=maybe\n", "c");
    expect_error([&] { validate_file(first); }, ExitCode::InvalidValue,
                 "c:1: CPUUNITS: \"1\": must be between 8 and 500000");

    // Every assignment is checked, not only the one that wins.
    auto dup = ConfigFile::parse("NUMPROC=x\nNUMPROC=1\n", "d");
    expect_error([&] { validate_file(dup); }, ExitCode::InvalidValue, "d:1: NUMPROC: \"x\": not a number");

    EXPECT_NO_THROW(validate_file(ConfigFile::parse("NUMPROC=\"240:240\"\nX=y\n", "ok")));
    EXPECT_NO_THROW(validate_file(ConfigFile()));
}

TEST(Lookup, FindsAliasesAndTheLaterLineWins)
{
    auto alias_last = ConfigFile::parse("DCACHESIZE=1\nDCACHE=2\n", "t");
    EXPECT_EQ(lookup(alias_last, "DCACHESIZE"), "2");
    auto name_last = ConfigFile::parse("IPTENTRIES=1\nNUMIPTENT=2\n", "t");
    EXPECT_EQ(lookup(name_last, "NUMIPTENT"), "2");
    auto only_alias = ConfigFile::parse("IPTENTRIES=5\n", "t");
    EXPECT_EQ(lookup(only_alias, "NUMIPTENT"), "5");
    EXPECT_EQ(lookup(only_alias, "NUMPROC"), std::nullopt);
    EXPECT_EQ(lookup(only_alias, "IPTENTRIES"), "5");
}

}  // namespace
}  // namespace vessel::config
