#include "net/netlink.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <cerrno>
#include <optional>

#include "runtime/base/error.h"
#include "runtime/base/unique_fd.h"

namespace vessel::net {

NlSocket& NlSocket::operator=(NlSocket&& o) noexcept
{
    if (this != &o) {
        if (sk_)
            nl_socket_free(sk_);
        sk_ = o.sk_;
        o.sk_ = nullptr;
    }
    return *this;
}

NlSocket::~NlSocket()
{
    if (sk_)
        nl_socket_free(sk_);
}

NlSocket NlSocket::open()
{
    nl_sock* sk = nl_socket_alloc();
    if (sk == nullptr)
        throw Error(ExitCode::System, "netlink: out of memory");
    NlSocket s(sk);
    check_nl(nl_connect(sk, NETLINK_ROUTE), "connect");
    return s;
}

NlSocket NlSocket::open_in(int netns_fd)
{
    // A socket belongs to the namespace it was created in; switching there
    // for the creation alone is the only way netlink offers.
    UniqueFd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!own)
        throw_errno("open /proc/thread-self/ns/net");
    if (::setns(netns_fd, CLONE_NEWNET) != 0)
        throw_errno("join the container's network namespace");
    std::optional<NlSocket> s;
    std::optional<Error> failed;
    try {
        s.emplace(open());
    } catch (const Error& e) {
        failed = e;
    }
    if (::setns(own.get(), CLONE_NEWNET) != 0)
        throw_errno("return to the host's network namespace");
    if (failed)
        throw *failed;
    return std::move(*s);
}

int nl_errno(int err)
{
    switch (err < 0 ? -err : err) {
    case NLE_EXIST: return EEXIST;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV: return ENODEV;
    case NLE_PERM: return EPERM;
    case NLE_INVAL: return EINVAL;
    case NLE_BUSY: return EBUSY;
    case NLE_NOMEM: return ENOMEM;
    case NLE_RANGE: return ERANGE;
    case NLE_NOADDR: return EADDRNOTAVAIL;
    default: return 0;
    }
}

int check_nl(int err, const std::string& what)
{
    if (err < 0)
        throw Error(ExitCode::System, "netlink: " + what + ": " + nl_geterror(err), nl_errno(err));
    return err;
}

}  // namespace vessel::net
