#include "runtime/lifecycle/launch.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/process.h"
#include "runtime/security/caps.h"
#include "runtime/security/seccomp_filter.h"
#include "ns/clone.h"
#include "ns/dev_nodes.h"
#include "ns/join.h"
#include "ns/rootfs.h"
#include "ns/userns.h"
#include "runtime/lifecycle/cgroup_view.h"
#include "runtime/lifecycle/ownership.h"
#include "runtime/lifecycle/process_limits.h"
#include "runtime/lifecycle/sync_channel.h"

namespace vessel::lifecycle {

namespace {

// A fresh time namespace for the next child whose clocks read zero at
// start, so `uptime` in the CT counts from CT start.
void prepare_time_namespace()
{
    if (::unshare(CLONE_NEWTIME) != 0)
        throw_errno("unshare time namespace");
    struct timespec mono {}, boot {};
    ::clock_gettime(CLOCK_MONOTONIC, &mono);
    ::clock_gettime(CLOCK_BOOTTIME, &boot);
    std::string offsets = "monotonic " + std::to_string(-static_cast<long long>(mono.tv_sec)) + " 0\n" +
                          "boottime " + std::to_string(-static_cast<long long>(boot.tv_sec)) + " 0\n";
    UniqueFd fd(::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), offsets.data(), offsets.size()) != static_cast<ssize_t>(offsets.size()))
        throw_errno("write /proc/self/timens_offsets");
}

// The first line of /etc/hostname inside the (already pivoted) root, or
// "localhost". Read without following a symlink out of the CT's view.
std::string hostname_of_root()
{
    std::string name;
    UniqueFd fd(::open("/etc/hostname", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    struct stat st {};
    if (fd && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode)) {
        char buf[65];
        ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
        if (n > 0)
            name.assign(buf, static_cast<size_t>(n));
    }
    name = name.substr(0, name.find_first_of("\n \t"));
    return name.empty() ? "localhost" : name;
}

void reset_signals()
{
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP)
            ::signal(sig, SIG_DFL);
}

// Runs in the new namespaces, as the container's PID 1; returns only on error.
[[noreturn]] void init_child(const spec::ContainerSpec& spec, const security::SeccompFilter& seccomp, int sync,
                             int root_tree, const std::vector<int>& node_trees)
{
    if (!SyncChannel::wait_go(sync))
        ::_exit(1);
    try {
        reset_signals();
        // The mount point is this mount namespace's (an fd opened by the
        // parent names the parent's), and is opened while the host's uid 0
        // may still walk the path to it.
        UniqueFd root_target;
        if (root_tree >= 0)
            root_target = fs::open_dir(spec.root, O_PATH);
        if (spec.userns)
            ns::become_ns_root();
        if (::setsid() < 0)
            throw_errno("setsid");
        // Only now is it in all its cgroups: a cgroup namespace made here has
        // the process container as its root in every hierarchy (clone3 made
        // one only where CLONE_INTO_CGROUP had placed it already).
        if (spec.late_cgroup_ns && ::unshare(CLONE_NEWCGROUP) != 0)
            throw_errno("unshare cgroup namespace");
        ns::RootfsSpec rootfs;
        rootfs.root = spec.root;
        rootfs.numpty = spec.resources.numpty.value_or(0);
        rootfs.own_net_ns = (spec.ns_flags & CLONE_NEWNET) != 0;
        rootfs.cgroups = cgroup_view_for(spec.cgroup_layout, (spec.ns_flags & CLONE_NEWCGROUP) != 0);
        rootfs.dev_nodes = spec.devices.nodes;
        rootfs.root_tree = root_tree;
        rootfs.root_target = root_target.get();
        rootfs.dev_node_trees = node_trees;
        with_context("rootfs", [&] { ns::setup_rootfs(rootfs); });
        // The boot marker of the previous run must not satisfy `start --wait`.
        ::unlink("/run/vessel-booted");
        // Without HOSTNAME the CT's own /etc/hostname names it; the host's
        // name, which the new UTS namespace starts with, never shows.
        std::string hostname = spec.hostname.empty() ? hostname_of_root() : spec.hostname;
        if (::sethostname(hostname.data(), hostname.size()) != 0)
            throw_errno("sethostname " + hostname);
        // No host fd reaches container code: 0-2 are reopened inside the
        // container, everything else but the sync socket is closed.
        UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
        if (!null)
            throw_errno("open /dev/null in the container");
        for (int fd = 0; fd < 3; ++fd)
            if (::dup2(null.get(), fd) < 0)
                throw_errno("dup2");
        null.reset();
        close_fds_except({0, 1, 2, sync});
        // Before the capabilities go: loading needs sys_admin (see seccomp_filter.h).
        with_context("seccomp", [&] { security::load_seccomp(seccomp); });
        with_context("capabilities", [&] { security::apply_caps(spec.cap_keep); });

        std::vector<char*> env;
        for (const auto& e : spec.init_env)
            env.push_back(const_cast<char*>(e.c_str()));
        env.push_back(nullptr);
        std::string tried;
        for (const auto& path : spec.init_candidates) {
            char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
            ::execve(path.c_str(), argv, env.data());
            if (errno != ENOENT && errno != ENOTDIR)
                throw_errno("exec " + path);
            tried += (tried.empty() ? "" : ", ") + path;
        }
        throw Error(ExitCode::BadCt, "no init to run in the container (tried " + tried + ")");
    } catch (const Error& e) {
        SyncChannel::fail(sync, static_cast<int>(e.code()), e.what());
    } catch (const std::exception& e) {
        SyncChannel::fail(sync, static_cast<int>(ExitCode::System), e.what());
    }
    ::_exit(1);
}

// After a failed launch: the host's side of what was set up. The error that
// made the launch fail is the one to report, not one from here.
void remove_network(const LaunchedInit& out)
{
    try {
        net::teardown_netifs(out.bridged);
        net::teardown_venet(out.venet);
    } catch (const Error&) {
    }
}

}  // namespace

LaunchedInit launch_init(const spec::ContainerSpec& spec, cgroup::ProcessContainer& cg)
{
    SyncChannel sync;

    std::uint64_t flags = spec.ns_flags;
    if (spec.late_cgroup_ns)
        flags &= ~static_cast<std::uint64_t>(CLONE_NEWCGROUP);
    if (spec.time_ns)
        prepare_time_namespace();
    UniqueFd cgfd = cg.unified_fd();
    const security::SeccompFilter seccomp = security::prepare_seccomp(spec.seccomp);
    // A CT with a user namespace gets its root as a tree to attach (rootfs.h).
    // Its DEVNODES too: its root may not mknod, and the host's own nodes
    // carry the host's owner and mode.
    UniqueFd root_tree;
    std::vector<UniqueFd> node_trees;
    std::vector<int> node_tree_fds;
    if (spec.userns) {
        with_context("root tree", [&] {
            UniqueFd idmap = root_is_idmapped(spec.private_dir, spec.userns) ? ns::userns_with_map(*spec.userns)
                                                                              : UniqueFd();
            root_tree = ns::detached_tree(spec.root.string(), idmap.get());
        });
        node_trees = ns::detached_dev_nodes(spec.devices.nodes, spec.userns->uid, spec.userns->gid);
        for (const auto& fd : node_trees)
            node_tree_fds.push_back(fd.get());
    }
    const int child_sync = sync.child_fd();
    auto res = ns::clone_process({flags, cgfd ? cgfd.get() : -1, SIGCHLD}, [&]() -> int {
        init_child(spec, seccomp, child_sync, root_tree.get(), node_tree_fds);
    });
    sync.close_child_end();
    root_tree.reset();
    node_trees.clear();

    auto fail = [&](Error e) -> LaunchedInit {
        ns::send_signal(res.pidfd.get(), res.pid, SIGKILL);
        int status;
        while (::waitpid(res.pid, &status, 0) < 0 && errno == EINTR) {
        }
        throw e;
    };
    try {
        // v1 hierarchies (and cgroup2 when CLONE_INTO_CGROUP was not used):
        // the child is still waiting for "go", so it runs no container code
        // outside its process container.
        cg.attach(res.pid);
    } catch (Error& e) {
        return fail(e.add_context("process container"));
    }
    try {
        if (spec.userns)
            with_context("user namespace", [&] { ns::write_id_maps(res.pid, *spec.userns); });
        apply_process_limits_to(res.pid, spec.resources);
    } catch (Error& e) {
        return fail(e);
    }
    LaunchedInit out;
    if (spec.ns_flags & CLONE_NEWNET) {
        // Also before "go": the CT's addresses work from its first instruction.
        try {
            UniqueFd netns = ns::open_namespace(res.pid, res.pidfd.get(), CLONE_NEWNET);
            out.venet = net::setup_venet(netns.get(), spec.id, spec.ip_addresses, {spec.neighbour_devs});
            net::add_netifs(netns.get(), out.bridged, spec.netifs);
        } catch (Error& e) {
            remove_network(out);
            return fail(e.add_context("network"));
        }
    }
    sync.release();
    if (auto failure = sync.result()) {
        remove_network(out);
        return fail(Error(static_cast<ExitCode>(failure->code), failure->message));
    }

    auto ref = ProcessRef::of(res.pid);
    if (!ref) {
        // It executed init and died at once: still ours to reap (by the caller).
        out.ref = ProcessRef{res.pid, 0};
    } else {
        out.ref = *ref;
    }
    out.pidfd = std::move(res.pidfd);
    out.how = res.path;
    return out;
}

}  // namespace vessel::lifecycle
