// vessel-image: what Vessel does with template archives, as a program of its
// own, so that libarchive and the ten libraries behind it are loaded only by
// the commands that read or write an archive, and not by every vessel exec,
// start and stop. `vessel create` and `vessel template create` run it;
// images/helper.h is the interface.
//
// Usage (by vessel only):
//   vessel-image REPORT_FD VERBOSITY ensure CACHE_DIR NAME
//   vessel-image REPORT_FD VERBOSITY extract ARCHIVE TARGET_DIR BYTES
//   vessel-image REPORT_FD VERBOSITY build CACHE_DIR NAME
// One line goes to REPORT_FD: "OK ..." when done, else "ERR <exit code>
// <message>". The exit status is that code. Errors are printed only if
// REPORT_FD cannot take them, so a run by hand (REPORT_FD 1) shows them too.
#include <fcntl.h>
#include <signal.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "images/archive.h"
#include "images/cache.h"
#include "images/cache_build.h"
#include "images/helper.h"
#include "images/progress.h"
#include "runtime/base/error.h"
#include "runtime/base/interrupt.h"
#include "runtime/base/log.h"
#include "runtime/base/report.h"

namespace {

using namespace vessel;
using Args = std::vector<std::string>;

[[noreturn]] void usage(const std::string& why)
{
    throw Error(ExitCode::InvalidParameter,
                std::string(images::helper::kProgram) + ": " + why +
                    " (usage: REPORT_FD VERBOSITY ensure CACHE_DIR NAME | extract ARCHIVE TARGET_DIR BYTES | "
                    "build CACHE_DIR NAME)");
}

template <typename T>
T number(std::string_view arg, std::string_view what)
{
    T value{};
    auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), value);
    if (ec != std::errc() || end != arg.data() + arg.size())
        usage("bad " + std::string(what) + " \"" + std::string(arg) + "\"");
    return value;
}

std::string ensure(const Args& args)
{
    images::TemplateCache cache(args[0]);
    const std::string& name = args[1];
    auto archive = with_context("template " + name, [&] { return images::ensure_template(cache, name); });
    auto stats = images::measure_archive(archive);
    return std::to_string(stats.bytes) + " " + std::to_string(stats.entries) + " " + archive.filename().string();
}

std::string extract(const Args& args)
{
    const std::filesystem::path archive = args[0];
    // The template's name, as the cache file is called: NAME.tar.gz.
    std::string name = archive.filename().string();
    name.resize(name.size() - images::archive_extension(name).size());

    images::ProgressBar bar("Extracting " + name);
    images::ExtractOptions xo;
    xo.total_bytes = number<std::uint64_t>(args[2], "byte count");
    xo.cancel = &InterruptGuard::flag();
    xo.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
    images::extract_archive(archive, args[1], xo);
    return {};
}

std::string build(const Args& args)
{
    images::TemplateCache cache(args[0]);
    return images::build_template(cache, args[1]).filename().string();
}

// The fields of the OK reply.
std::string run(const Args& args)
{
    struct Command {
        std::string_view name;
        size_t nargs;
        std::string (*run)(const Args&);
    };
    static constexpr Command commands[] = {
        {images::helper::kEnsure, 2, ensure},
        {images::helper::kExtract, 3, extract},
        {images::helper::kBuild, 2, build},
    };
    if (args.empty())
        usage("no command");
    for (const auto& c : commands) {
        if (c.name != args[0])
            continue;
        if (args.size() - 1 != c.nargs)
            usage(args[0] + " takes " + std::to_string(c.nargs) + " arguments");
        return c.run(Args(args.begin() + 1, args.end()));
    }
    usage("unknown command \"" + args[0] + "\"");
}

}  // namespace

int main(int argc, char** argv)
{
    // Interrupts become a flag that extraction polls. vessel started us with
    // them blocked, so one that came before this point is delivered now.
    InterruptGuard interrupts;
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
        sigaddset(&set, sig);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);

    int report = -1;
    try {
        if (argc < 3)
            usage("too few arguments");
        report = number<int>(argv[1], "REPORT_FD");
        // Not for the programs a recipe runs (debootstrap): vessel reads EOF
        // on this pipe as our end, and they would hold it back.
        ::fcntl(report, F_SETFD, FD_CLOEXEC);
        log::set_level(static_cast<log::Level>(number<int>(argv[2], "VERBOSITY")));
        std::string fields = run(Args(argv + 3, argv + argc));
        write_report(report, ok_report(fields));
        return 0;
    } catch (const Error& e) {
        if (!write_report(report, error_report(e)))
            log::error(e.what());
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        Error err(ExitCode::System, e.what());
        if (!write_report(report, error_report(err)))
            log::error(err.what());
        return static_cast<int>(err.code());
    }
}
