#include "ns/sealed_exe.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

#include "ns/syscalls.h"
#include "runtime/base/error.h"

namespace vessel::ns {

namespace {

#ifndef MFD_EXEC
constexpr unsigned MFD_EXEC = 0x10;  // 6.3: say so, or vm.memfd_noexec may refuse the exec
#endif

UniqueFd detached_readonly(const std::string& path)
{
    UniqueFd fd(sys::open_tree(AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (!fd)
        return {};
    if (sys::mount_set_attr(fd.get(), MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV) != 0)
        return {};
    // Trust the result, not the call: the mount must say it is read-only.
    struct statvfs st {};
    if (::fstatvfs(fd.get(), &st) != 0 || (st.f_flag & ST_RDONLY) == 0)
        return {};
    return fd;
}

UniqueFd sealed_copy(const std::string& path)
{
    UniqueFd src(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!src)
        throw_errno("open " + path);
    struct stat st {};
    if (::fstat(src.get(), &st) != 0)
        throw_errno("stat " + path);
    UniqueFd mem(::memfd_create("vessel-spawn", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC));
    if (!mem && errno == EINVAL)  // before 6.3
        mem.reset(::memfd_create("vessel-spawn", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!mem)
        throw_errno("memfd_create for " + path);
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t n = ::sendfile(mem.get(), src.get(), nullptr, static_cast<size_t>(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw_errno(n == 0 ? EIO : errno, "copy " + path + " into a memfd");
        left -= n;
    }
    if (::fchmod(mem.get(), 0555) != 0)
        throw_errno("chmod the memfd copy of " + path);
    if (::fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)
        throw_errno("seal the memfd copy of " + path);
    return mem;
}

}  // namespace

SealedExe open_sealed_exe(const std::string& path)
{
    if (UniqueFd fd = detached_readonly(path))
        return {std::move(fd), "read-only detached mount"};
    return {sealed_copy(path), "sealed memfd copy"};
}

}  // namespace vessel::ns
