#include "runtime/lifecycle/run_state.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <string_view>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"

namespace vessel::lifecycle {

namespace {

struct StatFields {
    char state = '?';
    std::uint64_t start_time = 0;
};

// /proc/PID/stat: comm (field 2) may hold spaces and parentheses, so fields
// are counted from after the last ')'; field 3 is the state, 22 the start time.
std::optional<StatFields> read_stat(pid_t pid)
{
    std::optional<std::string> stat;
    try {
        stat = fs::read_file("/proc/" + std::to_string(pid) + "/stat");
    } catch (const Error&) {
        // The process went away between open and read (ESRCH).
        return std::nullopt;
    }
    if (!stat)
        return std::nullopt;
    auto close = stat->rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::string_view rest(*stat);
    rest.remove_prefix(close + 1);
    StatFields out;
    int field = 2;
    size_t pos = 0;
    while (pos < rest.size()) {
        while (pos < rest.size() && rest[pos] == ' ')
            ++pos;
        size_t end = rest.find(' ', pos);
        if (end == std::string_view::npos)
            end = rest.size();
        auto tok = rest.substr(pos, end - pos);
        ++field;
        if (field == 3 && !tok.empty())
            out.state = tok[0];
        if (field == 22) {
            if (std::from_chars(tok.data(), tok.data() + tok.size(), out.start_time).ec != std::errc())
                return std::nullopt;
            return out;
        }
        pos = end;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> process_start_time(pid_t pid)
{
    auto f = read_stat(pid);
    if (!f)
        return std::nullopt;
    return f->start_time;
}

bool ProcessRef::alive() const
{
    if (pid <= 0)
        return false;
    auto f = read_stat(pid);
    // A zombie has exited; only its parent has not collected it yet.
    return f && f->start_time == start_time && f->state != 'Z' && f->state != 'X';
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
nlohmann::json to_json(const net::VenetState& v)
{
    nlohmann::json addrs = nlohmann::json::array();
    for (const auto& a : v.addrs)
        addrs.push_back(a.with_prefix());
    nlohmann::json proxies = nlohmann::json::array();
    for (const auto& p : v.proxies)
        proxies.push_back({{"addr", p.addr.str()}, {"dev", p.dev}});
    return {{"host_netns", v.host_netns}, {"host_if", v.host_if}, {"addrs", addrs}, {"proxies", proxies}};
}

net::VenetState venet_from_json(const nlohmann::json& j)
{
    net::VenetState v;
    v.host_netns = j.value("host_netns", std::uint64_t{0});
    v.host_if = j.at("host_if").get<std::string>();
    for (const auto& a : j.at("addrs"))
        v.addrs.push_back(net::parse_ip(a.get<std::string>()));
    for (const auto& p : j.at("proxies"))
        v.proxies.push_back({net::parse_ip(p.at("addr").get<std::string>()), p.at("dev").get<std::string>()});
    return v;
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
        s.phase = j.value("phase", std::string("running")) == "starting" ? RunState::Phase::Starting
                                                                         : RunState::Phase::Running;
        if (j.contains("starter"))
            s.starter = process_from_json(j.at("starter"));
        s.init = process_from_json(j.at("init"));
        s.mounted_by_start = j.value("mounted_by_start", false);
        if (j.contains("monitor"))
            s.monitor = process_from_json(j.at("monitor"));
        if (j.contains("cgroups"))
            s.cgroups = j.at("cgroups").get<std::vector<std::string>>();
        if (j.contains("venet"))
            s.venet = venet_from_json(j.at("venet"));
        if (j.contains("cap_keep"))
            s.cap_keep = j.at("cap_keep").get<std::uint64_t>();
        if (j.contains("bridged"))
            s.bridged = net::BridgedState{j.at("bridged").value("host_netns", std::uint64_t{0}),
                                          j.at("bridged").at("host_ifs").get<std::vector<std::string>>()};
        return s;
    } catch (const nlohmann::json::exception& e) {
        throw Error(ExitCode::System, path.string() + ": corrupt run state: " + e.what());
    } catch (const Error& e) {
        throw Error(ExitCode::System, path.string() + ": corrupt run state: " + e.what());
    }
}

void save_run_state(const config::GlobalConfig& global, config::CtId id, const RunState& state)
{
    auto dir = run_state_dir(global, id);
    fs::make_dirs(dir, 0700);
    nlohmann::json j = {{"phase", state.phase == RunState::Phase::Starting ? "starting" : "running"},
                        {"starter", to_json(state.starter)},
                        {"init", to_json(state.init)},
                        {"monitor", to_json(state.monitor)},
                        {"cgroups", state.cgroups},
                        {"mounted_by_start", state.mounted_by_start}};
    if (state.venet)
        j["venet"] = to_json(*state.venet);
    if (state.cap_keep)
        j["cap_keep"] = *state.cap_keep;
    if (state.bridged)
        j["bridged"] = {{"host_netns", state.bridged->host_netns}, {"host_ifs", state.bridged->host_ifs}};
    // Run state describes processes, which a reboot ends anyway: atomic, not durable.
    fs::write_file_atomic(dir / kStateFile, j.dump(2) + "\n", 0600, false);
}

void remove_run_state(const config::GlobalConfig& global, config::CtId id)
{
    fs::remove_tree(run_state_dir(global, id));
}

bool is_running(const config::GlobalConfig& global, config::CtId id)
{
    auto s = load_run_state(global, id);
    return s && s->phase == RunState::Phase::Running && s->init.alive();
}

}  // namespace vessel::lifecycle
