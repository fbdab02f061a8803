// Pseudo-terminals for `enter` and `exec -t`: the master is opened in the
// container's own devpts (after joining its mount namespace), the terminal
// side of the caller is put in raw mode, and bytes and window sizes are relayed.
#pragma once

#include <termios.h>

#include <optional>
#include <string>

#include "runtime/base/unique_fd.h"

namespace vessel::ns {

struct Pty {
    UniqueFd master;
    std::string slave_path;  // /dev/pts/N as seen inside the container
};

// Opens /dev/pts/ptmx (or /dev/ptmx) of the current mount namespace.
Pty open_pty();

// The slave of master, opened through the master itself (TIOCGPTPEER,
// 4.13+) so no path inside the container is involved; falls back to
// opening slave_path. O_NOCTTY: making it the controlling terminal is
// make_controlling_tty's job.
UniqueFd open_pty_slave(const Pty& pty);

// In the child: new session, the slave as controlling terminal and fds 0-2.
void make_controlling_tty(const std::string& slave_path);
// Same with a slave already open (from open_pty_slave); fd is closed unless
// it is one of 0-2.
void make_controlling_tty(UniqueFd slave);

// Puts fd in raw mode while alive; restores on destruction.
class RawMode {
public:
    explicit RawMode(int fd);
    ~RawMode();
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;

private:
    int fd_;
    std::optional<struct termios> saved_;
};

// Copies the window size of `from` to `to` (TIOCGWINSZ/TIOCSWINSZ).
void copy_winsize(int from, int to);

// Relays in <-> master and master -> out until the master side closes (the
// child exited) ; SIGWINCH on the caller copies the window size. `child_pidfd`
// ends the loop when the child exits even if a grandchild holds the pty
// (what the pty still has buffered is copied first).
// EOF on `in` (piped input) stops reading it; the pty then gets its EOF
// character when in canonical mode, as typing ^D would, and output keeps
// flowing. in < 0: no input; out < 0: output is discarded. The caller's
// signal mask is restored on return.
void relay(int in, int out, int master, int child_pidfd);

}  // namespace vessel::ns
