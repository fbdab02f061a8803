// vessel-spawn: the last step of `vessel exec` and `vessel enter`.
//
// Usage (by vessel only): vessel-spawn SYNC_FD TTY_FD N CMD [ARGS...] [FALLBACK...]
//   SYNC_FD  the sync channel to the waiting vessel (runtime/lifecycle/sync_wire.h)
//   TTY_FD   a pty slave to become the command's controlling terminal, or -1
//   N        how many words after N are the command; the words after those,
//            if any, run instead when the command does not exist
// The environment is the command's own, and its PATH is searched.
//
// vessel joins the container from a process in the host's PID namespace,
// which no container process can see, and executes this program there from a
// read-only detached mount (ns/sealed_exe.h), holding only the container's
// capabilities. This program then creates the command's process in the
// container's PID namespace. That process is visible to the container until
// it executes the command, and container root keeps CAP_SYS_PTRACE, so it
// must have nothing worth stealing: no host privilege, no host fd, and an
// executable (/proc/PID/exe) that cannot be opened for writing. A copy of
// vessel itself would fail the last test, so the copy made here is of this
// small program.
//
// The command's process is made a child of vessel (CLONE_PARENT), which
// waits for it; this program exits as soon as it has reported the PID. It is
// linked statically against libc only: it has to start in a fraction of a
// millisecond on every exec.
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sched.h>

#include "runtime/base/exit_codes.h"
#include "runtime/lifecycle/sync_wire.h"

namespace {

namespace wire = vessel::lifecycle::wire;

constexpr int kSystem = static_cast<int>(vessel::ExitCode::System);
constexpr int kNotFound = 127;   // as a shell says it
constexpr int kCannotRun = 126;

bool parse_int(const char* s, long lo, long hi, long* out)
{
    if (s == nullptr || *s == '\0')
        return false;
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

[[noreturn]] void fail(int sync, int code, const char* what, const char* detail)
{
    wire::send_failure(sync, code, what, detail);
    ::_exit(code);
}

// execve of name, searched in PATH when it has no '/'; returns the errno
// that says best why nothing ran (anything but ENOENT beats ENOENT, as in a
// shell: a command found but not executable is not "not found").
int try_exec(const char* name, char* const argv[])
{
    if (std::strchr(name, '/') != nullptr) {
        ::execve(name, argv, environ);
        return errno;
    }
    const char* path = std::getenv("PATH");
    if (path == nullptr)
        path = "/usr/sbin:/usr/bin:/sbin:/bin";
    int err = ENOENT;
    const size_t name_len = std::strlen(name);
    for (const char* p = path;; ++p) {
        const char* colon = std::strchr(p, ':');
        size_t dir_len = colon ? static_cast<size_t>(colon - p) : std::strlen(p);
        char full[4096];
        if (dir_len + 1 + name_len + 1 <= sizeof full) {
            if (dir_len == 0) {
                full[0] = '.';
                dir_len = 1;
            } else {
                std::memcpy(full, p, dir_len);
            }
            full[dir_len] = '/';
            std::memcpy(full + dir_len + 1, name, name_len + 1);
            ::execve(full, argv, environ);
            if (errno != ENOENT && errno != ENOTDIR)
                err = errno;
        }
        if (colon == nullptr)
            break;
        p = colon;
    }
    return err;
}

[[noreturn]] void run_command(int sync, int tty, char** cmd, char** fallback)
{
    if (tty >= 0) {
        // Its own session, so that the pty hangs up on it alone when it ends.
        if (::setsid() < 0)
            fail(sync, kSystem, "setsid", std::strerror(errno));
        if (::ioctl(tty, TIOCSCTTY, 0) != 0)
            fail(sync, kSystem, "set the controlling terminal", std::strerror(errno));
        for (int fd = 0; fd <= 2; ++fd)
            if (::dup2(tty, fd) < 0)
                fail(sync, kSystem, "dup2 the pty", std::strerror(errno));
        if (tty > 2)
            ::close(tty);
    }
    int err = try_exec(cmd[0], cmd);
    if ((err == ENOENT || err == ENOTDIR) && fallback[0] != nullptr) {
        ::execve(fallback[0], fallback, environ);
        err = errno;
    }
    char what[512];
    if (err == ENOENT || err == ENOTDIR) {
        std::snprintf(what, sizeof what, "%s: command not found in the container", cmd[0]);
        fail(sync, kNotFound, what, "");
    }
    std::snprintf(what, sizeof what, "%s", cmd[0]);
    fail(sync, kCannotRun, what, std::strerror(err));
}

}  // namespace

int main(int argc, char** argv)
{
    // Dumpable again after the exec that started us; the command's process
    // inherits this until it executes the command.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // Executed through an fd, the kernel named us after its number.
    ::prctl(PR_SET_NAME, "vessel-spawn", 0, 0, 0);

    long sync = -1;
    long tty = -1;
    long n = 0;
    if (argc < 5 || !parse_int(argv[1], 0, 1 << 20, &sync) || !parse_int(argv[2], -1, 1 << 20, &tty) ||
        !parse_int(argv[3], 1, argc - 4, &n)) {
        std::fprintf(stderr, "vessel-spawn: run by vessel only (usage: vessel-spawn SYNC_FD TTY_FD N CMD...)\n");
        return 2;
    }
    const int sync_fd = static_cast<int>(sync);
    const int tty_fd = static_cast<int>(tty);
    // Both were passed across our exec; the command must not inherit them.
    if (::fcntl(sync_fd, F_SETFD, FD_CLOEXEC) != 0)
        return 2;
    if (tty_fd >= 0 && ::fcntl(tty_fd, F_SETFD, FD_CLOEXEC) != 0)
        fail(sync_fd, kSystem, "pty", std::strerror(errno));

    // The fallback's words are copied out before cmd is cut off behind its
    // last word, where the first of them stood.
    char* fallback[16] = {nullptr};
    const long fallback_words = argc - 4 - n;
    if (fallback_words >= static_cast<long>(sizeof fallback / sizeof fallback[0]))
        fail(sync_fd, kSystem, "vessel-spawn", "too many fallback words");
    for (long i = 0; i < fallback_words; ++i)
        fallback[i] = argv[4 + n + i];
    char** cmd = argv + 4;
    cmd[n] = nullptr;

    // A raw clone: fork() cannot ask for CLONE_PARENT. Nothing here uses
    // threads, so the child may go on calling libc.
    long pid = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0)
        fail(sync_fd, kSystem, "create the command's process", std::strerror(errno));
    if (pid == 0)
        run_command(sync_fd, tty_fd, cmd, fallback);
    wire::send_pid(sync_fd, static_cast<pid_t>(pid));
    return 0;
}
