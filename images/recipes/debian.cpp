// debian-12: Debian bookworm, minbase plus sysvinit, by debootstrap from the
// mirror the host's apt already uses. Built in a directory beside the
// cache, packed with ArchiveWriter::add_tree, then removed.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include "images/archive.h"
#include "images/progress.h"
#include "images/recipes/apt_sources.h"
#include "images/recipes/builders.h"
#include "images/recipes/command.h"
#include "images/recipes/recipe.h"
#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/log.h"
#include "vessel_build_config.h"

namespace vessel::images::detail {

namespace {

namespace stdfs = std::filesystem;

constexpr const char* kSuite = "bookworm";
constexpr const char* kAptDir = "/etc/apt";

// Removes the build directory however the build ends. It holds root-owned
// files and device nodes; remove_tree copes, and refuses to cross a mount
// that a failed debootstrap may have left behind.
class BuildDir {
public:
    explicit BuildDir(const stdfs::path& beside)
    {
        std::string pattern = (beside.parent_path() / (".debian-12.build-XXXXXX")).string();
        std::vector<char> buf(pattern.begin(), pattern.end());
        buf.push_back('\0');
        if (::mkdtemp(buf.data()) == nullptr)
            throw_errno("create a build directory in " + beside.parent_path().string());
        path_ = buf.data();
    }
    ~BuildDir()
    {
        // A debootstrap that was killed may leave its mounts in the tree.
        for (const char* m : {"rootfs/dev/pts", "rootfs/dev/shm", "rootfs/proc", "rootfs/sys", "rootfs/dev"})
            ::umount2((path_ / m).c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
        try {
            fs::remove_tree(path_);
        } catch (const Error& e) {
            log::warning(std::string("debian-12: build directory left behind: ") + e.what());
        }
    }
    BuildDir(const BuildDir&) = delete;
    BuildDir& operator=(const BuildDir&) = delete;

    const stdfs::path& path() const { return path_; }

private:
    stdfs::path path_;
};

void replace_file(const stdfs::path& path, std::string_view text)
{
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 || errno != ENOENT)
        fs::write_file_atomic(path, text, 0644);
}

// Debian's inittab starts gettys on tty1-6, which a container does not
// have (init would respawn them forever). What a container needs instead:
// a halt on SIGPWR, which is what container managers send sysvinit, and
// the boot-done marker once runlevel 2's scripts have run.
std::string container_inittab(const std::string& in)
{
    std::string out;
    size_t pos = 0;
    while (pos < in.size()) {
        size_t nl = in.find('\n', pos);
        std::string line = in.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? in.size() : nl + 1;
        bool getty = line.find(":respawn:") != std::string::npos && line.find("getty") != std::string::npos;
        bool power = line.find(":powerwait:") != std::string::npos ||
                     line.find(":powerfailnow:") != std::string::npos ||
                     line.find(":powerokwait:") != std::string::npos;
        if ((getty || power) && !line.starts_with("#"))
            line = "#" + line;
        out += line;
        out += '\n';
    }
    out += "\n# Vessel: SIGPWR halts the container; the marker tells `vessel start --wait` that boot is done.\n";
    out += "p0::powerfail:/sbin/init 0\n";
    out += "vb:2345:once:/bin/touch " + std::string(kBootedMarker) + "\n";
    return out;
}

// Regular files directly in dir whose names end with suffix ("" for all).
void remove_files(const stdfs::path& dir, std::string_view suffix)
{
    std::error_code ec;
    for (const auto& de : stdfs::directory_iterator(dir, ec)) {
        std::string name = de.path().filename().string();
        if (de.is_regular_file(ec) && !de.is_symlink(ec) && name.ends_with(suffix) && name != "lock" &&
            ::unlink(de.path().c_str()) != 0 && errno != ENOENT)
            throw_errno("remove " + de.path().string());
    }
}

// What debootstrap copies from the host, or makes unique to one machine,
// has no place in a template; nor do the downloaded packages and indexes
// (a container runs `apt-get update` first, as on any fresh image).
void adapt_tree(const stdfs::path& root)
{
    remove_files(root / "var/cache/apt/archives", ".deb");
    remove_files(root / "var/cache/apt", ".bin");
    remove_files(root / "var/lib/apt/lists", "");
    replace_file(root / "etc/hostname", "localhost\n");
    replace_file(root / "etc/resolv.conf", "");
    replace_file(root / "etc/machine-id", "");
    auto inittab = fs::read_file(root / "etc/inittab");
    if (!inittab)
        throw Error(ExitCode::System, "debian-12: debootstrap left no /etc/inittab (sysvinit-core missing?)");
    fs::write_file_atomic(root / "etc/inittab", container_inittab(*inittab), 0644);
}

}  // namespace

void build_debian12(const stdfs::path& out)
{
    if (::access(VESSEL_DEBOOTSTRAP, X_OK) != 0)
        throw Error(ExitCode::TemplateNotFound,
                    std::string("debian-12 template: ") + VESSEL_DEBOOTSTRAP +
                        " not found (apt-get install debootstrap)");
    auto mirror = find_apt_mirror(kAptDir, kSuite);
    if (!mirror)
        throw Error(ExitCode::TemplateNotFound,
                    std::string("debian-12 template: no Debian mirror for '") + kSuite + "' with component main in " +
                        kAptDir + "/sources.list or " + kAptDir + "/sources.list.d");

    BuildDir work(out);
    const stdfs::path root = work.path() / "rootfs";
    const stdfs::path log_file = work.path() / "debootstrap.log";
    const bool verbose = log::level() >= log::Level::Verbose;
    log::info("Running debootstrap " + std::string(kSuite) + " from " + *mirror + "...");
    log::verbose("debian-12: building in " + root.string());

    // sysvinit-core: minbase has no init at all, and a container needs one.
    run_logged({VESSEL_DEBOOTSTRAP, "--variant=minbase", "--include=sysvinit-core", kSuite, root.string(), *mirror},
               verbose ? stdfs::path() : log_file);
    adapt_tree(root);

    ArchiveWriter w(out);
    {
        ProgressBar bar("Packing debian-12");
        w.add_tree(root, [&](std::uint64_t done, std::uint64_t total) { bar.update(done, total); });
    }
    w.commit();
}

}  // namespace vessel::images::detail
