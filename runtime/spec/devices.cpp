#include "runtime/spec/devices.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include "ns/rootfs.h"
#include "runtime/base/error.h"
#include "runtime/config/devices.h"

namespace vessel::spec {

namespace {

using cgroup::DeviceRule;
using cgroup::kAnyDevice;

constexpr unsigned kRw = cgroup::kDevRead | cgroup::kDevWrite;
constexpr unsigned kUnix98PtyMajor = 136;       // /dev/pts/N: every minor of it
constexpr unsigned kPtmxMajor = 5, kPtmxMinor = 2;  // devpts' ptmx, behind /dev/ptmx

unsigned rule_access(unsigned config_access)
{
    return ((config_access & config::kDevRead) ? cgroup::kDevRead : 0u) |
           ((config_access & config::kDevWrite) ? cgroup::kDevWrite : 0u);
}

// The rule for a number replaces an earlier one for the same number;
// access 0 drops it.
void put(std::vector<DeviceRule>& rules, const DeviceRule& r)
{
    std::erase_if(rules, [&](const DeviceRule& o) { return o.type == r.type && o.major == r.major && o.minor == r.minor; });
    if (r.access != 0)
        rules.push_back(r);
}

ns::ExtraDevNode host_node(const config::DevnodeEntry& e, const std::filesystem::path& host_dev)
{
    const std::string word = "\"" + e.name + ":" + config::format_device_access(e.access) + "\"";
    if (ns::is_builtin_dev_name(e.name))
        throw Error(ExitCode::InvalidValue,
                    word + ": /dev/" + e.name + " is made for every container; change access with --devices");
    // The host's /dev is the host's own: a link there (cdrom -> sr0) is
    // followed, the container's never is.
    const std::filesystem::path path = host_dev / e.name;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw_errno(word + ": no device " + path.string() + " on the host", ExitCode::InvalidValue);
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
        throw Error(ExitCode::InvalidValue, word + ": " + path.string() + " on the host is not a device node");
    return ns::ExtraDevNode{e.name, S_ISBLK(st.st_mode) ? 'b' : 'c', major(st.st_rdev), minor(st.st_rdev),
                            st.st_mode & 0777};
}

}  // namespace

std::vector<DeviceRule> default_device_rules()
{
    std::vector<DeviceRule> rules{
        // A node by itself opens nothing: what it may be opened for is the
        // rules' business. Templates and package scripts make nodes.
        DeviceRule{'c', kAnyDevice, kAnyDevice, cgroup::kDevMknod},
        DeviceRule{'b', kAnyDevice, kAnyDevice, cgroup::kDevMknod},
    };
    size_t count = 0;
    const ns::DevNode* nodes = ns::default_dev_nodes(&count);
    for (size_t i = 0; i < count; ++i)
        rules.push_back(DeviceRule{nodes[i].type, nodes[i].major, nodes[i].minor, kRw});
    rules.push_back(DeviceRule{'c', kPtmxMajor, kPtmxMinor, kRw});
    rules.push_back(DeviceRule{'c', kUnix98PtyMajor, kAnyDevice, kRw});
    return rules;
}

Devices devices_from(const Lookup& get, const std::filesystem::path& host_dev)
{
    Devices d;
    d.rules = default_device_rules();
    if (auto v = get("DEVNODES")) {
        with_context("DEVNODES", [&] {
            for (const auto& e : config::parse_devnodes(*v)) {
                if (e.access == config::kDevNone)
                    continue;
                ns::ExtraDevNode n = host_node(e, host_dev);
                std::erase_if(d.nodes, [&](const ns::ExtraDevNode& o) { return o.name == n.name; });
                d.nodes.push_back(n);
                put(d.rules, DeviceRule{n.type, n.major, n.minor, rule_access(e.access)});
            }
        });
    }
    if (auto v = get("DEVICES")) {
        with_context("DEVICES", [&] {
            for (const auto& e : config::parse_devices(*v))
                put(d.rules, DeviceRule{e.type, e.major, e.minor.value_or(kAnyDevice), rule_access(e.access)});
        });
    }
    return d;
}

}  // namespace vessel::spec
