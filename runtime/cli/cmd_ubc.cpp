// `vessel ubc`: the beancounters of running containers, in the kernel's
// /proc/user_beancounters format, as JSON, or explained.
#include <boost/program_options.hpp>

#include <iostream>

#include "runtime/bc/ubc_format.h"
#include "runtime/cli/commands.h"
#include "runtime/config/ctid.h"
#include "runtime/lifecycle/ct_ubc.h"
#include "runtime/lifecycle/run_state.h"

namespace po = boost::program_options;

namespace vessel::cli {

namespace {

po::options_description ubc_options()
{
    po::options_description d("Options");
    d.add_options()
        ("json,j", "JSON: per container and parameter held, maxheld, barrier, limit, failcnt (null: unknown)")
        ("explain", "per parameter: enforced, accounted or unavailable on this host, and how or why");
    return d;
}

int cmd_ubc(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, ubc_options(), {"ctids*"});
    const auto& global = ctx.global();
    const bool named = vm.count("ctids") > 0;

    std::vector<bc::CtRows> cts;
    auto add = [&](config::CtId id, bool must_run) {
        auto ct = config::CtConfig::load(global, id);
        auto rows = lifecycle::read_ct_ubc(global, ct);
        if (!rows) {
            if (must_run)
                {
                Error e(ExitCode::NotRunning, "Container is not running");
                throw e.add_context("ubc " + std::to_string(id));
            }
            return;
        }
        cts.push_back({id, std::move(*rows)});
    };
    if (named) {
        for (const auto& a : vm["ctids"].as<std::vector<std::string>>())
            add(config::resolve_ctid(a, global), true);
    } else {
        for (auto id : config::list_ctids(global)) {
            // A container that stops while we look is simply not listed.
            try {
                add(id, false);
            } catch (const Error& e) {
                if (e.code() != ExitCode::NotRunning && lifecycle::is_running(global, id))
                    throw;
            }
        }
    }

    if (vm.count("explain")) {
        // The mapping depends on the host and backend, not on the container:
        // the first container's rows say it with its real files.
        auto rows = cts.empty() ? lifecycle::explain_ubc_rows() : cts.front().rows;
        if (cts.empty())
            std::cout << "No container is running: this is the mapping of this host's backend, as if the kernel had "
                         "every file; a running container shows the exact one.\n";
        std::cout << bc::format_ubc_explain(rows);
        return 0;
    }
    std::cout << (vm.count("json") ? bc::format_ubc_json(cts) : bc::format_ubc_text(cts));
    return 0;
}

}  // namespace

std::vector<Command> ubc_commands()
{
    return {
        {"ubc", {}, "[CTID...] [-j|--json] [--explain]",
         "beancounters of running containers (/proc/user_beancounters)", ubc_options, cmd_ubc},
    };
}

}  // namespace vessel::cli
