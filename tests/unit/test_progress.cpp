#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "images/progress.h"

using vessel::images::ProgressBar;

TEST(ProgressRender, BarPercentAndSizes)
{
    const std::uint64_t MiB = 1024 * 1024;
    std::string s = ProgressBar::render("Extracting", 21 * MiB, 50 * MiB, 80);
    // 21 MiB of 50 MiB is 42%
    EXPECT_EQ(s.rfind("Extracting [", 0), 0u) << s;
    EXPECT_NE(s.find("]  42%  21.0 MiB/50.0 MiB"), std::string::npos) << s;
    EXPECT_LE(static_cast<int>(s.size()), 80);
}

TEST(ProgressRender, FillMatchesFraction)
{
    std::string s = ProgressBar::render("x", 50, 100, 200);
    size_t open = s.find('['), close = s.find(']');
    ASSERT_NE(open, std::string::npos);
    ASSERT_NE(close, std::string::npos);
    std::string bar = s.substr(open + 1, close - open - 1);
    auto hashes = std::count(bar.begin(), bar.end(), '#');
    EXPECT_EQ(static_cast<size_t>(hashes) * 2, bar.size()) << s;
    EXPECT_EQ(bar.find(' '), static_cast<size_t>(hashes)) << "filled part comes first: " << s;
}

TEST(ProgressRender, EmptyAndFull)
{
    std::string empty = ProgressBar::render("L", 0, 10, 60);
    EXPECT_EQ(empty.find('#'), std::string::npos) << empty;
    EXPECT_NE(empty.find("  0%  0 B/10 B"), std::string::npos) << empty;

    std::string full = ProgressBar::render("L", 10, 10, 60);
    EXPECT_EQ(full.find("[ "), std::string::npos) << full;
    EXPECT_NE(full.find("100%"), std::string::npos) << full;
}

TEST(ProgressRender, DoneBeyondTotalIsClamped)
{
    std::string s = ProgressBar::render("L", 150, 100, 60);
    EXPECT_NE(s.find("100%"), std::string::npos) << s;
    EXPECT_NE(s.find("100 B/100 B"), std::string::npos) << s;
}

TEST(ProgressRender, UnknownTotalShowsBytesOnly)
{
    std::string s = ProgressBar::render("Packing", 3 * 1024 * 1024 + 512 * 1024, 0, 80);
    EXPECT_EQ(s, "Packing  3.5 MiB");
}

TEST(ProgressRender, Units)
{
    EXPECT_EQ(ProgressBar::render("a", 1023, 0, 80), "a  1023 B");
    EXPECT_EQ(ProgressBar::render("a", 1024, 0, 80), "a  1.0 KiB");
    EXPECT_EQ(ProgressBar::render("a", 5ull << 30, 0, 80), "a  5.0 GiB");
}

TEST(ProgressRender, NarrowTerminalKeepsAMinimalBar)
{
    std::string s = ProgressBar::render("A long label for a narrow terminal", 1, 2, 20);
    size_t open = s.find('['), close = s.find(']');
    ASSERT_NE(open, std::string::npos);
    EXPECT_EQ(close - open - 1, 10u) << s;
}

TEST(ProgressBar, DisabledIsSilentAndSafe)
{
    testing::internal::CaptureStderr();
    {
        ProgressBar bar("quiet", false);
        EXPECT_FALSE(bar.enabled());
        bar.update(1, 2);
        bar.update(2, 2);
    }
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(ProgressBar, EnabledDrawsWithCarriageReturnAndEndsLine)
{
    testing::internal::CaptureStderr();
    {
        ProgressBar bar("loud", true);
        bar.update(1, 4);
        bar.update(2, 4);  // within the redraw interval: skipped
        bar.update(4, 4);  // finished: always drawn
    }
    std::string out = testing::internal::GetCapturedStderr();
    EXPECT_EQ(std::count(out.begin(), out.end(), '\r'), 2) << out;
    EXPECT_NE(out.find("100%"), std::string::npos);
    EXPECT_EQ(out.back(), '\n');
}

TEST(ProgressBar, NotATerminalMeansDisabled)
{
    // Under the test runner stderr is a pipe or a file.
    if (::isatty(2))
        GTEST_SKIP() << "stderr is a terminal";
    ProgressBar bar("x");
    EXPECT_FALSE(bar.enabled());
}
