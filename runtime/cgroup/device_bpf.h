// The cgroup2 form of the device rules: an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE, built here instruction by instruction (no
// compiler, no libbpf), loaded with bpf(BPF_PROG_LOAD) and attached to the
// container's cgroup2 directory with BPF_F_ALLOW_MULTI.
//
// The kernel runs it on every open and mknod of a device node by a process
// of the cgroup (or a cgroup below it), with struct bpf_cgroup_dev_ctx:
// access_type (device type in the low 16 bits, BPF_DEVCG_DEV_BLOCK or _CHAR;
// requested access in the high 16 bits, BPF_DEVCG_ACC_MKNOD|READ|WRITE),
// major, minor. It returns 1 to allow, 0 to refuse (EPERM). Cgroup device
// programs cannot be run by BPF_PROG_TEST_RUN, so the unit tests interpret
// the instructions themselves and also attach them to a real cgroup.
#pragma once

#include <linux/bpf.h>

#include <vector>

#include "runtime/base/unique_fd.h"
#include "runtime/cgroup/devices.h"

namespace vessel::cgroup {

// The name the program carries in the kernel (bpftool prog show): how a
// later `vessel set` finds the program it replaces.
inline constexpr const char* kDeviceProgName = "vessel_devices";

// One block per rule, in order; a request no rule allows falls through to
// "return 0". Decides exactly as rules_allow() (devices.h).
std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules);

// BPF_PROG_LOAD; Error(System) with the verifier's log when it refuses.
UniqueFd load_device_program(const std::vector<DeviceRule>& rules);

// Makes `rules` the container's device program on the cgroup2 directory
// `cgroup_fd`: attaches a new program with BPF_F_ALLOW_MULTI, atomically in
// place of an earlier vessel_devices program there (BPF_F_REPLACE), else
// attach then detach (the two together never allow more than either one).
// Programs others attached are left alone. The attachment keeps the
// program alive; no fd needs to be kept.
void attach_device_program(int cgroup_fd, const std::vector<DeviceRule>& rules);

// How many vessel_devices programs are attached to `cgroup_fd` itself.
unsigned attached_device_programs(int cgroup_fd);

}  // namespace vessel::cgroup
