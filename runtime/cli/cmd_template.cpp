// `vessel template list|create|remove`: the template cache.
#include <boost/program_options.hpp>

#include <cstdio>
#include <ctime>
#include <iostream>

#include "images/cache.h"
#include "images/helper.h"
#include "runtime/base/log.h"
#include "runtime/cli/commands.h"

namespace po = boost::program_options;

namespace vessel::cli {

namespace {

std::string size_text(std::uint64_t bytes)
{
    char buf[32];
    if (bytes >= (1ULL << 30))
        std::snprintf(buf, sizeof buf, "%.1fG", static_cast<double>(bytes) / (1ULL << 30));
    else if (bytes >= (1ULL << 20))
        std::snprintf(buf, sizeof buf, "%.1fM", static_cast<double>(bytes) / (1ULL << 20));
    else
        std::snprintf(buf, sizeof buf, "%.1fK", static_cast<double>(bytes) / 1024);
    return buf;
}

std::string time_text(std::time_t t)
{
    char buf[32];
    struct tm tm {};
    ::localtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

int template_list(Context& ctx, const std::vector<std::string>& args)
{
    po::options_description d;
    d.add_options()("no-header,H", "do not print the header");
    auto vm = parse_args(args, d, {});
    images::TemplateCache cache(ctx.global().cache_dir());
    char line[256];
    if (!vm.count("no-header")) {
        std::snprintf(line, sizeof line, "%-24s %-8s %8s %-16s %s\n", "TEMPLATE", "CACHED", "SIZE", "DATE", "RECIPE");
        std::cout << line;
    }
    for (const auto& e : cache.list()) {
        std::snprintf(line, sizeof line, "%-24s %-8s %8s %-16s %s\n", e.name.c_str(), e.file ? "yes" : "no",
                      e.file ? size_text(e.size).c_str() : "-", e.file ? time_text(e.mtime).c_str() : "-",
                      e.has_recipe ? "yes" : "no");
        std::cout << line;
    }
    return 0;
}

int template_create(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, {}, {"name"});
    if (!vm.count("name"))
        throw UsageError("missing template name");
    auto name = vm["name"].as<std::string>();
    images::TemplateCache::check_name(name);
    images::TemplateCache cache(ctx.global().cache_dir());
    // Built by vessel-image: the recipes write with libarchive.
    auto file = with_context("template create " + name, [&] { return images::helper::build(cache, name); });
    log::info("Template " + name + " created: " + file.string());
    return 0;
}

int template_remove(Context& ctx, const std::vector<std::string>& args)
{
    auto vm = parse_args(args, {}, {"name"});
    if (!vm.count("name"))
        throw UsageError("missing template name");
    auto name = vm["name"].as<std::string>();
    images::TemplateCache::check_name(name);
    images::TemplateCache cache(ctx.global().cache_dir());
    with_context("template remove " + name, [&] { cache.remove(name); });
    log::info("Template " + name + " removed");
    return 0;
}

int cmd_template(Context& ctx, const std::vector<std::string>& args)
{
    if (args.empty())
        throw UsageError("missing subcommand: list, create or remove");
    std::vector<std::string> rest(args.begin() + 1, args.end());
    const auto& sub = args[0];
    if (sub == "list")
        return template_list(ctx, rest);
    if (sub == "create")
        return template_create(ctx, rest);
    if (sub == "remove" || sub == "delete")
        return template_remove(ctx, rest);
    throw UsageError("unknown template subcommand: " + sub);
}

}  // namespace

std::vector<Command> template_commands()
{
    return {
        {"template", {}, "list [-H|--no-header] | create NAME | remove|delete NAME",
         "manage the template cache ($TEMPLATE/cache); create builds NAME with its recipe", {}, cmd_template},
    };
}

}  // namespace vessel::cli
