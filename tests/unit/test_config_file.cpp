#include "runtime/config/config_file.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"

namespace vessel::config {
namespace {

using test::expect_error;

void expect_malformed(std::string_view text, const std::string& message)
{
    expect_error([&] { ConfigFile::parse(text, "101.conf"); }, ExitCode::InvalidParameter, message);
}

std::string value_of(std::string_view line)
{
    auto f = ConfigFile::parse(line, "t.conf");
    auto a = f.assignments();
    EXPECT_EQ(a.size(), 1u) << line;
    return a.empty() ? "" : a[0].value;
}

// One line and the value it assigns.
struct Value {
    std::string_view line;
    std::string value;
};

void expect_values(std::initializer_list<Value> table)
{
    for (const Value& v : table)
        EXPECT_EQ(value_of(v.line), v.value) << v.line;
}

TEST(ConfigFileParse, ValueSyntaxes)
{
    expect_values({
        {"A=\"x y\"", "x y"},
        {"A=plain", "plain"},
        {"A='single $x \\ \"q\"'", "single $x \\ \"q\""},
        {"A=", ""},
        {"A=\"\"", ""},
        {"A=''", ""},
        {"A=/vz/root/$VEID", "/vz/root/$VEID"},
        {"A=\"/vz/root/$VEID\"", "/vz/root/$VEID"},
    });
}

TEST(ConfigFileParse, DoubleQuoteEscapesAreThoseOfTheShell)
{
    expect_values({
        {R"(A="a\"b\\c\$d\`e")", "a\"b\\c$d`e"},
        // Any other backslash stays, as in sh.
        {R"(A="keep\n\x")", "keep\\n\\x"},
        {R"(A=unquoted\ space)", "unquoted space"},
        {R"(A=\")", "\""},
    });
}

TEST(ConfigFileParse, PiecesBackToBackMakeOneValue)
{
    expect_values({
        {"A=\"a b\"'c d'e", "a bc de"},
        {"A=x\"y\"", "xy"},
    });
}

TEST(ConfigFileParse, WhitespaceAndComments)
{
    expect_values({
        {"   A=\"indented\"", "indented"},
        {"\t\tA=tab", "tab"},
        {"A=\"v\"   ", "v"},
        {"A=\"v\" # why it is v", "v"},
        {"A=v\t# comment", "v"},
        {"A= # only a comment", ""},
        // A '#' inside a word is not a comment, for the shell either.
        {"A=v#x", "v#x"},
        {"A=#x", "#x"},
        {"A=\"v\"\r", "v"},
    });

    auto f = ConfigFile::parse("# heading\n\n   \n  # indented comment\n\t\nA=1\n", "t.conf");
    auto a = f.assignments();
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].key, "A");
    EXPECT_EQ(a[0].line, 6);
}

TEST(ConfigFileParse, KeysAndLines)
{
    auto f = ConfigFile::parse("ONBOOT=\"yes\"\n# c\nNUMPROC=\"240:240\"\n_private1=x\nlower=y\n", "101.conf");
    auto a = f.assignments();
    ASSERT_EQ(a.size(), 4u);
    EXPECT_EQ(a[0].key, "ONBOOT");
    EXPECT_EQ(a[0].line, 1);
    EXPECT_EQ(a[1].key, "NUMPROC");
    EXPECT_EQ(a[1].value, "240:240");
    EXPECT_EQ(a[1].line, 3);
    EXPECT_EQ(a[2].key, "_private1");
    EXPECT_EQ(a[3].key, "lower");
    EXPECT_EQ(f.get("NUMPROC"), "240:240");
    EXPECT_EQ(f.get("MISSING"), std::nullopt);
    EXPECT_EQ(f.find("MISSING"), nullptr);
    // Keys are case-sensitive.
    EXPECT_EQ(f.get("numproc"), std::nullopt);
    EXPECT_EQ(f.origin(), "101.conf");
}

TEST(ConfigFileParse, DuplicatesLastWins)
{
    auto f = ConfigFile::parse("A=1\nB=2\nA=3\n", "t.conf");
    EXPECT_EQ(f.get("A"), "3");
    ASSERT_NE(f.find("A"), nullptr);
    EXPECT_EQ(f.find("A")->line, 3);
    EXPECT_EQ(f.assignments().size(), 3u);
}

TEST(ConfigFileParse, MalformedLines)
{
    expect_malformed("A=1\nB=2\nfoo bar\n", "101.conf:3: expected KEY=\"value\"");
    expect_malformed("NUMPROC", "101.conf:1: expected KEY=\"value\"");
    expect_malformed("NUMPROC =1", "101.conf:1: expected KEY=\"value\"");
    expect_malformed("export A=1", "101.conf:1: expected KEY=\"value\"");
    expect_malformed("9X=1", "101.conf:1: \"9X\": invalid key name");
    expect_malformed("=1", "101.conf:1: \"\": invalid key name");
    expect_malformed("A-B=1", "101.conf:1: \"A-B\": invalid key name");
    expect_malformed("\"A\"=1", "101.conf:1: \"\"A\"\": invalid key name");
    expect_malformed("\n\nA=\"abc\n", "101.conf:3: A: unterminated quote");
    expect_malformed("A='abc", "101.conf:1: A: unterminated quote");
    expect_malformed("A=\"abc\\\"", "101.conf:1: A: unterminated quote");
    expect_malformed("A=\"x\" y", "101.conf:1: A: unexpected text after the value");
    expect_malformed("A=\"x\"\"", "101.conf:1: A: unterminated quote");
    expect_malformed("A=a b", "101.conf:1: A: unexpected text after the value");
    expect_malformed("A=x;rm -rf /", "101.conf:1: A: unexpected text after the value");
    expect_malformed("A=$(reboot)", "101.conf:1: A: unexpected text after the value");
    expect_malformed("A=`reboot`", "101.conf:1: A: unexpected text after the value");
    expect_malformed("A=x|y", "101.conf:1: A: unexpected text after the value");
    expect_malformed("A=x\\", "101.conf:1: A: line ends with a backslash");
    // Without an origin the line is still named.
    expect_error([] { ConfigFile::parse("bad", ""); }, ExitCode::InvalidParameter, "line 1: expected KEY=\"value\"");
}

TEST(ConfigFileRender, UneditedIsByteExact)
{
    for (std::string text : {"", "\n", "\n\n", "A=1", "A=1\n", "A=1\n\n", "# only a comment", "  A='x'  # c\r\n",
                             "A=1\nB=\"2 3\"\n# c\n\nC=4", "\t\n"}) {
        EXPECT_EQ(ConfigFile::parse(text, "t").render(), text);
    }
}

TEST(ConfigFileEdit, SetRewritesOnlyThatLine)
{
    std::string text =
        "# Container 101\n"
        "UNKNOWN_TOOL_KEY=\"keep me\"\n"
        "\n"
        "  NUMPROC=\"240:240\"   # processes\n"
        "HOSTNAME=old.example.com\n"
        "# trailer\n";
    auto f = ConfigFile::parse(text, "101.conf");
    f.set("NUMPROC", "400:400");
    f.set("HOSTNAME", "new.example.com");
    EXPECT_EQ(f.render(),
              "# Container 101\n"
              "UNKNOWN_TOOL_KEY=\"keep me\"\n"
              "\n"
              "  NUMPROC=\"400:400\"   # processes\n"
              "HOSTNAME=\"new.example.com\"\n"
              "# trailer\n");
    EXPECT_EQ(f.get("NUMPROC"), "400:400");
    EXPECT_EQ(f.find("NUMPROC")->line, 4);
}

TEST(ConfigFileEdit, SetAppendsANewKey)
{
    auto f = ConfigFile::parse("A=1\n# end\n", "t");
    f.set("B", "two words");
    EXPECT_EQ(f.render(), "A=1\n# end\nB=\"two words\"\n");
    EXPECT_EQ(f.find("B")->line, 3);

    // A file without a final newline gets one between the old and the new line.
    auto g = ConfigFile::parse("A=1", "t");
    g.set("B", "2");
    EXPECT_EQ(g.render(), "A=1\nB=\"2\"\n");

    ConfigFile empty;
    empty.set("A", "1");
    EXPECT_EQ(empty.render(), "A=\"1\"\n");
}

TEST(ConfigFileEdit, SetEditsTheLastDuplicate)
{
    auto f = ConfigFile::parse("A=1\nB=2\nA=3\n", "t");
    f.set("A", "9");
    EXPECT_EQ(f.render(), "A=1\nB=2\nA=\"9\"\n");
    EXPECT_EQ(f.get("A"), "9");
}

TEST(ConfigFileEdit, EraseRemovesEveryAssignmentAndKeepsComments)
{
    auto f = ConfigFile::parse("# a\nA=1\nB=2\n# b\nA=3\nC=4", "t");
    f.erase("A");
    EXPECT_EQ(f.render(), "# a\nB=2\n# b\nC=4");
    EXPECT_EQ(f.get("A"), std::nullopt);
    auto a = f.assignments();
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0].key, "B");
    EXPECT_EQ(a[0].line, 2);
    EXPECT_EQ(a[1].key, "C");
    EXPECT_EQ(a[1].line, 4);
    f.erase("NOT_THERE");
    EXPECT_EQ(f.render(), "# a\nB=2\n# b\nC=4");
    // Editing after an erase lands on the renumbered lines.
    f.set("C", "5");
    f.set("A", "6");
    EXPECT_EQ(f.render(), "# a\nB=2\n# b\nC=\"5\"\nA=\"6\"\n");
}

TEST(ConfigFileEdit, EditedFileParsesBackToTheSameValues)
{
    auto f = ConfigFile::parse("A='it''s'\nB=x # c\n", "t");
    const std::string tricky = "a \"quoted\" $VEID `cmd` back\\slash 'single' #hash";
    f.set("A", tricky);
    f.set("B", "");
    f.set("C", "\t\r");
    auto g = ConfigFile::parse(f.render(), "t");
    EXPECT_EQ(g.get("A"), tricky);
    EXPECT_EQ(g.get("B"), "");
    EXPECT_EQ(g.get("C"), "\t\r");
    EXPECT_EQ(g.render(), f.render());
    EXPECT_EQ(f.render(), "A=\"a \\\"quoted\\\" \\$VEID \\`cmd\\` back\\\\slash 'single' #hash\"\nB=\"\" # c\nC=\"\t\r\"\n");
}

TEST(ConfigFileEdit, RejectsWhatCannotBeWritten)
{
    ConfigFile f;
    expect_error([&] { f.set("9A", "x"); }, ExitCode::InvalidParameter, "\"9A\": invalid key name");
    expect_error([&] { f.set("", "x"); }, ExitCode::InvalidParameter, "\"\": invalid key name");
    expect_error([&] { f.set("A B", "x"); }, ExitCode::InvalidParameter, "\"A B\": invalid key name");
    expect_error([&] { f.set("A", "two\nlines"); }, ExitCode::InvalidValue, "A: value contains a newline");
    EXPECT_EQ(f.render(), "");
}

TEST(ConfigFileQuote, EscapesWhatDoubleQuotesInterpret)
{
    EXPECT_EQ(ConfigFile::quote(""), "\"\"");
    EXPECT_EQ(ConfigFile::quote("plain"), "\"plain\"");
    EXPECT_EQ(ConfigFile::quote("a\"b\\c$d`e"), "\"a\\\"b\\\\c\\$d\\`e\"");
    EXPECT_EQ(ConfigFile::quote("it's #1"), "\"it's #1\"");
}

TEST(ConfigFileDisk, LoadAndSave)
{
    test::TmpDir dir;
    auto path = dir / "101.conf";
    fs::write_file_atomic(path, "# keep\nNUMPROC=\"1\"\nX=y");
    auto f = ConfigFile::load(path);
    EXPECT_EQ(f.origin(), path.string());
    EXPECT_EQ(f.get("NUMPROC"), "1");
    f.set("NUMPROC", "2");
    f.save(path);
    EXPECT_EQ(fs::read_file(path), "# keep\nNUMPROC=\"2\"\nX=y");
    auto again = ConfigFile::load_if_exists(path);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->get("NUMPROC"), "2");

    // Nothing but the file itself is left behind.
    int entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
        ++entries;
    EXPECT_EQ(entries, 1);
}

TEST(ConfigFileDisk, SaveKeepsTheFileMode)
{
    test::TmpDir dir;
    auto path = dir / "101.conf";
    fs::write_file_atomic(path, "A=1\n", 0600);
    auto f = ConfigFile::load(path);
    f.set("A", "2");
    f.save(path);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);

    auto fresh = dir / "102.conf";
    f.save(fresh);
    ASSERT_EQ(::stat(fresh.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST(ConfigFileDisk, Missing)
{
    test::TmpDir dir;
    auto path = dir / "nope.conf";
    EXPECT_EQ(ConfigFile::load_if_exists(path), std::nullopt);
    expect_error([&] { ConfigFile::load(path); }, ExitCode::CtConfigMissing, path.string() + ": not found");
}

TEST(ConfigFileDisk, MalformedFileNamesItsPath)
{
    test::TmpDir dir;
    auto path = dir / "101.conf";
    fs::write_file_atomic(path, "A=1\nB=\"open\n");
    expect_error([&] { ConfigFile::load(path); }, ExitCode::InvalidParameter,
                 path.string() + ":2: B: unterminated quote");
}

}  // namespace
}  // namespace vessel::config
