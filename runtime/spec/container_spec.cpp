#include "runtime/spec/container_spec.h"
#include "runtime/spec/resources.h"

#include <sched.h>

#include "runtime/base/error.h"
#include "runtime/config/values.h"
#include "runtime/security/caps.h"

namespace vessel::spec {

namespace {
constexpr const char* kPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

ContainerSpec build_spec(const config::CtConfig& ct, const config::GlobalConfig& global,
                         const features::Features& features)
{
    ContainerSpec s;
    s.id = ct.id();
    s.root = ct.ve_root();
    s.private_dir = ct.ve_private();
    s.hostname = ct.hostname();
    s.init_candidates = {"/sbin/init", "/etc/init", "/bin/init", "/bin/sh"};
    // vzctl starts init with this environment.
    s.init_env = {"HOME=/", "TERM=linux", kPath, "container=vessel"};
    s.exec_env = {"HOME=/root", kPath};
    s.ns_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
    if (features.cgroup_ns) {
        s.ns_flags |= CLONE_NEWCGROUP;
        s.late_cgroup_ns = features.cgroups.mode == cgroup::Mode::V1 || !features.clone_into_cgroup;
    }
    s.time_ns = features.time_ns;
    s.userns = user_namespace_from([&ct](std::string_view key) { return ct.get(key); });
    if (s.userns)
        s.ns_flags |= CLONE_NEWUSER;
    s.idmapped_mounts = config::parse_bool(ct.get("IDMAPPED_MOUNTS").value_or("yes"));
    s.cap_keep = security::default_cap_mask();
    if (auto v = ct.get("CAPABILITY"))
        s.cap_keep = with_context("CAPABILITY", [&] { return security::cap_mask_with(s.cap_keep, *v); });
    // Not read here: stop builds the spec too, and a profile broken while
    // the CT runs must not keep it from stopping.
    auto profile = ct.get("SECCOMP_PROFILE");
    s.seccomp = security::seccomp_config(profile, global.run_dir() / ".seccomp",
                                         profile ? global.resolve_path(*profile, ct.id()) : std::filesystem::path());

    if (auto v = ct.get("IP_ADDRESS"))
        s.ip_addresses = with_context("IP_ADDRESS", [&] { return net::parse_ip_list(*v); });
    s.neighbour_devs = ct.get("NEIGHBOUR_DEVS").value_or("detect");
    if (auto v = ct.get("NETIF"))
        s.netifs = with_context("NETIF", [&] { return net::parse_netif_config(*v, ct.id()); });
    s.resources = resources_from([&ct](std::string_view key) { return ct.get(key); }, s.private_dir);
    s.devices = devices_from([&ct](std::string_view key) { return ct.get(key); });
    s.cgroup_parent = global.cgroup_parent();
    s.cgroup_name = std::to_string(ct.id());
    s.cgroup_layout = features.cgroups;
    if (auto v = ct.get("STOP_TIMEOUT"); v && !v->empty())
        s.stop_timeout = static_cast<unsigned>(config::parse_uint(*v, 0, 86400));
    else
        s.stop_timeout = global.stop_timeout();
    return s;
}

}  // namespace vessel::spec
