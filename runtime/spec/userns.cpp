#include "runtime/spec/userns.h"

#include <cstdint>

#include "runtime/base/error.h"
#include "runtime/config/values.h"

namespace vessel::spec {

namespace {

// The highest id a map may reach: (uid_t)-1 is "no id" to the kernel.
constexpr std::uint64_t kMaxId = 4294967294ULL;

std::optional<std::uint64_t> read_base(const std::function<std::optional<std::string>(std::string_view)>& get,
                                       std::string_view key)
{
    auto v = get(key);
    if (!v || v->empty())
        return std::nullopt;
    return with_context(std::string(key), [&] { return config::parse_uint(*v, 0, kMaxId); });
}

void check_base(std::string_view key, std::uint64_t base)
{
    if (base < kUserNsIds)
        throw Error(ExitCode::InvalidValue, std::string(key) + "=" + std::to_string(base) +
                                                ": below 65536, the container's ids would be the host's own users");
    if (base + kUserNsIds - 1 > kMaxId)
        throw Error(ExitCode::InvalidValue, std::string(key) + "=" + std::to_string(base) +
                                                ": the 65536 ids from there pass " + std::to_string(kMaxId));
}

}  // namespace

std::optional<ns::IdMap> user_namespace_from(
    const std::function<std::optional<std::string>(std::string_view)>& get)
{
    auto uid = read_base(get, "LOCAL_UID");
    auto gid = read_base(get, "LOCAL_GID");
    if (uid.value_or(0) == 0 && gid.value_or(0) == 0)
        return std::nullopt;
    if (uid.value_or(0) == 0)
        uid = gid;
    if (gid.value_or(0) == 0)
        gid = uid;
    check_base("LOCAL_UID", *uid);
    check_base("LOCAL_GID", *gid);
    return ns::IdMap{static_cast<uid_t>(*uid), static_cast<gid_t>(*gid), kUserNsIds};
}

}  // namespace vessel::spec
