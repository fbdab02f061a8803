// The template cache, the recipe table, the busybox recipe (built for real
// from the host's busybox-static when it is there) and the apt sources
// parsing behind the debian-12 recipe.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "images/archive.h"
#include "images/cache.h"
#include "images/cache_build.h"
#include "images/recipes/apt_sources.h"
#include "images/recipes/builders.h"
#include "images/recipes/recipe.h"
#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"
#include "vessel_build_config.h"

namespace {

namespace stdfs = std::filesystem;
using vessel::ExitCode;
using namespace vessel::images;
using vessel::test::expect_error_code;
using vessel::test::TmpDir;

void write_file(const stdfs::path& p, const std::string& data)
{
    stdfs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << data;
}

std::string read_all(const stdfs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// --- names ---------------------------------------------------------------

TEST(TemplateName, AcceptsUsualNames)
{
    for (const char* n : {"busybox", "debian-12", "centos-7-x86_64", "ubuntu_22.04", "A1"})
        EXPECT_NO_THROW(TemplateCache::check_name(n)) << n;
}

TEST(TemplateName, RejectsOthers)
{
    for (const char* n : {"", ".hidden", "..", "a/b", "/abs", "sp ace", "semi;colon", "star*", "tab\t", "ü"}) {
        SCOPED_TRACE(n);
        expect_error_code([&] { TemplateCache::check_name(n); }, ExitCode::InvalidValue);
    }
}

// --- the cache directory --------------------------------------------------

TEST(TemplateCache, FindTriesExtensionsInOrder)
{
    TmpDir tmp;
    TemplateCache cache(tmp.path());
    EXPECT_FALSE(cache.find("os"));
    write_file(tmp / "os.tar.zst", "z");
    EXPECT_EQ(cache.find("os"), tmp / "os.tar.zst");
    write_file(tmp / "os.tar.xz", "x");
    EXPECT_EQ(cache.find("os"), tmp / "os.tar.xz");
    write_file(tmp / "os.tar.gz", "g");
    EXPECT_EQ(cache.find("os"), tmp / "os.tar.gz");
    write_file(tmp / "os.tar", "t");
    EXPECT_EQ(cache.find("os"), tmp / "os.tar");
    expect_error_code([&] { cache.find("../os"); }, ExitCode::InvalidValue);
}

TEST(TemplateCache, FindIgnoresDirectories)
{
    TmpDir tmp;
    stdfs::create_directory(tmp / "odd.tar.gz");
    TemplateCache cache(tmp.path());
    EXPECT_FALSE(cache.find("odd"));
}

TEST(TemplateCache, ListShowsCachedFilesAndRecipesSorted)
{
    TmpDir tmp;
    write_file(tmp / "zeta.tar.gz", "12345");
    write_file(tmp / "alpha.tar", "1");
    write_file(tmp / "alpha.tar.xz", "22");  // shadowed by alpha.tar
    write_file(tmp / "notes.txt", "ignored");
    write_file(tmp / ".partial.tar.gz.ABCDEF", "ignored");
    write_file(tmp / ".hidden.tar.gz", "ignored");
    write_file(tmp / "busybox.tar.gz", "bb");
    TemplateCache cache(tmp.path());

    auto list = cache.list();
    std::vector<std::string> names;
    for (const auto& e : list)
        names.push_back(e.name);
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    for (const auto& r : recipes())
        EXPECT_NE(std::find(names.begin(), names.end(), r.name), names.end()) << r.name;
    EXPECT_EQ(std::count(names.begin(), names.end(), "alpha"), 1);
    EXPECT_EQ(std::count(names.begin(), names.end(), "notes"), 0);
    EXPECT_EQ(std::count(names.begin(), names.end(), "partial"), 0);
    EXPECT_EQ(std::count(names.begin(), names.end(), ".hidden"), 0);

    for (const auto& e : list) {
        if (e.name == "alpha") {
            EXPECT_EQ(e.file, tmp / "alpha.tar");
            EXPECT_EQ(e.size, 1u);
            EXPECT_FALSE(e.has_recipe);
            EXPECT_GT(e.mtime, 0);
        } else if (e.name == "zeta") {
            EXPECT_EQ(e.size, 5u);
        } else if (e.name == "busybox") {
            EXPECT_TRUE(e.has_recipe);
            EXPECT_EQ(e.file, tmp / "busybox.tar.gz");
        } else if (e.name == "debian-12") {
            EXPECT_TRUE(e.has_recipe);
            EXPECT_FALSE(e.file);
        }
    }
}

TEST(TemplateCache, ListOfAMissingDirectoryHasTheRecipes)
{
    TmpDir tmp;
    TemplateCache cache(tmp / "not-yet");
    auto list = cache.list();
    EXPECT_EQ(list.size(), recipes().size());
    for (const auto& e : list) {
        EXPECT_TRUE(e.has_recipe);
        EXPECT_FALSE(e.file);
    }
}

TEST(TemplateCache, RemoveDeletesEveryFileOfTheName)
{
    TmpDir tmp;
    write_file(tmp / "os.tar", "t");
    write_file(tmp / "os.tar.gz", "g");
    write_file(tmp / "other.tar.gz", "o");
    TemplateCache cache(tmp.path());
    cache.remove("os");
    EXPECT_FALSE(cache.find("os"));
    EXPECT_TRUE(cache.find("other"));
    expect_error_code([&] { cache.remove("os"); }, ExitCode::TemplateNotFound);
    expect_error_code([&] { cache.remove("a/b"); }, ExitCode::InvalidValue);
}

TEST(TemplateCache, EnsureReturnsCachedFileWithoutBuilding)
{
    TmpDir tmp;
    write_file(tmp / "busybox.tar.xz", "not really an archive");
    TemplateCache cache(tmp.path());
    EXPECT_EQ(ensure_template(cache, "busybox"), tmp / "busybox.tar.xz");
    EXPECT_EQ(read_all(tmp / "busybox.tar.xz"), "not really an archive");
}

TEST(TemplateCache, EnsureOrCreateWithoutRecipeIsTemplateNotFound)
{
    TmpDir tmp;
    TemplateCache cache(tmp / "cache");
    expect_error_code([&] { ensure_template(cache, "no-such-os"); }, ExitCode::TemplateNotFound);
    expect_error_code([&] { build_template(cache, "no-such-os"); }, ExitCode::TemplateNotFound);
    expect_error_code([&] { ensure_template(cache, "bad/name"); }, ExitCode::InvalidValue);
}

TEST(Recipes, TableIsConsistent)
{
    auto all = recipes();
    ASSERT_GE(all.size(), 2u);
    for (const auto& r : all) {
        EXPECT_NO_THROW(TemplateCache::check_name(std::string(r.name)));
        EXPECT_EQ(archive_extension("x" + std::string(r.extension)), r.extension) << r.name;
        EXPECT_NE(find_builder(r.name), nullptr) << r.name;
        EXPECT_FALSE(r.description.empty());
        EXPECT_EQ(find_recipe(r.name), &r);
    }
    EXPECT_EQ(find_recipe("nope"), nullptr);
    EXPECT_EQ(find_builder("nope"), nullptr);
    ASSERT_NE(find_recipe("busybox"), nullptr);
    ASSERT_NE(find_recipe("debian-12"), nullptr);
}

// --- the busybox template, built for real ---------------------------------

class BusyboxTemplate : public testing::Test {
protected:
    static void SetUpTestSuite()
    {
        if (::access(VESSEL_BUSYBOX, X_OK) != 0)
            return;
        tmp_ = new TmpDir;
        vessel::log::set_level(vessel::log::Level::Quiet);
        TemplateCache cache(tmp_->path() / "cache");
        // A stale file under another extension must not shadow the new one.
        write_file(tmp_->path() / "cache/busybox.tar", "stale");
        archive_ = build_template(cache, "busybox");
        root_ = tmp_->path() / "root";
        stdfs::create_directory(root_);
        extract_archive(archive_, root_);
    }
    static void TearDownTestSuite()
    {
        delete tmp_;
        tmp_ = nullptr;
    }
    void SetUp() override
    {
        if (tmp_ == nullptr)
            GTEST_SKIP() << VESSEL_BUSYBOX << " is not installed (apt-get install busybox-static)";
    }

    static struct stat lstat_of(const std::string& rel)
    {
        struct stat st {};
        EXPECT_EQ(::lstat((root_ / rel).c_str(), &st), 0) << rel;
        return st;
    }

    static inline TmpDir* tmp_ = nullptr;
    static inline stdfs::path archive_, root_;
};

TEST_F(BusyboxTemplate, IsCachedAsTarGzAndReplacesStaleFiles)
{
    EXPECT_EQ(archive_.filename(), "busybox.tar.gz");
    EXPECT_FALSE(stdfs::exists(tmp_->path() / "cache/busybox.tar"));
    TemplateCache cache(tmp_->path() / "cache");
    EXPECT_EQ(cache.find("busybox"), archive_);
    ArchiveStats st = measure_archive(archive_);
    EXPECT_GT(st.entries, 100u);
    EXPECT_GT(st.bytes, 500000u);
}

TEST_F(BusyboxTemplate, HasTheBinaryAndAppletLinks)
{
    struct stat bb = lstat_of("bin/busybox");
    EXPECT_TRUE(S_ISREG(bb.st_mode));
    EXPECT_EQ(bb.st_mode & 07777, 0755u);
    if (::geteuid() == 0) {
        EXPECT_EQ(bb.st_uid, 0u);
    }
    for (const char* link : {"bin/sh", "sbin/init", "bin/mount", "bin/hostname", "bin/touch"}) {
        EXPECT_TRUE(S_ISLNK(lstat_of(link).st_mode)) << link;
        EXPECT_EQ(stdfs::read_symlink(root_ / link), "/bin/busybox") << link;
    }
    EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(root_ / "linuxrc")));
}

TEST_F(BusyboxTemplate, HasTheDirectoryLayout)
{
    EXPECT_EQ(lstat_of("tmp").st_mode & 07777, 01777u);
    EXPECT_EQ(lstat_of("root").st_mode & 07777, 0700u);
    for (const char* d : {"bin", "sbin", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys", "run", "home", "mnt",
                          "var/log"})
        EXPECT_TRUE(S_ISDIR(lstat_of(d).st_mode)) << d;
    EXPECT_EQ(stdfs::read_symlink(root_ / "var/run"), "../run");
}

TEST_F(BusyboxTemplate, HasTheSystemFiles)
{
    EXPECT_NE(read_all(root_ / "etc/passwd").find("root:x:0:0:root:/root:/bin/sh\n"), std::string::npos);
    EXPECT_NE(read_all(root_ / "etc/group").find("root:x:0:"), std::string::npos);
    EXPECT_EQ(read_all(root_ / "etc/shadow").rfind("root:*:", 0), 0u) << "root is locked";
    EXPECT_EQ(lstat_of("etc/shadow").st_mode & 0777, 0600u);
    EXPECT_FALSE(read_all(root_ / "etc/hostname").empty());
    EXPECT_NE(read_all(root_ / "etc/hosts").find("localhost"), std::string::npos);
    std::string profile = read_all(root_ / "etc/profile");
    EXPECT_NE(profile.find("PATH="), std::string::npos);
    EXPECT_NE(profile.find("PS1="), std::string::npos);
}

TEST_F(BusyboxTemplate, InitIsSuitedToAContainer)
{
    std::string inittab = read_all(root_ / "etc/inittab");
    EXPECT_NE(inittab.find("::sysinit:/etc/init.d/rcS"), std::string::npos);
    EXPECT_NE(inittab.find("::shutdown:"), std::string::npos);
    EXPECT_NE(inittab.find("::ctrlaltdel:"), std::string::npos);
    EXPECT_EQ(inittab.find("getty"), std::string::npos);
    EXPECT_EQ(inittab.find("respawn"), std::string::npos);

    EXPECT_EQ(lstat_of("etc/init.d/rcS").st_mode & 0777, 0755u);
    std::string rcs = read_all(root_ / "etc/init.d/rcS");
    EXPECT_EQ(rcs.rfind("#!/bin/sh\n", 0), 0u);
    EXPECT_NE(rcs.find("hostname -F /etc/hostname"), std::string::npos);
    // The marker is the last thing boot does.
    std::string touch = "touch " + std::string(kBootedMarker) + "\n";
    ASSERT_GE(rcs.size(), touch.size());
    EXPECT_EQ(rcs.substr(rcs.size() - touch.size()), touch);
}

TEST_F(BusyboxTemplate, RcSRunsAndMarksBootDone)
{
    // The real script, with the template's own busybox, in fresh mount, UTS
    // and network namespaces: its mounts, hostname and lo never reach the host.
    if (::geteuid() != 0 || ::access("/usr/bin/unshare", X_OK) != 0)
        GTEST_SKIP() << "needs root and unshare(1)";
    write_file(root_ / "etc/hostname", "bbtest\n");
    std::string out = (tmp_->path() / "rcs.out").string();
    std::string cmd = "/usr/bin/unshare --mount --uts --net --propagation private /usr/sbin/chroot " +
                      root_.string() + " /bin/sh -c '/etc/init.d/rcS && test -e " + std::string(kBootedMarker) +
                      " && hostname && /etc/init.d/rcK && test ! -e " + std::string(kBootedMarker) + "' > " + out +
                      " 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << read_all(out);
    EXPECT_EQ(read_all(out), "bbtest\n");
    EXPECT_FALSE(stdfs::exists(root_ / "run/vessel-booted")) << "the marker belongs on the tmpfs";
}

TEST_F(BusyboxTemplate, RebuildIsReproducible)
{
    TemplateCache cache(tmp_->path() / "cache2");
    stdfs::path again = build_template(cache, "busybox");
    EXPECT_EQ(read_all(again), read_all(archive_));
}

// --- apt sources: where debian-12 gets its mirror ---------------------------

TEST(AptSources, OneLineFormat)
{
    auto s = parse_sources_list(
        "# comment\n"
        "deb-src http://src.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://a.example/debian bookworm main contrib # trailing\n"
        "  deb http://b.example/debian-security bookworm-security main\n"
        "debx http://c.example bookworm main\n"
        "deb cdrom:[Debian]/ bookworm main\n"
        "deb http://d.example/short\n");
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].uri, "http://a.example/debian");
    EXPECT_EQ(s[0].suites, std::vector<std::string>{"bookworm"});
    EXPECT_EQ(s[0].components, (std::vector<std::string>{"main", "contrib"}));
    EXPECT_EQ(s[1].suites, std::vector<std::string>{"bookworm-security"});
    EXPECT_EQ(s[2].uri, "cdrom:[Debian]/");
}

TEST(AptSources, Deb822Format)
{
    auto s = parse_deb822_sources(
        "Types: deb deb-src\n"
        "# a comment inside the stanza\n"
        "URIs: http://one.example/debian\n"
        "  http://two.example/debian\n"
        "Suites: bookworm bookworm-updates\n"
        "Components: main\n"
        "\n"
        "Types: deb-src\n"
        "URIs: http://src.example/debian\n"
        "Suites: bookworm\n"
        "Components: main\n"
        "\n"
        "types: deb\n"
        "uris: http://off.example/debian\n"
        "suites: bookworm\n"
        "components: main\n"
        "enabled: no\n"
        "\n\n"
        "Types: deb\n"
        "URIs: https://three.example/debian\n"
        "Suites: bookworm\n"
        "Components: main non-free-firmware");
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].uri, "http://one.example/debian");
    EXPECT_EQ(s[1].uri, "http://two.example/debian");
    EXPECT_EQ(s[1].suites, (std::vector<std::string>{"bookworm", "bookworm-updates"}));
    EXPECT_EQ(s[2].uri, "https://three.example/debian");
    EXPECT_EQ(s[2].components, (std::vector<std::string>{"main", "non-free-firmware"}));
}

TEST(AptSources, FindMirrorFollowsAptOrderAndSkipsOtherSuites)
{
    TmpDir apt;
    write_file(apt / "sources.list",
               "deb http://security.example/debian-security bookworm-security main\n"
               "deb http://third.example/apt bookworm stable\n");
    write_file(apt / "sources.list.d/b.sources",
               "Types: deb\nURIs: http://mirror-b.example/debian\nSuites: bookworm bookworm-updates\n"
               "Components: main\n");
    write_file(apt / "sources.list.d/a.list", "deb mirror+file:/etc/apt/mirrors.txt bookworm main\n");
    write_file(apt / "sources.list.d/c.list", "deb http://mirror-c.example/debian bookworm main\n");
    write_file(apt / "sources.list.d/0.list.disabled", "deb http://disabled.example/debian bookworm main\n");
    EXPECT_EQ(find_apt_mirror(apt.path(), "bookworm"), "http://mirror-b.example/debian");
    EXPECT_EQ(find_apt_mirror(apt.path(), "trixie"), std::nullopt);
}

TEST(AptSources, NoConfigurationMeansNoMirror)
{
    TmpDir apt;
    EXPECT_EQ(find_apt_mirror(apt.path(), "bookworm"), std::nullopt);
    EXPECT_EQ(find_apt_mirror(apt / "missing", "bookworm"), std::nullopt);
}

}  // namespace
