#include "net/netif.h"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "net/netlink.h"
#include "net/venet.h"
#include "runtime/base/error.h"

namespace vessel::net {

namespace {

constexpr Mac kSwOui{0x00, 0x18, 0x51, 0, 0, 0};

[[noreturn]] void bad(const std::string& msg) { throw Error(ExitCode::InvalidValue, msg); }

std::vector<std::string_view> split(std::string_view s, char sep)
{
    std::vector<std::string_view> out;
    while (true) {
        auto pos = s.find(sep);
        out.push_back(s.substr(0, pos));
        if (pos == std::string_view::npos)
            break;
        s.remove_prefix(pos + 1);
    }
    return out;
}

std::string trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return std::string(s);
}

// veth<CTID>.<n>: n is the number in the CT's name (eth3 -> 3), as vzctl
// does, or the interface's position when the name has none.
std::string default_host_name(unsigned ctid, std::string_view ifname, std::size_t position)
{
    std::string digits;
    for (char c : ifname)
        if (std::isdigit(static_cast<unsigned char>(c)))
            digits += c;
    return "veth" + std::to_string(ctid) + "." + (digits.empty() ? std::to_string(position) : digits);
}

void fill_defaults(Netif& n, unsigned ctid, std::size_t position, bool have_mac, bool have_host_mac)
{
    if (n.host_ifname.empty())
        n.host_ifname = default_host_name(ctid, n.ifname, position);
    check_ifname(n.host_ifname, "host_ifname");
    if (!have_mac)
        n.mac = stable_mac(ctid, n.ifname, false);
    if (!have_host_mac)
        n.host_mac = stable_mac(ctid, n.ifname, true);
    if (!n.bridge.empty())
        check_ifname(n.bridge, "bridge");
}

void ensure_default_route(const NlSocket& ct, int ifindex, const IpAddr& gw)
{
    Route def{IpAddr{gw.family, {}, 0}, ifindex, gw, true};
    try {
        add_route(ct, def);
    } catch (const Error& e) {
        if (e.sys_errno() != EEXIST)
            throw;
    }
}

}  // namespace

void check_ifname(std::string_view name, std::string_view what)
{
    const std::string shown = "\"" + std::string(name) + "\"";
    if (name.empty() || name.size() > 15)
        bad(std::string(what) + ": " + shown + ": an interface name has 1 to 15 characters");
    if (name == "." || name == ".." ||
        std::any_of(name.begin(), name.end(), [](char c) { return c == '/' || c == ':' || c == ',' || c == ';' ||
                                                                  c == '=' || std::isspace(static_cast<unsigned char>(c)) ||
                                                                  !std::isprint(static_cast<unsigned char>(c)); }))
        bad(std::string(what) + ": " + shown + ": not an interface name");
}

Mac parse_mac(std::string_view text)
{
    Mac m{};
    auto parts = split(text, ':');
    if (parts.size() != 6)
        bad("\"" + std::string(text) + "\": not a MAC address (like 00:18:51:12:34:56)");
    for (std::size_t i = 0; i < 6; ++i) {
        const auto& p = parts[i];
        if (p.size() != 2 || !std::isxdigit(static_cast<unsigned char>(p[0])) ||
            !std::isxdigit(static_cast<unsigned char>(p[1])))
            bad("\"" + std::string(text) + "\": not a MAC address (like 00:18:51:12:34:56)");
        m[i] = static_cast<std::uint8_t>(std::stoul(std::string(p), nullptr, 16));
    }
    if (m[0] & 1)
        bad("\"" + std::string(text) + "\": a multicast MAC address cannot name an interface");
    if (m == Mac{})
        bad("\"" + std::string(text) + "\": the all-zero MAC address cannot name an interface");
    return m;
}

Mac stable_mac(unsigned ctid, std::string_view ifname, bool host_side)
{
    // FNV-1a over what identifies the interface: the same CT and name give
    // the same MAC on every start and every host.
    std::uint32_t h = 2166136261u;
    auto mix = [&](std::uint8_t b) {
        h ^= b;
        h *= 16777619u;
    };
    for (int i = 0; i < 4; ++i)
        mix(static_cast<std::uint8_t>(ctid >> (8 * i)));
    for (char c : ifname)
        mix(static_cast<std::uint8_t>(c));
    mix(host_side ? 1 : 0);
    Mac m = kSwOui;
    m[3] = static_cast<std::uint8_t>(h >> 16);
    m[4] = static_cast<std::uint8_t>(h >> 8);
    m[5] = static_cast<std::uint8_t>(h);
    return m;
}

std::vector<Netif> parse_netif_config(std::string_view text, unsigned ctid)
{
    std::vector<Netif> out;
    for (auto item : split(text, ';')) {
        if (trim(item).empty())
            continue;
        Netif n;
        bool have_mac = false, have_host_mac = false;
        for (auto field : split(item, ',')) {
            const std::string f = trim(field);
            if (f.empty())
                continue;
            const auto eq = f.find('=');
            if (eq == std::string::npos)
                bad("NETIF: \"" + f + "\": not key=value");
            const std::string key = f.substr(0, eq), value = f.substr(eq + 1);
            if (key == "ifname") {
                n.ifname = value;
            } else if (key == "mac") {
                n.mac = parse_mac(value);
                have_mac = true;
            } else if (key == "host_ifname") {
                n.host_ifname = value;
            } else if (key == "host_mac") {
                n.host_mac = parse_mac(value);
                have_host_mac = true;
            } else if (key == "bridge") {
                n.bridge = value;
            } else if (key == "ip") {
                n.addrs.push_back(parse_ip(value));
            } else if (key == "gw" || key == "gw6") {
                auto g = parse_ip(value, false);
                if ((key == "gw") != (g.family == AF_INET))
                    bad("NETIF: " + key + "=" + value + ": " + (key == "gw" ? "IPv4" : "IPv6") + " expected");
                (key == "gw" ? n.gw : n.gw6) = g;
            } else if (key != "mac_filter" && key != "configure" && key != "dhcp") {
                // Kept from vzctl's files without meaning here; anything else is a typo.
                bad("NETIF: unknown field \"" + key + "\"");
            }
        }
        check_ifname(n.ifname, "ifname");
        fill_defaults(n, ctid, out.size(), have_mac, have_host_mac);
        for (const auto& o : out)
            if (o.ifname == n.ifname || o.host_ifname == n.host_ifname)
                bad("NETIF: interface " + n.ifname + " (" + n.host_ifname + ") is named twice");
        out.push_back(n);
    }
    return out;
}

std::string format_netif_config(const std::vector<Netif>& netifs)
{
    std::string out;
    for (const auto& n : netifs) {
        if (!out.empty())
            out += ';';
        out += "ifname=" + n.ifname + ",mac=" + format_mac(n.mac) + ",host_ifname=" + n.host_ifname +
               ",host_mac=" + format_mac(n.host_mac);
        if (!n.bridge.empty())
            out += ",bridge=" + n.bridge;
        for (const auto& a : n.addrs)
            out += ",ip=" + a.with_prefix();
        if (n.gw)
            out += ",gw=" + n.gw->str();
        if (n.gw6)
            out += ",gw6=" + n.gw6->str();
    }
    return out;
}

Netif parse_netif_add(std::string_view arg, unsigned ctid, std::size_t position)
{
    auto parts = split(arg, ',');
    if (parts.size() > 5)
        bad("--netif_add \"" + std::string(arg) + "\": IFNAME[,MAC,HOST_IFNAME,HOST_MAC,BRIDGE] expected");
    parts.resize(5);
    Netif n;
    n.ifname = trim(parts[0]);
    check_ifname(n.ifname, "--netif_add");
    const bool have_mac = !trim(parts[1]).empty(), have_host_mac = !trim(parts[3]).empty();
    if (have_mac)
        n.mac = parse_mac(trim(parts[1]));
    n.host_ifname = trim(parts[2]);
    if (have_host_mac)
        n.host_mac = parse_mac(trim(parts[3]));
    n.bridge = trim(parts[4]);
    fill_defaults(n, ctid, position, have_mac, have_host_mac);
    return n;
}

void add_netifs(int ct_netns_fd, BridgedState& st, const std::vector<Netif>& netifs)
{
    // Recorded even with no interface, for one added live later.
    if (st.host_netns == 0)
        st.host_netns = current_netns();
    if (netifs.empty())
        return;
    NlSocket host = NlSocket::open();
    NlSocket ct = NlSocket::open_in(ct_netns_fd);
    for (const auto& n : netifs) {
        with_context("interface " + n.ifname, [&] {
            if (!n.bridge.empty())
                link_by_name(host, n.bridge);  // a clear error before anything is made
            st.host_ifs.push_back(n.host_ifname);
            create_veth(host, n.host_ifname, n.ifname, ct_netns_fd, n.host_mac, n.mac);
            if (!n.bridge.empty())
                set_link_master(host, n.host_ifname, n.bridge);
            set_link_up(host, n.host_ifname);
            set_link_up(ct, n.ifname);
        });
        add_netif_addresses(ct_netns_fd, n, n.addrs);
    }
}

void add_netif_addresses(int ct_netns_fd, const Netif& n, const std::vector<IpAddr>& addrs)
{
    NlSocket ct = NlSocket::open_in(ct_netns_fd);
    const LinkInfo link = link_by_name(ct, n.ifname);
    for (const auto& a : addrs)
        with_context("interface " + n.ifname, [&] { add_address(ct, link.index, a); });
    if (n.gw)
        ensure_default_route(ct, link.index, *n.gw);
    if (n.gw6)
        ensure_default_route(ct, link.index, *n.gw6);
}

void remove_netifs(BridgedState& st, const std::vector<std::string>& host_ifs)
{
    NlSocket host = NlSocket::open();
    for (const auto& name : host_ifs) {
        delete_link(host, name);
        st.host_ifs.erase(std::remove(st.host_ifs.begin(), st.host_ifs.end(), name), st.host_ifs.end());
    }
}

bool teardown_netifs(const BridgedState& st)
{
    if (st.host_netns != 0 && st.host_netns != current_netns())
        return false;
    if (st.host_ifs.empty())
        return true;
    NlSocket host = NlSocket::open();
    for (const auto& name : st.host_ifs)
        delete_link(host, name);
    return true;
}

}  // namespace vessel::net
