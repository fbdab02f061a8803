// Probing the running kernel. Each probe asks the kernel directly (a syscall
// with arguments it must reject, a file that exists or not) and creates
// nothing; the kernel version is the answer only where asking would need a
// process or a cgroup of its own.
#include "runtime/features/features.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/openat2.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <set>
#include <sstream>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/unique_fd.h"

namespace vessel::features {

namespace stdfs = std::filesystem;

namespace {

bool path_exists(const stdfs::path& p)
{
    return ::access(p.c_str(), F_OK) == 0;
}

std::string kernel_release()
{
    struct utsname u {};
    if (::uname(&u) != 0)
        return {};
    return u.release;
}

// A NULL clone_args of size 0 is rejected with EINVAL by every kernel
// that has the syscall, before anything is created.
bool probe_clone3()
{
    errno = 0;
    long r = ::syscall(SYS_clone3, nullptr, 0);
    return r < 0 && errno != ENOSYS;
}

bool probe_pidfd()
{
    UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
    return static_cast<bool>(fd);
}

// setns() on a pidfd is 5.8+; before, a pidfd is not a namespace file and
// the call fails with EINVAL. Joining our own UTS namespace changes nothing.
// Without CAP_SYS_ADMIN the call cannot tell, and the version answers.
bool probe_setns_pidfd(const std::string& release)
{
    UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
    if (!fd)
        return false;
    if (::setns(fd.get(), CLONE_NEWUTS) == 0)
        return true;
    if (errno == EPERM)
        return kernel_at_least(release, 5, 8);
    return false;
}

// An open_how smaller than the first version of the struct is EINVAL on
// kernels that have openat2, ENOSYS on the others.
bool probe_openat2()
{
    struct open_how how {};
    errno = 0;
    long r = ::syscall(SYS_openat2, AT_FDCWD, "/", &how, 1);
    if (r >= 0) {
        ::close(static_cast<int>(r));
        return true;
    }
    return errno != ENOSYS;
}

bool probe_user_ns()
{
    if (!path_exists("/proc/self/ns/user"))
        return false;
    auto max = fs::read_file("/proc/sys/user/max_user_namespaces");
    if (!max)
        return true;  // no sysctl: no limit
    try {
        return std::stoul(*max) > 0;
    } catch (const std::exception&) {
        return true;
    }
}

// mount_setattr() on no fd: EBADF where the call exists, ENOSYS before 5.12.
bool probe_mount_setattr()
{
    errno = 0;
    ::syscall(SYS_mount_setattr, -1, "", 0, nullptr, 0);
    return errno != ENOSYS;
}

bool probe_overlayfs(const std::string& release)
{
    try {
        if (auto fss = fs::read_file("/proc/filesystems")) {
            std::istringstream in(*fss);
            for (std::string line; std::getline(in, line);)
                if (line.ends_with("\toverlay") || line == "overlay")
                    return true;
        }
    } catch (const Error&) {
    }
    // Built as a module that nobody has loaded yet: mount(2) loads it.
    return path_exists("/sys/module/overlay") || path_exists("/lib/modules/" + release + "/kernel/fs/overlayfs");
}

// Our own cgroup in the unified hierarchy, when it is not the root (the
// root has neither cgroup.kill nor cgroup.freeze, whatever the kernel).
std::optional<stdfs::path> own_unified_dir(const cgroup::Layout& layout)
{
    if (!layout.unified)
        return std::nullopt;
    try {
        auto self = cgroup::read_proc_cgroup("/proc/self/cgroup");
        auto it = self.find("");
        if (it == self.end() || it->second == "/")
            return std::nullopt;
        std::string own = it->second;
        auto root = layout.roots.find("");
        if (root != layout.roots.end() && root->second != "/") {
            if (!own.starts_with(root->second))
                return std::nullopt;
            own = own.substr(root->second.size());
        }
        if (own.empty() || own == "/")
            return std::nullopt;
        return *layout.unified / stdfs::path(own).relative_path();
    } catch (const Error&) {
        return std::nullopt;
    }
}

bool unified_file(const cgroup::Layout& layout, const std::string& release, const char* name, int major, int minor)
{
    if (!layout.unified)
        return false;
    if (auto own = own_unified_dir(layout))
        return path_exists(*own / name);
    return kernel_at_least(release, major, minor);
}

Features probe_now()
{
    Features f;
    f.kernel = kernel_release();
    try {
        f.cgroups = cgroup::detect_layout();
    } catch (const Error&) {
        // No /proc/self/mountinfo: reported as no cgroups at all.
    }
    f.clone3 = probe_clone3();
    f.clone_pidfd = probe_pidfd();
    f.clone_into_cgroup = f.clone3 && f.cgroups.unified.has_value() && kernel_at_least(f.kernel, 5, 7);
    f.setns_pidfd = probe_setns_pidfd(f.kernel);
    f.time_ns = path_exists("/proc/self/ns/time");
    f.cgroup_ns = path_exists("/proc/self/ns/cgroup");
    f.openat2 = probe_openat2();
    f.user_ns = probe_user_ns();
    f.idmapped_mounts = probe_mount_setattr();
    f.overlayfs = probe_overlayfs(f.kernel);
    f.cgroup_kill = unified_file(f.cgroups, f.kernel, "cgroup.kill", 5, 14);
    f.cgroup_freeze =
        unified_file(f.cgroups, f.kernel, "cgroup.freeze", 5, 2) || f.cgroups.v1.count("freezer") != 0;
    f.envid = path_exists("/proc/self/envid");
    const auto& uc = f.cgroups.unified_controllers;
    f.beancounter = std::find(uc.begin(), uc.end(), "beancounter") != uc.end() || f.cgroups.v1.count("beancounter");
    return f;
}

std::string yes_no(bool yes, std::string_view detail_yes, std::string_view fallback)
{
    if (yes)
        return detail_yes.empty() ? "yes" : "yes (" + std::string(detail_yes) + ")";
    return "no (fallback: " + std::string(fallback) + ")";
}

}  // namespace

bool kernel_at_least(std::string_view release, int major, int minor)
{
    int got_major = 0;
    int got_minor = 0;
    const char* p = release.data();
    const char* end = p + release.size();
    auto r = std::from_chars(p, end, got_major);
    if (r.ec != std::errc() || r.ptr == end || *r.ptr != '.')
        return false;
    r = std::from_chars(r.ptr + 1, end, got_minor);
    if (r.ec != std::errc())
        return false;
    return got_major > major || (got_major == major && got_minor >= minor);
}

const Features& probe()
{
    static const Features f = probe_now();
    return f;
}

std::string describe(const Features& f)
{
    std::ostringstream out;
    const auto& l = f.cgroups;
    out << "kernel: " << (f.kernel.empty() ? "unknown" : f.kernel) << '\n';

    std::set<std::string> v1;
    for (const auto& [name, mount] : l.v1)
        if (!name.starts_with("name="))
            v1.insert(name);
    if (!l.unified && v1.empty()) {
        out << "cgroup: none (fallback: none; containers cannot start without a cgroup hierarchy)\n";
    } else if (l.mode == cgroup::Mode::V2) {
        out << "cgroup: v2 (unified at " << l.unified->string() << ")\n";
    } else if (l.unified) {
        out << "cgroup: v1 (hybrid; unified at " << l.unified->string() << ")\n";
    } else {
        out << "cgroup: v1 (no unified hierarchy)\n";
    }
    out << "cgroup controllers:";
    if (l.mode == cgroup::Mode::V1) {
        for (const auto& c : v1)
            out << ' ' << c;
        out << " (v1)";
        if (l.unified) {
            out << ';';
            for (const auto& c : l.unified_controllers)
                out << ' ' << c;
            out << (l.unified_controllers.empty() ? " none" : "") << " (unified, not used)";
        }
    } else {
        for (const auto& c : l.unified_controllers)
            out << ' ' << c;
        if (l.unified_controllers.empty())
            out << " none";
    }
    out << '\n';

    out << "clone3: " << yes_no(f.clone3, "", "clone() with the namespace flags, then pidfd_open()") << '\n';
    out << "pidfd: " << yes_no(f.clone_pidfd, "CLONE_PIDFD, pidfd_open",
                               "PID checked against its start time in /proc/PID/stat")
        << '\n';
    out << "CLONE_INTO_CGROUP: "
        << yes_no(f.clone_into_cgroup,
                  l.mode == cgroup::Mode::V2 ? "unified hierarchy"
                                             : "unified hierarchy; v1 membership is written before exec",
                  "the child joins through cgroup.procs before exec")
        << '\n';
    out << "setns with pidfd: " << yes_no(f.setns_pidfd, "", "one setns() per /proc/PID/ns file") << '\n';
    out << "time namespace: " << yes_no(f.time_ns, "", "uptime inside counts from host boot") << '\n';
    out << "cgroup namespace: " << yes_no(f.cgroup_ns, "", "the container sees host cgroup paths") << '\n';
    out << "openat2: " << yes_no(f.openat2, "RESOLVE_IN_ROOT", "component-by-component open with O_NOFOLLOW") << '\n';
    out << "user namespaces: "
        << yes_no(f.user_ns, "LOCAL_UID and LOCAL_GID", "containers with LOCAL_UID or LOCAL_GID cannot start")
        << '\n';
    out << "idmapped mounts: "
        << yes_no(f.idmapped_mounts, "where the filesystem allows; see below",
                  "ownership shifted on disk for containers with LOCAL_UID")
        << '\n';
    out << "overlayfs: " << yes_no(f.overlayfs, "", "plain directory private areas") << '\n';
    out << "cgroup.kill: " << yes_no(f.cgroup_kill, "", "freeze, SIGKILL each process, thaw") << '\n';
    bool unified_freeze = l.unified && kernel_at_least(f.kernel, 5, 2);
    out << "freezer: "
        << yes_no(f.cgroup_freeze, unified_freeze ? "cgroup.freeze" : "v1 freezer",
                  "SIGKILL each process, repeated until the cgroup is empty")
        << '\n';
    out << "envid: " << yes_no(f.envid, "kernel patch", "CTID kept in the run state") << '\n';
    out << "beancounter controller: " << yes_no(f.beancounter, "kernel patch", "numfile accounted only") << '\n';
    return out.str();
}

}  // namespace vessel::features
