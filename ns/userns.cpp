#include "ns/userns.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "ns/clone.h"
#include "ns/syscalls.h"
#include "runtime/base/error.h"

namespace vessel::ns {

namespace {

void write_proc_file(pid_t pid, const char* name, const std::string& text)
{
    const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        throw_errno("open " + path);
    // The kernel takes a map in one write or not at all.
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw_errno("write " + path + " (\"" + text.substr(0, text.size() - 1) + "\")");
}

void reap(pid_t pid)
{
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

void write_id_maps(pid_t pid, const IdMap& map)
{
    write_proc_file(pid, "uid_map", "0 " + std::to_string(map.uid) + " " + std::to_string(map.count) + "\n");
    write_proc_file(pid, "gid_map", "0 " + std::to_string(map.gid) + " " + std::to_string(map.count) + "\n");
}

UniqueFd userns_with_map(const IdMap& map)
{
    // A child holds the namespace open until its map is written and an fd
    // of it taken; the fd keeps it alive after the child is gone.
    int hold[2];
    if (::pipe2(hold, O_CLOEXEC) != 0)
        throw_errno("pipe");
    UniqueFd hold_read(hold[0]), hold_write(hold[1]);
    auto child = clone_process({CLONE_NEWUSER, -1, SIGCHLD}, [&]() -> int {
        hold_write.reset();
        char c;
        while (::read(hold_read.get(), &c, 1) < 0 && errno == EINTR) {
        }
        return 0;
    });
    hold_read.reset();
    UniqueFd ns;
    try {
        write_id_maps(child.pid, map);
        const std::string path = "/proc/" + std::to_string(child.pid) + "/ns/user";
        ns.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!ns)
            throw_errno("open " + path);
    } catch (...) {
        hold_write.reset();
        reap(child.pid);
        throw;
    }
    hold_write.reset();
    reap(child.pid);
    return ns;
}

UniqueFd detached_tree(const std::string& dir, int idmap_userns)
{
    UniqueFd tree(sys::open_tree(AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (!tree)
        throw_errno("open_tree " + dir);
    if (idmap_userns >= 0 && sys::mount_set_attr(tree.get(), MOUNT_ATTR_IDMAP, AT_RECURSIVE, idmap_userns) != 0)
        throw_errno("idmapped mount of " + dir);
    return tree;
}

bool idmap_supported(const std::string& dir)
{
    try {
        // Any map but the identity will do; this is vzctl's usual one.
        UniqueFd ns = userns_with_map(IdMap{100000, 100000, 65536});
        detached_tree(dir, ns.get());
        return true;
    } catch (const Error&) {
        return false;
    }
}

std::pair<uid_t, gid_t> host_ids_of_root(pid_t pid)
{
    auto root_of = [pid](const char* file) -> std::uint32_t {
        const std::string path = "/proc/" + std::to_string(pid) + "/" + file;
        std::ifstream in(path);
        if (!in)
            throw_errno("open " + path, ExitCode::NotRunning);
        std::uint64_t inside = 0, outside = 0, count = 0;
        while (in >> inside >> outside >> count)
            if (inside == 0 && count > 0)
                return static_cast<std::uint32_t>(outside);
        throw Error(ExitCode::System, path + ": id 0 is not mapped", EINVAL);
    };
    return {root_of("uid_map"), root_of("gid_map")};
}

FsIdsAs::FsIdsAs(std::pair<uid_t, gid_t> ids)
{
    if (ids.first == 0 && ids.second == 0)
        return;
    uid_ = static_cast<uid_t>(::setfsuid(ids.first));
    gid_ = static_cast<gid_t>(::setfsgid(ids.second));
    // setfs[ug]id report no error; reading them back does. No destructor
    // runs for a constructor that throws: put them back here.
    if (static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) != ids.first ||
        static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) != ids.second) {
        ::setfsgid(gid_);
        ::setfsuid(uid_);
        throw Error(ExitCode::System, "setfsuid/setfsgid " + std::to_string(ids.first) + ":" +
                                          std::to_string(ids.second) + " did not take", EPERM);
    }
    changed_ = true;
}

FsIdsAs::~FsIdsAs()
{
    if (!changed_)
        return;
    ::setfsgid(gid_);
    ::setfsuid(uid_);
}

void become_ns_root()
{
    if (::setresgid(0, 0, 0) != 0)
        throw_errno("setresgid 0 in the user namespace");
    if (::setgroups(0, nullptr) != 0)
        throw_errno("setgroups in the user namespace");
    if (::setresuid(0, 0, 0) != 0)
        throw_errno("setresuid 0 in the user namespace");
}

}  // namespace vessel::ns
