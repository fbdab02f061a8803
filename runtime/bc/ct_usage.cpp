#include "runtime/bc/ct_usage.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "runtime/base/unique_fd.h"

namespace vessel::bc {

namespace stdfs = std::filesystem;

namespace {

bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::uint64_t> to_number(std::string_view s)
{
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{})
        return std::nullopt;
    return v;
}

// The value after "Key:" in /proc/PID/status ("VmLck:	     0 kB"), in kB.
std::uint64_t status_kb(const std::string& text, std::string_view key)
{
    std::string want = std::string(key) + ":";
    size_t pos = text.find("\n" + want);
    if (pos == std::string::npos)
        return 0;  // kernel threads and zombies have no Vm* lines
    pos += want.size() + 1;
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
        ++pos;
    size_t end = text.find_first_not_of("0123456789", pos);
    return to_number(std::string_view(text).substr(pos, end - pos)).value_or(0);
}

std::optional<std::string> slurp(const stdfs::path& p)
{
    std::ifstream in(p);
    if (!in)
        return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Entries of a directory whose names are numbers; nullopt if it cannot be read.
std::optional<std::uint64_t> count_numeric_entries(int dirfd_owned)
{
    DIR* d = ::fdopendir(dirfd_owned);
    if (d == nullptr) {
        ::close(dirfd_owned);
        return std::nullopt;
    }
    std::uint64_t n = 0;
    while (dirent* e = ::readdir(d))
        if (all_digits(e->d_name))
            ++n;
    ::closedir(d);
    return n;
}

// "TCP: inuse 3 orphan 0 tw 0 alloc 4 mem 1" -> the number after `field` on the `proto` line.
std::optional<std::uint64_t> sockstat_field(const std::string& text, std::string_view proto, std::string_view field)
{
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string first;
        words >> first;
        if (first != std::string(proto) + ":")
            continue;
        for (std::string w; words >> w;)
            if (w == field) {
                std::string v;
                words >> v;
                return to_number(v);
            }
    }
    return std::nullopt;
}

bool same_file(const stdfs::path& a, const stdfs::path& b)
{
    struct stat sa {}, sb {};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

void read_sockets(pid_t init, const stdfs::path& proc, CtUsage& u)
{
    const stdfs::path pid_dir = proc / std::to_string(init);
    // A CT in the host's network namespace would report the host's sockets.
    if (same_file(pid_dir / "ns/net", proc / "self/ns/net"))
        return;
    auto v4 = slurp(pid_dir / "net/sockstat");
    if (!v4)
        return;
    auto v6 = slurp(pid_dir / "net/sockstat6").value_or("");
    auto tcp = sockstat_field(*v4, "TCP", "inuse");
    auto used = sockstat_field(*v4, "sockets", "used");
    if (!tcp || !used)
        return;
    std::uint64_t tcp_all = *tcp + sockstat_field(v6, "TCP6", "inuse").value_or(0);
    u.tcp_sockets = tcp_all;
    u.other_sockets = *used > tcp_all ? *used - tcp_all : 0;
}

// The CT's own devpts, reached through its root without following any
// symlink the CT may have put there; anything but a devpts is not counted.
void read_ptys(pid_t init, const stdfs::path& proc, CtUsage& u)
{
    UniqueFd root(::open((proc / std::to_string(init) / "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return;
    UniqueFd dev(::openat(root.get(), "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dev)
        return;
    int pts = ::openat(dev.get(), "pts", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pts < 0)
        return;
    struct statfs sf {};
    if (::fstatfs(pts, &sf) != 0 || (sf.f_type != DEVPTS_SUPER_MAGIC && proc == "/proc")) {
        ::close(pts);
        return;
    }
    // Slaves are named by number; ptmx is not a pty.
    u.ptys = count_numeric_entries(pts);
}

void read_locks(const std::vector<pid_t>& pids, const stdfs::path& proc, CtUsage& u)
{
    auto text = slurp(proc / "locks");
    if (!text)
        return;
    std::uint64_t n = 0;
    std::istringstream in(*text);
    // "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters have "->"
    // after the number and hold nothing; OFD locks show pid -1 and belong
    // to no process, so they cannot be counted for a CT.
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string num, type, kind, mode, pid;
        words >> num >> type;
        if (type == "->")
            continue;
        words >> kind >> mode >> pid;
        auto p = to_number(pid);
        if (p && std::binary_search(pids.begin(), pids.end(), static_cast<pid_t>(*p)))
            ++n;
    }
    u.file_locks = n;
}

}  // namespace

CtUsage read_ct_usage(pid_t init, const std::vector<pid_t>& unsorted, const stdfs::path& proc)
{
    CtUsage u;
    std::vector<pid_t> pids = unsorted;
    std::sort(pids.begin(), pids.end());

    std::uint64_t locked_kb = 0, private_kb = 0, fds = 0;
    for (pid_t p : pids) {
        const stdfs::path dir = proc / std::to_string(p);
        // A process that exits while we look simply stops counting.
        if (auto status = slurp(dir / "status")) {
            locked_kb += status_kb(*status, "VmLck");
            private_kb += status_kb(*status, "VmData") + status_kb(*status, "VmStk");
        }
        int fd_dir = ::open((dir / "fd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd_dir >= 0)
            fds += count_numeric_entries(fd_dir).value_or(0);
    }
    u.locked_bytes = locked_kb * 1024;
    u.private_bytes = private_kb * 1024;
    u.open_files = fds;
    read_locks(pids, proc, u);
    read_sockets(init, proc, u);
    read_ptys(init, proc, u);
    return u;
}

}  // namespace vessel::bc
