// Shifting the ownership of a container's files on disk, for a user
// namespace on a filesystem that cannot be idmapped: every owner and group
// in [from, from + count) becomes the same offset from `to`. What chown
// would lose is carried over: set-user-ID and set-group-ID bits, file
// capabilities (rewritten for the namespace whose root is `to`), and the
// user and group entries of POSIX ACLs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace vessel::ns {

struct IdShift {
    uid_t from_uid = 0;
    gid_t from_gid = 0;
    uid_t to_uid = 0;
    gid_t to_gid = 0;
    std::uint32_t count = 65536;
};

struct ShiftCount {
    std::uint64_t changed = 0;   // inodes given a new owner or group
    std::uint64_t outside = 0;   // inodes with an id outside the range, left as they were
};

// Walks the tree at dir without following symlinks or crossing into other
// filesystems, and shifts it. Throws Error naming the path that failed;
// what was shifted before stays shifted, and the inode that failed is put
// back, so running it again finishes the job (ids already moved are outside
// the `from` range unless the ranges overlap, which the caller must not ask
// for). A power cut between an inode's chown and the rewrite of its set-ID
// bits, capabilities and ACLs loses those for that inode.
ShiftCount shift_ownership(const std::string& dir, const IdShift& shift);

// Maps one id: in range, moved; outside, unchanged.
inline std::uint32_t shift_id(std::uint32_t id, std::uint32_t from, std::uint32_t to, std::uint32_t count)
{
    return id >= from && id - from < count ? to + (id - from) : id;
}

// The xattr payloads, exposed for tests. Each returns the rewritten value,
// or the input unchanged when it is not a format it knows.
std::string shift_file_caps(const std::string& value, const IdShift& shift);
std::string shift_acl(const std::string& value, const IdShift& shift);

}  // namespace vessel::ns
