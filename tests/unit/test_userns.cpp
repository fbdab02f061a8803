// LOCAL_UID / LOCAL_GID: the key check (spec/userns.h) and the on-disk
// ownership shift (ns/id_shift.h): ids, file capabilities, ACLs, and a walk
// over a real tree when run as root.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>

#include "ns/id_shift.h"
#include "runtime/base/error.h"
#include "runtime/spec/userns.h"
#include "tests/unit/tmpdir.h"

using namespace vessel;
namespace stdfs = std::filesystem;

namespace {

std::optional<ns::IdMap> from(std::map<std::string, std::string> keys)
{
    return spec::user_namespace_from([&](std::string_view k) -> std::optional<std::string> {
        auto it = keys.find(std::string(k));
        return it == keys.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
}

ExitCode code_of(std::map<std::string, std::string> keys)
{
    try {
        from(std::move(keys));
    } catch (const Error& e) {
        return e.code();
    }
    return ExitCode::Ok;
}

std::string le32s(std::initializer_list<std::uint32_t> words)
{
    std::string out;
    for (auto w : words)
        out.append(reinterpret_cast<const char*>(&w), 4);  // x86: little-endian already
    return out;
}

std::string acl_entry(std::uint16_t tag, std::uint16_t perm, std::uint32_t id)
{
    std::string out(8, '\0');
    std::memcpy(out.data(), &tag, 2);
    std::memcpy(out.data() + 2, &perm, 2);
    std::memcpy(out.data() + 4, &id, 4);
    return out;
}

const ns::IdShift kTo100k{0, 0, 100000, 200000, 65536};
const ns::IdShift kBack{100000, 200000, 0, 0, 65536};

}  // namespace

TEST(UserNsKeys, UnsetOrZeroMeansNoUserNamespace)
{
    EXPECT_FALSE(from({}));
    EXPECT_FALSE(from({{"LOCAL_UID", "0"}, {"LOCAL_GID", "0"}}));
    EXPECT_FALSE(from({{"LOCAL_UID", ""}}));
}

TEST(UserNsKeys, OneKeyStandsForBoth)
{
    EXPECT_EQ(from({{"LOCAL_UID", "100000"}}), (ns::IdMap{100000, 100000, 65536}));
    EXPECT_EQ(from({{"LOCAL_GID", "300000"}}), (ns::IdMap{300000, 300000, 65536}));
    EXPECT_EQ(from({{"LOCAL_UID", "100000"}, {"LOCAL_GID", "200000"}}), (ns::IdMap{100000, 200000, 65536}));
}

TEST(UserNsKeys, BasesThatCannotBeMappedSafelyAreRefused)
{
    EXPECT_EQ(code_of({{"LOCAL_UID", "1000"}}), ExitCode::InvalidValue);
    EXPECT_EQ(code_of({{"LOCAL_UID", "65535"}}), ExitCode::InvalidValue);
    EXPECT_EQ(code_of({{"LOCAL_UID", "65536"}}), ExitCode::Ok);
    EXPECT_EQ(code_of({{"LOCAL_UID", "4294901759"}}), ExitCode::Ok);  // + 65535 = 4294967294
    EXPECT_EQ(code_of({{"LOCAL_UID", "4294901760"}}), ExitCode::InvalidValue);
    EXPECT_EQ(code_of({{"LOCAL_UID", "100000"}, {"LOCAL_GID", "12"}}), ExitCode::InvalidValue);
    EXPECT_EQ(code_of({{"LOCAL_UID", "x"}}), ExitCode::InvalidValue);
}

TEST(IdShift, IdsInsideTheRangeMoveOthersStay)
{
    EXPECT_EQ(ns::shift_id(0, 0, 100000, 65536), 100000u);
    EXPECT_EQ(ns::shift_id(65535, 0, 100000, 65536), 165535u);
    EXPECT_EQ(ns::shift_id(65536, 0, 100000, 65536), 65536u);
    EXPECT_EQ(ns::shift_id(100005, 100000, 0, 65536), 5u);
    EXPECT_EQ(ns::shift_id(99999, 100000, 0, 65536), 99999u);
}

TEST(IdShift, FileCapsBecomeRevision3ForTheNewRootAndRevision2Back)
{
    const std::string v2 = le32s({0x02000001, 1u << 13, 0, 0, 0});
    const std::string v3 = ns::shift_file_caps(v2, kTo100k);
    EXPECT_EQ(v3, le32s({0x03000001, 1u << 13, 0, 0, 0, 100000}));
    EXPECT_EQ(ns::shift_file_caps(v3, kBack), v2);
    // A root outside the range is kept; an unknown format is left alone.
    const std::string other = le32s({0x03000000, 1, 0, 0, 0, 70000});
    EXPECT_EQ(ns::shift_file_caps(other, kTo100k), other);
    EXPECT_EQ(ns::shift_file_caps("junk", kTo100k), "junk");
}

TEST(IdShift, AclUserAndGroupEntriesMoveWithTheirOwnBase)
{
    const std::string head = le32s({2});
    const std::string before = head + acl_entry(0x01, 7, 0xffffffff) + acl_entry(0x02, 5, 1000) +
                               acl_entry(0x04, 5, 0xffffffff) + acl_entry(0x08, 5, 100) +
                               acl_entry(0x10, 7, 0xffffffff) + acl_entry(0x20, 0, 0xffffffff);
    const std::string after = head + acl_entry(0x01, 7, 0xffffffff) + acl_entry(0x02, 5, 101000) +
                              acl_entry(0x04, 5, 0xffffffff) + acl_entry(0x08, 5, 200100) +
                              acl_entry(0x10, 7, 0xffffffff) + acl_entry(0x20, 0, 0xffffffff);
    EXPECT_EQ(ns::shift_acl(before, kTo100k), after);
    EXPECT_EQ(ns::shift_acl(after, kBack), before);
    EXPECT_EQ(ns::shift_acl("short", kTo100k), "short");
}

TEST(IdShift, WalkShiftsEveryInodeKeepsSetIdBitsAndSkipsOutsiders)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "chown needs root";
    test::TmpDir dir;
    const stdfs::path t = dir.path() / "tree";
    stdfs::create_directories(t / "a" / "b");
    std::ofstream(t / "a" / "b" / "file") << "x";
    std::ofstream(t / "suid") << "x";
    ASSERT_EQ(::chmod((t / "suid").c_str(), 06755), 0);
    ASSERT_EQ(::symlink("/etc/passwd", (t / "link").c_str()), 0);
    std::ofstream(t / "outsider") << "x";
    ASSERT_EQ(::chown((t / "outsider").c_str(), 70000, 70000), 0);
    ASSERT_EQ(::lchown((t / "a").c_str(), 5, 6), 0);

    auto n = ns::shift_ownership(t.string(), kTo100k);
    EXPECT_EQ(n.changed, 6u);  // tree, a, b, file, suid, link
    EXPECT_EQ(n.outside, 1u);
    struct stat st {};
    ASSERT_EQ(::lstat((t / "a" / "b" / "file").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 100000u);
    EXPECT_EQ(st.st_gid, 200000u);
    ASSERT_EQ(::lstat((t / "a").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 100005u);
    EXPECT_EQ(st.st_gid, 200006u);
    ASSERT_EQ(::lstat((t / "suid").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 06755u);
    ASSERT_EQ(::lstat((t / "link").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 100000u);
    // The symlink was not followed.
    ASSERT_EQ(::stat("/etc/passwd", &st), 0);
    EXPECT_EQ(st.st_uid, 0u);
    ASSERT_EQ(::lstat((t / "outsider").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 70000u);
    ASSERT_EQ(::lstat(t.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 100000u);

    // And back: every id where it was.
    ns::shift_ownership(t.string(), kBack);
    ASSERT_EQ(::lstat((t / "a").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 5u);
    EXPECT_EQ(st.st_gid, 6u);
    ASSERT_EQ(::lstat((t / "suid").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_mode & 07777, 06755u);
}
