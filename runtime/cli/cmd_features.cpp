// `vessel features`: what the kernel offers and which fallback is used.
#include <filesystem>
#include <iostream>

#include "ns/userns.h"
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

// Whether LOCAL_UID containers keep their files' ids here: tried on the
// nearest existing directory of VE_PRIVATE (the CTID's own does not exist
// yet for most of them).
std::string describe_private_idmap(Context& ctx)
{
    std::filesystem::path dir;
    try {
        dir = ctx.global().ve_private(101).parent_path();
    } catch (const Error&) {
        return "";
    }
    std::error_code ec;
    while (!dir.empty() && dir != dir.root_path() && !std::filesystem::is_directory(dir, ec))
        dir = dir.parent_path();
    const bool yes = features::probe().user_ns && features::probe().idmapped_mounts && ns::idmap_supported(dir);
    return "idmapped mounts on VE_PRIVATE (" + dir.string() + "): " +
           (yes ? std::string("yes") : "no (fallback: ownership shifted on disk for containers with LOCAL_UID)") + "\n";
}

int cmd_features(Context& ctx, const std::vector<std::string>& args)
{
    parse_args(args, {}, {});
    std::cout << features::describe(features::probe()) << security::describe_seccomp(global_seccomp(ctx))
              << describe_private_idmap(ctx);
    return 0;
}
}  // namespace

std::vector<Command> feature_commands()
{
    return {{"features", {}, "", "what the kernel offers, and the fallback used for what it lacks", {}, cmd_features}};
}

}  // namespace vessel::cli
