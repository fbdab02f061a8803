#include "runtime/cli/commands.h"

#include <boost/program_options.hpp>

#include <iostream>
#include <sstream>

#include "runtime/base/error.h"
#include "runtime/base/exit_codes.h"
#include "runtime/base/log.h"
#include "runtime/config/ctid.h"
#include "vessel_build_config.h"

namespace po = boost::program_options;

namespace vessel::cli {

const config::GlobalConfig& Context::global()
{
    if (!global_)
        global_ = config::GlobalConfig::load(conf_path);
    return *global_;
}

namespace {

std::vector<Command> build_table()
{
    std::vector<Command> all;
    for (auto group : {ct_commands(), run_commands(), set_commands(), list_commands(), ubc_commands(), template_commands(),
                       feature_commands()})
        for (auto& c : group)
            all.push_back(std::move(c));
    return all;
}

const std::vector<Command>& table()
{
    static const std::vector<Command> t = build_table();
    return t;
}

const char kGlobalUsage[] =
    "Usage: vessel [global options] COMMAND [arguments]\n"
    "\n"
    "Global options (before the command):\n"
    "  --conf FILE     use FILE instead of $VESSEL_CONF or " VESSEL_DEFAULT_CONF "\n"
    "  -v, --verbose   say more (what each step does)\n"
    "  -q, --quiet     say only errors\n"
    "  -h, --help      this help; `vessel help COMMAND` for one command\n"
    "  --version       print the version\n";

void print_main_help(std::ostream& out)
{
    out << kGlobalUsage << "\nCommands:\n";
    for (const auto& c : table()) {
        std::string head = "  " + std::string(c.name);
        if (head.size() < 18)
            head.resize(18, ' ');
        else
            head += ' ';
        out << head << c.summary << '\n';
    }
    out << "\nExit codes follow vzctl's; see `vessel help exit-codes` and vessel(8).\n";
}

void print_exit_codes(std::ostream& out)
{
    out << "Exit codes:\n";
    for (const auto& e : exit_code_table()) {
        std::string code = std::to_string(static_cast<int>(e.code));
        code.insert(0, 5 - std::min<size_t>(code.size(), 4), ' ');
        out << code << "  " << e.meaning << '\n';
    }
}

int usage_error(const std::string& msg)
{
    log::error(msg);
    std::cerr << kGlobalUsage;
    return static_cast<int>(ExitCode::InvalidParameter);
}

}  // namespace

std::span<const Command> command_table() { return table(); }

const Command* find_command(std::string_view name)
{
    for (const auto& c : table()) {
        if (c.name == name)
            return &c;
        for (auto a : c.aliases)
            if (a == name)
                return &c;
    }
    return nullptr;
}

config::CtId ctid_arg(Context& ctx, const po::variables_map& vm)
{
    if (!vm.count("ctid"))
        throw UsageError("missing CTID");
    return config::resolve_ctid(vm["ctid"].as<std::string>(), ctx.global());
}

std::string usage_of(const Command& cmd)
{
    std::ostringstream out;
    out << "Usage: vessel " << cmd.name;
    if (!cmd.args.empty())
        out << ' ' << cmd.args;
    out << "\n" << cmd.summary << "\n";
    if (!cmd.aliases.empty()) {
        out << "Aliases:";
        for (auto a : cmd.aliases)
            out << ' ' << a;
        out << '\n';
    }
    if (cmd.options) {
        auto desc = cmd.options();
        if (!desc.options().empty())
            out << '\n' << desc;
    }
    return out.str();
}

po::variables_map parse_args(const std::vector<std::string>& args, const po::options_description& desc,
                             const std::vector<std::string>& positional)
{
    po::options_description all(desc);
    po::positional_options_description pos;
    for (const auto& p : positional) {
        if (p.empty())
            continue;
        if (p.back() == '*') {
            std::string name = p.substr(0, p.size() - 1);
            all.add_options()(name.c_str(), po::value<std::vector<std::string>>(), "");
            pos.add(name.c_str(), -1);
        } else {
            all.add_options()(p.c_str(), po::value<std::string>(), "");
            pos.add(p.c_str(), 1);
        }
    }
    po::variables_map vm;
    try {
        auto style = po::command_line_style::unix_style ^ po::command_line_style::allow_guessing;
        po::store(po::command_line_parser(args).options(all).positional(pos).style(style).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    return vm;
}

int run(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    Context ctx;
    size_t i = 0;
    int verbosity = 0;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.empty() || a[0] != '-')
            break;
        if (a == "--conf") {
            if (i + 1 >= args.size())
                return usage_error("--conf needs a file name");
            ctx.conf_path = args[++i];
        } else if (a.rfind("--conf=", 0) == 0) {
            ctx.conf_path = a.substr(7);
        } else if (a == "-v" || a == "--verbose") {
            ++verbosity;
        } else if (a.size() > 2 && a.find_first_not_of('v', 1) == std::string::npos) {
            verbosity += static_cast<int>(a.size() - 1);  // -vv
        } else if (a == "-q" || a == "--quiet") {
            verbosity = -1;
        } else if (a == "-h" || a == "--help") {
            print_main_help(std::cout);
            return 0;
        } else if (a == "--version") {
            std::cout << "vessel version " VESSEL_VERSION "\n";
            return 0;
        } else {
            return usage_error("unknown global option: " + a);
        }
    }
    log::set_level(verbosity < 0 ? log::Level::Quiet
                   : verbosity == 0 ? log::Level::Normal
                   : verbosity == 1 ? log::Level::Verbose
                                    : log::Level::Debug);
    if (i >= args.size())
        return usage_error("no command given");

    const std::string name = args[i++];
    std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());

    if (name == "help") {
        if (rest.empty()) {
            print_main_help(std::cout);
            return 0;
        }
        if (rest[0] == "exit-codes") {
            print_exit_codes(std::cout);
            return 0;
        }
        const Command* c = find_command(rest[0]);
        if (!c)
            return usage_error("unknown command: " + rest[0]);
        std::cout << usage_of(*c);
        return 0;
    }
    const Command* cmd = find_command(name);
    if (!cmd)
        return usage_error("unknown command: " + name);
    // exec and enter pass everything after the CTID to the container.
    const bool verbatim = cmd->name == "exec" || cmd->name == "enter";
    for (size_t k = 0; k < rest.size(); ++k) {
        const auto& a = rest[k];
        if (a == "--" || (verbatim && a[0] != '-'))
            break;
        if (a == "--help") {
            std::cout << usage_of(*cmd);
            return 0;
        }
    }
    try {
        return cmd->run(ctx, rest);
    } catch (const UsageError& e) {
        log::error(e.what());
        std::cerr << usage_of(*cmd);
        return static_cast<int>(e.code());
    } catch (const Error& e) {
        log::error(e.what());
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        log::error(e.what());
        return static_cast<int>(ExitCode::System);
    }
}

}  // namespace vessel::cli
