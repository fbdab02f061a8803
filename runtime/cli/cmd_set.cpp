// `vessel set CTID [parameters...] [--save]`: every beancounter by its name
// (--numproc 64:64), the vswap shorthands --ram and --swap, the CPU and I/O
// parameters, the host name and DNS. Each option stands for one
// configuration key; the table below and the UBC table are the only lists
// of them. --devnodes and --devices, like --ipadd, edit a list (an entry
// replaces the one for the same device) and are declared apart.
#include <boost/program_options.hpp>

#include <array>
#include <string>

#include "runtime/bc/ubc_table.h"
#include "runtime/cli/commands.h"
#include "runtime/lifecycle/set.h"

namespace po = boost::program_options;

namespace vessel::cli {

namespace {

struct SetOption {
    std::string_view option;  // --cpuunits
    std::string_view key;     // CPUUNITS
    std::string_view prefix;  // put before the value: --ram 256M is PHYSPAGES="0:256M"
    std::string_view help;
    // Repeats make one list, as vzctl's --nameserver A --nameserver B is
    // NAMESERVER="A B"; otherwise the last one wins.
    bool list = false;
};
constexpr std::array kOptions{
    SetOption{"ram", "PHYSPAGES", "0:", "RAM the container may use (vswap): PHYSPAGES=0:SIZE"},
    SetOption{"swap", "SWAPPAGES", "0:", "swap the container may use on top of its RAM: SWAPPAGES=0:SIZE"},
    SetOption{"cpuunits", "CPUUNITS", "", "relative CPU weight, 8..500000 (1000 is an average share)"},
    SetOption{"cpulimit", "CPULIMIT", "", "CPU limit in percent of one CPU (200 = two CPUs); 0 is none"},
    SetOption{"cpus", "CPUS", "", "number of CPUs the container may use up; 0 is all"},
    SetOption{"cpumask", "CPUMASK", "", "CPUs the container may run on: a list like 0-3,5, or all"},
    SetOption{"iolimit", "IOLIMIT", "", "disk bandwidth in bytes per second (K, M, G suffixes); 0 is none"},
    SetOption{"iopslimit", "IOPSLIMIT", "", "disk operations per second; 0 is none"},
    SetOption{"ioprio", "IOPRIO", "", "I/O priority, 0 (highest) to 7"},
    SetOption{"capability", "CAPABILITY", "", "NAME:on|off[,...]: a capability kept or dropped (at the next start)"},
    SetOption{"local_uid", "LOCAL_UID", "", "host uid of the container's root, in a user namespace; 0 is none (at the next start)"},
    SetOption{"local_gid", "LOCAL_GID", "", "host gid of the container's root group (at the next start)"},
    SetOption{"hostname", "HOSTNAME", "", "host name of the container", false},
    SetOption{"nameserver", "NAMESERVER", "", "DNS server address, or inherit (the host's); repeat for more", true},
    SetOption{"searchdomain", "SEARCHDOMAIN", "", "DNS search domain, or inherit (the host's); repeat for more", true},
};

po::options_description set_options()
{
    po::options_description d("Options");
    d.add_options()("save", "also write the values to the container's config")
        ("ipadd", po::value<std::vector<std::string>>(), "add a routed address, ADDR[/PREFIX] (IPv4 or IPv6)")
        ("ipdel", po::value<std::vector<std::string>>(), "remove a routed address, or all of them")
        ("netif_add", po::value<std::vector<std::string>>(),
         "add a bridged veth interface: IFNAME[,MAC,HOST_IFNAME,HOST_MAC,BRIDGE]")
        ("netif_del", po::value<std::vector<std::string>>(), "remove a bridged interface, or all of them")
        ("ifname", po::value<std::string>(), "--ipadd, --ipdel, --gw and --gw6 apply to this bridged interface")
        ("gw", po::value<std::string>(), "IPv4 default gateway of the --ifname interface")
        ("gw6", po::value<std::string>(), "IPv6 default gateway of the --ifname interface")
        ("devnodes", po::value<std::vector<std::string>>(),
         "make /dev/NAME in the container with the host's numbers and allow it: NAME:r|w|rw, or NAME:none to remove it")
        ("devices", po::value<std::vector<std::string>>(),
         "allow a device number without a node: b|c:MAJOR:MINOR|all:r|w|rw|none");
    for (const auto& o : kOptions)
        d.add_options()(std::string(o.option).c_str(), po::value<std::vector<std::string>>(),
                        std::string(o.help).c_str());
    for (const auto& p : bc::ubc_params()) {
        if (p.key.empty())
            continue;
        const std::string help = "beancounter " + std::string(p.name) + ": barrier[:limit]" +
                                 (p.unit == config::Unit::Items ? "" : " (K, M, G, P suffixes)");
        d.add_options()(std::string(p.name).c_str(), po::value<std::vector<std::string>>(), help.c_str());
    }
    return d;
}

int cmd_set(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, set_options(), {"ctid"});
    auto id = ctid_arg(ctx, vm);
    lifecycle::SetRequest req;
    req.save = vm.count("save") > 0;
    for (const auto& o : kOptions) {
        if (!vm.count(std::string(o.option)))
            continue;
        const auto& given = vm[std::string(o.option)].as<std::vector<std::string>>();
        if (o.list) {
            std::string joined;
            for (const auto& v : given)
                joined += (joined.empty() ? "" : " ") + v;
            req.values.emplace_back(std::string(o.key), joined);
            continue;
        }
        for (const auto& v : given)
            req.values.emplace_back(std::string(o.key), std::string(o.prefix) + v);
    }
    for (const auto& p : bc::ubc_params())
        if (!p.key.empty() && vm.count(std::string(p.name)))
            for (const auto& v : vm[std::string(p.name)].as<std::vector<std::string>>())
                req.values.emplace_back(std::string(p.key), v);
    auto strings = [&](const char* name) {
        return vm.count(name) ? vm[name].as<std::vector<std::string>>() : std::vector<std::string>{};
    };
    req.ipadd = strings("ipadd");
    req.ipdel = strings("ipdel");
    req.devices.devnodes = strings("devnodes");
    req.devices.devices = strings("devices");
    req.netif.add = strings("netif_add");
    req.netif.del = strings("netif_del");
    for (auto [name, field] : {std::pair{"ifname", &req.netif.ifname}, std::pair{"gw", &req.netif.gw},
                               std::pair{"gw6", &req.netif.gw6}})
        if (vm.count(name))
            *field = vm[name].as<std::string>();
    if (req.empty())
        throw UsageError("set: no parameters given");
    with_context("set " + std::to_string(id), [&] { lifecycle::set_ct(ctx.global(), id, req); });
    return 0;
}

}  // namespace

std::vector<Command> set_commands()
{
    return {
        {"set", {}, "CTID [--ipadd ADDR] [--numproc B[:L]] [--ram SIZE] [--cpulimit N] [--hostname H] [--devnodes N:rw] ... [--save]",
         "change a container's parameters, live and with --save in its config", set_options, cmd_set},
    };
}

}  // namespace vessel::cli
