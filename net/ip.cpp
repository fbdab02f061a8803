#include "net/ip.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "runtime/base/error.h"
#include "runtime/config/values.h"

namespace vessel::net {

namespace {
std::size_t size_of(int family) { return family == AF_INET ? 4 : 16; }
}  // namespace

std::string IpAddr::str() const
{
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(family, bytes.data(), buf, sizeof buf);
    return buf;
}

std::string IpAddr::with_prefix() const { return str() + "/" + std::to_string(prefix); }

bool IpAddr::contains(const IpAddr& o) const
{
    if (family != o.family)
        return false;
    unsigned bits = prefix;
    for (std::size_t i = 0; i < size_of(family) && bits > 0; ++i) {
        const unsigned take = bits >= 8 ? 8 : bits;
        const std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - take));
        if ((bytes[i] & mask) != (o.bytes[i] & mask))
            return false;
        bits -= take;
    }
    return true;
}

IpAddr parse_ip(std::string_view text, bool allow_prefix)
{
    const std::string t(text);
    const auto slash = t.find('/');
    const std::string addr = t.substr(0, slash);
    IpAddr ip;
    if (::inet_pton(AF_INET, addr.c_str(), ip.bytes.data()) == 1)
        ip.family = AF_INET;
    else if (::inet_pton(AF_INET6, addr.c_str(), ip.bytes.data()) == 1)
        ip.family = AF_INET6;
    else
        throw Error(ExitCode::InvalidValue, "\"" + t + "\": not an IPv4 or IPv6 address");
    const unsigned max = ip.family == AF_INET ? 32 : 128;
    ip.prefix = max;
    if (slash != std::string::npos) {
        if (!allow_prefix)
            throw Error(ExitCode::InvalidValue, "\"" + t + "\": an address without a /prefix is expected here");
        ip.prefix = static_cast<unsigned>(with_context("\"" + t + "\" prefix", [&] {
            return config::parse_uint(t.substr(slash + 1), 0, max);
        }));
    }
    return ip;
}

std::vector<IpAddr> parse_ip_list(std::string_view text)
{
    std::vector<IpAddr> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto start = text.find_first_not_of(" \t", pos);
        if (start == std::string_view::npos)
            break;
        auto end = text.find_first_of(" \t", start);
        if (end == std::string_view::npos)
            end = text.size();
        out.push_back(parse_ip(text.substr(start, end - start)));
        pos = end;
    }
    return out;
}

std::string format_ip_list(const std::vector<IpAddr>& addrs)
{
    std::string out;
    for (const auto& a : addrs) {
        if (!out.empty())
            out += ' ';
        // The prefix is written only when it is not the single-host default.
        out += a.prefix == (a.family == AF_INET ? 32u : 128u) ? a.str() : a.with_prefix();
    }
    return out;
}

}  // namespace vessel::net
