// escape_probe CALL [ARG]: makes one system call that a container must not
// be able to use against the host, with arguments that do nothing even
// when the call is let through (an image that is not a module, a module
// name that does not exist, segment counts the kernel rejects, a handle of
// the container's own root, commands and flags no kernel has), and prints
// "CALL ERRNO-NAME" or "CALL OK". The integration tests run it in a CT with
// and without the seccomp filter; EPERM from the filter is told apart from
// the kernel's own answer by the answer without the filter. Static, so
// that it runs in any container.
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

long open_own_root_by_handle()
{
    // A real handle: the container's "/", the inode any handle could name
    // instead if the call were allowed ("shocker").
    struct {
        unsigned int handle_bytes;
        int handle_type;
        unsigned char f_handle[128];
    } h{};
    h.handle_bytes = sizeof h.f_handle;
    int mount_id = 0;
    if (::syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &h, &mount_id, 0) != 0)
        h.handle_bytes = 0;  // no handles on this file system: the kernel's EINVAL
    int root = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    long rc = ::syscall(SYS_open_by_handle_at, root, &h, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rc >= 0)
        ::close(static_cast<int>(rc));
    return rc < 0 ? -1 : 0;
}

long call(const char* name, const char* arg)
{
    static const unsigned char not_elf[16] = "not a module";
    if (!std::strcmp(name, "init_module"))
        return ::syscall(SYS_init_module, not_elf, sizeof not_elf, "");
    if (!std::strcmp(name, "finit_module")) {
        int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        return ::syscall(SYS_finit_module, fd, "", 0);
    }
    if (!std::strcmp(name, "delete_module"))
        return ::syscall(SYS_delete_module, "vessel_no_such_module", O_NONBLOCK);
    if (!std::strcmp(name, "kexec_load"))  // 1000 segments: over the limit, refused before anything is read
        return ::syscall(SYS_kexec_load, 0UL, 1000UL, nullptr, 0UL);
    if (!std::strcmp(name, "kexec_file_load"))  // no such flag
        return ::syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0x80000000UL);
    if (!std::strcmp(name, "open_by_handle_at"))
        return open_own_root_by_handle();
    if (!std::strcmp(name, "bpf"))  // no such command
        return ::syscall(SYS_bpf, 10000, nullptr, 0);
    if (!std::strcmp(name, "perf_event_open"))  // no attributes
        return ::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0);
    if (!std::strcmp(name, "userfaultfd"))  // no such flag
        return ::syscall(SYS_userfaultfd, 0x4000);
    if (!std::strcmp(name, "keyctl"))  // no such operation
        return ::syscall(SYS_keyctl, 10000, 0, 0, 0, 0);
    if (!std::strcmp(name, "add_key"))  // a keyring id nothing has
        return ::syscall(SYS_add_key, "user", "vessel-probe", "x", 1, -1000);
    if (!std::strcmp(name, "request_key"))
        return ::syscall(SYS_request_key, "user", "vessel-no-such-key", nullptr, 0);
    if (!std::strcmp(name, "syslog"))  // the size of the kernel's log buffer: reads nothing
        return ::syscall(SYS_syslog, 10, nullptr, 0);
    if (!std::strcmp(name, "fsopen"))
        return ::syscall(SYS_fsopen, "vessel_no_such_fs", 0);
    if (!std::strcmp(name, "getcwd")) {
        char buf[4096];
        return ::syscall(SYS_getcwd, buf, sizeof buf) < 0 ? -1 : 0;
    }
    if (!std::strcmp(name, "reboot"))  // bad magic: EINVAL, after the filter let it through
        return ::syscall(SYS_reboot, 0, 0, 0, nullptr);
    if (!std::strcmp(name, "nr") && arg != nullptr)  // a raw number, all arguments 0
        return ::syscall(std::strtol(arg, nullptr, 0), 0, 0, 0, 0, 0, 0);
    std::fprintf(stderr, "escape_probe: unknown call %s\n", name);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: escape_probe CALL [ARG]\n");
        return 2;
    }
    errno = 0;
    long rc = call(argv[1], argc > 2 ? argv[2] : nullptr);
    const char* what = rc < 0 ? strerrorname_np(errno) : "OK";
    std::printf("%s %s\n", argv[1], what ? what : "?");
    return 0;
}
