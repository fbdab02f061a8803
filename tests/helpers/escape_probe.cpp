// escape_probe CALL [ARG]: makes one system call that a container must not
// be able to use against the host, with arguments that do nothing even
// when the call is let through (an image that is not a module, a module
// name that does not exist, segment counts the kernel rejects, a handle of
// the container's own root, commands and flags no kernel has), and prints
// "CALL ERRNO-NAME" or "CALL OK". The integration tests run it in a CT with
// and without the seccomp filter; EPERM from the filter is told apart from
// the kernel's own answer by the answer without the filter. Static, so
// that it runs in any container.
//
// Two more kinds of attempt, each a mode of its own:
//  * chroot escapes (escape_probe TRICK DIR PATH...): one of the classic
//    ways out of a chroot, ending in chroot("."); prints where "/" is then
//    and which of the PATHs are there (see run_trick);
//  * escape_probe exe_race COMMAND READY STOP: watches for the runtime's
//    processes in the container and tries to get their executable for
//    writing, until STOP exists (see exe_race).
#include <dirent.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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

// --- chroot escapes -------------------------------------------------------
// Each trick but the last chroots into DIR (a directory below the
// container's root) and then climbs out the way it would out of a plain
// chroot(), which leaves the old root reachable above the new one:
// container root keeps sys_chroot. The last climbs from a /proc/PID/root
// link, which leads above our root when PID's root is not ours. A runtime that pivot_root()s into the container and detaches
// the host's tree leaves nothing above the container's root to climb to:
// ".." of the root of a mount namespace is itself.

bool fail_step(const char* trick, const char* step)
{
    const char* name = strerrorname_np(errno);
    std::printf("%s %s %s\n", trick, step, name ? name : "?");
    return false;
}

// Far more ".." than any path on the host is deep; each stops at the root.
bool climb(const char* trick)
{
    for (int i = 0; i < 256; ++i)
        if (::chdir("..") != 0)
            return fail_step(trick, "chdir-dotdot");
    return true;
}

// chroot("sub") without chdir: the working directory stays outside the
// new root, and ".." is never stopped on the way up.
bool trick_dotdot(const char* trick, const char* dir)
{
    if (::chroot(dir) != 0)
        return fail_step(trick, "chroot");
    return climb(trick);
}

// Opens KEEP, then chroot(DIR) and chdir("/") as a careful chroot would:
// the fd is all that is left of what lies above the new root. Returns the
// fd, or -1 once the step that failed is printed.
int chroot_keeping(const char* trick, const char* dir, const char* keep)
{
    int fd = ::open(keep, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fail_step(trick, "open-kept"), -1;
    if (::chroot(dir) != 0)
        return fail_step(trick, "chroot"), -1;
    if (::chdir("/") != 0)
        return fail_step(trick, "chdir-root"), -1;
    return fd;
}

// An fd of "/" kept across chroot("sub"): fchdir() puts the working
// directory back above the new root.
bool trick_fchdir(const char* trick, const char* dir)
{
    int old_root = chroot_keeping(trick, dir, "/");
    if (old_root < 0)
        return false;
    if (::fchdir(old_root) != 0)
        return fail_step(trick, "fchdir");
    ::close(old_root);
    return climb(trick);
}

// An fd of /proc kept across chroot("sub"): "1/root" is init's root, which
// is not ours any more, so ".." below it is not stopped at our root either.
bool trick_proc_init_root(const char* trick, const char* dir)
{
    int proc = chroot_keeping(trick, dir, "/proc");
    if (proc < 0)
        return false;
    int up = ::openat(proc, "1/root/../../../../../../../..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (up < 0)
        return fail_step(trick, "open-1-root-dotdot");
    if (::fchdir(up) != 0)
        return fail_step(trick, "fchdir");
    ::close(up);
    ::close(proc);
    return climb(trick);
}

// The magic links themselves, without a chroot first.
bool trick_proc_link(const char* trick, const char* link)
{
    char path[4096];
    std::snprintf(path, sizeof path, "%s/..", link);
    if (::chdir(path) != 0)
        return fail_step(trick, "chdir-link-dotdot");
    return climb(trick);
}

struct Trick {
    const char* name;
    bool (*climb_out)(const char* trick, const char* dir);
};

constexpr Trick kTricks[] = {
    {"chroot_dotdot", trick_dotdot},
    {"chroot_fchdir", trick_fchdir},
    {"chroot_proc_init_root", trick_proc_init_root},
    {"proc_root_dotdot", trick_proc_link},   // DIR is the link: /proc/1/root or /proc/self/root
};

const char* yes_no(const char* path)
{
    struct stat st {};
    return ::lstat(path, &st) == 0 ? "yes" : "no";
}

// Runs the trick, makes wherever it got to the root (chroot(".")), and
// prints "TRICK root=DEV:INO PATH=yes|no..." for that root, or
// "TRICK STEP ERRNO" if a step failed. DEV:INO is what `stat -c %d:%i`
// prints for the same directory.
int run_trick(const Trick& t, const char* dir, char** paths)
{
    if (!t.climb_out(t.name, dir))
        return 0;
    if (::chroot(".") != 0) {
        fail_step(t.name, "chroot-dot");
        return 0;
    }
    struct stat root {};
    if (::stat("/", &root) != 0) {
        fail_step(t.name, "stat-root");
        return 0;
    }
    std::printf("%s root=%llu:%llu", t.name, static_cast<unsigned long long>(root.st_dev),
                static_cast<unsigned long long>(root.st_ino));
    for (char** p = paths; *p != nullptr; ++p)
        std::printf(" %s=%s", *p, yes_no(*p));
    std::printf("\n");
    return 0;
}

// --- CVE-2019-5736 as a race ----------------------------------------------
// Container root scans /proc as fast as it can for a process whose comm
// starts with "vessel" (the runtime's process between its creation in the
// container and the exec of the command). For each one it gets hold of
// before the exec (its executable is not COMMAND's file):
//  write-exe    opens /proc/PID/exe for writing;
//  reopen-now   keeps an fd of /proc/PID/exe and reopens that for writing;
//  ptrace       attaches with PTRACE_SEIZE; if that works, compares the
//               process's effective and bounding capabilities (stopped, so
//               they cannot change under us) with those of the container's
//               init;
//  reopen-later reopens each kept fd for writing once STOP exists, when no
//               runtime process runs any more (so ETXTBSY cannot answer).
// Nothing is ever written: opened with O_APPEND and closed again.
// Prints when STOP appears (or after 5 minutes):
//   seen N          processes named vessel* found
//   caught N        of those, with an executable that was not yet COMMAND's
//   write-exe ok=N refused=N [ERRNO=N...]   (and so on for every attempt)
//   ptrace ok=N refused=N host-caps=N   (ok: attached; host-caps: of those,
//                                       with other capabilities than init's)

constexpr int kMaxCaught = 512;
constexpr int kMaxErrnos = 8;

struct Attempt {
    const char* name;
    int ok = 0;
    int refused = 0;
    int errnos[kMaxErrnos] = {};
    int counts[kMaxErrnos] = {};

    void refuse(int err)
    {
        ++refused;
        for (int i = 0; i < kMaxErrnos; ++i) {
            if (counts[i] == 0 || errnos[i] == err) {
                errnos[i] = err;
                ++counts[i];
                return;
            }
        }
    }
    void print() const
    {
        std::printf("%s ok=%d refused=%d", name, ok, refused);
        for (int i = 0; i < kMaxErrnos && counts[i] > 0; ++i) {
            const char* e = strerrorname_np(errnos[i]);
            std::printf(" %s=%d", e ? e : "?", counts[i]);
        }
        std::printf("\n");
    }
};

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// The CapEff and CapBnd lines of /proc/PID/status, or "" if it cannot be
// read.
void caps_of(pid_t pid, char* out, size_t size)
{
    out[0] = '\0';
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
    FILE* f = std::fopen(path, "re");
    if (f == nullptr)
        return;
    size_t used = 0;
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr && used < size)
        if (!std::strncmp(line, "CapEff:", 7) || !std::strncmp(line, "CapBnd:", 7))
            used += static_cast<size_t>(std::snprintf(out + used, size - used, "%s", line));
    std::fclose(f);
}

struct Race {
    struct stat command {};
    int seen = 0;
    int caught = 0;
    int kept[kMaxCaught] = {};
    int n_kept = 0;
    int host_caps = 0;
    char init_caps[256] = {};
    Attempt write_exe{"write-exe"};
    Attempt reopen_now{"reopen-now"};
    Attempt ptrace_seize{"ptrace"};
    Attempt reopen_later{"reopen-later"};

    // Opens PATH for writing. A success counts only if the file is still
    // the runtime's, not COMMAND's that the process has executed since.
    void try_write(Attempt& a, const char* path)
    {
        int fd = ::open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0) {
            a.refuse(errno);
            return;
        }
        struct stat st {};
        if (::fstat(fd, &st) == 0 && !same_file(st, command))
            ++a.ok;
        ::close(fd);
    }

    void try_ptrace(pid_t pid)
    {
        if (::ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) != 0) {
            ptrace_seize.refuse(errno);
            return;
        }
        ++ptrace_seize.ok;
        // Waited for even if the interrupt fails: a tracee that has exited
        // is reported to us first, and to its parent (vessel, waiting for
        // the command) only once we have collected it.
        ::ptrace(PTRACE_INTERRUPT, pid, nullptr, nullptr);
        int status = 0;
        if (::waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status))
            return;
        char caps[256];
        caps_of(pid, caps, sizeof caps);
        if (caps[0] != '\0' && std::strcmp(caps, init_caps) != 0)
            ++host_caps;
        ::ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
    }

    void attack(pid_t pid)
    {
        ++seen;
        char exe[64];
        std::snprintf(exe, sizeof exe, "/proc/%d/exe", static_cast<int>(pid));
        int keep = ::open(exe, O_RDONLY | O_CLOEXEC);
        struct stat st {};
        if (keep < 0 || ::fstat(keep, &st) != 0 || same_file(st, command)) {
            if (keep >= 0)
                ::close(keep);
            return;  // gone, or already the command
        }
        ++caught;
        try_write(write_exe, exe);
        char again[64];
        std::snprintf(again, sizeof again, "/proc/self/fd/%d", keep);
        try_write(reopen_now, again);
        try_ptrace(pid);
        if (n_kept < kMaxCaught)
            kept[n_kept++] = keep;
        else
            ::close(keep);
    }

    void reopen_kept()
    {
        for (int i = 0; i < n_kept; ++i) {
            char again[64];
            std::snprintf(again, sizeof again, "/proc/self/fd/%d", kept[i]);
            try_write(reopen_later, again);
            ::close(kept[i]);
        }
    }
};

bool has_runtime_name(int proc, long pid)
{
    char path[64];
    std::snprintf(path, sizeof path, "%ld/comm", pid);
    int fd = ::openat(proc, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char comm[17] = {};
    ssize_t n = ::read(fd, comm, sizeof comm - 1);
    ::close(fd);
    return n >= 6 && !std::strncmp(comm, "vessel", 6);
}

int exe_race(const char* command, const char* ready, const char* stop)
{
    static Race race;  // large; and zeroed
    if (::stat(command, &race.command) != 0) {
        std::printf("exe_race stat-command %s\n", strerrorname_np(errno));
        return 1;
    }
    caps_of(1, race.init_caps, sizeof race.init_caps);
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) {
        std::printf("exe_race open-proc %s\n", strerrorname_np(errno));
        return 1;
    }
    // Each PID once: the container's PIDs grow and are not reused this soon.
    static bool done[1 << 22];
    const time_t give_up = ::time(nullptr) + 300;
    int fd = ::open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        ::close(fd);
    for (long round = 0;; ++round) {
        // Checked every few hundred rounds: the scan itself is the point.
        if (round % 256 == 0 && (::access(stop, F_OK) == 0 || ::time(nullptr) > give_up))
            break;
        ::rewinddir(proc);
        while (const struct dirent* e = ::readdir(proc)) {
            char* end = nullptr;
            long pid = std::strtol(e->d_name, &end, 10);
            if (*end != '\0' || pid <= 0 || pid >= static_cast<long>(sizeof done) || done[pid] || pid == ::getpid())
                continue;
            if (!has_runtime_name(::dirfd(proc), pid))
                continue;
            done[pid] = true;
            race.attack(static_cast<pid_t>(pid));
        }
    }
    ::closedir(proc);
    race.reopen_kept();
    std::printf("seen %d\ncaught %d\n", race.seen, race.caught);
    race.write_exe.print();
    race.reopen_now.print();
    race.reopen_later.print();
    std::printf("ptrace ok=%d refused=%d host-caps=%d\n", race.ptrace_seize.ok, race.ptrace_seize.refused,
                race.host_caps);
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: escape_probe CALL [ARG] | TRICK DIR PATH... | exe_race COMMAND READY STOP\n");
        return 2;
    }
    if (argc >= 3) {
        for (const Trick& t : kTricks)
            if (!std::strcmp(argv[1], t.name))
                return run_trick(t, argv[2], argv + 3);
    }
    if (!std::strcmp(argv[1], "exe_race") && argc == 5)
        return exe_race(argv[2], argv[3], argv[4]);
    errno = 0;
    long rc = call(argv[1], argc > 2 ? argv[2] : nullptr);
    const char* what = rc < 0 ? strerrorname_np(errno) : "OK";
    std::printf("%s %s\n", argv[1], what ? what : "?");
    return 0;
}
