// `vessel features`: what the kernel offers and which fallback is used.
#include <iostream>

#include "runtime/cli/commands.h"
#include "runtime/features/features.h"
#include "runtime/security/seccomp_filter.h"

namespace vessel::cli {

namespace {

// The profile vessel.conf names for every CT that does not name its own;
// the built-in one when there is no vessel.conf to read.
security::SeccompConfig global_seccomp(Context& ctx)
{
    try {
        const auto& g = ctx.global();
        auto v = g.get("SECCOMP_PROFILE");
        return security::seccomp_config(v, g.run_dir() / ".seccomp",
                                        v ? g.resolve_path(*v) : std::filesystem::path());
    } catch (const Error&) {
        return {};
    }
}

int cmd_features(Context& ctx, const std::vector<std::string>& args)
{
    parse_args(args, {}, {});
    std::cout << features::describe(features::probe()) << security::describe_seccomp(global_seccomp(ctx));
    return 0;
}
}  // namespace

std::vector<Command> feature_commands()
{
    return {{"features", {}, "", "what the kernel offers, and the fallback used for what it lacks", {}, cmd_features}};
}

}  // namespace vessel::cli
