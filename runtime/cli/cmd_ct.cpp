// Commands for containers at rest: create, destroy, mount, umount, status.
#include <boost/program_options.hpp>

#include <iostream>

#include "runtime/base/log.h"
#include "runtime/cli/commands.h"
#include "runtime/config/ct_config.h"
#include "runtime/config/ctid.h"
#include "runtime/lifecycle/create.h"
#include "runtime/lifecycle/ct_info.h"
#include "runtime/lifecycle/destroy.h"
#include "runtime/lifecycle/lock.h"
#include "runtime/lifecycle/mount.h"
#include "runtime/lifecycle/run_state.h"
#include "runtime/lifecycle/teardown.h"

namespace po = boost::program_options;

namespace vessel::cli {

namespace {

std::optional<std::string> opt(const po::variables_map& vm, const char* name)
{
    if (vm.count(name))
        return vm[name].as<std::string>();
    return std::nullopt;
}

po::options_description create_options()
{
    po::options_description d("Options");
    d.add_options()
        ("ostemplate", po::value<std::string>(), "template to create from (default DEF_OSTEMPLATE)")
        ("config", po::value<std::string>(), "sample config ve-NAME.conf-sample (default CONFIGFILE)")
        ("private", po::value<std::string>(), "private area (default VE_PRIVATE)")
        ("root", po::value<std::string>(), "mount point (default VE_ROOT)")
        ("hostname", po::value<std::string>(), "host name of the container")
        ("name", po::value<std::string>(), "a name to use instead of the CTID");
    return d;
}

int cmd_create(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, create_options(), {"ctid"});
    if (!vm.count("ctid"))
        throw UsageError("missing CTID");
    const std::string arg = vm["ctid"].as<std::string>();
    auto id = config::parse_ctid(arg);
    if (!id)
        throw UsageError("invalid CTID: \"" + arg + "\" (a number 1.." + std::to_string(config::kCtIdMax) + ")");
    lifecycle::CreateOptions o;
    o.ostemplate = opt(vm, "ostemplate");
    o.config = opt(vm, "config");
    o.private_dir = opt(vm, "private");
    o.root_dir = opt(vm, "root");
    o.hostname = opt(vm, "hostname");
    o.name = opt(vm, "name");
    const auto& global = ctx.global();
    with_context("create " + std::to_string(*id), [&] { lifecycle::create_ct(global, *id, o); });
    return 0;
}

int cmd_destroy(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, {}, {"ctid"});
    auto id = ctid_arg(ctx, vm);
    config::CtConfig::load_if_exists(ctx.global(), id);
    with_context("destroy " + std::to_string(id), [&] { lifecycle::destroy_ct(ctx.global(), id); });
    return 0;
}

int cmd_mount(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, {}, {"ctid"});
    auto id = ctid_arg(ctx, vm);
    // Loaded (and validated) before the lock: bad input touches nothing.
    auto ct = config::CtConfig::load(ctx.global(), id);
    auto lock = lifecycle::CtLock::acquire(ctx.global(), id);
    with_context("mount " + std::to_string(id), [&] { lifecycle::mount_ct(ct); });
    log::info("Container is mounted");
    return 0;
}

int cmd_umount(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, {}, {"ctid"});
    auto id = ctid_arg(ctx, vm);
    auto ct = config::CtConfig::load(ctx.global(), id);
    auto lock = lifecycle::CtLock::acquire(ctx.global(), id);
    if (lifecycle::is_running(ctx.global(), id))
        throw Error(ExitCode::Running, "umount " + std::to_string(id) + ": Container is running -- stop it first");
    with_context("umount " + std::to_string(id), [&] { lifecycle::umount_ct(ct); });
    log::info("Container is unmounted");
    return 0;
}

int cmd_status(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, {}, {"ctid"});
    auto id = ctid_arg(ctx, vm);
    // Leftovers of a CT that died unattended are cleaned up here, unless a
    // command that changes the CT is busy with it.
    if (lifecycle::load_run_state(ctx.global(), id)) {
        try {
            auto lock = lifecycle::CtLock::acquire(ctx.global(), id, std::chrono::milliseconds(0));
            lifecycle::recover_leftovers(ctx.global(), id);
        } catch (const Error& e) {
            if (e.code() != ExitCode::Locked)
                log::warning(e.what());
        }
    }
    auto info = lifecycle::inspect(ctx.global(), id);
    std::cout << "CTID " << id << ' ' << (info.exists ? "exist" : "deleted") << ' '
              << (info.mounted ? "mounted" : "unmounted") << ' ' << (info.running ? "running" : "down")
              << (info.suspended ? " suspended" : "") << '\n';
    return 0;
}

}  // namespace

std::vector<Command> ct_commands()
{
    return {
        {"create", {}, "CTID [--ostemplate T] [--config SAMPLE] [--private P] [--root R] [--hostname H] [--name N]",
         "create a container from a template", create_options, cmd_create},
        {"destroy", {"delete"}, "CTID", "remove a stopped container's private area and config", {}, cmd_destroy},
        {"mount", {}, "CTID", "mount the private area on VE_ROOT", {}, cmd_mount},
        {"umount", {}, "CTID", "unmount VE_ROOT", {}, cmd_umount},
        {"status", {}, "CTID", "print CTID N exist|deleted mounted|unmounted running|down", {}, cmd_status},
    };
}

}  // namespace vessel::cli
