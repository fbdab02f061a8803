// The messages on a sync channel, shared by SyncChannel and vessel-spawn
// (which is linked statically against libc alone, so this is plain C calls).
// The channel is a SOCK_SEQPACKET pair: one message a packet.
//   "g"             parent to child: go on
//   "CODE message"  child to parent: failed before exec; CODE is the exit code
//   "pid N"         vessel-spawn to parent: the command runs as PID N (in
//                   the parent's PID namespace)
// EOF: every copy of the child end is closed, by exec (close-on-exec) or exit.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdio>

namespace vessel::lifecycle::wire {

inline constexpr char kGo = 'g';
inline constexpr char kPidPrefix[] = "pid ";
inline constexpr std::size_t kMaxMessage = 4096;

inline void send_packet(int fd, const char* data, std::size_t len)
{
    while (::send(fd, data, len, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

// "CODE what: detail" (": detail" left out when detail is empty), cut to
// kMaxMessage.
inline void send_failure(int fd, int code, const char* what, const char* detail = "")
{
    char buf[kMaxMessage];
    int n = std::snprintf(buf, sizeof buf, "%d %s%s%s", code, what, *detail ? ": " : "", detail);
    if (n > 0)
        send_packet(fd, buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf - 1);
}

inline void send_pid(int fd, pid_t pid)
{
    char buf[32];
    int n = std::snprintf(buf, sizeof buf, "%s%d", kPidPrefix, static_cast<int>(pid));
    send_packet(fd, buf, static_cast<std::size_t>(n));
}

inline bool wait_go(int fd)
{
    char go = 0;
    ssize_t n;
    do
        n = ::recv(fd, &go, 1, 0);
    while (n < 0 && errno == EINTR);
    return n == 1 && go == kGo;
}

}  // namespace vessel::lifecycle::wire
