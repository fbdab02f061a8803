// LOCAL_UID / LOCAL_GID: whether a container runs in a user namespace of
// its own, and with which map.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ns/userns.h"

namespace vessel::spec {

// Container ids 0..65535 are mapped, as vzctl maps them.
inline constexpr std::uint32_t kUserNsIds = 65536;

// nullopt when neither key is set or both are 0 (vzctl's "no user
// namespace"). One key alone stands for both. A base below 65536 would
// put container ids on top of the host's own users and system ids, and one
// whose range passes 4294967294 cannot be mapped: both are refused with
// InvalidValue naming the key.
std::optional<ns::IdMap> user_namespace_from(
    const std::function<std::optional<std::string>(std::string_view)>& get);

}  // namespace vessel::spec
