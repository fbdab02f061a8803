// An IPv4 or IPv6 address with a prefix length, as the config and the
// command line write it ("198.51.100.7", "2001:db8::7/64").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vessel::net {

struct IpAddr {
    int family = 0;                       // AF_INET or AF_INET6
    std::array<std::uint8_t, 16> bytes{};  // network order; 4 used for IPv4
    unsigned prefix = 0;                  // 32 or 128 when none was given

    std::string str() const;              // the address alone
    std::string with_prefix() const;      // "198.51.100.7/32"
    bool same_address(const IpAddr& o) const { return family == o.family && bytes == o.bytes; }
    bool operator==(const IpAddr&) const = default;
    // Whether `o` lies in this network (this prefix).
    bool contains(const IpAddr& o) const;
};

// Throws Error(InvalidValue) naming the text: not an address, a prefix out
// of range, or (allow_prefix false) a prefix at all.
IpAddr parse_ip(std::string_view text, bool allow_prefix = true);

// IP_ADDRESS style: addresses separated by blanks.
std::vector<IpAddr> parse_ip_list(std::string_view text);
std::string format_ip_list(const std::vector<IpAddr>& addrs);

}  // namespace vessel::net
