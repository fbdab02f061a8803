#include "ns/pty.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "runtime/base/error.h"

namespace vessel::ns {

namespace {

// The multiplexer's device number, for /dev/ptmx and for devpts' ptmx alike.
constexpr unsigned kPtmxMajor = 5;
constexpr unsigned kPtmxMinor = 2;

// What the master may buffer towards the container before input stops
// being read: keeps a fast producer from growing memory without bound.
constexpr size_t kMaxPending = 64 * 1024;

// How long output that the container wrote just before its process exited
// is still collected, and how long the master may stay quiet meanwhile.
constexpr auto kDrainTotal = std::chrono::seconds(2);
constexpr int kDrainQuietMs = 100;

// The container controls its /dev; the ptmx it offers must be a real pty
// multiplexer, not a FIFO that would block the caller or a device node of
// its choosing. O_NONBLOCK keeps a FIFO from blocking the open itself.
UniqueFd open_ptmx(const char* path, bool nofollow, std::string& why)
{
    UniqueFd fd(::open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0)));
    if (!fd) {
        why += std::string(why.empty() ? "" : "; ") + path + ": " + std::strerror(errno);
        return fd;
    }
    struct stat st {};
    unsigned n = 0;
    if (::fstat(fd.get(), &st) != 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != kPtmxMajor ||
        minor(st.st_rdev) != kPtmxMinor || ::ioctl(fd.get(), TIOCGPTN, &n) != 0) {
        why += std::string(why.empty() ? "" : "; ") + path + ": not a pty multiplexer";
        return UniqueFd();
    }
    int fl = ::fcntl(fd.get(), F_GETFL);
    if (fl >= 0)
        ::fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

bool write_all(int fd, const char* data, size_t len)
{
    while (len > 0) {
        ssize_t n = ::write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd p {fd, POLLOUT, 0};
                ::poll(&p, 1, -1);
                continue;
            }
            return false;
        }
        data += n;
        len -= static_cast<size_t>(n);
    }
    return true;
}

class SigwinchFd {
public:
    SigwinchFd()
    {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGWINCH);
        if (::sigprocmask(SIG_BLOCK, &set, &saved_) != 0)
            return;
        blocked_ = true;
        fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    }
    ~SigwinchFd()
    {
        if (!blocked_)
            return;
        // A resize that arrived meanwhile is consumed here rather than
        // delivered to a handler the caller may not expect.
        drain();
        ::sigprocmask(SIG_SETMASK, &saved_, nullptr);
    }
    SigwinchFd(const SigwinchFd&) = delete;
    SigwinchFd& operator=(const SigwinchFd&) = delete;

    int fd() const { return fd_.get(); }
    void drain()
    {
        struct signalfd_siginfo si {};
        while (fd_ && ::read(fd_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        }
    }

private:
    sigset_t saved_ {};
    bool blocked_ = false;
    UniqueFd fd_;
};

class NonBlocking {
public:
    explicit NonBlocking(int fd) : fd_(fd), saved_(::fcntl(fd, F_GETFL))
    {
        if (saved_ >= 0)
            ::fcntl(fd_, F_SETFL, saved_ | O_NONBLOCK);
    }
    ~NonBlocking()
    {
        if (saved_ >= 0)
            ::fcntl(fd_, F_SETFL, saved_);
    }
    NonBlocking(const NonBlocking&) = delete;
    NonBlocking& operator=(const NonBlocking&) = delete;

private:
    int fd_;
    int saved_;
};

enum class Read { Data, Again, End };

// EIO from a master means no process holds the slave open any more.
Read read_master(int master, int& out)
{
    char buf[16384];
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n > 0) {
        if (out >= 0 && !write_all(out, buf, static_cast<size_t>(n)))
            out = -1;  // the reader went away: keep the container going, discard
        return Read::Data;
    }
    if (n == 0)
        return Read::End;
    if (errno == EINTR || errno == EAGAIN)
        return Read::Again;
    return Read::End;
}

void drain_master(int master, int& out)
{
    const auto deadline = std::chrono::steady_clock::now() + kDrainTotal;
    while (std::chrono::steady_clock::now() < deadline) {
        struct pollfd p {master, POLLIN, 0};
        int r = ::poll(&p, 1, kDrainQuietMs);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        if (read_master(master, out) == Read::End)
            return;
    }
}

// What typing ^D does: ends a partial line, and on an empty line ends input.
void send_eof(int master, bool line_open)
{
    struct termios t {};
    char eof = 4;
    if (::tcgetattr(master, &t) == 0 && t.c_cc[VEOF] != 0)
        eof = static_cast<char>(t.c_cc[VEOF]);
    const bool canonical = (t.c_lflag & ICANON) != 0;
    const char twice[2] = {eof, eof};
    write_all(master, twice, canonical && line_open ? 2 : 1);
}

}  // namespace

Pty open_pty()
{
    std::string why;
    UniqueFd master = open_ptmx("/dev/pts/ptmx", true, why);
    if (!master)
        master = open_ptmx("/dev/ptmx", false, why);
    if (!master)
        throw Error(ExitCode::System, "open a pty: " + why);
    int unlock = 0;
    if (::ioctl(master.get(), TIOCSPTLCK, &unlock) != 0)
        throw_errno("unlock the pty");
    unsigned n = 0;
    if (::ioctl(master.get(), TIOCGPTN, &n) != 0)
        throw_errno("pty number");
    return Pty{std::move(master), "/dev/pts/" + std::to_string(n)};
}

UniqueFd open_pty_slave(const Pty& pty)
{
    int fd = ::ioctl(pty.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0)
        return UniqueFd(fd);
    if (errno != EINVAL && errno != ENOTTY)
        throw_errno("open the pty slave");
    fd = ::open(pty.slave_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        throw_errno("open " + pty.slave_path);
    return UniqueFd(fd);
}

void make_controlling_tty(UniqueFd slave)
{
    if (!slave)
        throw Error(ExitCode::System, "controlling terminal: no pty slave", EBADF);
    if (::setsid() < 0)
        throw_errno("setsid");
    if (::ioctl(slave.get(), TIOCSCTTY, 0) != 0)
        throw_errno("set the controlling terminal");
    for (int target = 0; target <= 2; ++target)
        if (slave.get() != target && ::dup2(slave.get(), target) < 0)
            throw_errno("dup2 the pty to fd " + std::to_string(target));
    if (slave.get() <= 2) {
        // dup2 onto itself would leave FD_CLOEXEC set on a standard fd.
        int fl = ::fcntl(slave.get(), F_GETFD);
        if (fl >= 0)
            ::fcntl(slave.get(), F_SETFD, fl & ~FD_CLOEXEC);
        slave.release();
    }
}

void make_controlling_tty(const std::string& slave_path)
{
    if (::setsid() < 0)
        throw_errno("setsid");
    UniqueFd fd(::open(slave_path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd)
        throw_errno("open " + slave_path);
    if (::ioctl(fd.get(), TIOCSCTTY, 0) != 0)
        throw_errno("set the controlling terminal");
    for (int target = 0; target <= 2; ++target)
        if (fd.get() != target && ::dup2(fd.get(), target) < 0)
            throw_errno("dup2 the pty to fd " + std::to_string(target));
    if (fd.get() <= 2) {
        int fl = ::fcntl(fd.get(), F_GETFD);
        if (fl >= 0)
            ::fcntl(fd.get(), F_SETFD, fl & ~FD_CLOEXEC);
        fd.release();
    }
}

RawMode::RawMode(int fd) : fd_(fd)
{
    struct termios t {};
    if (fd < 0 || !::isatty(fd) || ::tcgetattr(fd, &t) != 0)
        return;
    struct termios raw = t;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSADRAIN, &raw) != 0)
        throw_errno("terminal raw mode");
    saved_ = t;
}

RawMode::~RawMode()
{
    if (saved_)
        ::tcsetattr(fd_, TCSADRAIN, &*saved_);
}

void copy_winsize(int from, int to)
{
    struct winsize ws {};
    if (from < 0 || to < 0 || ::ioctl(from, TIOCGWINSZ, &ws) != 0)
        return;
    if (ws.ws_row == 0 && ws.ws_col == 0)
        return;
    ::ioctl(to, TIOCSWINSZ, &ws);
}

void relay(int in, int out, int master, int child_pidfd)
{
    SigwinchFd winch;
    NonBlocking nb(master);
    const int tty = (in >= 0 && ::isatty(in)) ? in : (out >= 0 && ::isatty(out)) ? out : -1;
    copy_winsize(tty, master);

    std::string pending;     // bytes read from in, not yet taken by the master
    bool in_open = in >= 0;
    bool eof_due = false;    // in ended: the pty gets its EOF once pending is written
    bool line_open = false;  // the last byte sent was not a newline

    for (;;) {
        struct pollfd fds[4];
        nfds_t n = 0;
        int i_in = -1, i_winch = -1, i_child = -1;
        if (in_open && pending.size() < kMaxPending) {
            i_in = static_cast<int>(n);
            fds[n++] = {in, POLLIN, 0};
        }
        const int i_master = static_cast<int>(n);
        fds[n++] = {master, static_cast<short>(POLLIN | (pending.empty() ? 0 : POLLOUT)), 0};
        if (winch.fd() >= 0) {
            i_winch = static_cast<int>(n);
            fds[n++] = {winch.fd(), POLLIN, 0};
        }
        if (child_pidfd >= 0) {
            i_child = static_cast<int>(n);
            fds[n++] = {child_pidfd, POLLIN, 0};
        }

        if (::poll(fds, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("poll");
        }

        // A closed master or pidfd would make poll return at once forever.
        if ((fds[i_master].revents & POLLNVAL) != 0 || (i_child >= 0 && (fds[i_child].revents & POLLNVAL) != 0))
            throw Error(ExitCode::System, "pty relay: the pty or the child's pidfd is not open", EBADF);

        if (i_winch >= 0 && fds[i_winch].revents != 0) {
            winch.drain();
            copy_winsize(tty, master);
        }

        if (i_in >= 0 && fds[i_in].revents != 0) {
            char buf[16384];
            ssize_t r = ::read(in, buf, sizeof buf);
            if (r > 0) {
                pending.append(buf, static_cast<size_t>(r));
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                // EOF, or a terminal that hung up: no more input, output goes on.
                in_open = false;
                eof_due = true;
            }
        }

        if (!pending.empty() && (fds[i_master].revents & POLLOUT) != 0) {
            ssize_t w = ::write(master, pending.data(), pending.size());
            if (w > 0) {
                line_open = pending[static_cast<size_t>(w) - 1] != '\n';
                pending.erase(0, static_cast<size_t>(w));
            } else if (w < 0 && errno != EINTR && errno != EAGAIN) {
                pending.clear();  // the slave is gone; reading the master says so next
            }
        }
        if (eof_due && pending.empty()) {
            eof_due = false;
            send_eof(master, line_open);
        }

        if ((fds[i_master].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            if (read_master(master, out) == Read::End)
                return;
        }

        if (i_child >= 0 && (fds[i_child].revents & POLLIN) != 0) {
            drain_master(master, out);
            return;
        }
    }
}

}  // namespace vessel::ns
