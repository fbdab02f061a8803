// The text rules for a container's name and resolver files: what its
// /etc/hostname, /etc/hosts and /etc/resolv.conf become for a HOSTNAME,
// NAMESERVER and SEARCHDOMAIN. Pure functions; identity.h does the I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vessel::lifecycle {

// The address of the CT's own line in /etc/hosts. Loopback, as Debian names
// the machine itself: the name resolves whether or not the CT has addresses
// yet, and adding or removing one does not change the line.
inline constexpr std::string_view kOwnNameAddress = "127.0.1.1";
// Ends the CT's own line (hosts(5) ignores it as a comment), so that the
// line is found again whatever address or name it has by then.
inline constexpr std::string_view kOwnNameTag = "# vessel: HOSTNAME";

// "NAME\n".
std::string hostname_file(std::string_view hostname);

// hosts with its own line for hostname: "ADDRESS NAME [SHORT] # tag", where
// SHORT is the first label of a dotted NAME. The own line is the one ending
// in kOwnNameTag or, failing that, one whose address is 127.0.1.1 (what
// templates ship for their build-time name). The first own line is replaced
// in place, later ones are dropped, and without one the line is appended;
// every other line is kept as it was.
std::string hosts_with_name(std::string_view hosts, std::string_view hostname,
                            std::string_view address = kOwnNameAddress);

// resolv with its "nameserver" lines replaced by one per entry of
// nameservers, and its "search" and "domain" lines (the resolver uses the
// last of either) by one "search" line, each set only when given. The new
// lines go where the first old one was, else at the end. Other lines
// ("options", comments) are kept.
std::string resolv_with(std::string_view resolv, const std::optional<std::vector<std::string>>& nameservers,
                        const std::optional<std::vector<std::string>>& searchdomains);

// What a resolv.conf says: every nameserver in order, and the domains of
// its last "search" or "domain" line (as the resolver reads it).
std::vector<std::string> resolv_nameservers(std::string_view resolv);
std::vector<std::string> resolv_searchdomains(std::string_view resolv);

// The blank separated words of a config value, each "inherit" replaced by
// the host's values, duplicates dropped; nullopt when nothing is left, which
// leaves the file's lines alone.
std::optional<std::vector<std::string>> expand_inherit(std::string_view value,
                                                       const std::vector<std::string>& host_values);

}  // namespace vessel::lifecycle
