// `vessel features`: what the kernel offers and which fallback is used.
#include <iostream>

#include "runtime/cli/commands.h"
#include "runtime/features/features.h"

namespace vessel::cli {

namespace {
int cmd_features(Context&, const std::vector<std::string>& args)
{
    parse_args(args, {}, {});
    std::cout << features::describe(features::probe());
    return 0;
}
}  // namespace

std::vector<Command> feature_commands()
{
    return {{"features", {}, "", "what the kernel offers, and the fallback used for what it lacks", {}, cmd_features}};
}

}  // namespace vessel::cli
