// Commands for running containers: start, stop, restart, exec, enter.
#include <boost/program_options.hpp>

#include <iostream>

#include "runtime/base/log.h"
#include "runtime/cli/commands.h"
#include "runtime/config/ctid.h"
#include "runtime/config/values.h"
#include "runtime/lifecycle/exec.h"
#include "runtime/lifecycle/run_state.h"
#include "runtime/lifecycle/start.h"
#include "runtime/lifecycle/stop.h"

namespace po = boost::program_options;

namespace vessel::cli {

namespace {

po::options_description start_options()
{
    po::options_description d("Options");
    d.add_options()("wait", "return once init has finished booting, not just started")
        ("force", "start even if DISABLED=yes");
    return d;
}

void add_stop_options(po::options_description& d)
{
    d.add_options()
        ("fast", "kill at once, without a graceful shutdown")
        ("timeout", po::value<std::string>(), "seconds to wait for a graceful stop (default STOP_TIMEOUT)");
}

po::options_description stop_options()
{
    po::options_description d("Options");
    add_stop_options(d);
    return d;
}

po::options_description restart_options()
{
    po::options_description d("Options");
    d.add_options()("wait", "return once init has finished booting, not just started")
        ("force", "start even if DISABLED=yes");
    add_stop_options(d);
    return d;
}

lifecycle::StopOptions stop_opts(const po::variables_map& vm)
{
    lifecycle::StopOptions o;
    o.fast = vm.count("fast") > 0;
    if (vm.count("timeout"))
        o.timeout = static_cast<unsigned>(
            with_context("--timeout", [&] { return config::parse_uint(vm["timeout"].as<std::string>(), 0, 86400); }));
    return o;
}

int cmd_start(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, start_options(), {"ctid"});
    auto id = ctid_arg(ctx, vm);
    lifecycle::StartOptions o;
    o.wait = vm.count("wait") > 0;
    o.force = vm.count("force") > 0;
    with_context("start " + std::to_string(id), [&] { lifecycle::start_ct(ctx.global(), id, o); });
    return 0;
}

int cmd_stop(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, stop_options(), {"ctid"});
    auto id = ctid_arg(ctx, vm);
    with_context("stop " + std::to_string(id), [&] { lifecycle::stop_ct(ctx.global(), id, stop_opts(vm)); });
    return 0;
}

int cmd_restart(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, restart_options(), {"ctid"});
    auto id = ctid_arg(ctx, vm);
    with_context("restart " + std::to_string(id), [&] {
        log::info("Restarting container");
        try {
            lifecycle::stop_ct(ctx.global(), id, stop_opts(vm));
        } catch (const Error& e) {
            if (e.code() != ExitCode::NotRunning)
                throw;
        }
        lifecycle::StartOptions o;
        o.wait = vm.count("wait") > 0;
        o.force = vm.count("force") > 0;
        lifecycle::start_ct(ctx.global(), id, o);
    });
    return 0;
}

// `vessel exec [-t] CTID CMD [ARGS...]`: everything after the CTID is the
// command, verbatim; a leading "--" is dropped. "-" runs a script from stdin.
int cmd_exec(Context& ctx, const std::vector<std::string>& args)
{
    lifecycle::ExecRequest req;
    size_t i = 0;
    for (; i < args.size() && args[i].size() > 1 && args[i][0] == '-'; ++i) {
        if (args[i] == "-t" || args[i] == "--tty")
            req.tty = true;
        else
            throw UsageError("unknown option: " + args[i]);
    }
    if (i >= args.size())
        throw UsageError("missing CTID");
    auto id = config::resolve_ctid(args[i++], ctx.global());
    if (i < args.size() && args[i] == "--")
        ++i;
    if (i >= args.size())
        throw UsageError("missing command");
    req.argv.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    if (req.argv.size() == 1 && req.argv[0] == "-")
        req.argv = {"/bin/sh"};
    return with_context("exec " + std::to_string(id), [&] { return lifecycle::exec_in_ct(ctx.global(), id, req); });
}

int cmd_enter(Context& ctx, const std::vector<std::string>& args)
{
    lifecycle::ExecRequest req;
    size_t i = 0;
    if (args.empty())
        throw UsageError("missing CTID");
    auto id = config::resolve_ctid(args[i++], ctx.global());
    if (i < args.size()) {
        if (args[i] != "--exec")
            throw UsageError("unknown option: " + args[i]);
        if (++i >= args.size())
            throw UsageError("--exec needs a command");
        req.argv.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    } else {
        // Like vzctl: bash where the CT has it, else sh.
        req.argv = {"/bin/bash", "-l"};
        req.fallback_argv = {"/bin/sh", "-l"};
    }
    req.tty = true;
    req.banner_ct = std::to_string(id);
    return with_context("enter " + std::to_string(id), [&] { return lifecycle::exec_in_ct(ctx.global(), id, req); });
}

po::options_description exec_options()
{
    po::options_description d("Options (before the CTID)");
    d.add_options()("tty,t", "run the command on a new pty inside the container");
    return d;
}

po::options_description enter_options()
{
    po::options_description d("Options (after the CTID)");
    d.add_options()("exec", po::value<std::string>(), "run CMD [ARGS...] on the pty instead of a shell");
    return d;
}

}  // namespace

std::vector<Command> run_commands()
{
    return {
        {"start", {}, "CTID [--wait] [--force]", "start a container", start_options, cmd_start},
        {"stop", {}, "CTID [--fast] [--timeout N]", "stop a container (graceful, then kill)", stop_options, cmd_stop},
        {"restart", {}, "CTID [--wait] [--force] [--fast] [--timeout N]", "stop and start a container", restart_options,
         cmd_restart},
        {"exec", {}, "[-t] CTID CMD [ARGS...] | CTID -",
         "run a command in a running container; its exit status is vessel's", exec_options, cmd_exec},
        {"enter", {}, "CTID [--exec CMD [ARGS...]]", "a root shell (or CMD) on a new pty in the container",
         enter_options, cmd_enter},
    };
}

}  // namespace vessel::cli
