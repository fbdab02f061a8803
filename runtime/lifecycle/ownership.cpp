#include "runtime/lifecycle/ownership.h"

#include <sys/xattr.h>

#include <cerrno>
#include <string>

#include "ns/id_shift.h"
#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/features/features.h"

namespace vessel::lifecycle {

namespace {

constexpr const char* kRecord = "trusted.vessel.idshift";

std::string text(const DiskBase& b) { return std::to_string(b.uid) + ":" + std::to_string(b.gid); }

void record(const std::filesystem::path& dir, const DiskBase& b)
{
    if (b == DiskBase{}) {
        if (::lremovexattr(dir.c_str(), kRecord) != 0 && errno != ENODATA)
            throw_errno("remove " + std::string(kRecord) + " of " + dir.string());
        return;
    }
    const std::string v = text(b);
    if (::lsetxattr(dir.c_str(), kRecord, v.data(), v.size(), 0) != 0)
        throw_errno("record the ownership shift in " + std::string(kRecord) + " of " + dir.string() +
                    " (the filesystem needs extended attributes to hold a shifted container)");
}

void shift(const std::filesystem::path& dir, const DiskBase& from, const DiskBase& to, std::uint32_t count)
{
    log::info("Shifting the ownership of " + dir.string() + " from " + text(from) + " to " + text(to) + " ...");
    auto n = ns::shift_ownership(dir.string(), {from.uid, from.gid, to.uid, to.gid, count});
    record(dir, to);
    std::string msg = std::to_string(n.changed) + " files shifted";
    if (n.outside > 0)
        msg += "; " + std::to_string(n.outside) + " with an id outside the container's range kept it";
    log::verbose(msg);
}

bool overlap(std::uint32_t a, std::uint32_t b, std::uint32_t count)
{
    return a != b && (a < b ? b - a : a - b) < count;
}

}  // namespace

DiskBase disk_base(const std::filesystem::path& private_dir)
{
    char buf[64];
    ssize_t n = ::lgetxattr(private_dir.c_str(), kRecord, buf, sizeof buf - 1);
    if (n < 0) {
        if (errno == ENODATA || errno == ENOTSUP)
            return {};
        throw_errno("read " + std::string(kRecord) + " of " + private_dir.string());
    }
    const std::string v(buf, static_cast<size_t>(n));
    const auto colon = v.find(':');
    try {
        if (colon == std::string::npos)
            throw std::invalid_argument(v);
        return {static_cast<uid_t>(std::stoul(v.substr(0, colon))), static_cast<gid_t>(std::stoul(v.substr(colon + 1)))};
    } catch (const std::exception&) {
        throw Error(ExitCode::System, private_dir.string() + ": " + kRecord + " is not UID:GID: \"" + v + "\"", EINVAL);
    }
}

bool prepare_ownership(const std::filesystem::path& private_dir, const std::optional<ns::IdMap>& userns, bool idmap)
{
    const bool idmapped = userns && idmap && features::probe().idmapped_mounts && ns::idmap_supported(private_dir);
    const DiskBase want = userns && !idmapped ? DiskBase{userns->uid, userns->gid} : DiskBase{};
    const DiskBase now = disk_base(private_dir);
    if (now == want)
        return idmapped;
    const std::uint32_t count = userns ? userns->count : ns::IdMap{}.count;
    // Ranges that overlap are shifted through 0, so that no id is moved
    // twice by a run that was cut short and is done again.
    if (now != DiskBase{} && want != DiskBase{} && (overlap(now.uid, want.uid, count) || overlap(now.gid, want.gid, count)))
        shift(private_dir, now, {}, count);
    shift(private_dir, disk_base(private_dir), want, count);
    return idmapped;
}

bool root_is_idmapped(const std::filesystem::path& private_dir, const std::optional<ns::IdMap>& userns)
{
    return userns && disk_base(private_dir) == DiskBase{};
}

}  // namespace vessel::lifecycle
