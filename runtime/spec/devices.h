// Which devices a container may use, and which extra nodes its /dev gets:
// the default allowlist (the nodes setup_rootfs makes, its ptys, and mknod of
// any node, which by itself opens nothing), then DEVNODES (nodes with the
// host's numbers, and access to them), then DEVICES (access to numbers,
// `none` taking it away, also from the defaults). For each device number the
// last of these that names it decides. Resolved against the host's /dev at
// every start and `vessel set`, before anything changes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ns/dev_nodes.h"
#include "runtime/cgroup/devices.h"
#include "runtime/spec/resources.h"

namespace vessel::spec {

struct Devices {
    std::vector<cgroup::DeviceRule> rules;  // the whole allowlist, for cgroup::apply_device_rules
    std::vector<ns::ExtraDevNode> nodes;    // DEVNODES entries other than none
    bool operator==(const Devices&) const = default;
};

// What every container may use when its configuration says nothing.
std::vector<cgroup::DeviceRule> default_device_rules();

// From DEVNODES and DEVICES. Error(InvalidValue) naming the key and the
// entry for bad syntax, a name that is not a device on the host (below
// `host_dev`), or a name setup_rootfs makes itself.
Devices devices_from(const Lookup& get, const std::filesystem::path& host_dev = "/dev");

}  // namespace vessel::spec
