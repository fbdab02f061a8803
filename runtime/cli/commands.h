// The `vessel` command line: global options, the command table, dispatch.
#pragma once

#include <functional>
#include <optional>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include "runtime/base/error.h"
#include "runtime/config/global.h"

namespace vessel::cli {

// What every command gets: the global options and vessel.conf, loaded on first use.
class Context {
public:
    std::optional<std::filesystem::path> conf_path;  // --conf
    const config::GlobalConfig& global();

private:
    std::optional<config::GlobalConfig> global_;
};

struct Command {
    std::string_view name;
    std::vector<std::string_view> aliases;
    std::string_view args;     // synopsis after the name, e.g. "CTID [options]"
    std::string_view summary;  // one line for `vessel --help`
    // Options of the command, for `vessel help COMMAND` and parsing.
    std::function<boost::program_options::options_description()> options;
    // Runs with the arguments after the command name; returns the exit code.
    std::function<int(Context&, const std::vector<std::string>&)> run;
};

// Commands of each group register here (one table, in `vessel --help` order).
std::span<const Command> command_table();
const Command* find_command(std::string_view name);

// A command-line mistake: reported with the command's usage text.
class UsageError : public Error {
public:
    explicit UsageError(std::string message) : Error(ExitCode::InvalidParameter, std::move(message)) {}
};

// Helpers for command implementations.
// Parses args against desc (plus positional names in order; "" = rest).
// Unknown options or missing arguments: UsageError.
boost::program_options::variables_map parse_args(const std::vector<std::string>& args,
                                                 const boost::program_options::options_description& desc,
                                                 const std::vector<std::string>& positional);
std::string usage_of(const Command& cmd);
// The positional "ctid" (a CTID or a name) resolved; UsageError if missing.
config::CtId ctid_arg(Context& ctx, const boost::program_options::variables_map& vm);

// Command groups (cmd_*.cpp).
std::vector<Command> ct_commands();
std::vector<Command> template_commands();
std::vector<Command> list_commands();
std::vector<Command> run_commands();
std::vector<Command> feature_commands();
std::vector<Command> set_commands();
std::vector<Command> ubc_commands();

// Entry point: returns the process exit code.
int run(int argc, char** argv);

}  // namespace vessel::cli
