#include "ns/rootfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>

#include "ns/path.h"
#include "ns/proc_mask.h"
#include "ns/syscalls.h"
#include "runtime/base/error.h"

namespace vessel::ns {

namespace {

constexpr std::array kDevNodes{
    DevNode{"null", 'c', 1, 3, 0666},   DevNode{"zero", 'c', 1, 5, 0666},   DevNode{"full", 'c', 1, 7, 0666},
    DevNode{"random", 'c', 1, 8, 0666}, DevNode{"urandom", 'c', 1, 9, 0666}, DevNode{"tty", 'c', 5, 0, 0666},
};

struct DevLink {
    const char* name;
    const char* target;
};

constexpr std::array kDevLinks{
    DevLink{"ptmx", "pts/ptmx"},           DevLink{"fd", "/proc/self/fd"},
    DevLink{"stdin", "/proc/self/fd/0"},   DevLink{"stdout", "/proc/self/fd/1"},
    DevLink{"stderr", "/proc/self/fd/2"},
};

// Size cap of the /dev tmpfs: it holds nodes, links and the odd socket, and
// a container must not be able to fill memory through it.
constexpr const char* kDevOptions = "mode=755,size=65536k";
constexpr unsigned kTtyGid = 5;

// Modes in the tables are meant literally; the umask the child inherited
// must not strip them.
class UmaskZero {
public:
    UmaskZero() : saved_(::umask(0)) {}
    ~UmaskZero() { ::umask(saved_); }
    UmaskZero(const UmaskZero&) = delete;
    UmaskZero& operator=(const UmaskZero&) = delete;

private:
    mode_t saved_;
};

void do_mount(const char* source, int target_fd, const char* fstype, unsigned long flags, const char* data,
              const std::string& step)
{
    if (::mount(source, fd_path(target_fd).c_str(), fstype, flags, data) != 0)
        throw_errno(step);
}

void check_fs_type(int fd, long magic, const std::string& step, const char* what)
{
    struct statfs sfs {};
    if (::fstatfs(fd, &sfs) != 0)
        throw_errno(step + ": statfs");
    if (static_cast<long>(sfs.f_type) != magic)
        throw Error(ExitCode::System, step + ": the new mount is not " + what, EXDEV);
}

void mount_proc(int root_fd)
{
    const std::string step = "mount /proc";
    with_context(step, [&] {
        UniqueFd mp = make_mount_point(root_fd, "proc", MountPointKind::Directory, 0555);
        do_mount("proc", mp.get(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, step);
    });
}

void mount_sys(int root_fd, bool readonly)
{
    // The sysfs of the network namespace the mounting process is in, which
    // is the container's: /sys/class/net lists its own links.
    const std::string step = "mount /sys";
    with_context(step, [&] {
        UniqueFd mp = make_mount_point(root_fd, "sys", MountPointKind::Directory, 0555);
        unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (readonly ? MS_RDONLY : 0);
        do_mount("sysfs", mp.get(), "sysfs", flags, nullptr, step);
    });
}

void make_dev_nodes(int dev_fd)
{
    size_t count = 0;
    const DevNode* nodes = default_dev_nodes(&count);
    for (size_t i = 0; i < count; ++i) {
        const DevNode& n = nodes[i];
        const std::string step = std::string("mknod /dev/") + n.name;
        mode_t type = n.type == 'b' ? S_IFBLK : S_IFCHR;
        if (::mknodat(dev_fd, n.name, type | n.mode, makedev(n.major, n.minor)) == 0)
            continue;
        if (errno == EPERM)
            with_context(step, [&] { bind_host_dev_node(dev_fd, n.name, ExtraDevNode{n.name, n.type, n.major, n.minor}); });
        else
            throw_errno(step);
    }
}

void mount_dev(int root_fd, unsigned numpty, const std::vector<ExtraDevNode>& extra_nodes,
               const std::vector<int>& node_trees)
{
    std::string step = "mount /dev";
    UniqueFd dev = with_context(step, [&] {
        UniqueFd mp = make_mount_point(root_fd, "dev", MountPointKind::Directory);
        do_mount("tmpfs", mp.get(), "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME, kDevOptions, step);
        // mp still holds the directory under the new mount; the walk from
        // the root crosses into the tmpfs just mounted.
        UniqueFd fd = open_in_root(root_fd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW);
        check_fs_type(fd.get(), TMPFS_MAGIC, step, "a tmpfs");
        return fd;
    });

    make_dev_nodes(dev.get());
    for (size_t i = 0; i < extra_nodes.size(); ++i)
        make_dev_node(dev.get(), extra_nodes[i], i < node_trees.size() ? node_trees[i] : -1);

    step = "mount /dev/pts";
    with_context(step, [&] {
        UniqueFd mp = make_mount_point(dev.get(), "pts", MountPointKind::Directory);
        // newinstance: the container's own pty numbering and ptmx, not the
        // host's; gid=5 is the tty group, as on every distribution.
        std::string opts = "newinstance,ptmxmode=0666,mode=0620,gid=" + std::to_string(kTtyGid);
        if (numpty > 0)
            opts += ",max=" + std::to_string(numpty);
        do_mount("devpts", mp.get(), "devpts", MS_NOSUID | MS_NOEXEC, opts.c_str(), step);
        UniqueFd pts = open_in_root(dev.get(), "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW);
        check_fs_type(pts.get(), DEVPTS_SUPER_MAGIC, step, "a devpts");
    });

    step = "mount /dev/shm";
    with_context(step, [&] {
        UniqueFd mp = make_mount_point(dev.get(), "shm", MountPointKind::Directory, 01777);
        do_mount("shm", mp.get(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", step);
    });

    for (const auto& l : kDevLinks)
        if (::symlinkat(l.target, dev.get(), l.name) != 0)
            throw_errno(std::string("symlink /dev/") + l.name + " -> " + l.target);
}

void pivot_into(int root_fd)
{
    // The old root is reached through an fd, not a path: after pivot_root
    // no path names it any more.
    UniqueFd old_root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!old_root)
        throw_errno("pivot_root: open the old root");
    if (::fchdir(root_fd) != 0)
        throw_errno("pivot_root: chdir to the new root");
    // pivot_root(".", ".") stacks the old root on top of the new one, so no
    // directory inside the container is needed to park it.
    if (sys::pivot_root(".", ".") != 0)
        throw_errno("pivot_root");
    if (::fchdir(old_root.get()) != 0)
        throw_errno("pivot_root: chdir to the old root");
    // All mounts are private (the first step), so detaching the host's tree
    // here cannot propagate anywhere.
    if (::umount2(".", MNT_DETACH) != 0)
        throw_errno("detach the old root");
    if (::chdir("/") != 0)
        throw_errno("chdir /");
}

}  // namespace

const DevNode* default_dev_nodes(size_t* count)
{
    if (count != nullptr)
        *count = kDevNodes.size();
    return kDevNodes.data();
}

void setup_rootfs(const RootfsSpec& spec)
{
    if (spec.root.empty() || !spec.root.is_absolute())
        throw Error(ExitCode::InvalidValue, "container root must be an absolute path: \"" + spec.root.string() + "\"");
    UmaskZero umask_zero;

    // Nothing done below may reach the host's mount table: every mount this
    // namespace copied from the host stops propagating.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw_errno("make mounts private");

    // pivot_root needs the new root to be a mount point; a bind of the root
    // on itself makes it one and carries the mounts below it (MS_REC).
    const std::string root = spec.root.string();
    UniqueFd root_fd;
    if (spec.root_tree >= 0) {
        if (sys::move_mount_fds(spec.root_tree, spec.root_target) != 0)
            throw_errno("attach the container's root tree on " + root);
        // The tree's fd names the root of the mount now attached.
        root_fd.reset(::openat(spec.root_tree, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    } else {
        if (::mount(root.c_str(), root.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
            throw_errno("bind " + root);
        root_fd.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    if (!root_fd)
        throw_errno("open " + root);

    mount_proc(root_fd.get());
    mount_sys(root_fd.get(), spec.sys_readonly);
    mount_dev(root_fd.get(), spec.numpty, spec.dev_nodes, spec.dev_node_trees);
    // After /dev: masked files get the container's own, verified /dev/null.
    protect_kernel_paths(root_fd.get(), spec.own_net_ns);
    with_context("cgroup view", [&] { mount_cgroup_view(root_fd.get(), spec.cgroups); });

    if (spec.before_pivot)
        spec.before_pivot(root_fd.get());

    pivot_into(root_fd.get());
}

}  // namespace vessel::ns
