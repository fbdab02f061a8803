// What both backends share: creating the directories (with their undo),
// membership, knob routing through the backend, pid listing, kill and
// removal. v1.cpp and v2.cpp hold what differs.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <set>
#include <sstream>
#include <thread>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/log.h"
#include "runtime/base/undo.h"
#include "runtime/cgroup/backend.h"

namespace vessel::cgroup {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace detail {

namespace {

FsHooks& hooks()
{
    static FsHooks h;
    return h;
}

// Poll intervals grow so that a quick kernel answer is seen at once and a
// slow one does not burn a core.
void backoff_sleep(std::chrono::milliseconds& step)
{
    std::this_thread::sleep_for(step);
    step = std::min<std::chrono::milliseconds>(step * 2, 50ms);
}

// The cgroup directories below dir, deepest first.
void subdirs_bottom_up(const stdfs::path& dir, std::vector<stdfs::path>& out)
{
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr)
        return;  // gone meanwhile: nothing below it either
    std::vector<stdfs::path> children;
    while (struct dirent* e = ::readdir(d)) {
        if (e->d_type != DT_DIR || std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0)
            continue;
        children.push_back(dir / e->d_name);
    }
    ::closedir(d);
    for (const auto& c : children) {
        subdirs_bottom_up(c, out);
        out.push_back(c);
    }
}

int pidfd_open(pid_t pid)
{
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

int pidfd_send_signal(int pidfd, int sig)
{
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

}  // namespace

void set_fs_hooks(FsHooks h)
{
    hooks() = std::move(h);
}

void write_file(const stdfs::path& path, std::string_view data, const std::string& name)
{
    if (int err = try_write_file(path, data))
        throw_errno(err, "write " + name);
}

int try_write_file(const stdfs::path& path, std::string_view data)
{
    // O_TRUNC is what a shell's "echo > knob" does: cgroupfs ignores it,
    // and a fake tree then holds exactly the last value written.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (!fd)
        return errno;
    // A knob takes its value in one write(); a short write is an error.
    for (;;) {
        ssize_t n = ::write(fd.get(), data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        return static_cast<size_t>(n) == data.size() ? 0 : EIO;
    }
}

std::optional<std::string> read_file(const stdfs::path& path)
{
    return fs::read_file(path);
}

std::vector<std::string> split_words(std::string_view text)
{
    std::vector<std::string> out;
    std::istringstream in{std::string(text)};
    for (std::string w; in >> w;)
        out.push_back(std::move(w));
    return out;
}

std::optional<std::string> keyed_value(std::string_view text, std::string_view key)
{
    std::istringstream in{std::string(text)};
    for (std::string line; std::getline(in, line);) {
        auto sp = line.find(' ');
        if (sp != std::string::npos && std::string_view(line).substr(0, sp) == key)
            return line.substr(sp + 1);
    }
    return std::nullopt;
}

bool make_cgroup_dir(const Member& m, const stdfs::path& dir)
{
    if (::mkdir(dir.c_str(), 0755) != 0) {
        if (errno == EEXIST) {
            struct stat st {};
            if (::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
                return false;
            throw Error(ExitCode::System, "mkdir " + dir.string(), ENOTDIR);
        }
        throw_errno("mkdir " + dir.string());
    }
    if (hooks().after_mkdir)
        hooks().after_mkdir(m, dir);
    return true;
}

int remove_cgroup_dir(const stdfs::path& dir, std::chrono::milliseconds busy_wait)
{
    auto deadline = Clock::now() + busy_wait;
    auto step = 1ms;
    for (;;) {
        if (hooks().before_rmdir)
            hooks().before_rmdir(dir);
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT)
            return 0;
        int err = errno;
        if (err != EBUSY || Clock::now() >= deadline)
            return err;
        backoff_sleep(step);
    }
}

Container::Container(std::vector<Member> members) : members_(std::move(members)) {}

std::vector<std::string> Container::paths() const
{
    std::vector<std::string> out;
    for (const auto& m : members_)
        out.push_back(m.dir.string());
    return out;
}

const Member* Container::unified_member() const
{
    for (const auto& m : members_)
        if (m.unified())
            return &m;
    return nullptr;
}

void Container::attach(pid_t pid)
{
    with_context("cgroup", [&] {
        std::string data = std::to_string(pid);
        for (const auto& m : members_)
            if (int err = try_write_file(m.dir / file::procs, data))
                throw_errno(err, "attach " + data + " to " + m.dir.string());
    });
}

std::vector<UniqueFd> Container::open_procs_files() const
{
    return with_context("cgroup", [&] {
        std::vector<UniqueFd> out;
        for (const auto& m : members_) {
            auto p = m.dir / file::procs;
            UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CLOEXEC));
            if (!fd)
                throw_errno("open " + p.string());
            out.push_back(std::move(fd));
        }
        return out;
    });
}

UniqueFd Container::unified_fd() const
{
    const Member* u = unified_member();
    if (u == nullptr)
        return UniqueFd();
    // clone3() refuses O_PATH descriptors for CLONE_INTO_CGROUP.
    return with_context("cgroup", [&] { return fs::open_dir(u->dir); });
}

std::string Container::missing_reason(const std::string&) const
{
    return {};
}

void Container::set(const std::string& file, const std::string& value)
{
    with_context("cgroup", [&] {
        if (file.empty() || file.find('/') != std::string::npos || file.starts_with("."))
            throw Error(ExitCode::InvalidParameter, "invalid cgroup file name '" + file + "'");
        const Member& m = owner(file);
        int err = hooks().before_write ? hooks().before_write(m.dir / file, value) : 0;
        if (err == 0)
            err = try_write_file(m.dir / file, value);
        if (err == ENOENT) {
            std::string why = missing_reason(file);
            if (!why.empty())
                throw Error(ExitCode::System, "write " + file + ": " + why);
        }
        if (err != 0)
            throw_errno(err, "write " + file);
    });
}

std::optional<std::string> Container::get(const std::string& file) const
{
    return with_context("cgroup", [&]() -> std::optional<std::string> {
        if (file.empty() || file.find('/') != std::string::npos || file.starts_with("."))
            throw Error(ExitCode::InvalidParameter, "invalid cgroup file name '" + file + "'");
        return read_file(owner(file).dir / file);
    });
}

std::vector<pid_t> Container::member_pids(const Member& m) const
{
    std::vector<stdfs::path> dirs;
    subdirs_bottom_up(m.dir, dirs);
    dirs.push_back(m.dir);
    std::vector<pid_t> out;
    for (const auto& d : dirs) {
        std::optional<std::string> text;
        try {
            text = read_file(d / file::procs);
        } catch (const Error& e) {
            // A nested cgroup removed while we list is simply empty.
            if (e.sys_errno() != ENODEV && e.sys_errno() != ENOENT)
                throw;
        }
        if (!text)
            continue;
        std::istringstream in(*text);
        for (long p; in >> p;)
            out.push_back(static_cast<pid_t>(p));
    }
    return out;
}

std::vector<pid_t> Container::pids() const
{
    return with_context("cgroup", [&] {
        std::set<pid_t> all;
        for (const auto& m : members_)
            for (pid_t p : member_pids(m))
                all.insert(p);
        return std::vector<pid_t>(all.begin(), all.end());
    });
}

bool Container::empty() const
{
    return with_context("cgroup", [&] {
        for (const auto& m : members_) {
            // v2 counts nested cgroups and is exact about exiting tasks.
            if (m.unified()) {
                if (auto ev = read_file(m.dir / file::events)) {
                    if (keyed_value(*ev, "populated").value_or("0") != "0")
                        return false;
                    continue;
                }
            }
            if (!member_pids(m).empty())
                return false;
        }
        return true;
    });
}

bool Container::unified_freeze_for(const Member& m, std::chrono::milliseconds timeout)
{
    write_file(m.dir / file::freeze, "1", std::string(file::freeze));
    auto deadline = Clock::now() + timeout;
    auto step = 1ms;
    for (;;) {
        auto ev = read_file(m.dir / file::events);
        if (ev && keyed_value(*ev, "frozen") == "1")
            return true;
        if (Clock::now() >= deadline)
            return false;
        backoff_sleep(step);
    }
}

void Container::unified_thaw(const Member& m)
{
    write_file(m.dir / file::freeze, "0", std::string(file::freeze));
}

void Container::freeze()
{
    with_context("cgroup", [&] {
        if (!freeze_for(freeze_timeout_)) {
            // Leave it as it was rather than half frozen.
            try {
                thaw_now();
            } catch (const Error&) {
            }
            throw Error(ExitCode::System, "freeze: not frozen after " + std::to_string(freeze_timeout_.count()) + " ms",
                        ETIMEDOUT);
        }
    });
}

void Container::thaw()
{
    with_context("cgroup", [&] { thaw_now(); });
}

bool Container::is_member_process(pid_t pid) const
{
    std::map<std::string, std::string> where;
    try {
        where = read_proc_cgroup("/proc/" + std::to_string(pid) + "/cgroup");
    } catch (const Error&) {
        return false;  // gone
    }
    for (const auto& m : members_) {
        std::string key = m.unified() ? std::string() : m.controllers.substr(0, m.controllers.find(','));
        auto it = where.find(key);
        if (it == where.end())
            continue;
        const std::string& p = it->second;
        // Never the hierarchy root: that would take in every process on the host.
        if (m.cgroup_path != "/" && (p == m.cgroup_path || p.starts_with(m.cgroup_path + "/")))
            return true;
    }
    return false;
}

void Container::kill_member_process(pid_t pid) const
{
    if (pid <= 0 || pid == ::getpid())
        return;
    UniqueFd pidfd(pidfd_open(pid));
    if (!pidfd && errno != ENOSYS)
        return;  // ESRCH: already gone
    // Read after the pidfd pins the process: if the pid was recycled before
    // the read, the pidfd's process is dead and the signal below fails.
    if (!is_member_process(pid))
        return;
    if (pidfd)
        pidfd_send_signal(pidfd.get(), SIGKILL);
    else
        ::kill(pid, SIGKILL);  // pre-5.3 kernels: the container is frozen, its pids cannot be recycled
}

bool Container::kill_all(std::chrono::milliseconds timeout)
{
    return with_context("cgroup", [&] {
        auto deadline = Clock::now() + timeout;
        const Member* u = unified_member();
        bool have_kill = u != nullptr && ::access((u->dir / file::kill).c_str(), F_OK) == 0;
        auto step = 1ms;
        for (;;) {
            if (empty())
                return true;
            if (have_kill) {
                // Atomic against fork; the per-pid pass below catches members
                // of v1 hierarchies that the unified one does not hold.
                int err = try_write_file(u->dir / file::kill, "1");
                if (err != 0 && err != ENOENT && err != ENODEV)
                    throw_errno(err, "write " + std::string(file::kill));
                for (pid_t p : pids())
                    kill_member_process(p);
            } else {
                // Frozen, nothing can fork or exit between listing and signalling.
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
                bool frozen = false;
                try {
                    frozen = freeze_for(std::max<std::chrono::milliseconds>(10ms, std::min(left, freeze_timeout_)));
                } catch (const Error& e) {
                    log::verbose(std::string("cgroup: kill without freezing: ") + e.what());
                }
                for (pid_t p : pids())
                    kill_member_process(p);
                try {
                    thaw_now();
                } catch (const Error&) {
                    if (frozen)
                        throw;
                }
            }
            if (Clock::now() >= deadline)
                return empty();
            backoff_sleep(step);
        }
    });
}

void Container::destroy()
{
    with_context("cgroup", [&] {
        std::optional<Error> first;
        for (const auto& m : members_) {
            std::vector<stdfs::path> dirs;
            subdirs_bottom_up(m.dir, dirs);
            dirs.push_back(m.dir);
            for (const auto& d : dirs) {
                if (int err = remove_cgroup_dir(d, 1000ms); err != 0 && !first)
                    first = Error(ExitCode::System, "rmdir " + d.string(), err);
            }
        }
        if (first)
            throw *first;
    });
}

}  // namespace detail

namespace {

using detail::Member;

void check_name(const std::string& name)
{
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
        name.find('\n') != std::string::npos)
        throw Error(ExitCode::InvalidValue, "invalid cgroup name '" + name + "'");
}

std::vector<std::string> parent_components(const std::string& parent)
{
    std::vector<std::string> out;
    std::istringstream in(parent);
    for (std::string c; std::getline(in, c, '/');) {
        if (c.empty())
            continue;
        if (c == "." || c == ".." || c.find('\n') != std::string::npos)
            throw Error(ExitCode::InvalidValue, "invalid cgroup parent '" + parent + "'");
        out.push_back(c);
    }
    return out;
}

// The hierarchies a container joins: every v1 hierarchy with a controller
// (named ones such as name=systemd belong to the init system), and the
// unified one, which gives membership, cgroup.kill, cgroup.freeze and the
// CLONE_INTO_CGROUP target even where it holds no controllers.
std::vector<Member> hierarchies(const Layout& layout)
{
    std::vector<Member> out;
    if (layout.mode == Mode::V1) {
        std::map<stdfs::path, std::vector<std::string>> by_mount;
        for (const auto& [ctrl, mount] : layout.v1)
            if (!ctrl.starts_with("name="))
                by_mount[mount].push_back(ctrl);
        for (auto& [mount, ctrls] : by_mount) {
            Member m;
            m.mount = mount;
            for (const auto& c : ctrls)
                m.controllers += (m.controllers.empty() ? "" : ",") + c;
            out.push_back(std::move(m));
        }
    }
    if (layout.unified) {
        Member m;
        m.mount = *layout.unified;
        out.push_back(std::move(m));
    }
    if (out.empty())
        throw Error(ExitCode::System, "no cgroup hierarchy is mounted");
    return out;
}

std::string root_of(const Layout& layout, const Member& m)
{
    std::string key = m.unified() ? std::string() : m.controllers.substr(0, m.controllers.find(','));
    auto it = layout.roots.find(key);
    return it == layout.roots.end() ? std::string("/") : it->second;
}

// dir as /proc/PID/cgroup shows it: the mount's root plus the path below the mount.
std::string cgroup_path_of(const Layout& layout, const Member& m)
{
    std::string root = root_of(layout, m);
    std::string rel = m.dir.lexically_relative(m.mount).generic_string();
    if (rel == "." || rel.empty())
        return root;
    return (root == "/" ? "" : root) + "/" + rel;
}

std::unique_ptr<ProcessContainer> make(const Layout& layout, std::vector<Member> members,
                                       detail::SkippedControllers skipped)
{
    for (auto& m : members)
        m.cgroup_path = cgroup_path_of(layout, m);
    if (layout.mode == Mode::V2)
        return detail::make_v2(std::move(members), std::move(skipped));
    return detail::make_v1(std::move(members));
}

}  // namespace

std::unique_ptr<ProcessContainer> ProcessContainer::create(const Layout& layout, const std::string& parent,
                                                           const std::string& name, const stdfs::path& self_cgroup)
{
    return with_context("cgroup", [&] {
        check_name(name);
        std::vector<std::string> below = parent_components(parent);
        below.push_back(name);
        bool absolute = parent.starts_with("/");

        std::vector<Member> members = hierarchies(layout);
        std::map<std::string, std::string> self;
        if (!absolute)
            self = read_proc_cgroup(self_cgroup);

        UndoStack undo;
        detail::SkippedControllers skipped;
        for (auto& m : members) {
            // Where the own cgroup of the caller is, as a directory of this mount.
            stdfs::path start = m.mount;
            if (!absolute) {
                std::string key = m.unified() ? std::string() : m.controllers.substr(0, m.controllers.find(','));
                auto it = self.find(key);
                if (it == self.end())
                    throw Error(ExitCode::System, "no " + (m.unified() ? std::string("unified") : key) +
                                                      " hierarchy in " + self_cgroup.string());
                std::string own = it->second;
                std::string root = root_of(layout, m);
                if (root != "/") {
                    if (own != root && !own.starts_with(root + "/"))
                        throw Error(ExitCode::System, "own cgroup " + own + " is outside the mounted " + root);
                    own = own.substr(root.size());
                }
                auto rel = stdfs::path(own).relative_path();
                start = rel.empty() ? m.mount : m.mount / rel;
            }
            stdfs::path dir = start;
            for (size_t i = 0; i < below.size(); ++i) {
                stdfs::path up = dir;
                dir /= below[i];
                bool leaf = i + 1 == below.size();
                // Controllers first, so the new directory is born with them.
                if (layout.mode == Mode::V2)
                    detail::v2_prepare_dir(m, up, skipped);
                bool created = detail::make_cgroup_dir(m, dir);
                if (created) {
                    // A parent that another container started using meanwhile stays.
                    undo.push("rmdir " + dir.string(), [dir, leaf] {
                        int err = detail::remove_cgroup_dir(dir, leaf ? 1000ms : 0ms);
                        if (err != 0 && err != EBUSY)
                            throw_errno(err, "rmdir " + dir.string());
                    });
                }
                if (layout.mode == Mode::V1 && !m.unified())
                    detail::v1_prepare_dir(m, up, dir, created);
            }
            m.dir = dir;
        }
        auto pc = make(layout, std::move(members), std::move(skipped));
        undo.commit();
        return pc;
    });
}

std::unique_ptr<ProcessContainer> ProcessContainer::open(const Layout& layout, const std::vector<std::string>& paths)
{
    return with_context("cgroup", [&] {
        std::vector<Member> known = hierarchies(layout);
        std::vector<Member> members;
        for (const auto& p : paths) {
            stdfs::path dir = stdfs::path(p).lexically_normal();
            const Member* match = nullptr;
            for (const auto& m : known) {
                auto rel = dir.lexically_relative(m.mount);
                if (rel.empty() || rel == "." || *rel.begin() == "..")
                    continue;
                if (match == nullptr || m.mount.string().size() > match->mount.string().size())
                    match = &m;
            }
            if (match == nullptr)
                throw Error(ExitCode::System, p + " is not a cgroup below a mounted hierarchy");
            Member m = *match;
            m.dir = dir;
            members.push_back(std::move(m));
        }
        if (members.empty())
            throw Error(ExitCode::System, "no cgroup paths to open");
        return make(layout, std::move(members), {});
    });
}

}  // namespace vessel::cgroup
