// The default template, built offline from the host's static busybox: one
// binary, its applet links and the few files a container's init needs.
// Everything is written straight into the archive; no tree on disk.
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "images/archive.h"
#include "images/recipes/builders.h"
#include "images/recipes/command.h"
#include "images/recipes/recipe.h"
#include "runtime/base/error.h"
#include "runtime/base/unique_fd.h"
#include "vessel_build_config.h"

namespace vessel::images::detail {

namespace {

namespace stdfs = std::filesystem;

struct DirSpec {
    const char* path;
    unsigned mode;
};

constexpr DirSpec kDirs[] = {
    {"bin", 0755},     {"sbin", 0755},       {"usr", 0755},      {"usr/bin", 0755}, {"usr/sbin", 0755},
    {"etc", 0755},     {"etc/init.d", 0755}, {"dev", 0755},      {"proc", 0555},    {"sys", 0555},
    {"tmp", 01777},    {"root", 0700},       {"run", 0755},      {"home", 0755},    {"mnt", 0755},
    {"var", 0755},     {"var/log", 0755},    {"var/tmp", 01777}, {"var/spool", 0755},
};

struct FileSpec {
    const char* path;
    unsigned mode;
    const char* text;
};

constexpr const char kInittab[] =
    "# busybox init for a container: boot and shutdown scripts, no terminals.\n"
    "::sysinit:/etc/init.d/rcS\n"
    "::ctrlaltdel:/sbin/reboot\n"
    "::shutdown:/etc/init.d/rcK\n";

// The runtime normally mounts /proc, /sys, /run and /dev before init runs;
// this covers a root started some other way. The marker comes last.
constexpr const char kRcS[] =
    "#!/bin/sh\n"
    "# Boot of a Vessel busybox container.\n"
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
    "export PATH\n"
    "\n"
    "[ -e /proc/self ] || mount -t proc -o nosuid,nodev,noexec proc /proc\n"
    "[ -d /sys/kernel ] || mount -t sysfs -o nosuid,nodev,noexec sysfs /sys 2>/dev/null\n"
    "grep -q '^[^ ]* /run ' /proc/mounts || mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run\n"
    "if [ -d /dev ] && ! grep -q '^[^ ]* /dev/shm ' /proc/mounts; then\n"
    "\tmkdir -p /dev/shm && mount -t tmpfs -o nosuid,nodev,mode=1777 shm /dev/shm 2>/dev/null\n"
    "fi\n"
    "mkdir -p /run/lock\n"
    "\n"
    "[ -s /etc/hostname ] && hostname -F /etc/hostname\n"
    "ip link set lo up 2>/dev/null\n"
    "\n"
    "[ -x /etc/rc.local ] && /etc/rc.local\n"
    "\n"
    "# Boot is done: `vessel start --wait` returns when this file appears.\n"
    "touch ";

// No `umount -a -r`: remounting a bind-mounted root read-only would reach
// the superblock it shares with the host's private area.
constexpr const char kRcK[] =
    "#!/bin/sh\n"
    "# Shutdown of a Vessel busybox container.\n"
    "sync\n"
    "rm -f ";

constexpr const char kProfile[] =
    "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
    "if [ \"$(id -u)\" = 0 ]; then\n"
    "\tPS1='\\u@\\h:\\w# '\n"
    "else\n"
    "\tPS1='\\u@\\h:\\w$ '\n"
    "fi\n"
    "export PS1\n"
    "umask 022\n";

constexpr FileSpec kFiles[] = {
    {"etc/passwd", 0644,
     "root:x:0:0:root:/root:/bin/sh\n"
     "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
    {"etc/group", 0644,
     "root:x:0:\n"
     "daemon:x:1:\n"
     "tty:x:5:\n"
     "disk:x:6:\n"
     "wheel:x:10:root\n"
     "users:x:100:\n"
     "nogroup:x:65534:\n"},
    // Root's password is locked: `vessel enter` needs none, and a template
    // must not ship a way in.
    {"etc/shadow", 0600,
     "root:*::0:99999:7:::\n"
     "daemon:*::0:99999:7:::\n"
     "nobody:*::0:99999:7:::\n"},
    {"etc/hostname", 0644, "localhost\n"},
    {"etc/hosts", 0644,
     "127.0.0.1\tlocalhost\n"
     "::1\tlocalhost ip6-localhost ip6-loopback\n"},
    {"etc/shells", 0644, "/bin/sh\n/bin/ash\n"},
    {"etc/profile", 0644, kProfile},
    {"etc/inittab", 0644, kInittab},
    {"etc/resolv.conf", 0644, ""},
    {"etc/fstab", 0644, "# Mounts are set up by the container runtime.\n"},
};

[[noreturn]] void not_static(const std::string& why)
{
    throw Error(ExitCode::TemplateNotFound,
                std::string("busybox template: ") + VESSEL_BUSYBOX + " " + why +
                    "; a statically linked busybox is needed (apt-get install busybox-static)");
}

template <typename Ehdr, typename Phdr>
bool has_interpreter(int fd)
{
    Ehdr eh{};
    if (::pread(fd, &eh, sizeof eh, 0) != static_cast<ssize_t>(sizeof eh))
        return true;
    if (eh.e_phentsize != sizeof(Phdr))
        return true;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Phdr ph{};
        off_t off = static_cast<off_t>(eh.e_phoff + i * sizeof(Phdr));
        if (::pread(fd, &ph, sizeof ph, off) != static_cast<ssize_t>(sizeof ph))
            return true;
        if (ph.p_type == PT_INTERP)
            return true;
    }
    return false;
}

// A dynamically linked busybox would need the host's libc inside the
// container; a static ELF has no program interpreter.
void check_static_busybox()
{
    UniqueFd fd(::open(VESSEL_BUSYBOX, O_RDONLY | O_CLOEXEC));
    if (!fd)
        not_static(std::string("cannot be opened (") + std::strerror(errno) + ")");
    unsigned char ident[EI_NIDENT] = {};
    if (::pread(fd.get(), ident, sizeof ident, 0) != EI_NIDENT || std::memcmp(ident, ELFMAG, SELFMAG) != 0)
        not_static("is not an ELF executable");
    bool dynamic = ident[EI_CLASS] == ELFCLASS64 ? has_interpreter<Elf64_Ehdr, Elf64_Phdr>(fd.get())
                                                 : has_interpreter<Elf32_Ehdr, Elf32_Phdr>(fd.get());
    if (dynamic)
        not_static("is dynamically linked");
}

// `busybox --list-full` prints "bin/sh", "usr/bin/awk"...; names without a
// directory (linuxrc, for an initrd) are of no use in a container.
std::vector<std::string> applet_paths()
{
    std::string out = capture_output({VESSEL_BUSYBOX, "--list-full"});
    std::vector<std::string> paths;
    size_t pos = 0;
    while (pos < out.size()) {
        size_t nl = out.find('\n', pos);
        std::string line = out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? out.size() : nl + 1;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (line.find('/') == std::string::npos || line.find("..") != std::string::npos || line.front() == '/')
            continue;
        if (line == "bin/busybox")
            continue;
        paths.push_back(std::move(line));
    }
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    if (paths.empty())
        throw Error(ExitCode::System, std::string(VESSEL_BUSYBOX) + " --list-full listed no applets");
    return paths;
}

// SOURCE_DATE_EPOCH when set; else the busybox binary's own mtime, so two
// builds from the same binary give the same archive.
std::time_t template_mtime()
{
    if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde != nullptr && *sde != '\0') {
        char* end = nullptr;
        long long v = std::strtoll(sde, &end, 10);
        if (end != nullptr && *end == '\0' && v >= 0)
            return static_cast<std::time_t>(v);
    }
    struct stat st {};
    if (::stat(VESSEL_BUSYBOX, &st) == 0)
        return st.st_mtime;
    return 0;
}

}  // namespace

void build_busybox(const stdfs::path& out)
{
    check_static_busybox();
    std::vector<std::string> applets = applet_paths();

    ArchiveWriter w(out);
    w.set_mtime(template_mtime());
    w.add_dir(".", 0755);
    std::set<std::string> dirs;
    for (const auto& d : kDirs) {
        w.add_dir(d.path, d.mode);
        dirs.insert(d.path);
    }
    // An applet in a directory the table does not know still gets one.
    for (const auto& a : applets) {
        for (size_t slash = a.find('/'); slash != std::string::npos; slash = a.find('/', slash + 1)) {
            std::string dir = a.substr(0, slash);
            if (dirs.insert(dir).second)
                w.add_dir(dir, 0755);
        }
    }
    w.add_symlink("var/run", "../run");
    w.add_symlink("var/lock", "../run/lock");

    w.add_host_file("bin/busybox", VESSEL_BUSYBOX, 0755);
    for (const auto& a : applets)
        w.add_symlink(a, "/bin/busybox");

    for (const auto& f : kFiles)
        w.add_file(f.path, f.text, f.mode);
    // The boot scripts end with the marker's path, named once in recipe.h.
    const std::string marker(kBootedMarker);
    w.add_file("etc/init.d/rcS", kRcS + marker + "\n", 0755);
    w.add_file("etc/init.d/rcK", kRcK + marker + "\n", 0755);
    w.commit();
}

}  // namespace vessel::images::detail
