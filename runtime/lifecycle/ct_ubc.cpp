#include "runtime/lifecycle/ct_ubc.h"

#include <time.h>
#include <unistd.h>

#include "runtime/base/error.h"
#include "runtime/bc/peaks.h"
#include "runtime/cgroup/counters.h"
#include "runtime/cgroup/limits.h"
#include "runtime/features/features.h"
#include "runtime/lifecycle/run_state.h"

namespace vessel::lifecycle {

namespace {

bc::UbcInputs inputs_for(const cgroup::ProcessContainer& pc, pid_t init, const std::filesystem::path& run_dir)
{
    bc::UbcInputs in;
    in.mode = pc.mode();
    in.support = [&pc](cgroup::LimitKind k) { return cgroup::limit_support(pc, k); };
    in.counters = cgroup::read_counters(pc);
    auto pids = pc.pids();
    in.processes = pids.size();
    in.usage = bc::read_ct_usage(init, pids);
    in.peaks = bc::load_peaks(run_dir);
    return in;
}

// A container as this host would give one, for describing the mapping
// when none is running: the host's controllers, and every control file
// present. It is only asked questions; it cannot hold processes.
class HostModel final : public cgroup::ProcessContainer {
public:
    explicit HostModel(const cgroup::Layout& layout) : layout_(layout) {}
    cgroup::Mode mode() const override { return layout_.mode; }
    std::vector<std::string> paths() const override { return {}; }
    std::vector<std::string> controllers() const override
    {
        if (layout_.mode == cgroup::Mode::V2)
            return layout_.unified_controllers;
        std::vector<std::string> out;
        for (const auto& [name, mount] : layout_.v1)
            if (!name.starts_with("name="))
                out.push_back(name);
        return out;
    }
    void attach(pid_t) override { refuse(); }
    std::vector<UniqueFd> open_procs_files() const override { refuse(); }
    UniqueFd unified_fd() const override { return UniqueFd(); }
    void set(const std::string&, const std::string&) override { refuse(); }
    std::optional<std::string> get(const std::string&) const override { return std::string(); }
    std::vector<pid_t> pids() const override { return {}; }
    bool empty() const override { return true; }
    void freeze() override { refuse(); }
    void thaw() override { refuse(); }
    bool kill_all(std::chrono::milliseconds) override { refuse(); }
    void destroy() override { refuse(); }

private:
    [[noreturn]] static void refuse() { throw Error(ExitCode::System, "ubc: not a container"); }
    const cgroup::Layout& layout_;
};

// Builds the rows and raises the peak file with what they hold now; the
// rows then show the raised peaks.
std::vector<bc::UbcRow> rows_and_peaks(bc::UbcInputs& in, const std::filesystem::path& run_dir)
{
    auto rows = bc::build_rows(in);
    in.peaks = bc::raise_peaks(run_dir, bc::held_of(rows));
    return bc::build_rows(in);
}

}  // namespace

std::optional<std::vector<bc::UbcRow>> read_ct_ubc(const config::GlobalConfig& global, const config::CtConfig& ct)
{
    const config::CtId id = ct.id();
    return with_context("ubc " + std::to_string(id), [&]() -> std::optional<std::vector<bc::UbcRow>> {
        auto state = load_run_state(global, id);
        if (!state || state->phase != RunState::Phase::Running || !state->init.alive() || state->cgroups.empty())
            return std::nullopt;
        auto pc = cgroup::ProcessContainer::open(features::probe().cgroups, state->cgroups);
        const auto dir = run_state_dir(global, id);
        auto in = inputs_for(*pc, state->init.pid, dir);
        in.config_value = [&ct](std::string_view key) { return ct.get(key); };
        return rows_and_peaks(in, dir);
    });
}

void sample_ct_ubc(const config::GlobalConfig& global, config::CtId id, const cgroup::ProcessContainer& pc,
                   pid_t init)
{
    const auto dir = run_state_dir(global, id);
    auto in = inputs_for(pc, init, dir);
    bc::raise_peaks(dir, bc::held_of(bc::build_rows(in)));
}

std::vector<bc::UbcRow> explain_ubc_rows()
{
    const auto& layout = features::probe().cgroups;
    HostModel model(layout);
    bc::UbcInputs in;
    in.mode = layout.mode;
    in.support = [&model](cgroup::LimitKind k) { return cgroup::limit_support(model, k); };
    in.counters = cgroup::expected_counters(layout.mode);
    return bc::build_rows(in);
}

std::uint64_t seconds_since(std::uint64_t start_time_ticks)
{
    timespec now {};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    const long hz = ::sysconf(_SC_CLK_TCK);
    const std::uint64_t started = start_time_ticks / static_cast<std::uint64_t>(hz > 0 ? hz : 100);
    const auto up = static_cast<std::uint64_t>(now.tv_sec);
    return up > started ? up - started : 0;
}

}  // namespace vessel::lifecycle
