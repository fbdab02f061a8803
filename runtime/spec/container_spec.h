// ContainerSpec: everything needed to run a container, resolved and
// validated from its config before anything is created.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/config/ct_config.h"
#include "net/ip.h"
#include "net/netif.h"
#include "runtime/features/features.h"
#include "runtime/security/seccomp_filter.h"
#include "runtime/spec/devices.h"
#include "runtime/spec/resources.h"
#include "runtime/spec/userns.h"

namespace vessel::spec {

struct ContainerSpec {
    config::CtId id = 0;
    std::filesystem::path root;       // VE_ROOT
    std::filesystem::path private_dir;
    std::string hostname;             // empty: keep the template's /etc/hostname
    // Tried in order; the first that exists runs as init (vzctl's list, then a shell).
    std::vector<std::string> init_candidates;
    std::vector<std::string> init_env;
    std::vector<std::string> exec_env;  // for exec/enter (TERM is added from the caller)
    std::uint64_t ns_flags = 0;       // CLONE_NEW* for init
    bool time_ns = false;             // a time namespace whose clocks start at CT start
    // v1 hierarchies are joined after clone: the cgroup namespace is made
    // then, by init itself, instead of by clone3.
    bool late_cgroup_ns = false;
    std::uint64_t cap_keep = 0;       // capability mask for every CT process
    // LOCAL_UID, LOCAL_GID: a user namespace with this map (CLONE_NEWUSER is
    // then in ns_flags). IDMAPPED_MOUNTS=no: the private area's ownership
    // is shifted on disk even where the filesystem could be idmapped.
    std::optional<ns::IdMap> userns;
    bool idmapped_mounts = true;
    security::SeccompConfig seccomp;  // SECCOMP_PROFILE, compiled when a process needs it
    std::vector<net::IpAddr> ip_addresses;  // IP_ADDRESS: routed (venet) addresses
    std::string neighbour_devs;             // NEIGHBOUR_DEVS
    std::vector<net::Netif> netifs;         // NETIF: bridged veth interfaces
    Resources resources;              // limits: process container, rlimits, ioprio, devpts max=
    Devices devices;                  // DEVNODES, DEVICES: the allowlist and the extra /dev nodes
    std::string cgroup_parent;        // CGROUP_PARENT
    std::string cgroup_name;          // CTID
    cgroup::Layout cgroup_layout;     // the host's hierarchies, for the CT's /sys/fs/cgroup
    unsigned stop_timeout = 120;      // seconds
};

// Throws Error(InvalidValue) naming the key for anything unusable.
ContainerSpec build_spec(const config::CtConfig& ct, const config::GlobalConfig& global,
                         const features::Features& features);

}  // namespace vessel::spec
