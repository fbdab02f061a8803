// The process container: the one cgroup (per mounted hierarchy) that every
// process of a container lives in. Two backends behind one interface:
// cgroup v2 (unified) and cgroup v1 (one directory per v1 hierarchy, plus the
// unified hierarchy on hybrid hosts for membership, kill and freeze).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/unique_fd.h"

namespace vessel::cgroup {

enum class Mode { V2, V1 };  // V1 includes hybrid hosts

// What is mounted where, read from /proc/self/mountinfo (or a fake root in tests).
struct Layout {
    Mode mode = Mode::V1;
    // cgroup2 mount, if any (the only one on V2; /sys/fs/cgroup/unified on hybrid).
    std::optional<std::filesystem::path> unified;
    // Controllers enabled at the unified root (cgroup.controllers).
    std::vector<std::string> unified_controllers;
    // The cgroup2 hierarchy is mounted with nsdelegate: a cgroup namespace
    // is a delegation boundary (no writes from inside to its root's limits,
    // no migration across it).
    bool unified_nsdelegate = false;
    // v1: controller (or "name=systemd") -> mount point of its hierarchy.
    // Co-mounted controllers ("cpu,cpuacct") map each name to the same mount.
    std::map<std::string, std::filesystem::path> v1;
    // The "root" field of each mount above (keys as in v1, "" for unified):
    // which cgroup the mount point shows, "/" unless a subtree was mounted.
    std::map<std::string, std::string> roots;

    bool has_controller(const std::string& name) const;
};

// Reads the host's layout (and the unified root's cgroup.controllers).
// `mountinfo` is for tests.
Layout detect_layout(const std::filesystem::path& mountinfo = "/proc/self/mountinfo");

// Where a process is, per hierarchy: parses /proc/PID/cgroup ("0::/x" and
// "4:memory:/y"). Key "" is the unified hierarchy; co-mounted controllers
// ("2:cpu,cpuacct:/z") get one key each, named hierarchies keep "name=systemd".
std::map<std::string, std::string> read_proc_cgroup(const std::filesystem::path& proc_cgroup);

class ProcessContainer {
public:
    virtual ~ProcessContainer() = default;

    // Creates <own cgroup>/<parent>/<name> in every hierarchy (own cgroup read
    // from self_cgroup, i.e. the cgroup vessel runs in, per hierarchy), or
    // <parent>/<name> when parent is absolute ("/machine.slice" style; relative
    // to each hierarchy's root). Existing directories are reused.
    // On v2 it enables the controllers it needs in the parents' subtree_control.
    static std::unique_ptr<ProcessContainer> create(const Layout& layout, const std::string& parent,
                                                    const std::string& name,
                                                    const std::filesystem::path& self_cgroup = "/proc/self/cgroup");
    // Reopens one created earlier, from the paths it reported.
    static std::unique_ptr<ProcessContainer> open(const Layout& layout, const std::vector<std::string>& paths);

    // Which backend: the knob and counter files differ between them.
    virtual Mode mode() const = 0;
    // Absolute cgroupfs directories, one per hierarchy (saved in the run state).
    virtual std::vector<std::string> paths() const = 0;
    // Controllers whose knobs this container has: the v1 hierarchies it is
    // in, or on v2 its cgroup.controllers.
    virtual std::vector<std::string> controllers() const = 0;

    // Moves pid into the container in every hierarchy.
    virtual void attach(pid_t pid) = 0;
    // Opens cgroup.procs in every hierarchy (O_WRONLY|O_CLOEXEC), for a
    // process that joins by itself once it has left the host's namespaces:
    // it writes "0", which v1 and v2 both read as "the writer" (its own PID
    // would be looked up in its new PID namespace). The kernel checks the
    // write against the opener's cgroup namespace (5.16+), so a child in a
    // new cgroup namespace may still use them. Order matches paths().
    virtual std::vector<UniqueFd> open_procs_files() const = 0;
    // A directory fd of the cgroup2 member (for CLONE_INTO_CGROUP); empty
    // when there is no unified hierarchy.
    virtual UniqueFd unified_fd() const = 0;

    // Knobs: "pids.max", "memory.max", "memory.limit_in_bytes" ... written in
    // the hierarchy that owns the controller (prefix before the first '.').
    virtual void set(const std::string& file, const std::string& value) = 0;
    virtual std::optional<std::string> get(const std::string& file) const = 0;

    // Every PID in the container (any hierarchy; the first that has them).
    virtual std::vector<pid_t> pids() const = 0;
    virtual bool empty() const = 0;

    virtual void freeze() = 0;  // returns once frozen; throws after the freeze timeout
    virtual void thaw() = 0;
    // Kills every process: cgroup.kill where the kernel has it, else freeze,
    // SIGKILL each, thaw; then waits (up to timeout) until empty. Returns
    // whether it became empty.
    virtual bool kill_all(std::chrono::milliseconds timeout) = 0;
    // Removes the directories (must be empty; retried briefly on EBUSY).
    // Cgroups made inside the container (a CT's own systemd) go first.
    virtual void destroy() = 0;

    // How long freeze() waits for the kernel to report "frozen" (10 s by default).
    void set_freeze_timeout(std::chrono::milliseconds timeout) { freeze_timeout_ = timeout; }

protected:
    std::chrono::milliseconds freeze_timeout_{std::chrono::seconds(10)};
};

}  // namespace vessel::cgroup
