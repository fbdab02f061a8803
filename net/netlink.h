// A route netlink socket (libnl-3) as an owned object, opened in the
// caller's network namespace or in another one, and the error text of libnl
// turned into vessel::Error.
#pragma once

#include <string>

struct nl_sock;

namespace vessel::net {

class NlSocket {
public:
    // NETLINK_ROUTE in the current network namespace.
    static NlSocket open();
    // NETLINK_ROUTE in the network namespace netns_fd refers to. The socket
    // stays in that namespace; this thread is back in its own on return.
    static NlSocket open_in(int netns_fd);

    NlSocket(NlSocket&& o) noexcept : sk_(o.sk_) { o.sk_ = nullptr; }
    NlSocket& operator=(NlSocket&& o) noexcept;
    NlSocket(const NlSocket&) = delete;
    NlSocket& operator=(const NlSocket&) = delete;
    ~NlSocket();

    nl_sock* get() const { return sk_; }

private:
    explicit NlSocket(nl_sock* sk) : sk_(sk) {}
    nl_sock* sk_ = nullptr;
};

// Throws Error(System) "netlink: WHAT: <libnl's text>" for a negative libnl
// error code; returns err otherwise.
int check_nl(int err, const std::string& what);

// The errno a libnl error code stands for (EEXIST for NLE_EXIST ...), 0 if none.
int nl_errno(int err);

}  // namespace vessel::net
