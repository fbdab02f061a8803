#include "ns/id_shift.h"

#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/base/unique_fd.h"

namespace vessel::ns {

namespace {

constexpr const char* kCapsXattr = "security.capability";
constexpr const char* kAclAccess = "system.posix_acl_access";
constexpr const char* kAclDefault = "system.posix_acl_default";
// Deeper trees are refused rather than walked with ever more open fds.
constexpr int kMaxDepth = 512;

std::uint32_t le32_at(const std::string& s, size_t off)
{
    std::uint32_t v;
    std::memcpy(&v, s.data() + off, sizeof v);
    return le32toh(v);
}

void put_le32(std::string& s, size_t off, std::uint32_t v)
{
    v = htole32(v);
    std::memcpy(s.data() + off, &v, sizeof v);
}

std::optional<std::string> get_xattr(int fd, const char* name)
{
    std::string buf(256, '\0');
    for (;;) {
        ssize_t n = ::fgetxattr(fd, name, buf.data(), buf.size());
        if (n >= 0) {
            buf.resize(static_cast<size_t>(n));
            return buf;
        }
        if (errno == ENODATA || errno == ENOTSUP || errno == EOPNOTSUPP)
            return std::nullopt;
        if (errno != ERANGE)
            throw_errno(std::string("read ") + name);
        buf.resize(buf.size() * 4);
    }
}

class Walker {
public:
    Walker(const IdShift& shift, dev_t dev) : shift_(shift), dev_(dev) {}

    // The inode name (in dir) refers to; st is its lstat. fd is open on
    // it when it is a regular file or a directory, else -1.
    void shift_one(int dir, const char* name, int fd, const struct stat& st, const std::string& path)
    {
        const uid_t uid = shift_id(st.st_uid, shift_.from_uid, shift_.to_uid, shift_.count);
        const gid_t gid = shift_id(st.st_gid, shift_.from_gid, shift_.to_gid, shift_.count);
        const bool uid_in = uid != st.st_uid || shift_.from_uid == shift_.to_uid;
        const bool gid_in = gid != st.st_gid || shift_.from_gid == shift_.to_gid;
        if (!uid_in || !gid_in)
            ++count_.outside;
        if (uid == st.st_uid && gid == st.st_gid)
            return;
        with_context(path, [&] {
            if (fd < 0) {
                if (::fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
                    throw_errno("chown");
                ++count_.changed;
                return;
            }
            // Read before chown: chown drops the file capabilities.
            auto caps = S_ISREG(st.st_mode) ? get_xattr(fd, kCapsXattr) : std::nullopt;
            auto acl = get_xattr(fd, kAclAccess);
            auto def = S_ISDIR(st.st_mode) ? get_xattr(fd, kAclDefault) : std::nullopt;
            if (::fchown(fd, uid, gid) != 0)
                throw_errno("chown");
            auto put = [&](const char* attr, const std::optional<std::string>& value, auto rewrite) {
                if (!value)
                    return;
                const std::string v = rewrite(*value, shift_);
                if (::fsetxattr(fd, attr, v.data(), v.size(), 0) != 0)
                    throw_errno(std::string("write ") + attr);
            };
            try {
                // ... and the set-user-ID and set-group-ID bits of a file.
                if (!S_ISDIR(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)) != 0 &&
                    ::fchmod(fd, st.st_mode & 07777) != 0)
                    throw_errno("chmod");
                put(kAclAccess, acl, shift_acl);
                put(kAclDefault, def, shift_acl);
                put(kCapsXattr, caps, shift_file_caps);
            } catch (...) {
                // Back to its old owner, bits and attributes, so that the next
                // run (which skips what is already shifted) does this one again.
                ::fchown(fd, st.st_uid, st.st_gid);
                ::fchmod(fd, st.st_mode & 07777);
                for (auto [attr, old] : {std::pair{kAclAccess, &acl}, std::pair{kAclDefault, &def},
                                         std::pair{kCapsXattr, &caps}})
                    if (*old)
                        ::fsetxattr(fd, attr, (*old)->data(), (*old)->size(), 0);
                throw;
            }
            ++count_.changed;
        });
    }

    void walk(int dir_fd, const std::string& path, int depth)
    {
        if (depth > kMaxDepth)
            throw Error(ExitCode::System, path + ": more than " + std::to_string(kMaxDepth) + " levels deep", ELOOP);
        UniqueFd list_fd(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!list_fd)
            throw_errno("open " + path);
        DIR* d = ::fdopendir(list_fd.get());
        if (d == nullptr)
            throw_errno("opendir " + path);
        list_fd.release();
        struct Closer {
            DIR* d;
            ~Closer()
            {
                if (d != nullptr)
                    ::closedir(d);
            }
        } closer{d};
        std::vector<std::string> names;
        while (auto* e = ::readdir(d)) {
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                names.emplace_back(e->d_name);
        }
        // Not kept open through the levels below: one fd per level is all
        // the walk holds.
        ::closedir(closer.d);
        closer.d = nullptr;
        for (const auto& name : names) {
            const std::string child = path + "/" + name;
            struct stat st {};
            if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno == ENOENT)
                    continue;
                throw_errno("stat " + child);
            }
            // Another filesystem mounted inside is not this tree's.
            if (st.st_dev != dev_)
                continue;
            UniqueFd fd;
            if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
                // O_NONBLOCK|O_NOCTTY: nothing but a plain open of a plain
                // file, whatever the tree holds.
                fd.reset(::openat(dir_fd, name.c_str(),
                                  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
                                      (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0)));
                if (!fd)
                    throw_errno("open " + child);
                struct stat again {};
                if (::fstat(fd.get(), &again) != 0 || again.st_ino != st.st_ino || again.st_dev != st.st_dev)
                    throw Error(ExitCode::System, child + ": changed while being shifted", EAGAIN);
            }
            shift_one(dir_fd, name.c_str(), fd.get(), st, child);
            if (S_ISDIR(st.st_mode))
                walk(fd.get(), child, depth + 1);
        }
    }

    ShiftCount count() const { return count_; }

private:
    IdShift shift_;
    dev_t dev_;
    ShiftCount count_;
};

}  // namespace

std::string shift_file_caps(const std::string& value, const IdShift& shift)
{
    if (value.size() < XATTR_CAPS_SZ_2)
        return value;
    const std::uint32_t magic = le32_at(value, 0);
    const std::uint32_t rev = magic & VFS_CAP_REVISION_MASK;
    std::uint32_t rootid = 0;
    if (rev == VFS_CAP_REVISION_3 && value.size() == XATTR_CAPS_SZ_3)
        rootid = le32_at(value, XATTR_CAPS_SZ_2);
    else if (rev != VFS_CAP_REVISION_2 || value.size() != XATTR_CAPS_SZ_2)
        return value;
    const std::uint32_t new_root = shift_id(rootid, shift.from_uid, shift.to_uid, shift.count);
    // Capabilities for the initial namespace's root are revision 2; any
    // other root needs revision 3 and its id, or the kernel ignores them
    // inside the container.
    std::string out = value.substr(0, XATTR_CAPS_SZ_2);
    const std::uint32_t flags = magic & VFS_CAP_FLAGS_MASK;
    if (new_root == 0) {
        put_le32(out, 0, VFS_CAP_REVISION_2 | flags);
        return out;
    }
    out.resize(XATTR_CAPS_SZ_3);
    put_le32(out, 0, VFS_CAP_REVISION_3 | flags);
    put_le32(out, XATTR_CAPS_SZ_2, new_root);
    return out;
}

std::string shift_acl(const std::string& value, const IdShift& shift)
{
    constexpr size_t kHeader = sizeof(posix_acl_xattr_header);
    constexpr size_t kEntry = sizeof(posix_acl_xattr_entry);
    if (value.size() < kHeader || (value.size() - kHeader) % kEntry != 0 ||
        le32_at(value, 0) != POSIX_ACL_XATTR_VERSION)
        return value;
    std::string out = value;
    for (size_t off = kHeader; off < out.size(); off += kEntry) {
        std::uint16_t tag;
        std::memcpy(&tag, out.data() + off, sizeof tag);
        tag = le16toh(tag);
        const size_t id_off = off + offsetof(posix_acl_xattr_entry, e_id);
        if (tag == ACL_USER)
            put_le32(out, id_off, shift_id(le32_at(out, id_off), shift.from_uid, shift.to_uid, shift.count));
        else if (tag == ACL_GROUP)
            put_le32(out, id_off, shift_id(le32_at(out, id_off), shift.from_gid, shift.to_gid, shift.count));
    }
    return out;
}

ShiftCount shift_ownership(const std::string& dir, const IdShift& shift)
{
    return with_context("shift ownership of " + dir, [&] {
        UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!root)
            throw_errno("open");
        struct stat st {};
        if (::fstat(root.get(), &st) != 0)
            throw_errno("stat");
        Walker w(shift, st.st_dev);
        // The children first, the root last: the root's owner is what tells
        // how the tree is shifted (see lifecycle/ownership), so an
        // interrupted run is finished by the next one.
        w.walk(root.get(), dir, 0);
        w.shift_one(AT_FDCWD, dir.c_str(), root.get(), st, dir);
        return w.count();
    });
}

}  // namespace vessel::ns
