// Shared between the cgroup backends (not part of the public interface):
// the tables of cgroup file names, one hierarchy membership, and the base
// class that implements what v1 and v2 do the same way.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cgroup/process_container.h"

namespace vessel::cgroup::detail {

// Control files of the cgroup core and of the controllers whose semantics
// the backends rely on (create, freeze, kill), in the spirit of lmctfy's
// KernelFiles: no other source file spells these names.
namespace file {
inline constexpr std::string_view procs = "cgroup.procs";
inline constexpr std::string_view events = "cgroup.events";             // v2: "populated N", "frozen N"
inline constexpr std::string_view freeze = "cgroup.freeze";             // v2, 5.2+
inline constexpr std::string_view kill = "cgroup.kill";                 // v2, 5.14+
inline constexpr std::string_view controllers = "cgroup.controllers";   // v2
inline constexpr std::string_view subtree_control = "cgroup.subtree_control";  // v2
inline constexpr std::string_view freezer_state = "freezer.state";      // v1 freezer
inline constexpr std::string_view cpuset_cpus = "cpuset.cpus";
inline constexpr std::string_view cpuset_mems = "cpuset.mems";
inline constexpr std::string_view memory_use_hierarchy = "memory.use_hierarchy";  // v1
}  // namespace file

// Stands for "the cgroup core": files every cgroup directory has.
inline constexpr std::string_view core = "*";

// Which controller owns the files with a given prefix (the part of the file
// name before the first '.'), on v1 and on v2. Empty: no such files there.
struct KnobOwner {
    std::string_view prefix;
    std::string_view v1;
    std::string_view v2;
};
std::span<const KnobOwner> knob_table();
// The table row for a file name; nullptr when its prefix is not listed.
const KnobOwner* knob_owner(std::string_view file);
// The v2 controllers a container gets when its parents can give them.
std::vector<std::string> wanted_v2_controllers();

// v1 mount options that are not controller names.
bool is_v1_mount_flag(std::string_view option);

// One hierarchy the container is a member of.
struct Member {
    std::string controllers;          // "" for the unified hierarchy, else "cpu" or "cpu,cpuacct"
    std::filesystem::path mount;      // where the hierarchy is mounted
    std::filesystem::path dir;        // the container's directory in it
    std::string cgroup_path;          // dir as /proc/PID/cgroup names it ("/vessel/101")

    bool unified() const { return controllers.empty(); }
    bool has(std::string_view controller) const;
};

// The kernel fills a new cgroup directory with control files and drops them
// on rmdir. A fake cgroupfs tree in the unit tests does the same through
// these hooks; they are never set in the programs.
struct FsHooks {
    std::function<void(const Member&, const std::filesystem::path&)> after_mkdir;
    std::function<void(const std::filesystem::path&)> before_rmdir;
    // Sees every knob written through ProcessContainer::set, before the
    // write; a non-zero errno fails it. Lets a fake file act on a write the
    // way the kernel's does (devices.allow changes devices.list).
    std::function<int(const std::filesystem::path&, std::string_view)> before_write;
};
void set_fs_hooks(FsHooks hooks);

// Small file operations with the error text the rest of the tree expects.
// write_file opens without O_CREAT: a knob that does not exist is ENOENT,
// never a new file. `name` is what the error message calls the file.
void write_file(const std::filesystem::path& path, std::string_view data, const std::string& name);
// Like write_file, returning the errno instead of throwing (0 on success).
int try_write_file(const std::filesystem::path& path, std::string_view data);
std::optional<std::string> read_file(const std::filesystem::path& path);
// "a b c\n" -> {a, b, c}
std::vector<std::string> split_words(std::string_view text);
// The value of `key` in a flat keyed file ("populated 1\nfrozen 0\n").
std::optional<std::string> keyed_value(std::string_view text, std::string_view key);

// mkdir that reports whether it created the directory (false: it existed).
bool make_cgroup_dir(const Member& m, const std::filesystem::path& dir);
// rmdir of one cgroup; EBUSY retried until `busy_wait` has passed (the
// kernel releases a cgroup a moment after its last task has been reaped).
// Returns the errno of the last attempt, 0 on success or when it is gone.
int remove_cgroup_dir(const std::filesystem::path& dir, std::chrono::milliseconds busy_wait);

// What v1 and v2 share. Backends decide where a knob lives and how to freeze.
class Container : public ProcessContainer {
public:
    explicit Container(std::vector<Member> members);

    std::vector<std::string> paths() const override;
    void attach(pid_t pid) override;
    std::vector<UniqueFd> open_procs_files() const override;
    UniqueFd unified_fd() const override;
    void set(const std::string& file, const std::string& value) override;
    std::optional<std::string> get(const std::string& file) const override;
    std::vector<pid_t> pids() const override;
    bool empty() const override;
    void freeze() override;
    void thaw() override;
    bool kill_all(std::chrono::milliseconds timeout) override;
    void destroy() override;

    const std::vector<Member>& members() const { return members_; }

protected:
    // The hierarchy holding `file`; throws when no mounted hierarchy does.
    virtual const Member& owner(const std::string& file) const = 0;
    // Why `file` is missing from the container's directory, if the backend knows.
    virtual std::string missing_reason(const std::string& file) const;
    // Freezes, waiting at most `timeout`; false when it did not get there.
    virtual bool freeze_for(std::chrono::milliseconds timeout) = 0;
    virtual void thaw_now() = 0;

    const Member* unified_member() const;
    // v2 cgroup.freeze in the unified member, shared by both backends.
    bool unified_freeze_for(const Member& m, std::chrono::milliseconds timeout);
    void unified_thaw(const Member& m);
    // The pids of one member, its nested cgroups included.
    std::vector<pid_t> member_pids(const Member& m) const;

    std::vector<Member> members_;

private:
    // SIGKILL pid if it really is in this container (checked through a
    // pidfd, so a recycled pid outside is never hit).
    void kill_member_process(pid_t pid) const;
    bool is_member_process(pid_t pid) const;
};

// Backend constructors and the per-directory work of create(): called for
// each directory below the caller's own cgroup, top down, right after it
// was made (or found), with its parent.
std::unique_ptr<ProcessContainer> make_v1(std::vector<Member> members);
void v1_prepare_dir(const Member& m, const std::filesystem::path& parent, const std::filesystem::path& dir,
                    bool created);

using SkippedControllers = std::map<std::string, std::string>;  // controller -> why it is not there
std::unique_ptr<ProcessContainer> make_v2(std::vector<Member> members, SkippedControllers skipped);
void v2_prepare_dir(const Member& m, const std::filesystem::path& parent, SkippedControllers& skipped);

}  // namespace vessel::cgroup::detail
