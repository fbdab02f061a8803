// `vessel list`: vzlist.
#include <boost/program_options.hpp>

#include <fnmatch.h>

#include <algorithm>
#include <iostream>
#include <set>

#include "runtime/cli/commands.h"
#include "runtime/cli/list_format.h"
#include "runtime/config/ctid.h"
#include "runtime/lifecycle/ct_info.h"

namespace po = boost::program_options;

namespace vessel::cli {

namespace {

po::options_description list_options()
{
    po::options_description d("Options");
    d.add_options()
        ("all,a", "list all containers, not only running ones")
        ("stopped,S", "list stopped containers only")
        ("output,o", po::value<std::string>(), "fields to show, comma separated (vzlist's names)")
        ("no-header,H", "do not print the header")
        ("json,j", "JSON output")
        ("sort,s", po::value<std::string>(), "sort by field; -field sorts in reverse")
        ("ids-only,1", "print CTIDs only (same as -H -o ctid)")
        ("name,n", "show the name (else the CTID) in a SMARTNAME column")
        ("no-trim,t", "do not trim long fields")
        ("hostname,h", po::value<std::string>(), "only host names matching the shell pattern")
        ("name_filter,N", po::value<std::string>(), "only names matching the shell pattern")
        ("description,d", po::value<std::string>(), "only descriptions matching the shell pattern")
        ("list-fields,L", "print the field names -o accepts");
    return d;
}

std::vector<std::string> split_fields(const std::string& s)
{
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= s.size()) {
        size_t comma = s.find(',', pos);
        if (comma == std::string::npos)
            comma = s.size();
        if (comma > pos)
            out.push_back(s.substr(pos, comma - pos));
        pos = comma + 1;
    }
    return out;
}

bool matches(const po::variables_map& vm, const char* opt, const std::string& value)
{
    if (!vm.count(opt))
        return true;
    return ::fnmatch(vm[opt].as<std::string>().c_str(), value.c_str(), 0) == 0;
}

int cmd_list(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, list_options(), {"ctids*"});
    if (vm.count("list-fields")) {
        std::cout << format_field_list();
        return 0;
    }
    ListOptions o;
    if (vm.count("output"))
        o.fields = split_fields(vm["output"].as<std::string>());
    o.header = !vm.count("no-header");
    o.json = vm.count("json") > 0;
    o.names = vm.count("name") > 0;
    o.no_trim = vm.count("no-trim") > 0;
    if (vm.count("sort")) {
        o.sort_field = vm["sort"].as<std::string>();
        if (!o.sort_field.empty() && o.sort_field[0] == '-') {
            o.sort_reverse = true;
            o.sort_field.erase(0, 1);
        }
    }
    if (vm.count("ids-only")) {
        o.fields = {"ctid"};
        o.header = false;
    }
    check_fields(o);

    const auto& global = ctx.global();
    std::set<config::CtId> wanted;
    if (vm.count("ctids"))
        for (const auto& a : vm["ctids"].as<std::vector<std::string>>())
            wanted.insert(config::resolve_ctid(a, global));
    const bool all = vm.count("all") > 0;
    const bool stopped_only = vm.count("stopped") > 0;

    // vzlist first collects (the named CTs, all with -a/-S, else the running
    // ones) and only then filters; "not found" is about the collection.
    std::vector<lifecycle::CtInfo> collected;
    for (auto& info : lifecycle::inspect_all(global, needs_ubc_rows(o))) {
        if (!wanted.empty() ? wanted.count(info.ctid) > 0 : (all || stopped_only || info.running))
            collected.push_back(std::move(info));
    }
    if (collected.empty()) {
        if (o.json)
            std::cout << "[]\n";
        else
            std::cerr << "Container(s) not found\n";
        // Like vzlist: an empty host is not an error, a CTID that is not there is.
        return wanted.empty() ? 0 : 1;
    }
    std::vector<lifecycle::CtInfo> cts;
    for (auto& info : collected) {
        if (stopped_only && info.running)
            continue;
        // A config whose private area is gone is not a container (vzlist hides it too).
        if (!info.running && !info.exists)
            continue;
        if (!matches(vm, "hostname", info.value("HOSTNAME")) || !matches(vm, "name_filter", info.value("NAME")) ||
            !matches(vm, "description", info.value("DESCRIPTION")))
            continue;
        cts.push_back(std::move(info));
    }
    std::cout << format_list(std::move(cts), o);
    return 0;
}

}  // namespace

std::vector<Command> list_commands()
{
    return {
        {"list", {}, "[-a|-S] [-o FIELD,...|-1] [-H] [-j] [-s [-]FIELD] [-n] [-t] [-h PAT] [-N PAT] [-d PAT] [CTID...] | -L",
         "list containers (vzlist)", list_options, cmd_list},
    };
}

}  // namespace vessel::cli
