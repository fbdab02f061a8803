// Device access rules of a process container: an allowlist of device
// numbers, each with the access it grants, enforced before the container's
// init exists and changed live by `vessel set`. Two kernel mechanisms say
// the same thing:
//   * v1: the devices controller. "a" to devices.deny (nothing allowed),
//     then one devices.allow line per rule. A child never gets more than its
//     parent, so a rule the parent lacks fails with EPERM.
//   * cgroup2: a BPF_PROG_TYPE_CGROUP_DEVICE program built from the rules
//     (device_bpf.h), attached to the container's cgroup2 directory.
// On a hybrid host both are applied (see README.md, "Devices"). Which rules a
// container gets is decided elsewhere (runtime/spec/devices.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cgroup/limits.h"
#include "runtime/cgroup/process_container.h"

namespace vessel::cgroup {

// Access bits, the kernel's own values (BPF_DEVCG_ACC_*), so the BPF
// program compares them as they come.
inline constexpr unsigned kDevMknod = 1, kDevRead = 2, kDevWrite = 4;
// A major or minor that matches every number ("*" on v1).
inline constexpr std::uint32_t kAnyDevice = UINT32_MAX;

struct DeviceRule {
    char type = 'c';                  // 'c' or 'b'
    std::uint32_t major = kAnyDevice;
    std::uint32_t minor = kAnyDevice;
    unsigned access = 0;              // kDev* bits; 0 is no rule at all
    bool operator==(const DeviceRule&) const = default;
};

// What the rules decide for one request: some rule of the same type and
// number (or a wildcard) holds every requested bit. This is the devices
// controller's rule, and the BPF program must decide exactly the same.
bool rules_allow(const std::vector<DeviceRule>& rules, char type, std::uint32_t major, std::uint32_t minor,
                 unsigned access);

// "c 1:3 rwm", "c 136:* rw": one line of devices.allow / devices.list.
std::string v1_rule_text(const DeviceRule& rule);

// The v1 writes that turn a cgroup whose devices.list reads `list` into
// exactly `want`: from allow-all (a fresh cgroup's "a *:* rwm") a deny of
// "a" first; then what goes away (devices.deny), then what is added
// (devices.allow), so that in between the cgroup never allows more than
// either the old or the new rules.
std::vector<KnobWrite> plan_v1_devices(std::string_view list, const std::vector<DeviceRule>& want);

// Applies `rules` to the container, all or nothing on v1 (a failed write
// puts devices.list back as it was). Throws Error(System) when the host has
// no way to enforce them (neither a devices controller nor cgroup2), or
// when the one mechanism there is fails. Returns warnings: on a hybrid
// host a BPF program that could not be attached, the v1 rules being in force.
std::vector<std::string> apply_device_rules(ProcessContainer& pc, const std::vector<DeviceRule>& rules);

}  // namespace vessel::cgroup
