// The reply line of the helper programs (runtime/base/report.h): an error
// must come out of the reader as the Error that went in, since vessel prints
// it as its own.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "runtime/base/error.h"
#include "runtime/base/report.h"
#include "runtime/base/unique_fd.h"
#include "tests/unit/test_util.h"

using namespace vessel;

namespace {

struct Pipe {
    Pipe()
    {
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
        rd.reset(fds[0]);
        wr.reset(fds[1]);
    }
    UniqueFd rd, wr;
};

}  // namespace

TEST(Report, OkCarriesItsFields)
{
    EXPECT_EQ(ok_report(), "OK");
    EXPECT_EQ(ok_report("1983767 302 busybox.tar.gz"), "OK 1983767 302 busybox.tar.gz");
    EXPECT_EQ(parse_report("OK"), std::string());
    EXPECT_EQ(parse_report("OK 4242 clone3"), std::string("4242 clone3"));
}

TEST(Report, AnErrorIsThrownAgainWithCodeAndText)
{
    Error original(ExitCode::NoDiskSpace, "write f512", ENOSPC);
    original.add_context("extract many.tar");
    const std::string line = error_report(original);
    EXPECT_EQ(line, "ERR 46 extract many.tar: write f512: No space left on device");
    test::expect_error([&] { parse_report(line); }, ExitCode::NoDiskSpace, original.what());
}

TEST(Report, AnErrorWithoutAUsableCodeIsASystemError)
{
    test::expect_error([] { parse_report("ERR 0 broken"); }, ExitCode::System, "broken");
    test::expect_error([] { parse_report("ERR x broken"); }, ExitCode::System, "broken");
}

TEST(Report, AnythingElseIsNoReport)
{
    for (const char* line : {"", "OKAY", "ok 1", "ERR", "42"})
        EXPECT_FALSE(parse_report(line)) << line;
}

TEST(Report, TravelsAsOneLineThroughAPipe)
{
    Pipe p;
    ASSERT_TRUE(write_report(p.wr.get(), "OK 1 2 x.tar"));
    p.wr.reset();
    EXPECT_EQ(read_report(p.rd.get()), "OK 1 2 x.tar");
}

TEST(Report, AClosedPipeReadsAsNoLine)
{
    Pipe p;
    p.wr.reset();
    EXPECT_EQ(read_report(p.rd.get()), "");
    EXPECT_FALSE(write_report(-1, "OK"));
}
