// A container's identity, its host name and resolver: the UTS name and the
// CT's own /etc/hostname, /etc/hosts line and /etc/resolv.conf lines, from
// HOSTNAME, NAMESERVER and SEARCHDOMAIN. start writes the files before init
// runs (init sets the UTS name); `vessel set` changes both on a running CT.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vessel::lifecycle {

inline constexpr std::string_view kHostResolvConf = "/etc/resolv.conf";

struct Identity {
    std::string hostname;  // empty: /etc/hostname and /etc/hosts are left alone
    // nullopt: the file's nameserver (search) lines are left alone.
    std::optional<std::vector<std::string>> nameservers;
    std::optional<std::vector<std::string>> searchdomains;
};

// A key's value, nullopt when unset.
using ValueOf = std::function<std::optional<std::string>(std::string_view)>;

// The identity that HOSTNAME, NAMESERVER and SEARCHDOMAIN give; "inherit"
// takes the host's nameservers or search domains from host_resolv (read
// only then). An unreadable host file is a warning, and inherits nothing.
Identity identity_from(const ValueOf& value, const std::filesystem::path& host_resolv = kHostResolvConf);

// Writes what id sets into the files below root_fd (the CT's root): each is
// read and replaced with ns::read_in_root / ns::replace_in_root, and only if
// its content changes. A file that cannot be changed safely (a symlink on
// the way, a mount point, not a regular file) or at all is left as it is,
// with a warning naming it and why: the files are the CT's, and a CT that
// has made them links must still start.
void write_identity_files(int root_fd, const Identity& id);

// Sets the host name in the UTS namespace of the running process pid
// (pidfd pins it): a forked child joins that namespace alone and calls
// sethostname(), so this process keeps its own. Refuses when the process
// shares our UTS namespace, which would rename the host.
void set_uts_name(pid_t pid, int pidfd, const std::string& name);

}  // namespace vessel::lifecycle
