#include "ns/root_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "ns/path.h"
#include "runtime/base/error.h"
#include "runtime/base/unique_fd.h"

namespace vessel::ns {

namespace {

struct Split {
    std::string dir;   // "etc", "" for the root itself
    std::string name;  // "hosts"
};

Split split_last(std::string_view rel)
{
    while (!rel.empty() && rel.back() == '/')
        rel.remove_suffix(1);
    const size_t slash = rel.rfind('/');
    Split s;
    s.name = std::string(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
    s.dir = std::string(slash == std::string_view::npos ? std::string_view() : rel.substr(0, slash));
    if (s.name.empty() || s.name == "." || s.name == "..")
        throw Error(ExitCode::InvalidValue, "\"" + std::string(rel) + "\": not a file name", EINVAL);
    return s;
}

std::string shown(std::string_view rel) { return rel.starts_with("/") ? std::string(rel) : "/" + std::string(rel); }

std::string link_target(int dirfd, const std::string& name)
{
    char buf[4096];
    ssize_t n = ::readlinkat(dirfd, name.c_str(), buf, sizeof buf - 1);
    return n < 0 ? std::string("?") : std::string(buf, static_cast<size_t>(n));
}

// Eight random hex digits: a name no one in the CT can have prepared.
std::string random_suffix()
{
    unsigned char bytes[4] = {};
    if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
        throw_errno("getrandom");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

void write_all(int fd, std::string_view data, const std::string& what)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw_errno("write " + what);
        data.remove_prefix(static_cast<size_t>(n));
    }
}

}  // namespace

std::optional<std::string> read_in_root(int root_fd, std::string_view rel)
{
    const std::string what = shown(rel) + " in the container root";
    UniqueFd fd;
    try {
        // O_NONBLOCK: a FIFO put there must not hang the host.
        fd = open_in_root_strict(root_fd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    } catch (const Error& e) {
        if (e.sys_errno() == ENOENT)
            return std::nullopt;
        throw;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("stat " + what);
    if (!S_ISREG(st.st_mode))
        throw Error(ExitCode::System, what + " is not a regular file", EINVAL);
    if (static_cast<std::size_t>(st.st_size) > kMaxRootFileSize)
        throw Error(ExitCode::System, what + " is larger than " + std::to_string(kMaxRootFileSize) + " bytes", EFBIG);
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw_errno("read " + what);
        if (n == 0)
            break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > kMaxRootFileSize)
            throw Error(ExitCode::System, what + " is larger than " + std::to_string(kMaxRootFileSize) + " bytes",
                        EFBIG);
    }
    return out;
}

void replace_in_root(int root_fd, std::string_view rel, std::string_view data)
{
    const Split where = split_last(rel);
    const std::string what = shown(rel) + " in the container root";
    UniqueFd dir = open_in_root_strict(root_fd, where.dir, O_PATH | O_DIRECTORY);

    // A new file belongs to the container's root user: whoever owns the
    // root directory on disk (0, or LOCAL_UID in a tree whose ownership was
    // shifted for a user namespace).
    struct stat st {};
    if (::fstat(root_fd, &st) != 0)
        throw_errno("stat the container root");
    mode_t mode = 0644;
    uid_t uid = st.st_uid;
    gid_t gid = st.st_gid;
    if (::fstatat(dir.get(), where.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode))
            throw Error(ExitCode::System,
                        what + " is a symlink (-> " + link_target(dir.get(), where.name) + "); not following it",
                        ELOOP);
        if (!S_ISREG(st.st_mode))
            throw Error(ExitCode::System, what + " is not a regular file", EINVAL);
        // A hard link keeps nothing: the rename below gives the name a new
        // inode, and the other names of the old one keep its content.
        mode = st.st_mode & 0777;
        uid = st.st_uid;
        gid = st.st_gid;
    } else if (errno != ENOENT) {
        throw_errno("stat " + what);
    }

    std::string tmp;
    UniqueFd out;
    for (int attempt = 0; !out && attempt < 8; ++attempt) {
        tmp = "." + where.name + ".new-" + random_suffix();
        out.reset(::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out && errno != EEXIST)
            throw_errno("create a temporary file beside " + what);
    }
    if (!out)
        throw Error(ExitCode::System, "create a temporary file beside " + what + ": names keep existing", EEXIST);
    try {
        write_all(out.get(), data, what);
        if (::fchown(out.get(), uid, gid) != 0)
            throw_errno("chown " + what);
        if (::fchmod(out.get(), mode) != 0)
            throw_errno("chmod " + what);
        if (::fsync(out.get()) != 0)
            throw_errno("fsync " + what);
        if (::renameat(dir.get(), tmp.c_str(), dir.get(), where.name.c_str()) != 0)
            throw_errno("rename over " + what);
    } catch (...) {
        ::unlinkat(dir.get(), tmp.c_str(), 0);
        throw;
    }
}

}  // namespace vessel::ns
