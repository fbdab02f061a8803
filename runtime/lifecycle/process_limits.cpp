#include "runtime/lifecycle/process_limits.h"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "runtime/base/error.h"

namespace vessel::lifecycle {

namespace {

// include/uapi/linux/ioprio.h
constexpr int kIoprioWhoProcess = 1;
constexpr int kIoprioClassBestEffort = 2;
constexpr int kIoprioClassShift = 13;

rlim_t rlim_of(std::uint64_t bytes) { return bytes == cgroup::kNoLimit ? RLIM_INFINITY : static_cast<rlim_t>(bytes); }

// 0 or the errno; pid 0 is the caller. ioprio is per thread.
int set_ioprio(pid_t tid, int level)
{
    const int value = (kIoprioClassBestEffort << kIoprioClassShift) | level;
    return ::syscall(SYS_ioprio_set, kIoprioWhoProcess, tid, value) == 0 ? 0 : errno;
}

int set_memlock(pid_t pid, const spec::Resources::MemLock& m)
{
    struct rlimit rl {rlim_of(m.soft), rlim_of(m.hard)};
    return ::prlimit(pid, RLIMIT_MEMLOCK, &rl, nullptr) == 0 ? 0 : errno;
}

}  // namespace

void apply_process_limits_to(pid_t pid, const spec::Resources& r)
{
    if (r.memlock)
        if (int err = set_memlock(pid, *r.memlock))
            throw_errno(err, "LOCKEDPAGES: setrlimit RLIMIT_MEMLOCK");
    if (r.ioprio)
        if (int err = set_ioprio(pid, *r.ioprio))
            throw_errno(err, "IOPRIO: ioprio_set");
}

void apply_process_limits(const cgroup::ProcessContainer& pc, const spec::Resources& r)
{
    if (!r.memlock && !r.ioprio)
        return;
    for (pid_t pid : pc.pids()) {
        if (r.memlock)
            if (int err = set_memlock(pid, *r.memlock); err != 0 && err != ESRCH)
                throw_errno(err, "LOCKEDPAGES: prlimit of process " + std::to_string(pid));
        if (!r.ioprio)
            continue;
        const std::string dir = "/proc/" + std::to_string(pid) + "/task";
        DIR* d = ::opendir(dir.c_str());
        if (d == nullptr)
            continue;  // gone
        while (auto* e = ::readdir(d)) {
            if (e->d_name[0] == '.')
                continue;
            const pid_t tid = static_cast<pid_t>(std::stol(e->d_name));
            if (int err = set_ioprio(tid, *r.ioprio); err != 0 && err != ESRCH) {
                ::closedir(d);
                throw_errno(err, "IOPRIO: ioprio_set of thread " + std::to_string(tid));
            }
        }
        ::closedir(d);
    }
}

}  // namespace vessel::lifecycle
