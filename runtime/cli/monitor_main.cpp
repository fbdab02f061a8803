// vessel-monitor: the per-container monitor as its own small program.
// `vessel start` forks and executes it, so a running container costs only
// this process's memory, not the whole command line's (Boost, libarchive,
// the parsed state of the start command).
//
// Usage (by vessel start only): vessel-monitor CONF CTID REPORT_FD [VERBOSITY]
#include <cstdlib>
#include <string>

#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/config/ct_config.h"
#include "runtime/config/ctid.h"
#include "runtime/features/features.h"
#include "runtime/lifecycle/monitor.h"
#include "runtime/spec/container_spec.h"

int main(int argc, char** argv)
{
    using namespace vessel;
    if (argc < 4)
        return static_cast<int>(ExitCode::InvalidParameter);
    const int report = std::atoi(argv[3]);
    try {
        if (argc > 4)
            log::set_level(static_cast<log::Level>(std::atoi(argv[4])));
        auto id = config::parse_ctid(argv[2]);
        if (!id)
            throw Error(ExitCode::InvalidParameter, std::string("bad CTID: ") + argv[2]);
        auto global = config::GlobalConfig::load(std::filesystem::path(argv[1]));
        auto ct = config::CtConfig::load(global, *id);
        auto spec = spec::build_spec(ct, global, features::probe());
        lifecycle::run_monitor(global, spec, report);
    } catch (const Error& e) {
        lifecycle::report_failure(report, e);
    }
    return 1;
}
