#include "runtime/lifecycle/sync_channel.h"

#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "runtime/base/error.h"
#include "runtime/lifecycle/sync_wire.h"

namespace vessel::lifecycle {

SyncChannel::SyncChannel()
{
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        throw_errno("socketpair");
    parent_.reset(sv[0]);
    child_.reset(sv[1]);
}

void SyncChannel::release() { wire::send_packet(parent_.get(), &wire::kGo, 1); }

SyncChannel::Outcome SyncChannel::outcome()
{
    Outcome out;
    for (;;) {
        char buf[wire::kMaxMessage];
        ssize_t n = ::recv(parent_.get(), buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (!out.failure)
                out.failure = Failure{static_cast<int>(ExitCode::System),
                                      "sync with the container process: " + std::string(std::strerror(errno))};
            return out;
        }
        if (n == 0)
            return out;
        std::string_view msg(buf, static_cast<size_t>(n));
        if (msg.starts_with(wire::kPidPrefix)) {
            msg.remove_prefix(std::strlen(wire::kPidPrefix));
            pid_t pid = -1;
            auto [end, ec] = std::from_chars(msg.data(), msg.data() + msg.size(), pid);
            // vessel-spawn sends one; the first stands, and a later one
            // (from a process that got hold of the socket) is ignored.
            if (ec == std::errc() && end == msg.data() + msg.size() && pid > 0 && out.spawned < 0)
                out.spawned = pid;
            continue;
        }
        if (out.failure)
            continue;
        int code = static_cast<int>(ExitCode::System);
        if (auto sp = msg.find(' '); sp != std::string_view::npos) {
            int parsed = 0;
            auto [end, ec] = std::from_chars(msg.data(), msg.data() + sp, parsed);
            if (ec == std::errc() && end == msg.data() + sp) {
                code = parsed;
                msg.remove_prefix(sp + 1);
            }
        }
        out.failure = Failure{code, std::string(msg)};
    }
}

bool SyncChannel::wait_go(int fd) { return wire::wait_go(fd); }

void SyncChannel::fail(int fd, int code, const std::string& message)
{
    wire::send_failure(fd, code, message.c_str());
}

}  // namespace vessel::lifecycle
