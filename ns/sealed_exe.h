// An executable that no process can ever write through, for the moment a
// container can see a host program: the process that joins a container runs
// such a program while it is visible in the container's PID namespace, and
// container root (which keeps CAP_SYS_PTRACE) can open /proc/PID/exe of it.
// If that reached the host's file, container root could keep the fd and
// rewrite the program once no process executes it (CVE-2019-5736).
#pragma once

#include <string>

#include "runtime/base/unique_fd.h"

namespace vessel::ns {

struct SealedExe {
    UniqueFd fd;       // for execveat(fd, "", ..., AT_EMPTY_PATH); close-on-exec
    std::string how;   // "read-only detached mount" or "sealed memfd copy", for -v
};

// Opens `path` (an ELF program, not a script) so that the file reached
// through the fd, and through /proc/PID/exe of whatever executes it, cannot
// be opened for writing:
//  * a private read-only bind mount of the file that is attached nowhere
//    (open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_RDONLY), 5.12),
//    so it shares the page cache and costs no copy; nobody can remount it,
//    as it is in no mount namespace;
//  * else a copy in a memfd sealed against writing, growing and shrinking.
// Throws Error naming the path when neither works.
SealedExe open_sealed_exe(const std::string& path);

}  // namespace vessel::ns
