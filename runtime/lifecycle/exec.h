// Running a command inside a running container: `vessel exec`, `vessel
// enter`, and stop's `halt`. The calling process joins the container's
// namespaces but its PID namespace (non-dumpable first); a child in the
// process container sheds the host's fds and privileges and becomes
// vessel-spawn, executed from a sealed read-only view, which creates the
// command's process inside the container as our child. No process the
// container can see ever runs vessel's code or holds host privileges
// (docs/architecture.md, "Joining a running container").
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runtime/config/global.h"

namespace vessel::lifecycle {

struct ExecRequest {
    std::vector<std::string> argv;  // argv[0] is searched in the container's PATH
    std::vector<std::string> fallback_argv;  // run when argv[0] does not exist in the container
    bool tty = false;               // a new pty from the container's devpts
    bool quiet = false;             // stdio from/to the container's /dev/null
    std::string banner_ct;          // enter: "entered into CT N" / "exited from CT N"
};

// Returns the command's exit status, 128+N if killed by signal N, 127 when
// the command does not exist in the container (with a message), 126 when it
// cannot be executed. Errors: 31 not running. This process is inside the
// container's namespaces afterwards: call it last, or in a child.
int exec_in_ct(const config::GlobalConfig& global, config::CtId id, const ExecRequest& req);

// Runs exec_in_ct in a child process, so the caller stays on the host.
// Past `timeout` the child is killed and -1 returned.
int exec_in_ct_child(const config::GlobalConfig& global, config::CtId id, const ExecRequest& req,
                     std::chrono::milliseconds timeout);

}  // namespace vessel::lifecycle
