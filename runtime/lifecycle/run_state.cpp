#include "runtime/lifecycle/run_state.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <string_view>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"

namespace vessel::lifecycle {

std::optional<std::uint64_t> process_start_time(pid_t pid)
{
    auto stat = fs::read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat)
        return std::nullopt;
    // comm (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    auto close = stat->rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::string_view rest(*stat);
    rest.remove_prefix(close + 1);
    // After ')' come fields 3..; start time is field 22, the 20th of these.
    int field = 2;
    size_t pos = 0;
    while (pos < rest.size()) {
        while (pos < rest.size() && rest[pos] == ' ')
            ++pos;
        size_t end = rest.find(' ', pos);
        if (end == std::string_view::npos)
            end = rest.size();
        if (++field == 22) {
            std::uint64_t v = 0;
            auto tok = rest.substr(pos, end - pos);
            if (std::from_chars(tok.data(), tok.data() + tok.size(), v).ec != std::errc())
                return std::nullopt;
            return v;
        }
        pos = end;
    }
    return std::nullopt;
}

bool ProcessRef::alive() const
{
    if (pid <= 0)
        return false;
    auto st = process_start_time(pid);
    return st && *st == start_time;
}

std::optional<ProcessRef> ProcessRef::of(pid_t pid)
{
    auto st = process_start_time(pid);
    if (!st)
        return std::nullopt;
    return ProcessRef{pid, *st};
}

std::filesystem::path run_state_dir(const config::GlobalConfig& global, config::CtId id)
{
    return global.run_dir() / std::to_string(id);
}

namespace {
const char kStateFile[] = "state.json";

nlohmann::json to_json(const ProcessRef& p) { return {{"pid", p.pid}, {"start_time", p.start_time}}; }
ProcessRef process_from_json(const nlohmann::json& j)
{
    return ProcessRef{j.at("pid").get<pid_t>(), j.at("start_time").get<std::uint64_t>()};
}
}  // namespace

std::optional<RunState> load_run_state(const config::GlobalConfig& global, config::CtId id)
{
    auto path = run_state_dir(global, id) / kStateFile;
    auto text = fs::read_file(path);
    if (!text)
        return std::nullopt;
    try {
        auto j = nlohmann::json::parse(*text);
        RunState s;
        s.init = process_from_json(j.at("init"));
        if (j.contains("monitor"))
            s.monitor = process_from_json(j.at("monitor"));
        if (j.contains("cgroups"))
            s.cgroups = j.at("cgroups").get<std::vector<std::string>>();
        return s;
    } catch (const nlohmann::json::exception& e) {
        throw Error(ExitCode::System, path.string() + ": corrupt run state: " + e.what());
    }
}

void save_run_state(const config::GlobalConfig& global, config::CtId id, const RunState& state)
{
    auto dir = run_state_dir(global, id);
    fs::make_dirs(dir, 0700);
    nlohmann::json j = {{"init", to_json(state.init)},
                        {"monitor", to_json(state.monitor)},
                        {"cgroups", state.cgroups}};
    fs::write_file_atomic(dir / kStateFile, j.dump(2) + "\n", 0600);
}

bool is_running(const config::GlobalConfig& global, config::CtId id)
{
    auto s = load_run_state(global, id);
    return s && s->init.alive();
}

}  // namespace vessel::lifecycle
