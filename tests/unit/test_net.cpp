// net/ip and net/netif, and the IP_ADDRESS and NETIF edits of `vessel set`.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include "net/ip.h"
#include "net/netif.h"
#include "runtime/base/error.h"
#include "runtime/lifecycle/set_ip.h"
#include "runtime/lifecycle/set_netif.h"
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

// --- bridged interfaces (NETIF) ----------------------------------------------

TEST(NetNetif, NetifAddFillsVzctlDefaultsStably)
{
    auto n = net::parse_netif_add("eth3", 101, 0);
    EXPECT_EQ(n.ifname, "eth3");
    EXPECT_EQ(n.host_ifname, "veth101.3");  // the digits of the name, as vzctl
    EXPECT_EQ(net::format_mac(n.mac).substr(0, 8), "00:18:51");
    EXPECT_EQ(net::format_mac(n.host_mac).substr(0, 8), "00:18:51");
    EXPECT_NE(n.mac, n.host_mac);
    EXPECT_EQ(n, net::parse_netif_add("eth3", 101, 0)) << "the same every time";
    EXPECT_NE(n.mac, net::parse_netif_add("eth3", 102, 0).mac) << "another CT, another MAC";
    auto named = net::parse_netif_add("lan,00:18:51:aa:bb:cc,hostside,,br0", 101, 2);
    EXPECT_EQ(named.host_ifname, "hostside");
    EXPECT_EQ(net::format_mac(named.mac), "00:18:51:aa:bb:cc");
    EXPECT_EQ(named.bridge, "br0");
    EXPECT_EQ(net::parse_netif_add("lan", 101, 2).host_ifname, "veth101.2") << "no digits: the position";
}

TEST(NetNetif, ConfigRoundTrips)
{
    const std::string text = "ifname=eth0,mac=00:18:51:01:02:03,host_ifname=veth101.0,host_mac=00:18:51:04:05:06,"
                             "bridge=br0,ip=10.0.0.5/24,ip=fd00::5/64,gw=10.0.0.1,gw6=fd00::1;"
                             "ifname=eth1,mac=00:18:51:01:02:07,host_ifname=veth101.1,host_mac=00:18:51:04:05:08";
    auto list = net::parse_netif_config(text, 101);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].addrs.size(), 2u);
    ASSERT_TRUE(list[0].gw);
    EXPECT_EQ(list[0].gw->str(), "10.0.0.1");
    EXPECT_EQ(net::format_netif_config(list), text);
    // vzctl's own fields are kept out of the way, not refused.
    EXPECT_EQ(net::parse_netif_config("ifname=eth0,mac_filter=on", 101).size(), 1u);
}

TEST(NetNetif, BadValuesAreRefused)
{
    for (const char* bad : {"ifname=", "ifname=eth0,bogus=1", "ifname=eth0,mac=01:00:00:00:00:01",
                            "ifname=eth0,mac=00:18:51:zz:00:01", "ifname=eth0,gw=fd00::1", "ifname=eth0,gw6=10.0.0.1",
                            "ifname=eth0;ifname=eth0", "ifname=averyveryverylongname", "ifname=a/b", "novalue"})
        test::expect_error_code([&] { net::parse_netif_config(bad, 101); }, ExitCode::InvalidValue);
}

TEST(NetNetif, EditAddsRemovesAndAddresses)
{
    lifecycle::NetifChange c;
    c.add = {"eth0,,,,br0"};
    auto e = lifecycle::edit_netif("", 101, c);
    ASSERT_EQ(e.added.size(), 1u);
    lifecycle::NetifChange addr;
    addr.ifname = "eth0";
    addr.ipadd = {"10.0.0.5/24"};
    addr.gw = "10.0.0.1";
    auto e2 = lifecycle::edit_netif(e.value, 101, addr);
    ASSERT_TRUE(e2.changed);
    EXPECT_EQ(e2.ip_added.size(), 1u);
    EXPECT_NE(e2.value.find("ip=10.0.0.5/24,gw=10.0.0.1"), std::string::npos) << e2.value;
    lifecycle::NetifChange del;
    del.del = {"all"};
    auto e3 = lifecycle::edit_netif(e2.value, 101, del);
    EXPECT_EQ(e3.value, "");
    EXPECT_EQ(e3.removed, std::vector<std::string>{"veth101.0"});
    lifecycle::NetifChange twice;
    twice.add = {"eth0"};
    test::expect_error_code([&] { lifecycle::edit_netif(e.value, 101, twice); }, ExitCode::InvalidValue);
    lifecycle::NetifChange missing;
    missing.ifname = "eth9";
    test::expect_error_code([&] { lifecycle::edit_netif(e.value, 101, missing); }, ExitCode::InvalidValue);
}
