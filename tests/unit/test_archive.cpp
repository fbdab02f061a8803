// Template archives: extraction must keep everything a root filesystem
// needs, and must refuse every way an archive could write outside its
// target. The hostile archives are written with libarchive directly,
// since ArchiveWriter cannot express them.
#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "images/archive.h"
#include "runtime/base/error.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"

namespace {

namespace stdfs = std::filesystem;
using vessel::Error;
using vessel::ExitCode;
using namespace vessel::images;
using vessel::test::TmpDir;

bool is_root()
{
    return ::geteuid() == 0;
}

std::string read_all(const stdfs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_host_file(const stdfs::path& p, const std::string& data)
{
    std::ofstream out(p, std::ios::binary);
    out << data;
}

struct stat lstat_of(const stdfs::path& p)
{
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0)
        throw std::runtime_error("lstat " + p.string() + ": " + std::strerror(errno));
    return st;
}

bool exists_nofollow(const stdfs::path& p)
{
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0;
}

// A tar written entry by entry, anything allowed.
class RawTar {
public:
    explicit RawTar(const stdfs::path& path) : a_(archive_write_new())
    {
        archive_write_set_format_pax_restricted(a_);
        archive_write_add_filter_none(a_);
        if (archive_write_open_filename(a_, path.c_str()) != ARCHIVE_OK)
            throw std::runtime_error(archive_error_string(a_));
    }
    ~RawTar()
    {
        archive_write_close(a_);
        archive_write_free(a_);
    }

    void dir(const std::string& path, unsigned mode = 0755) { add(path, AE_IFDIR, mode, ""); }
    void file(const std::string& path, const std::string& data, unsigned mode = 0644)
    {
        add(path, AE_IFREG, mode, data);
    }
    void symlink(const std::string& path, const std::string& target)
    {
        add(path, AE_IFLNK, 0777, "", [&](archive_entry* e) { archive_entry_set_symlink(e, target.c_str()); });
    }
    void hardlink(const std::string& path, const std::string& target)
    {
        add(path, AE_IFREG, 0644, "", [&](archive_entry* e) { archive_entry_set_hardlink(e, target.c_str()); });
    }
    void close() { archive_write_close(a_); }

    template <typename F = void (*)(archive_entry*)>
    void add(const std::string& path, unsigned type, unsigned mode, const std::string& data, F extra = nullptr)
    {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, path.c_str());
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, mode);
        archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
        archive_entry_set_mtime(e, 1700000000, 0);
        if constexpr (!std::is_same_v<F, void (*)(archive_entry*)>)
            extra(e);
        if (archive_write_header(a_, e) < ARCHIVE_WARN)
            throw std::runtime_error(archive_error_string(a_));
        if (!data.empty())
            archive_write_data(a_, data.data(), data.size());
        archive_entry_free(e);
    }

private:
    archive* a_;
};

// A target directory and, beside it, a directory the archive must never
// reach; every test checks that the latter stays as it was.
class Extraction : public testing::Test {
protected:
    void SetUp() override
    {
        target = tmp / "target";
        outside = tmp / "outside";
        archive = tmp / "in.tar";
        stdfs::create_directory(target);
        stdfs::create_directory(outside);
        write_host_file(outside / "secret", "do not touch");
    }

    // Writes the archive, entry by entry, with fill(RawTar&).
    template <typename Fill>
    void write_tar(Fill&& fill)
    {
        RawTar t(archive);
        fill(t);
    }

    // Writes the archive with fill and extracts it into the target.
    template <typename Fill>
    void extract(Fill&& fill)
    {
        write_tar(fill);
        extract_archive(archive, target);
    }

    // Writes the archive with fill and checks that extracting it fails with
    // InvalidValue, every one of parts in the message, and nothing reached
    // outside the target.
    template <typename Fill>
    void expect_extract_error(std::initializer_list<std::string_view> parts, Fill&& fill)
    {
        write_tar(fill);
        vessel::test::expect_error_containing([&] { extract_archive(archive, target); }, ExitCode::InvalidValue,
                                              parts);
        expect_outside_untouched();
    }

    // The same for an entry (named by entry_fragment) whose path escapes.
    template <typename Fill>
    void expect_refused(const std::string& entry_fragment, Fill&& fill)
    {
        expect_extract_error({"path escapes the target", entry_fragment}, fill);
    }

    void expect_outside_untouched()
    {
        std::vector<std::string> names;
        for (const auto& de : stdfs::directory_iterator(outside))
            names.push_back(de.path().filename().string());
        EXPECT_EQ(names, std::vector<std::string>{"secret"});
        EXPECT_EQ(read_all(outside / "secret"), "do not touch");
        EXPECT_EQ(lstat_of(outside / "secret").st_nlink, 1u);
        EXPECT_FALSE(exists_nofollow(tmp / "escaped"));
    }

    TmpDir tmp;
    stdfs::path target, outside, archive;
};

TEST_F(Extraction, RefusesDotDot)
{
    expect_refused("../escaped", [](RawTar& t) { t.file("../escaped", "x"); });
}

TEST_F(Extraction, RefusesDotDotInTheMiddle)
{
    expect_refused("a/../../escaped", [](RawTar& t) {
        t.dir("a");
        t.file("a/../../escaped", "x");
    });
}

TEST_F(Extraction, RefusesAbsolutePath)
{
    std::string abs = (outside / "new").string();
    expect_refused(abs, [&](RawTar& t) { t.file(abs, "x"); });
}

TEST_F(Extraction, RefusesWritingThroughAbsoluteSymlink)
{
    expect_refused("link/file", [&](RawTar& t) {
        t.symlink("link", outside.string());
        t.file("link/file", "x");
    });
    EXPECT_FALSE(exists_nofollow(outside / "file"));
}

TEST_F(Extraction, RefusesWritingThroughRelativeSymlink)
{
    expect_refused("d/link/file", [](RawTar& t) {
        t.dir("d");
        t.symlink("d/link", "../../outside");
        t.file("d/link/file", "x");
        t.dir("d/link/dir");
    });
}

TEST_F(Extraction, RefusesMkdirThroughSymlink)
{
    expect_refused("link/sub", [&](RawTar& t) {
        t.symlink("link", outside.string());
        t.dir("link/sub");
    });
}

TEST_F(Extraction, RefusesSymlinkEvenWhenItPointsInside)
{
    // Simple rule: no entry is ever reached through a symlink.
    expect_refused("alias/file", [](RawTar& t) {
        t.dir("real");
        t.symlink("alias", "real");
        t.file("alias/file", "x");
    });
}

TEST_F(Extraction, RefusesHardlinkOutside)
{
    expect_refused("h", [](RawTar& t) { t.hardlink("h", "../../etc/passwd"); });
}

TEST_F(Extraction, RefusesAbsoluteHardlink)
{
    expect_refused("h", [&](RawTar& t) { t.hardlink("h", (outside / "secret").string()); });
}

TEST_F(Extraction, RefusesHardlinkThroughSymlink)
{
    expect_refused("h", [&](RawTar& t) {
        t.symlink("link", outside.string());
        t.hardlink("h", "link/secret");
    });
}

TEST_F(Extraction, HardlinkToASymlinkLinksTheSymlinkItself)
{
    extract([&](RawTar& t) {
        t.symlink("link", (outside / "secret").string());
        t.hardlink("h", "link");
    });
    struct stat st = lstat_of(target / "h");
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(st.st_ino, lstat_of(target / "link").st_ino);
    expect_outside_untouched();
}

TEST_F(Extraction, RefusesRootAsSymlinkOrLink)
{
    expect_refused("./", [&](RawTar& t) { t.symlink("./", outside.string()); });
    expect_refused("g", [](RawTar& t) {
        t.file("f", "x");
        t.hardlink("g", ".");
    });
}

TEST_F(Extraction, FileReplacesSymlinkInsteadOfWritingThroughIt)
{
    extract([&](RawTar& t) {
        t.symlink("f", (outside / "secret").string());
        t.file("f", "inside");
        t.symlink("g", (tmp / "escaped").string());
        t.file("g", "inside too");
    });
    struct stat st = lstat_of(target / "f");
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(read_all(target / "f"), "inside");
    EXPECT_EQ(read_all(target / "g"), "inside too");
    expect_outside_untouched();
}

TEST_F(Extraction, NeverReplacesADirectory)
{
    auto refused = [&](auto&& fill) {
        expect_extract_error({"d: would replace a directory"}, fill);
        EXPECT_TRUE(stdfs::is_directory(stdfs::symlink_status(target / "d")));
    };
    refused([&](RawTar& t) {
        t.dir("d");
        t.symlink("d", outside.string());
        t.file("d/file", "x");
    });
    refused([](RawTar& t) {
        t.dir("d");
        t.file("d/keep", "x");
        t.file("d", "replacement");
    });
    EXPECT_EQ(read_all(target / "d/keep"), "x");
    refused([](RawTar& t) {
        t.dir("d");
        t.hardlink("d", "d/keep");
    });
}

TEST_F(Extraction, CreatesMissingParents)
{
    extract([](RawTar& t) { t.file("a/b/c/file", "deep"); });
    EXPECT_EQ(read_all(target / "a/b/c/file"), "deep");
}

TEST_F(Extraction, LaterFileReplacesEarlierOne)
{
    extract([](RawTar& t) {
        t.file("f", "first version, longer");
        t.file("f", "second");
    });
    EXPECT_EQ(read_all(target / "f"), "second");
}

TEST_F(Extraction, RootEntrySetsTargetModeAndOwner)
{
    extract([](RawTar& t) {
        t.add("./", AE_IFDIR, 0750, "", [](archive_entry* e) {
            archive_entry_set_uid(e, 321);
            archive_entry_set_gid(e, 654);
        });
        t.file("./etc/x", "y");
    });
    struct stat st = lstat_of(target);
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    if (is_root()) {
        EXPECT_EQ(st.st_uid, 321u);
        EXPECT_EQ(st.st_gid, 654u);
    }
    EXPECT_EQ(st.st_mtime, 1700000000);
}

TEST_F(Extraction, ReadOnlyDirectoryIsFilledThenGetsItsMode)
{
    extract([](RawTar& t) {
        t.dir("ro", 0555);
        t.dir("ro/sub", 0500);
        t.file("ro/sub/file", "data", 0400);
    });
    EXPECT_EQ(lstat_of(target / "ro").st_mode & 07777, 0555u);
    EXPECT_EQ(lstat_of(target / "ro/sub").st_mode & 07777, 0500u);
    EXPECT_EQ(read_all(target / "ro/sub/file"), "data");
    EXPECT_EQ(lstat_of(target / "ro").st_mtime, 1700000000);
    EXPECT_EQ(lstat_of(target / "ro/sub").st_mtime, 1700000000);
}

TEST_F(Extraction, CancelStopsWithInterrupted)
{
    write_tar([](RawTar& t) {
        t.file("a", std::string(300000, 'a'));
        t.file("b", "b");
    });
    std::atomic<bool> cancel{false};
    ExtractOptions opts;
    opts.cancel = &cancel;
    opts.progress = [&](std::uint64_t, std::uint64_t) { cancel = true; };
    vessel::test::expect_error_containing([&] { extract_archive(archive, target, opts); }, ExitCode::System,
                                          {"interrupted"});
    EXPECT_FALSE(exists_nofollow(target / "b"));
}

TEST_F(Extraction, CancelledBeforeStartWritesNothing)
{
    write_tar([](RawTar& t) { t.file("a", "a"); });
    std::atomic<bool> cancel{true};
    ExtractOptions opts;
    opts.cancel = &cancel;
    EXPECT_THROW(extract_archive(archive, target, opts), Error);
    EXPECT_TRUE(stdfs::is_empty(target));
}

TEST_F(Extraction, ProgressReachesTotal)
{
    write_tar([](RawTar& t) {
        t.file("a", std::string(200000, 'a'));
        t.file("b", std::string(1000, 'b'));
    });
    ArchiveStats st = measure_archive(archive);
    std::uint64_t last = 0, calls = 0, seen_total = 0;
    ExtractOptions opts;
    opts.total_bytes = st.bytes;
    opts.progress = [&](std::uint64_t done, std::uint64_t total) {
        EXPECT_GE(done, last);
        last = done;
        seen_total = total;
        ++calls;
    };
    extract_archive(archive, target, opts);
    EXPECT_EQ(last, 201000u);
    EXPECT_EQ(seen_total, 201000u);
    EXPECT_GE(calls, 2u);
}

TEST_F(Extraction, MissingArchiveIsTemplateNotFound)
{
    vessel::test::expect_error_code([&] { extract_archive(tmp / "nope.tar.gz", target); }, ExitCode::TemplateNotFound);
}

TEST(MeasureArchive, SumsSizesAndCountsEntries)
{
    TmpDir tmp;
    stdfs::path a = tmp / "m.tar.gz";
    {
        ArchiveWriter w(a);
        w.add_dir("d");
        w.add_file("d/one", std::string(1000, '1'));
        w.add_file("d/two", std::string(2345, '2'));
        w.add_symlink("d/link", "one");
        w.commit();
    }
    ArchiveStats st = measure_archive(a);
    EXPECT_EQ(st.entries, 4u);
    EXPECT_EQ(st.bytes, 3345u);
}

TEST(MeasureArchive, NotAnArchive)
{
    TmpDir tmp;
    write_host_file(tmp / "junk.tar", std::string(5000, 'j'));
    vessel::test::expect_error_code([&] { measure_archive(tmp / "junk.tar"); }, ExitCode::TemplateNotFound);
    EXPECT_THROW(measure_archive(tmp / "missing.tar"), Error);
}

TEST(ArchiveWriter, UncommittedLeavesNothing)
{
    TmpDir tmp;
    {
        ArchiveWriter w(tmp / "x.tar.xz");
        w.add_file("f", "data");
    }
    EXPECT_TRUE(stdfs::is_empty(tmp.path()));
}

TEST(ArchiveWriter, CommitLeavesOnlyTheArchive)
{
    TmpDir tmp;
    {
        ArchiveWriter w(tmp / "x.tar.zst");
        w.add_file("f", "data");
        w.commit();
    }
    std::vector<std::string> names;
    for (const auto& de : stdfs::directory_iterator(tmp.path()))
        names.push_back(de.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"x.tar.zst"});
    EXPECT_EQ(lstat_of(tmp / "x.tar.zst").st_mode & 0777, 0644u);
}

TEST(ArchiveWriter, UnknownExtensionIsRefused)
{
    TmpDir tmp;
    vessel::test::expect_error_code([&] { ArchiveWriter w(tmp / "x.zip"); }, ExitCode::InvalidValue);
    EXPECT_TRUE(stdfs::is_empty(tmp.path()));
}

TEST(ArchiveWriter, ExtensionTable)
{
    EXPECT_EQ(archive_extension("a.tar"), ".tar");
    EXPECT_EQ(archive_extension("a.tar.gz"), ".tar.gz");
    EXPECT_EQ(archive_extension("debian-12.tar.zst"), ".tar.zst");
    EXPECT_EQ(archive_extension("a.tar.xz"), ".tar.xz");
    EXPECT_EQ(archive_extension("a.tar.bz2"), "");
    EXPECT_EQ(archive_extension(".tar.gz"), "");
    EXPECT_EQ(archive_extension("tar"), "");
}

TEST(ArchiveWriter, EntriesRoundTrip)
{
    TmpDir tmp;
    stdfs::path a = tmp / "e.tar.gz";
    write_host_file(tmp / "host-tool", std::string(100000, 't'));
    {
        ArchiveWriter w(a);
        w.set_mtime(1600000000);
        w.add_dir("/etc", 0711, 12, 34);
        w.add_file("etc/conf", "k=v\n", 0640, 56, 78);
        w.add_host_file("bin/tool", tmp / "host-tool", 04755);
        w.add_symlink("./bin/alias", "/bin/tool");
        if (is_root())
            w.add_device("dev/null", 'c', 1, 3, 0666);
        w.commit();
    }
    stdfs::path t = tmp / "t";
    stdfs::create_directory(t);
    extract_archive(a, t);

    struct stat d = lstat_of(t / "etc");
    EXPECT_EQ(d.st_mode & 07777, 0711u);
    EXPECT_EQ(d.st_mtime, 1600000000);
    struct stat f = lstat_of(t / "etc/conf");
    EXPECT_EQ(read_all(t / "etc/conf"), "k=v\n");
    EXPECT_EQ(f.st_mode & 07777, 0640u);
    EXPECT_EQ(f.st_mtime, 1600000000);
    if (is_root()) {
        EXPECT_EQ(d.st_uid, 12u);
        EXPECT_EQ(d.st_gid, 34u);
        EXPECT_EQ(f.st_uid, 56u);
        EXPECT_EQ(f.st_gid, 78u);
    }
    EXPECT_EQ(read_all(t / "bin/tool"), std::string(100000, 't'));
    EXPECT_EQ(lstat_of(t / "bin/tool").st_mode & 07777, 04755u);
    EXPECT_EQ(stdfs::read_symlink(t / "bin/alias"), "/bin/tool");
    if (is_root()) {
        struct stat n = lstat_of(t / "dev/null");
        EXPECT_TRUE(S_ISCHR(n.st_mode));
        EXPECT_EQ(major(n.st_rdev), 1u);
        EXPECT_EQ(minor(n.st_rdev), 3u);
        EXPECT_EQ(n.st_mode & 07777, 0666u);
    }
}

TEST(ArchiveWriter, FixedMtimeGivesIdenticalArchives)
{
    TmpDir tmp;
    for (const char* name : {"r1.tar.gz", "r2.tar.gz"}) {
        ArchiveWriter w(tmp / name);
        w.set_mtime(1500000000);
        w.add_dir("d");
        w.add_file("d/f", "same");
        w.commit();
    }
    EXPECT_EQ(read_all(tmp / "r1.tar.gz"), read_all(tmp / "r2.tar.gz"));
}

// A host tree with everything a root filesystem holds, packed with
// add_tree and unpacked again in every format.
class TreeRoundTrip : public testing::TestWithParam<std::string> {
protected:
    static constexpr off_t kSparseSize = 64 << 20;
    static constexpr time_t kMtime = 1234567890;

    void SetUp() override
    {
        src = tmp / "src";
        dst = tmp / "dst";
        stdfs::create_directory(src);
        stdfs::create_directory(dst);

        write_host_file(src / "suid", "#!/bin/sh\n");
        ::chmod((src / "suid").c_str(), 04755);
        write_host_file(src / "sgid", "g");
        ::chmod((src / "sgid").c_str(), 02750);
        ASSERT_EQ(::link((src / "suid").c_str(), (src / "hard").c_str()), 0);
        stdfs::create_symlink("suid", src / "rel-link");
        stdfs::create_symlink("/etc/passwd", src / "abs-link");
        ASSERT_EQ(::mkfifo((src / "fifo").c_str(), 0600), 0);
        ASSERT_EQ(::chmod((src / "fifo").c_str(), 0620), 0);
        stdfs::create_directory(src / "ro");
        write_host_file(src / "ro/inner", "inner");
        stdfs::create_directory(src / "private");
        if (is_root()) {
            ASSERT_EQ(::chown((src / "suid").c_str(), 1234, 5678), 0);
            ASSERT_EQ(::chmod((src / "suid").c_str(), 04755), 0);  // chown cleared it
            ASSERT_EQ(::chown((src / "private").c_str(), 42, 43), 0);
            ASSERT_EQ(::mknod((src / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
        }
        ::chmod((src / "private").c_str(), 0700);
        xattrs = ::setxattr((src / "sgid").c_str(), "user.vessel", "hello", 5, 0) == 0;

        {
            int fd = ::open((src / "sparse").c_str(), O_WRONLY | O_CREAT, 0644);
            ASSERT_GE(fd, 0);
            ASSERT_EQ(::pwrite(fd, "data", 4, 1 << 20), 4);
            ASSERT_EQ(::pwrite(fd, "more", 4, 8 << 20), 4);
            ASSERT_EQ(::ftruncate(fd, kSparseSize), 0);
            ::close(fd);
        }

        struct timespec ts[2] = {{kMtime, 0}, {kMtime, 0}};
        ASSERT_EQ(::utimensat(AT_FDCWD, (src / "sgid").c_str(), ts, 0), 0);
        ASSERT_EQ(::utimensat(AT_FDCWD, (src / "rel-link").c_str(), ts, AT_SYMLINK_NOFOLLOW), 0);
        ASSERT_EQ(::utimensat(AT_FDCWD, (src / "ro").c_str(), ts, 0), 0);
        ::chmod((src / "ro").c_str(), 0555);
    }

    TmpDir tmp;
    stdfs::path src, dst;
    bool xattrs = false;
};

TEST_P(TreeRoundTrip, KeepsEverything)
{
    stdfs::path a = tmp / ("tree" + GetParam());
    {
        ArchiveWriter w(a);
        w.add_tree(src);
        w.commit();
    }
    extract_archive(a, dst);

    struct stat s = lstat_of(dst / "suid");
    EXPECT_EQ(s.st_mode & 07777, 04755u);
    EXPECT_EQ(read_all(dst / "suid"), "#!/bin/sh\n");
    EXPECT_EQ(lstat_of(dst / "sgid").st_mode & 07777, 02750u);
    EXPECT_EQ(lstat_of(dst / "sgid").st_mtime, kMtime);
    if (is_root()) {
        EXPECT_EQ(s.st_uid, 1234u);
        EXPECT_EQ(s.st_gid, 5678u);
        EXPECT_EQ(lstat_of(dst / "private").st_uid, 42u);
        EXPECT_EQ(lstat_of(dst / "private").st_gid, 43u);
        struct stat n = lstat_of(dst / "null");
        EXPECT_TRUE(S_ISCHR(n.st_mode));
        EXPECT_EQ(n.st_rdev, makedev(1, 3));
    }
    EXPECT_EQ(lstat_of(dst / "private").st_mode & 07777, 0700u);

    struct stat h = lstat_of(dst / "hard");
    EXPECT_EQ(h.st_ino, s.st_ino);
    EXPECT_EQ(s.st_nlink, 2u);

    EXPECT_EQ(stdfs::read_symlink(dst / "rel-link"), "suid");
    EXPECT_EQ(stdfs::read_symlink(dst / "abs-link"), "/etc/passwd");
    EXPECT_EQ(lstat_of(dst / "rel-link").st_mtime, kMtime);

    struct stat f = lstat_of(dst / "fifo");
    EXPECT_TRUE(S_ISFIFO(f.st_mode));
    EXPECT_EQ(f.st_mode & 07777, 0620u);

    EXPECT_EQ(lstat_of(dst / "ro").st_mode & 07777, 0555u);
    EXPECT_EQ(lstat_of(dst / "ro").st_mtime, kMtime);
    EXPECT_EQ(read_all(dst / "ro/inner"), "inner");

    if (xattrs) {
        char buf[16] = {};
        ssize_t n = ::getxattr((dst / "sgid").c_str(), "user.vessel", buf, sizeof buf);
        EXPECT_EQ(n, 5);
        EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "hello");
    }

    struct stat sp = lstat_of(dst / "sparse");
    EXPECT_EQ(sp.st_size, kSparseSize);
    EXPECT_LT(sp.st_blocks * 512, 1 << 20) << "holes were filled in";
    std::string data = read_all(dst / "sparse");
    EXPECT_EQ(data.substr(1 << 20, 4), "data");
    EXPECT_EQ(data.substr(8 << 20, 4), "more");
    EXPECT_EQ(data[0], '\0');
    EXPECT_EQ(data[kSparseSize - 1], '\0');
}

INSTANTIATE_TEST_SUITE_P(Formats, TreeRoundTrip, testing::Values(".tar", ".tar.gz", ".tar.xz", ".tar.zst"),
                         [](const auto& info) {
                             std::string s = info.param.substr(1);
                             for (auto& c : s)
                                 if (c == '.')
                                     c = '_';
                             return s;
                         });

TEST(TreeRoundTripNames, KeepsNonAsciiAndNonUtf8Names)
{
    TmpDir tmp;
    stdfs::path src = tmp / "src", dst = tmp / "dst";
    stdfs::create_directory(src);
    stdfs::create_directory(dst);
    const std::string utf8 = "caf\xc3\xa9", latin1 = "na\xefve";
    stdfs::create_directory(src / utf8);
    write_host_file(src / utf8 / latin1, "x");
    stdfs::create_symlink(latin1, src / (utf8 + "-link"));
    {
        ArchiveWriter w(tmp / "names.tar.gz");
        w.add_tree(src);
        w.commit();
    }
    extract_archive(tmp / "names.tar.gz", dst);
    EXPECT_EQ(read_all(dst / utf8 / latin1), "x");
    EXPECT_EQ(stdfs::read_symlink(dst / (utf8 + "-link")).string(), latin1);
}

TEST(TreeRoundTripRoot, KeepsFileCapabilities)
{
    if (!is_root())
        GTEST_SKIP() << "needs root";
    TmpDir tmp;
    stdfs::path src = tmp / "src", dst = tmp / "dst";
    stdfs::create_directory(src);
    stdfs::create_directory(dst);
    write_host_file(src / "ping", "x");
    ::chown((src / "ping").c_str(), 0, 0);  // before the capability: chown drops it
    // VFS_CAP_REVISION_2 with CAP_NET_RAW (13) permitted and effective.
    const unsigned char cap[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    if (::setxattr((src / "ping").c_str(), "security.capability", cap, sizeof cap, 0) != 0)
        GTEST_SKIP() << "security.capability not settable here: " << std::strerror(errno);
    {
        ArchiveWriter w(tmp / "caps.tar");
        w.add_tree(src);
        w.commit();
    }
    extract_archive(tmp / "caps.tar", dst);
    unsigned char got[32] = {};
    ssize_t n = ::getxattr((dst / "ping").c_str(), "security.capability", got, sizeof got);
    ASSERT_EQ(n, static_cast<ssize_t>(sizeof cap)) << std::strerror(errno);
    EXPECT_EQ(std::memcmp(got, cap, sizeof cap), 0);
}

}  // namespace
