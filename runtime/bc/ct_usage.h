// Figures no cgroup keeps, counted from /proc for the processes of one
// container: locked and private memory, open files, file locks, sockets of
// its network namespace, ptys of its devpts. Each is absent when it cannot
// be counted honestly (a CT without its own network namespace has no
// socket figures of its own).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace vessel::bc {

struct CtUsage {
    std::optional<std::uint64_t> locked_bytes;    // sum of VmLck
    std::optional<std::uint64_t> private_bytes;   // sum of VmData + VmStk
    std::optional<std::uint64_t> open_files;      // open file descriptors
    std::optional<std::uint64_t> file_locks;      // /proc/locks entries held by CT processes
    std::optional<std::uint64_t> tcp_sockets;     // sockstat "TCP: inuse" + sockstat6 "TCP6: inuse"
    std::optional<std::uint64_t> other_sockets;   // sockstat "sockets: used" minus the TCP ones
    std::optional<std::uint64_t> ptys;            // entries of the CT's devpts but ptmx
};

// `pids`: one per process (cgroup.procs), so that threads, which share
// their process's memory and files, are counted once. `proc` is /proc
// except in tests.
CtUsage read_ct_usage(pid_t init, const std::vector<pid_t>& pids, const std::filesystem::path& proc = "/proc");

}  // namespace vessel::bc
