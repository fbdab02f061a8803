#include "runtime/lifecycle/identity.h"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "ns/join.h"
#include "ns/root_file.h"
#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/log.h"
#include "runtime/base/unique_fd.h"
#include "runtime/lifecycle/identity_text.h"

namespace vessel::lifecycle {

namespace {

// Reads, changes and replaces one file of the CT; see write_identity_files.
void edit_ct_file(int root_fd, std::string_view rel, const std::function<std::string(const std::string&)>& change)
{
    try {
        auto old = ns::read_in_root(root_fd, rel);
        std::string now = change(old.value_or(""));
        if (!old || now != *old)
            ns::replace_in_root(root_fd, rel, now);
    } catch (const Error& e) {
        log::warning("the container's /" + std::string(rel) + " was left as it is: " + e.what());
    }
}

}  // namespace

Identity identity_from(const ValueOf& value, const std::filesystem::path& host_resolv)
{
    Identity id;
    id.hostname = value("HOSTNAME").value_or("");
    const auto servers = value("NAMESERVER");
    const auto domains = value("SEARCHDOMAIN");

    std::string host;
    auto inherits = [](const std::optional<std::string>& v) {
        return v && v->find("inherit") != std::string::npos;
    };
    if (inherits(servers) || inherits(domains)) {
        try {
            host = fs::read_file(host_resolv).value_or("");
        } catch (const Error& e) {
            log::warning(std::string("inherit: ") + e.what());
        }
    }
    if (servers)
        id.nameservers = expand_inherit(*servers, resolv_nameservers(host));
    if (domains)
        id.searchdomains = expand_inherit(*domains, resolv_searchdomains(host));
    return id;
}

void write_identity_files(int root_fd, const Identity& id)
{
    if (!id.hostname.empty()) {
        edit_ct_file(root_fd, "etc/hostname", [&](const std::string&) { return hostname_file(id.hostname); });
        edit_ct_file(root_fd, "etc/hosts",
                     [&](const std::string& old) { return hosts_with_name(old, id.hostname); });
    }
    if (id.nameservers || id.searchdomains)
        edit_ct_file(root_fd, "etc/resolv.conf",
                     [&](const std::string& old) { return resolv_with(old, id.nameservers, id.searchdomains); });
}

void set_uts_name(pid_t pid, int pidfd, const std::string& name)
{
    const std::string what = "set the container's host name to " + name;
    if (!(ns::namespaces_of(pid) & CLONE_NEWUTS))
        throw Error(ExitCode::System, what + ": the container shares the host's UTS namespace");
    UniqueFd uts = ns::open_namespace(pid, pidfd, CLONE_NEWUTS);
    pid_t child = ::fork();
    if (child < 0)
        throw_errno("fork: " + what);
    if (child == 0) {
        // Exit status: 0, or the errno of the call that failed.
        if (::setns(uts.get(), CLONE_NEWUTS) != 0 || ::sethostname(name.data(), name.size()) != 0)
            ::_exit(errno > 0 && errno < 256 ? errno : EIO);
        ::_exit(0);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            throw_errno("wait: " + what);
    }
    if (!WIFEXITED(status))
        throw Error(ExitCode::System, what + ": the joining child died");
    if (WEXITSTATUS(status) != 0)
        throw_errno(WEXITSTATUS(status), what);
}

}  // namespace vessel::lifecycle
