// The text rules for /etc/hostname, /etc/hosts and /etc/resolv.conf, and
// how HOSTNAME, NAMESERVER and SEARCHDOMAIN (with "inherit") become them.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "runtime/lifecycle/identity.h"
#include "runtime/lifecycle/identity_text.h"
#include "tests/unit/tmpdir.h"

using namespace vessel;
using namespace vessel::lifecycle;
using Strings = std::vector<std::string>;

namespace {

const std::string kTag = "\t# vessel: HOSTNAME";

ValueOf values(std::map<std::string, std::string, std::less<>> m)
{
    return [m](std::string_view key) -> std::optional<std::string> {
        if (auto it = m.find(key); it != m.end())
            return it->second;
        return std::nullopt;
    };
}

}  // namespace

TEST(Hosts, AppendsTheOwnLineKeepingEveryOtherLine)
{
    EXPECT_EQ(hosts_with_name("127.0.0.1 localhost\n::1 localhost\n", "ct101.example.com"),
              "127.0.0.1 localhost\n::1 localhost\n127.0.1.1\tct101.example.com ct101" + kTag + "\n");
    // A file without a final newline, and an empty one.
    EXPECT_EQ(hosts_with_name("127.0.0.1 localhost", "a"), "127.0.0.1 localhost\n127.0.1.1\ta" + kTag + "\n");
    EXPECT_EQ(hosts_with_name("", "a"), "127.0.1.1\ta" + kTag + "\n");
}

TEST(Hosts, ReplacesTheTemplatesLoopbackNameLineInPlace)
{
    EXPECT_EQ(hosts_with_name("127.0.0.1\tlocalhost\n127.0.1.1\tbuilt-as\n# comment\n", "web.example.org"),
              "127.0.0.1\tlocalhost\n127.0.1.1\tweb.example.org web" + kTag + "\n# comment\n");
}

TEST(Hosts, FindsItsOwnLineByTheTagWhateverTheAddressAndDropsRepeats)
{
    const std::string in = "10.0.0.5 old.example old" + kTag + "\n127.0.0.1 localhost\n127.0.1.1 stale\n";
    EXPECT_EQ(hosts_with_name(in, "new"), "127.0.1.1\tnew" + kTag + "\n127.0.0.1 localhost\n");
    // The address is a parameter, for a CT whose first address should name it.
    EXPECT_EQ(hosts_with_name(in, "new", "192.0.2.1"), "192.0.2.1\tnew" + kTag + "\n127.0.0.1 localhost\n");
    // Idempotent.
    const std::string once = hosts_with_name(in, "n.example");
    EXPECT_EQ(hosts_with_name(once, "n.example"), once);
}

TEST(Hosts, LeavesLookalikesAlone)
{
    // 127.0.1.10 is not 127.0.1.1; a commented line is not an entry; the
    // name elsewhere is the admin's business.
    const std::string in = "127.0.1.10 x\n#127.0.1.1 y\n192.0.2.9 ct101\n";
    EXPECT_EQ(hosts_with_name(in, "ct101"), in + "127.0.1.1\tct101" + kTag + "\n");
}

TEST(Hostname, OneLine) { EXPECT_EQ(hostname_file("a.b"), "a.b\n"); }

TEST(Resolv, ReplacesNameserversWhereTheyWereAndKeepsOptions)
{
    const std::string in = "# hand made\noptions ndots:2\nnameserver 10.0.0.1\nnameserver 10.0.0.2\n; x\n";
    EXPECT_EQ(resolv_with(in, Strings{"192.0.2.1", "2001:db8::1"}, std::nullopt),
              "# hand made\noptions ndots:2\nnameserver 192.0.2.1\nnameserver 2001:db8::1\n; x\n");
}

TEST(Resolv, SearchReplacesSearchAndDomainLines)
{
    const std::string in = "domain a.example\nnameserver 10.0.0.1\nsearch b.example\n";
    EXPECT_EQ(resolv_with(in, std::nullopt, Strings{"c.example", "d.example"}),
              "search c.example d.example\nnameserver 10.0.0.1\n");
}

TEST(Resolv, AppendsWhatIsMissingAndLeavesUnsetKindsAlone)
{
    EXPECT_EQ(resolv_with("", Strings{"192.0.2.1"}, Strings{"x.example"}),
              "search x.example\nnameserver 192.0.2.1\n");
    EXPECT_EQ(resolv_with("options rotate", Strings{"192.0.2.1"}, std::nullopt),
              "options rotate\nnameserver 192.0.2.1\n");
    const std::string in = "nameserver 10.0.0.1\nsearch keep.example\n";
    EXPECT_EQ(resolv_with(in, std::nullopt, std::nullopt), in);
    // Comments that mention a keyword are not lines of that kind.
    EXPECT_EQ(resolv_with("#nameserver 1.1.1.1\n", Strings{"192.0.2.1"}, std::nullopt),
              "#nameserver 1.1.1.1\nnameserver 192.0.2.1\n");
}

TEST(Resolv, ReadsTheHostsValuesAsTheResolverDoes)
{
    const std::string host = "search a.example\nnameserver 10.0.0.1\n# nameserver 9.9.9.9\n"
                             "nameserver\tfe80::1\ndomain last.example\n";
    EXPECT_EQ(resolv_nameservers(host), (Strings{"10.0.0.1", "fe80::1"}));
    EXPECT_EQ(resolv_searchdomains(host), (Strings{"last.example"}));
    EXPECT_TRUE(resolv_nameservers("").empty());
}

TEST(Inherit, ReplacesTheWordKeepsOrderAndDropsDuplicates)
{
    const Strings host{"10.0.0.1", "10.0.0.2"};
    EXPECT_EQ(expand_inherit("192.0.2.1 inherit 10.0.0.2", host), (Strings{"192.0.2.1", "10.0.0.1", "10.0.0.2"}));
    EXPECT_EQ(expand_inherit("inherit", {}), std::nullopt);
    EXPECT_EQ(expand_inherit("", host), std::nullopt);
}

TEST(Identity, FromTheKeysReadingTheHostFileOnlyForInherit)
{
    test::TmpDir t;
    std::ofstream(t / "resolv.conf") << "nameserver 10.1.1.1\nsearch h.example\n";
    auto id = identity_from(values({{"HOSTNAME", "a.example"}, {"NAMESERVER", "inherit 192.0.2.1"},
                                    {"SEARCHDOMAIN", "inherit"}}),
                            t / "resolv.conf");
    EXPECT_EQ(id.hostname, "a.example");
    EXPECT_EQ(id.nameservers, (Strings{"10.1.1.1", "192.0.2.1"}));
    EXPECT_EQ(id.searchdomains, (Strings{"h.example"}));

    // Unset keys set nothing; a missing host file inherits nothing.
    id = identity_from(values({{"NAMESERVER", "inherit"}}), t / "missing");
    EXPECT_EQ(id.hostname, "");
    EXPECT_EQ(id.nameservers, std::nullopt);
    EXPECT_EQ(id.searchdomains, std::nullopt);
}
