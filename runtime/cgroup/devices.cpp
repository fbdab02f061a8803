#include "runtime/cgroup/devices.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/cgroup/device_bpf.h"

namespace vessel::cgroup {

namespace {

// The v1 devices files. Only this file spells them.
namespace knob {
constexpr const char* allow = "devices.allow";
constexpr const char* deny = "devices.deny";
constexpr const char* list = "devices.list";
}  // namespace knob

std::string number_text(std::uint32_t n) { return n == kAnyDevice ? "*" : std::to_string(n); }

std::string access_text(unsigned access)
{
    return std::string((access & kDevRead) ? "r" : "") + ((access & kDevWrite) ? "w" : "") +
           ((access & kDevMknod) ? "m" : "");
}

using Key = std::tuple<char, std::uint32_t, std::uint32_t>;
Key key_of(const DeviceRule& r) { return {r.type, r.major, r.minor}; }

// One key per rule, its access the union of all rules for it, which is how
// the devices controller merges two allows of one device.
std::map<Key, unsigned> by_key(const std::vector<DeviceRule>& rules)
{
    std::map<Key, unsigned> out;
    for (const auto& r : rules)
        if (r.access != 0)
            out[key_of(r)] |= r.access;
    return out;
}

std::uint32_t parse_number(const std::string& s)
{
    return s == "*" ? kAnyDevice : static_cast<std::uint32_t>(std::stoul(s));
}

// devices.list: "a *:* rwm" for allow-all, else one exception per line.
std::vector<DeviceRule> parse_list(std::string_view text, bool* allow_all)
{
    *allow_all = false;
    std::vector<DeviceRule> out;
    std::istringstream in{std::string(text)};
    std::string type, nums, acc;
    while (in >> type >> nums >> acc) {
        if (type == "a") {
            *allow_all = true;
            continue;
        }
        auto colon = nums.find(':');
        if (type.size() != 1 || colon == std::string::npos)
            throw Error(ExitCode::System, "cgroup: unexpected line in " + std::string(knob::list) + ": " + type + " " + nums);
        DeviceRule r;
        r.type = type[0];
        r.major = parse_number(nums.substr(0, colon));
        r.minor = parse_number(nums.substr(colon + 1));
        for (char c : acc)
            r.access |= c == 'r' ? kDevRead : c == 'w' ? kDevWrite : c == 'm' ? kDevMknod : 0;
        out.push_back(r);
    }
    return out;
}

bool has_devices_controller(const ProcessContainer& pc)
{
    if (pc.mode() != Mode::V1)
        return false;
    auto c = pc.controllers();
    return std::find(c.begin(), c.end(), "devices") != c.end();
}

void write_all(ProcessContainer& pc, const std::vector<KnobWrite>& writes)
{
    for (const auto& w : writes)
        pc.set(w.file, w.value);
}

// The v1 half: all or nothing. A failed write is undone by planning the
// way back from whatever the list says now.
void apply_v1(ProcessContainer& pc, const std::vector<DeviceRule>& rules)
{
    const std::string before = pc.get(knob::list).value_or("");
    try {
        write_all(pc, plan_v1_devices(before, rules));
    } catch (const Error& e) {
        try {
            bool allow_all = false;
            auto old = parse_list(before, &allow_all);
            if (allow_all)
                pc.set(knob::allow, "a");
            else
                write_all(pc, plan_v1_devices(pc.get(knob::list).value_or(""), old));
        } catch (const Error&) {
            // Best effort: the error that matters is the first one.
        }
        // The text has the errno's words already.
        throw Error(e.code(), std::string(e.what()) + " (nothing was changed)");
    }
}

}  // namespace

bool rules_allow(const std::vector<DeviceRule>& rules, char type, std::uint32_t major, std::uint32_t minor,
                 unsigned access)
{
    for (const auto& r : rules) {
        if (r.access == 0 || r.type != type)
            continue;
        if ((r.major != kAnyDevice && r.major != major) || (r.minor != kAnyDevice && r.minor != minor))
            continue;
        if ((access & ~r.access) == 0)
            return true;
    }
    return false;
}

std::string v1_rule_text(const DeviceRule& r)
{
    return std::string(1, r.type) + " " + number_text(r.major) + ":" + number_text(r.minor) + " " +
           access_text(r.access);
}

std::vector<KnobWrite> plan_v1_devices(std::string_view list, const std::vector<DeviceRule>& want)
{
    bool allow_all = false;
    auto have = by_key(parse_list(list, &allow_all));
    const auto target = by_key(want);
    std::vector<KnobWrite> out;
    if (allow_all) {
        out.push_back({knob::deny, "a", {}});
        have.clear();
    }
    auto rule = [](const Key& k, unsigned access) {
        return DeviceRule{std::get<0>(k), std::get<1>(k), std::get<2>(k), access};
    };
    for (const auto& [k, access] : have) {
        auto it = target.find(k);
        const unsigned extra = access & ~(it == target.end() ? 0u : it->second);
        if (extra != 0)
            out.push_back({knob::deny, v1_rule_text(rule(k, extra)), {}});
    }
    for (const auto& [k, access] : target) {
        auto it = have.find(k);
        if (it == have.end() || (access & ~it->second) != 0)
            out.push_back({knob::allow, v1_rule_text(rule(k, access)), {}});
    }
    return out;
}

std::vector<std::string> apply_device_rules(ProcessContainer& pc, const std::vector<DeviceRule>& rules)
{
    return with_context("device rules", [&] {
        std::vector<std::string> warnings;
        const bool v1 = has_devices_controller(pc);
        UniqueFd unified = pc.unified_fd();
        if (!v1 && !unified)
            throw Error(ExitCode::System, "no devices cgroup and no cgroup2 directory to enforce them in");
        if (v1)
            apply_v1(pc, rules);
        if (unified) {
            try {
                attach_device_program(unified.get(), rules);
            } catch (const Error& e) {
                if (!v1)
                    throw;
                warnings.push_back(std::string("device rules: enforced by the v1 devices cgroup only: ") + e.what());
            }
        }
        return warnings;
    });
}

}  // namespace vessel::cgroup
