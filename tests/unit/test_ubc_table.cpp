#include "runtime/bc/ubc_table.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace vessel::bc {
namespace {

using config::Unit;

TEST(UbcTable, KernelOrderWithDummies)
{
    const char* names[] = {"kmemsize",   "lockedpages", "privvmpages",  "shmpages",     "dummy",
                           "numproc",    "physpages",   "vmguarpages",  "oomguarpages", "numtcpsock",
                           "numflock",   "numpty",      "numsiginfo",   "tcpsndbuf",    "tcprcvbuf",
                           "othersockbuf", "dgramrcvbuf", "numothersock", "dcachesize", "numfile",
                           "dummy",      "dummy",       "dummy",        "numiptent",    "swappages"};
    auto params = ubc_params();
    ASSERT_EQ(params.size(), 25u);
    for (size_t i = 0; i < params.size(); ++i) {
        EXPECT_EQ(params[i].id, static_cast<int>(i));
        EXPECT_EQ(params[i].name, names[i]) << i;
    }
}

TEST(UbcTable, DummiesHaveNoKey)
{
    for (const UbcParam& p : ubc_params()) {
        bool dummy = p.id == 4 || p.id == 20 || p.id == 21 || p.id == 22;
        EXPECT_EQ(p.name == "dummy", dummy) << p.id;
        EXPECT_EQ(p.key.empty(), dummy) << p.id;
    }
}

TEST(UbcTable, KeysAreTheNamesInCapitals)
{
    for (const UbcParam& p : ubc_params()) {
        if (p.key.empty())
            continue;
        std::string upper(p.name);
        for (char& c : upper)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        EXPECT_EQ(p.key, upper);
    }
}

TEST(UbcTable, Units)
{
    for (const UbcParam& p : ubc_params()) {
        if (p.key.empty())
            continue;
        Unit want = Unit::Bytes;
        if (p.name.ends_with("pages"))
            want = Unit::Pages;
        else if (p.name.starts_with("num"))
            want = Unit::Items;
        EXPECT_EQ(p.unit, want) << p.name;
    }
    EXPECT_EQ(find_ubc("kmemsize")->unit, Unit::Bytes);
    EXPECT_EQ(find_ubc("dcachesize")->unit, Unit::Bytes);
    EXPECT_EQ(find_ubc("physpages")->unit, Unit::Pages);
    EXPECT_EQ(find_ubc("numproc")->unit, Unit::Items);
}

TEST(UbcTable, Find)
{
    ASSERT_NE(find_ubc("numproc"), nullptr);
    EXPECT_EQ(find_ubc("numproc")->id, 5);
    EXPECT_EQ(find_ubc("NUMPROC"), find_ubc("numproc"));
    EXPECT_EQ(find_ubc("SWAPPAGES")->id, 24);
    EXPECT_EQ(find_ubc("DCACHE")->name, "dcachesize");
    EXPECT_EQ(find_ubc("IPTENTRIES")->name, "numiptent");
    EXPECT_EQ(find_ubc("dummy"), nullptr);
    EXPECT_EQ(find_ubc("avnumproc"), nullptr);
    EXPECT_EQ(find_ubc(""), nullptr);
    EXPECT_EQ(find_ubc("numprocs"), nullptr);
}

}  // namespace
}  // namespace vessel::bc
