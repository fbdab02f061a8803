// log::printable: what reaches the operator's terminal from names and
// messages a container chose.
#include <gtest/gtest.h>

#include "runtime/base/log.h"

using vessel::log::printable;

TEST(Printable, PlainTextTabsNewlinesAndUtf8AreKept)
{
    EXPECT_EQ(printable("start 101: /etc/resolv.conf -> /x\tok\nnext"), "start 101: /etc/resolv.conf -> /x\tok\nnext");
    EXPECT_EQ(printable("Größe – 容器 🚀"), "Größe – 容器 🚀");
}

TEST(Printable, TerminalControlsAreWrittenAsHex)
{
    // An OSC title change and a CSI clear screen, as a symlink target might carry them.
    EXPECT_EQ(printable("a\x1b]0;pwned\x07z"), "a\\x1b]0;pwned\\x07z");
    EXPECT_EQ(printable("\x1b[2J\r\x7f"), "\\x1b[2J\\x0d\\x7f");
    EXPECT_EQ(printable(std::string("nul\0end", 7)), "nul\\x00end");
}

TEST(Printable, C1ControlsAndInvalidUtf8AreWrittenAsHex)
{
    EXPECT_EQ(printable("\xc2\x9b" "2J"), "\\xc2\\x9b2J");  // U+009B, CSI
    EXPECT_EQ(printable("\x9b" "2J"), "\\x9b2J");          // a bare C1 byte
    EXPECT_EQ(printable("\xc3"), "\\xc3");                 // cut short
    EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");        // overlong '/'
    EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
    EXPECT_EQ(printable("\xc2\xa0"), "\xc2\xa0");          // U+00A0 is text
}
