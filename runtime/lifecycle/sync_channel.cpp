#include "runtime/lifecycle/sync_channel.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "runtime/base/error.h"

namespace vessel::lifecycle {

namespace {
void send_all(int fd, const std::string& msg)
{
    while (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}
}  // namespace

SyncChannel::SyncChannel()
{
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        throw_errno("socketpair");
    parent_.reset(sv[0]);
    child_.reset(sv[1]);
}

void SyncChannel::release() { send_all(parent_.get(), "g"); }

std::optional<SyncChannel::Failure> SyncChannel::result()
{
    char buf[4096];
    ssize_t n;
    do
        n = ::recv(parent_.get(), buf, sizeof buf, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return Failure{static_cast<int>(ExitCode::System), "sync with the container process: " +
                                                              std::string(std::strerror(errno))};
    if (n == 0)
        return std::nullopt;
    std::string msg(buf, static_cast<size_t>(n));
    int code = static_cast<int>(ExitCode::System);
    if (auto sp = msg.find(' '); sp != std::string::npos) {
        code = std::atoi(msg.substr(0, sp).c_str());
        msg.erase(0, sp + 1);
    }
    return Failure{code, msg};
}

bool SyncChannel::wait_go(int fd)
{
    char go = 0;
    ssize_t n;
    do
        n = ::recv(fd, &go, 1, 0);
    while (n < 0 && errno == EINTR);
    return n == 1;
}

void SyncChannel::fail(int fd, int code, const std::string& message)
{
    send_all(fd, std::to_string(code) + " " + message);
}

}  // namespace vessel::lifecycle
