#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/error.h"
#include "runtime/cli/list_format.h"
#include "runtime/config/config_file.h"
#include "runtime/config/ct_config.h"
#include "runtime/config/global.h"
#include "tests/unit/test_util.h"

namespace vessel::cli {
namespace {

using lifecycle::CtInfo;

const config::GlobalConfig& global()
{
    static const config::GlobalConfig g = config::GlobalConfig::from_file(
        config::ConfigFile::parse("VE_ROOT=/vz/root/$VEID\nVE_PRIVATE=/vz/private/$VEID\n", "vessel.conf"),
        "/tmp/x/vessel.conf");
    return g;
}

enum class State { Stopped, Running, Mounted, Suspended };

CtInfo make_ct(config::CtId id, std::string_view conf, State state = State::Stopped,
               std::optional<std::uint64_t> numproc = std::nullopt)
{
    CtInfo ct;
    ct.ctid = id;
    ct.exists = true;
    ct.config.emplace(global(), id, config::ConfigFile::parse(conf, std::to_string(id) + ".conf"));
    ct.running = state == State::Running;
    ct.mounted = state == State::Mounted || state == State::Running;
    ct.suspended = state == State::Suspended;
    ct.numproc = numproc;
    return ct;
}

ListOptions with_fields(std::vector<std::string> fields)
{
    ListOptions o;
    o.fields = std::move(fields);
    return o;
}

std::vector<config::CtId> ids_of(const std::string& out)
{
    std::vector<config::CtId> ids;
    size_t pos = 0;
    while (pos < out.size()) {
        size_t nl = out.find('\n', pos);
        ids.push_back(static_cast<config::CtId>(std::stoul(out.substr(pos, nl - pos))));
        pos = nl + 1;
    }
    return ids;
}

// The CTIDs a headerless listing of one column shows, in its order.
std::vector<config::CtId> listed_ids(const std::vector<CtInfo>& cts, const std::string& sort_field,
                                     bool reverse = false, const std::string& column = "ctid")
{
    ListOptions o = with_fields({column});
    o.header = false;
    o.sort_field = sort_field;
    o.sort_reverse = reverse;
    return ids_of(format_list(cts, o));
}

void expect_invalid(const ListOptions& o, const std::string& message)
{
    test::expect_error([&] { check_fields(o); }, ExitCode::InvalidParameter, message);
}

// ---- default columns ----------------------------------------------------

TEST(ListFormat, DefaultColumnsMatchVzlistByteForByte)
{
    std::vector<CtInfo> cts{
        make_ct(102, ""),
        make_ct(101, "HOSTNAME=\"ct101.example.com\"\nIP_ADDRESS=\"10.0.0.101\"\n", State::Running, 18),
    };
    EXPECT_EQ(format_list(cts, {}),
              "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME\n"
              "       101         18 running   10.0.0.101      ct101.example.com\n"
              "       102          - stopped   -               -\n");
}

TEST(ListFormat, NoHeader)
{
    ListOptions o;
    o.header = false;
    EXPECT_EQ(format_list({make_ct(7, "HOSTNAME=h\n")}, o), "         7          - stopped   -               h\n");
}

TEST(ListFormat, RunningCtWithoutProcessCountShowsDash)
{
    ListOptions o = with_fields({"ctid", "numproc", "status"});
    o.header = false;
    EXPECT_EQ(format_list({make_ct(5, "", State::Running)}, o), "         5          - running\n");
}

TEST(ListFormat, StatusSpellings)
{
    ListOptions o = with_fields({"status", "ctid"});
    o.header = false;
    EXPECT_EQ(format_list({make_ct(1, ""), make_ct(2, "", State::Running), make_ct(3, "", State::Mounted),
                           make_ct(4, "", State::Suspended)},
                          o),
              "stopped            1\n"
              "running            2\n"
              "mounted            3\n"
              "suspended          4\n");
}

TEST(ListFormat, NamesOptionShowsSmartName)
{
    ListOptions o;
    o.names = true;
    EXPECT_EQ(format_list({make_ct(101, "NAME=web\nHOSTNAME=web.example.com\n", State::Running, 3),
                           make_ct(102, "")},
                          o),
              " SMARTNAME      NPROC STATUS    IP_ADDR         HOSTNAME\n"
              "       web          3 running   -               web.example.com\n"
              "       102          - stopped   -               -\n");
}

TEST(ListFormat, SmartNameIsCutToTenColumnsUnlessLast)
{
    auto ct = make_ct(101, "NAME=averyveryverylongname\n");
    ListOptions o = with_fields({"smart_name", "ctid"});
    o.header = false;
    EXPECT_EQ(format_list({ct}, o), "averyveryv        101\n");
    o.fields = {"ctid", "smart_name"};
    EXPECT_EQ(format_list({ct}, o), "       101 averyveryverylongname\n");
}

TEST(ListFormat, DashForEmptyValue)
{
    ListOptions o = with_fields({"ctid", "hostname", "name"});
    o.header = false;
    EXPECT_EQ(format_list({make_ct(1, "HOSTNAME=\"\"\n")}, o), "         1 -                                -\n");
}

// ---- trimming -----------------------------------------------------------

TEST(ListFormat, FirstAddressOnlyUnlessLastOrNoTrim)
{
    auto ct = make_ct(101, "IP_ADDRESS=\"10.0.0.1  10.0.0.2 fd00::1\"\nHOSTNAME=h\n", State::Running, 1);
    ListOptions o;
    o.header = false;
    EXPECT_EQ(format_list({ct}, o), "       101          1 running   10.0.0.1        h\n");

    o.fields = {"ctid", "ip"};
    EXPECT_EQ(format_list({ct}, o), "       101 10.0.0.1 10.0.0.2 fd00::1\n");

    o.fields = {};
    o.no_trim = true;
    EXPECT_EQ(format_list({ct}, o), "       101          1 running   10.0.0.1 10.0.0.2 fd00::1 h\n");
}

TEST(ListFormat, LongAddressIsCutToColumn)
{
    auto ct = make_ct(101, "IP_ADDRESS=\"2001:db8:1234:5678::1 10.0.0.1\"\n");
    ListOptions o = with_fields({"ip", "ctid"});
    o.header = false;
    EXPECT_EQ(format_list({ct}, o), "2001:db8:1234:5        101\n");
}

TEST(ListFormat, LongHostnameTrimmedUnlessLastOrNoTrim)
{
    const std::string host = "a-very-long-host-name-that-is-longer.example.com";  // 48 bytes
    auto ct = make_ct(101, "HOSTNAME=" + host + "\n");
    ListOptions o = with_fields({"hostname", "ctid"});
    EXPECT_EQ(format_list({ct}, o),
              "HOSTNAME                               CTID\n"
              "a-very-long-host-name-that-is-lo        101\n");

    o.no_trim = true;
    EXPECT_EQ(format_list({ct}, o),
              "HOSTNAME                               CTID\n"
              "a-very-long-host-name-that-is-longer.example.com        101\n");

    o.no_trim = false;
    o.fields = {"ctid", "hostname"};
    EXPECT_EQ(format_list({ct}, o),
              "      CTID HOSTNAME\n"
              "       101 " + host + "\n");
}

TEST(ListFormat, TrimmingDoesNotSplitUtf8)
{
    // 31 ASCII bytes then a two-byte character across the 32-byte edge.
    const std::string desc = std::string(31, 'x') + "\xc3\xa9" + "tail";
    ListOptions o = with_fields({"description", "ctid"});
    o.header = false;
    EXPECT_EQ(format_list({make_ct(1, "DESCRIPTION=\"" + desc + "\"\n")}, o),
              std::string(31, 'x') + "  " + "         1\n");
}

TEST(ListFormat, NumbersAreNeverCut)
{
    ListOptions o = with_fields({"numproc.l", "ctid"});
    o.header = false;
    EXPECT_EQ(format_list({make_ct(1, "NUMPROC=unlimited\n")}, o), "9223372036854775807          1\n");
}

// ---- beancounters -------------------------------------------------------

TEST(ListFormat, UbcSuffixesHeadersAndConfigLimits)
{
    const std::string conf = "KMEMSIZE=\"14372700:14790164\"\nNUMPROC=\"240:240\"\nPHYSPAGES=\"0:256M\"\n";
    ListOptions o = with_fields(
        {"ctid", "kmemsize", "kmemsize.m", "kmemsize.b", "kmemsize.l", "kmemsize.f", "physpages.l", "numproc"});
    EXPECT_EQ(format_list({make_ct(101, conf), make_ct(102, conf, State::Running, 42), make_ct(103, "")}, o),
              "      CTID   KMEMSIZE KMEMSIZE.M KMEMSIZE.B KMEMSIZE.L KMEMSIZE.F    PHYSP.L      NPROC\n"
              "       101          -          -   14372700   14790164          -      65536          -\n"
              "       102          -          -   14372700   14790164          -      65536         42\n"
              "       103          -          -          -          -          -          -          -\n");
}

TEST(ListFormat, UbcHeadersFollowVzlist)
{
    ListOptions o = with_fields({"lockedpages", "numtcpsock.b", "dcachesize.l", "swappages.f", "othersockbuf.m"});
    o.header = true;
    EXPECT_EQ(format_list({}, o), "   LOCKEDP NTCPSOCK.B DCACHESZ.L    SWAPP.F OTHSOCKB.M\n");
}

TEST(ListFormat, DiskQuotaFromConfig)
{
    ListOptions o = with_fields({"ctid", "diskspace", "diskspace.s", "diskspace.h", "diskinodes.h"});
    EXPECT_EQ(format_list({make_ct(1, "DISKSPACE=\"1048576:1153434\"\nDISKINODES=\"200000:220000\"\n")}, o),
              "      CTID     DSPACE   DSPACE.S   DSPACE.H  DINODES.H\n"
              "         1          -    1048576    1153434     220000\n");
}

TEST(ListFormat, ConfigDerivedColumns)
{
    const std::string conf =
        "CPULIMIT=\"25%\"\nCPUUNITS=1000\nCPUS=2\nIOPRIO=4\nONBOOT=yes\nBOOTORDER=10\n"
        "DISABLED=no\nOSTEMPLATE=debian-12-x86_64\nVE_LAYOUT=simfs\n";
    ListOptions o = with_fields({"ctid", "cpulimit", "cpuunits", "cpus", "ioprio", "iolimit", "onboot", "bootorder",
                                 "disabled", "layout", "ostemplate"});
    EXPECT_EQ(format_list({make_ct(1, conf), make_ct(2, "")}, o),
              "      CTID  CPULIM  CPUUNI  CPUS IOP    IOLIMIT ONBOOT  BOOTORDER DISABL LAYOUT OSTEMPLATE\n"
              "         1      25    1000     2   4          -    yes         10     no simfs  debian-12-x86_64\n"
              "         2       -       -     -   -          -      -          -     no simfs  -\n");
}

TEST(ListFormat, PrivateAndRootHaveVeidSubstituted)
{
    ListOptions o = with_fields({"private", "root"});
    o.header = false;
    EXPECT_EQ(format_list({make_ct(101, "")}, o), "/vz/private/101                  /vz/root/101\n");
}

TEST(ListFormat, BadConfigValueShowsDash)
{
    ListOptions o = with_fields({"numproc.b", "cpus", "ctid"});
    o.header = false;
    EXPECT_EQ(format_list({make_ct(1, "NUMPROC=lots\nCPUS=many\n")}, o), "         -     -          1\n");
}

// ---- sorting ------------------------------------------------------------

TEST(ListFormat, SortsByCtidByDefault)
{
    EXPECT_EQ(listed_ids({make_ct(30, ""), make_ct(4, ""), make_ct(100, "")}, ""),
              (std::vector<config::CtId>{4, 30, 100}));
}

TEST(ListFormat, NumericFieldsSortNumerically)
{
    std::vector<CtInfo> cts{make_ct(1, "NUMPROC=100\n"), make_ct(2, "NUMPROC=20\n"), make_ct(3, "NUMPROC=3\n"),
                            make_ct(4, "")};
    // Unset sorts first, as in vzlist.
    EXPECT_EQ(listed_ids(cts, "numproc.l"), (std::vector<config::CtId>{4, 3, 2, 1}));
    EXPECT_EQ(listed_ids(cts, "numproc.l", true), (std::vector<config::CtId>{1, 2, 3, 4}));
}

TEST(ListFormat, StringFieldsSortAsText)
{
    std::vector<CtInfo> cts{make_ct(1, "HOSTNAME=b100\n"), make_ct(2, "HOSTNAME=b20\n"), make_ct(3, "HOSTNAME=a\n"),
                            make_ct(4, "")};
    EXPECT_EQ(listed_ids(cts, "hostname"), (std::vector<config::CtId>{4, 3, 1, 2}));
    EXPECT_EQ(listed_ids(cts, "-hostname"), (std::vector<config::CtId>{2, 1, 3, 4}));
}

TEST(ListFormat, TiesKeepCtidOrderBothWays)
{
    std::vector<CtInfo> cts{make_ct(9, "CPUUNITS=500\n"), make_ct(3, "CPUUNITS=1000\n"),
                            make_ct(5, "CPUUNITS=500\n"), make_ct(1, "CPUUNITS=1000\n")};
    EXPECT_EQ(listed_ids(cts, "cpuunits"), (std::vector<config::CtId>{5, 9, 1, 3}));
    EXPECT_EQ(listed_ids(cts, "cpuunits", true), (std::vector<config::CtId>{1, 3, 5, 9}));
}

TEST(ListFormat, StatusSortsByStateNotSpelling)
{
    std::vector<CtInfo> cts{make_ct(1, "", State::Suspended), make_ct(2, "", State::Mounted), make_ct(3, ""),
                            make_ct(4, "", State::Running)};
    EXPECT_EQ(listed_ids(cts, "status"), (std::vector<config::CtId>{4, 3, 2, 1}));
}

TEST(ListFormat, ReverseCtidSort)
{
    EXPECT_EQ(listed_ids({make_ct(1, ""), make_ct(3, ""), make_ct(2, "")}, "-ctid", false, "veid"),
              (std::vector<config::CtId>{3, 2, 1}));
}

// ---- JSON ---------------------------------------------------------------

TEST(ListFormat, JsonSelectedFields)
{
    ListOptions o = with_fields({"ctid", "hostname", "name", "ip", "status", "kmemsize", "numproc", "onboot"});
    o.json = true;
    const std::string conf = "HOSTNAME=web\nIP_ADDRESS=\"10.0.0.1 10.0.0.2\"\nKMEMSIZE=\"100:200\"\n"
                             "NUMPROC=\"240:240\"\nONBOOT=yes\n";
    auto j = nlohmann::json::parse(
        format_list({make_ct(102, conf, State::Running, 18), make_ct(101, conf)}, o));
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 2u);

    const auto& stopped = j[0];
    EXPECT_EQ(stopped["ctid"], 101);
    EXPECT_TRUE(stopped["ctid"].is_number_unsigned());
    EXPECT_EQ(stopped["hostname"], "web");
    EXPECT_TRUE(stopped["name"].is_null());
    EXPECT_EQ(stopped["ip"], nlohmann::json::array({"10.0.0.1", "10.0.0.2"}));
    EXPECT_EQ(stopped["status"], "stopped");
    EXPECT_EQ(stopped["onboot"], true);
    // vzlist: a CT that is not running holds nothing, its limits come from the config.
    EXPECT_EQ(stopped["kmemsize"],
              nlohmann::json({{"held", 0}, {"maxheld", 0}, {"barrier", 100}, {"limit", 200}, {"failcnt", 0}}));

    const auto& running = j[1];
    EXPECT_EQ(running["ctid"], 102);
    EXPECT_EQ(running["status"], "running");
    EXPECT_EQ(running["numproc"]["held"], 18);
    EXPECT_TRUE(running["numproc"]["maxheld"].is_null());
    EXPECT_TRUE(running["numproc"]["failcnt"].is_null());
    EXPECT_EQ(running["numproc"]["barrier"], 240);
    EXPECT_TRUE(running["kmemsize"]["held"].is_null());
}

TEST(ListFormat, JsonKeepsFieldOrderAndAliasKeys)
{
    ListOptions o = with_fields({"status", "veid", "ctid"});
    o.json = true;
    auto j = nlohmann::ordered_json::parse(format_list({make_ct(1, "")}, o));
    std::vector<std::string> keys;
    for (const auto& item : j[0].items())
        keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"status", "veid", "ctid"}));
}

TEST(ListFormat, JsonWithoutFieldsHasEveryPlainField)
{
    ListOptions o;
    o.json = true;
    const std::string out =
        format_list({make_ct(1, "PHYSPAGES=0:256M\nDISKSPACE=1000:2000\nFEATURES=\"nfs:on sysfs:off\"\n")}, o);
    EXPECT_EQ(nlohmann::ordered_json::parse(out)[0].begin().key(), "ctid");
    auto j = nlohmann::json::parse(out);
    ASSERT_EQ(j.size(), 1u);
    const auto& ct = j[0];
    for (const char* key : {"ctid", "veid", "vpsid", "private", "hostname", "smart_name", "ip", "status", "kmemsize",
                            "swappages", "diskspace", "diskinodes", "laverage", "uptime", "cpulimit", "onboot",
                            "layout", "features", "vswap", "disabled", "capability"})
        EXPECT_TRUE(ct.contains(key)) << key;
    for (const auto& item : ct.items())
        EXPECT_EQ(item.key().find('.'), std::string::npos) << item.key();
    EXPECT_FALSE(ct.contains("dummy"));

    EXPECT_EQ(ct["private"], "/vz/private/1");
    EXPECT_EQ(ct["smart_name"], 1);
    EXPECT_EQ(ct["ip"], nlohmann::json::array());
    EXPECT_TRUE(ct["laverage"].is_null());
    EXPECT_EQ(ct["uptime"], 0);
    EXPECT_EQ(ct["diskspace"], nlohmann::json({{"usage", nullptr}, {"softlimit", 1000}, {"hardlimit", 2000}}));
    EXPECT_TRUE(ct["diskinodes"].is_null());
    EXPECT_EQ(ct["features"], nlohmann::json({{"nfs", true}, {"sysfs", false}}));
    EXPECT_TRUE(ct["capability"].is_null());
    EXPECT_EQ(ct["vswap"], true);
    EXPECT_EQ(ct["disabled"], false);
    EXPECT_EQ(ct["layout"], "simfs");
    EXPECT_EQ(ct["physpages"]["limit"], 65536);
}

TEST(ListFormat, JsonEmpty)
{
    ListOptions o;
    o.json = true;
    EXPECT_EQ(format_list({}, o), "[]\n");
}

TEST(ListFormat, TextEmptyIsHeaderOnly)
{
    EXPECT_EQ(format_list({}, {}), "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME\n");
    ListOptions o;
    o.header = false;
    EXPECT_EQ(format_list({}, o), "");
}

// ---- errors and names ---------------------------------------------------

TEST(ListFormat, UnknownFields)
{
    expect_invalid(with_fields({"ctid", "bogus"}), "unknown field: bogus");
    expect_invalid(with_fields({"hostname.m"}), "unknown field: hostname.m");
    expect_invalid(with_fields({"kmemsize.x"}), "unknown field: kmemsize.x");
    expect_invalid(with_fields({"dummy"}), "unknown field: dummy");
    expect_invalid(with_fields({""}), "unknown field: ");

    ListOptions sort;
    sort.sort_field = "-nope";
    expect_invalid(sort, "unknown field: nope");

    EXPECT_THROW(format_list({make_ct(1, "")}, with_fields({"bogus"})), Error);
}

TEST(ListFormat, SuffixesRejectedInJson)
{
    ListOptions o = with_fields({"ctid", "kmemsize.l"});
    o.json = true;
    expect_invalid(o, "field kmemsize.l is not available in JSON output");
    o.fields = {"diskspace.s"};
    expect_invalid(o, "field diskspace.s is not available in JSON output");
    o.fields = {"ctid", "kmemsize"};
    EXPECT_NO_THROW(check_fields(o));
    // Sorting by a suffixed field is fine with JSON.
    o.sort_field = "kmemsize.l";
    EXPECT_NO_THROW(check_fields(o));
}

TEST(ListFormat, FieldNames)
{
    auto names = list_field_names();
    ASSERT_GE(names.size(), 3u);
    EXPECT_EQ(names[0], "ctid");
    EXPECT_EQ(names[1], "veid");
    EXPECT_EQ(names[2], "vpsid");
    for (const char* want : {"hostname", "smart_name", "ip", "status", "kmemsize", "kmemsize.m", "kmemsize.b",
                             "kmemsize.l", "kmemsize.f", "numproc", "swappages.f", "diskspace.s", "diskinodes.h",
                             "laverage", "uptime", "cpulimit", "iopslimit", "onboot", "bootorder", "layout",
                             "disabled"})
        EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
    EXPECT_EQ(std::find(names.begin(), names.end(), "dummy"), names.end());
    // 21 beancounters with five fields each.
    EXPECT_EQ(std::count_if(names.begin(), names.end(),
                            [](const std::string& n) { return n.ends_with(".f"); }),
              21);
    // Every listed name is accepted.
    for (const auto& n : names)
        EXPECT_NO_THROW(check_fields(with_fields({n}))) << n;
}

TEST(ListFormat, FieldListLikeVzlistL)
{
    auto text = format_field_list();
    EXPECT_EQ(text.substr(0, 3 * 21),
              "ctid            CTID\n"
              "veid            CTID\n"
              "vpsid           CTID\n");
    EXPECT_NE(text.find("\nkmemsize.l      KMEMSIZE.L\n"), std::string::npos);
}

}  // namespace
}  // namespace vessel::cli
