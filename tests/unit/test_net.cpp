// net/ip and the IP_ADDRESS edit of `vessel set --ipadd/--ipdel`.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include "net/ip.h"
#include "runtime/base/error.h"
#include "runtime/lifecycle/set_ip.h"
#include "tests/unit/test_util.h"

using namespace vessel;

TEST(NetIp, ParsesBothFamiliesWithDefaultPrefixes)
{
    auto a = net::parse_ip("198.51.100.7");
    EXPECT_EQ(a.family, AF_INET);
    EXPECT_EQ(a.prefix, 32u);
    EXPECT_EQ(a.str(), "198.51.100.7");
    auto b = net::parse_ip("2001:db8::7/64");
    EXPECT_EQ(b.family, AF_INET6);
    EXPECT_EQ(b.prefix, 64u);
    EXPECT_EQ(b.with_prefix(), "2001:db8::7/64");
    EXPECT_TRUE(net::parse_ip("2001:db8::7").same_address(b));
}

TEST(NetIp, RefusesWhatIsNotAnAddress)
{
    for (const char* bad : {"300.1.2.3", "1.2.3", "198.51.100.7/33", "2001:db8::/129", "x", "", "1.2.3.4/", "::1/a"})
        test::expect_error_code([&] { net::parse_ip(bad); }, ExitCode::InvalidValue);
    test::expect_error_code([] { net::parse_ip("1.2.3.4/24", false); }, ExitCode::InvalidValue);
}

TEST(NetIp, ContainsIsAPrefixMatch)
{
    EXPECT_TRUE(net::parse_ip("198.51.100.0/24").contains(net::parse_ip("198.51.100.7")));
    EXPECT_FALSE(net::parse_ip("198.51.100.0/25").contains(net::parse_ip("198.51.100.200")));
    EXPECT_TRUE(net::parse_ip("0.0.0.0/0").contains(net::parse_ip("203.0.113.1")));
    EXPECT_TRUE(net::parse_ip("2001:db8::/32").contains(net::parse_ip("2001:db8:1::1")));
    EXPECT_FALSE(net::parse_ip("2001:db8::/32").contains(net::parse_ip("198.51.100.7")));
}

TEST(NetIp, ListsRoundTripWithoutDefaultPrefixes)
{
    auto l = net::parse_ip_list("  198.51.100.7\t2001:db8::7/64 198.51.100.8/32 ");
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(net::format_ip_list(l), "198.51.100.7 2001:db8::7/64 198.51.100.8");
    EXPECT_TRUE(net::parse_ip_list("").empty());
}

TEST(SetIp, AddAndDeleteEditTheList)
{
    std::vector<net::IpAddr> added, removed;
    auto c = lifecycle::parse_ip_change({"198.51.100.9", "198.51.100.7"}, {"2001:db8::7"});
    EXPECT_EQ(lifecycle::edit_ip_address("198.51.100.7 2001:db8::7", c, &added, &removed), "198.51.100.7 198.51.100.9");
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].str(), "198.51.100.9");
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].str(), "2001:db8::7");
}

TEST(SetIp, DeleteAllThenAddLeavesTheAddedOnly)
{
    std::vector<net::IpAddr> added, removed;
    auto c = lifecycle::parse_ip_change({"198.51.100.7", "198.51.100.8"}, {"all"});
    EXPECT_EQ(lifecycle::edit_ip_address("198.51.100.7 198.51.100.6", c, &added, &removed),
              "198.51.100.7 198.51.100.8");
    // .7 was there and stays: neither removed nor added.
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].str(), "198.51.100.8");
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].str(), "198.51.100.6");
}

TEST(SetIp, BadAddressesNameTheOption)
{
    try {
        lifecycle::parse_ip_change({"198.51.100.9", "nonsense"}, {});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ExitCode::InvalidValue);
        EXPECT_NE(std::string(e.what()).find("--ipadd"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("nonsense"), std::string::npos) << e.what();
    }
}
