// Who owns a container's files on disk, for LOCAL_UID / LOCAL_GID. With an
// idmapped mount (where the filesystem allows it) the private area keeps
// the template's ids and only the CT's view of it is mapped; otherwise the
// ids are shifted on disk once, and the shift is recorded on the private
// area's root directory (trusted.vessel.idshift, which no container can
// read or write), so a change of LOCAL_UID, or its removal, shifts it again
// from where it really is.
#pragma once

#include <filesystem>
#include <optional>

#include "ns/userns.h"

namespace vessel::lifecycle {

// The host ids that container id 0 has on disk: {0, 0} unshifted.
struct DiskBase {
    uid_t uid = 0;
    gid_t gid = 0;
    bool operator==(const DiskBase&) const = default;
};

// Reads the record; {0, 0} when there is none.
DiskBase disk_base(const std::filesystem::path& private_dir);

// Brings the private area to the ownership the container needs: unshifted
// when it has no user namespace or its root will be idmapped, shifted to
// the map's base otherwise. idmap: IDMAPPED_MOUNTS allows an idmapped
// mount, if the kernel and the filesystem can. Returns whether the root is
// to be mounted idmapped. Throws Error; a shift cut short is finished by the
// next call.
bool prepare_ownership(const std::filesystem::path& private_dir, const std::optional<ns::IdMap>& userns, bool idmap);

// What the start of a container with this map does with the root: idmapped
// when the private area is unshifted (prepare_ownership made it so only
// where an idmapped mount works), a plain bind when it is shifted.
bool root_is_idmapped(const std::filesystem::path& private_dir, const std::optional<ns::IdMap>& userns);

}  // namespace vessel::lifecycle
