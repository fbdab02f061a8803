// The channel between a parent and the child it created in a container,
// from clone until exec: the parent releases the child ("go") once it is in
// its process container; the child answers only if it fails before exec,
// with an exit code and a message. A successful exec closes the child's end
// (CLOEXEC), which the parent reads as EOF. The bytes are in sync_wire.h.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "runtime/base/unique_fd.h"

namespace vessel::lifecycle {

class SyncChannel {
public:
    SyncChannel();  // a SOCK_SEQPACKET socketpair, close-on-exec

    // Parent side.
    int child_fd() const { return child_.get(); }
    void close_child_end() { child_.reset(); }
    void release();  // "go"
    struct Failure {
        int code;
        std::string message;
    };
    struct Outcome {
        std::optional<Failure> failure;  // the first failure reported
        pid_t spawned = -1;              // reported by vessel-spawn, else -1
    };
    // Reads until every child end is closed.
    Outcome outcome();
    // nullopt: the child executed its program (or died silently).
    std::optional<Failure> result() { return outcome().failure; }

    // Child side, on the raw fd (the object lives in the parent's memory).
    static bool wait_go(int fd);
    static void fail(int fd, int code, const std::string& message);

private:
    UniqueFd parent_;
    UniqueFd child_;
};

}  // namespace vessel::lifecycle
