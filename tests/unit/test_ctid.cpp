#include "runtime/config/ctid.h"

#include <gtest/gtest.h>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"

namespace vessel::config {
namespace {

using test::expect_error;

TEST(ParseCtid, Bounds)
{
    EXPECT_EQ(parse_ctid("1"), 1u);
    EXPECT_EQ(parse_ctid("101"), 101u);
    EXPECT_EQ(parse_ctid("2147483644"), 2147483644u);
    EXPECT_EQ(parse_ctid("0"), std::nullopt);
    EXPECT_EQ(parse_ctid("2147483645"), std::nullopt);
    EXPECT_EQ(parse_ctid("4294967297"), std::nullopt);
    EXPECT_EQ(parse_ctid("99999999999999999999"), std::nullopt);
}

TEST(ParseCtid, OneSpellingOnly)
{
    for (const char* s : {"", "0101", "00", "+1", "-1", " 1", "1 ", "1a", "0x10", "1.0", "web"})
        EXPECT_EQ(parse_ctid(s), std::nullopt) << s;
}

TEST(CtName, Rules)
{
    for (const char* n : {"a", "web", "web-1.example_2", "Z9"})
        EXPECT_TRUE(valid_ct_name(n)) << n;
    EXPECT_TRUE(valid_ct_name(std::string(64, 'a')));
    EXPECT_FALSE(valid_ct_name(std::string(65, 'a')));
    for (const char* n : {"", "1web", "-web", ".web", "_web", "we b", "web/1", "w\xc3\xa9", "web:1"})
        EXPECT_FALSE(valid_ct_name(n)) << n;
}

class CtidDir : public ::testing::Test {
protected:
    void SetUp() override
    {
        fs::make_dirs(dir_ / "conf");
        fs::write_file_atomic(dir_ / "vessel.conf", "VE_ROOT=/vz/root/$VEID\n");
    }
    GlobalConfig global() const { return GlobalConfig::load(dir_ / "vessel.conf"); }
    void conf(const std::string& name, const std::string& text) const
    {
        fs::write_file_atomic(dir_ / "conf" / name, text);
    }

    test::TmpDir dir_;
};

TEST_F(CtidDir, ListsOnlyCtidConfigsInOrder)
{
    conf("101.conf", "NAME=\"web\"\n");
    conf("1000.conf", "");
    conf("99.conf", "");
    conf("ve-basic.conf-sample", "NUMPROC=1\n");
    conf("abc.conf", "");
    conf("0101.conf", "");
    conf("0.conf", "");
    conf("101.conf.bak", "");
    conf("102.mount", "");
    conf(".103.conf.tmp-abc", "");
    fs::make_dirs(dir_ / "conf" / "104.conf");
    std::filesystem::create_symlink(dir_ / "conf" / "99.conf", dir_ / "conf" / "105.conf");
    std::filesystem::create_symlink(dir_ / "missing", dir_ / "conf" / "106.conf");
    EXPECT_EQ(list_ctids(global()), (std::vector<CtId>{99, 101, 105, 1000}));
}

TEST_F(CtidDir, MissingConfdirHasNoContainers)
{
    fs::write_file_atomic(dir_ / "vessel.conf", "CONFDIR=nowhere\n");
    EXPECT_TRUE(list_ctids(global()).empty());
    EXPECT_EQ(find_by_name("web", global()), std::nullopt);
}

TEST_F(CtidDir, ResolvesNames)
{
    conf("101.conf", "NAME=\"web\"\n");
    conf("102.conf", "# db\nNAME=db\nHOSTNAME=db.example.com\n");
    conf("103.conf", "NAME=\"broken\n");
    conf("104.conf", "NAME=old\nNAME=new\n");
    conf("ve-named.conf-sample", "NAME=sample\n");
    auto g = global();
    EXPECT_EQ(find_by_name("web", g), 101u);
    EXPECT_EQ(find_by_name("db", g), 102u);
    EXPECT_EQ(find_by_name("new", g), 104u);
    EXPECT_EQ(find_by_name("old", g), std::nullopt);
    EXPECT_EQ(find_by_name("sample", g), std::nullopt);
    EXPECT_EQ(find_by_name("nosuch", g), std::nullopt);

    EXPECT_EQ(resolve_ctid("web", g), 101u);
    EXPECT_EQ(resolve_ctid("db", g), 102u);
    EXPECT_EQ(resolve_ctid("102", g), 102u);
    // A CTID needs no config to be a CTID (create is given new ones).
    EXPECT_EQ(resolve_ctid("555", g), 555u);
}

TEST_F(CtidDir, ResolveErrors)
{
    auto g = global();
    expect_error([&] { resolve_ctid("nosuch", g); }, ExitCode::CtConfigMissing, "no container named nosuch");
    expect_error([&] { resolve_ctid("0101", g); }, ExitCode::InvalidParameter,
                 "invalid CTID \"0101\": must be 1..2147483644 without leading zeros");
    expect_error([&] { resolve_ctid("0", g); }, ExitCode::InvalidParameter,
                 "invalid CTID \"0\": must be 1..2147483644 without leading zeros");
    expect_error([&] { resolve_ctid("2147483645", g); }, ExitCode::InvalidParameter,
                 "invalid CTID \"2147483645\": must be 1..2147483644 without leading zeros");
    expect_error([&] { resolve_ctid("a b", g); }, ExitCode::InvalidParameter,
                 "\"a b\": not a CTID or container name");
    expect_error([&] { resolve_ctid("", g); }, ExitCode::InvalidParameter, "\"\": not a CTID or container name");
    expect_error([&] { resolve_ctid("-1", g); }, ExitCode::InvalidParameter, "\"-1\": not a CTID or container name");
}

}  // namespace
}  // namespace vessel::config
