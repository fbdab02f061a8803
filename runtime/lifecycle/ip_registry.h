// An address belongs to one container on the host: the routed addresses of
// every CT's config (IP_ADDRESS) and of every running CT (what its run
// state says is in it, `set --ipadd` without --save included).
#pragma once

#include <vector>

#include "net/ip.h"
#include "runtime/config/global.h"

namespace vessel::lifecycle {

// Throws Error(IpInUse, 78) "IP address 198.51.100.7 is already used by CT
// 102" for the first address another CT holds.
void check_addresses_free(const config::GlobalConfig& global, config::CtId id, const std::vector<net::IpAddr>& addrs);

}  // namespace vessel::lifecycle
