// cgroup v1, hybrid hosts included: one directory per mounted hierarchy.
// Knobs go to the hierarchy of their controller; freezing prefers the
// unified hierarchy's cgroup.freeze (hybrid hosts with 5.2+) over the v1
// freezer, whose FREEZING state can linger.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/cgroup/backend.h"

namespace vessel::cgroup::detail {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

bool blank(const std::optional<std::string>& s)
{
    return !s || s->find_first_not_of(" \t\n") == std::string::npos;
}

// A new cpuset starts with no CPUs and no memory nodes, and the kernel
// refuses tasks until both are set: give it its parent's.
void inherit_cpuset(const stdfs::path& parent, const stdfs::path& dir, std::string_view name)
{
    if (!blank(read_file(dir / name)))
        return;
    auto value = read_file(parent / name);
    if (blank(value))
        throw Error(ExitCode::System, "cpuset: " + (parent / name).string() + " is empty");
    write_file(dir / name, *value, (dir / name).string());
}

class V1Container final : public Container {
public:
    using Container::Container;

    Mode mode() const override { return Mode::V1; }

    std::vector<std::string> controllers() const override
    {
        std::vector<std::string> out;
        for (const auto& m : members_) {
            std::string_view rest = m.controllers;
            while (!rest.empty()) {
                auto comma = rest.find(',');
                out.emplace_back(rest.substr(0, comma));
                rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            }
        }
        return out;
    }

protected:
    const Member& owner(const std::string& file) const override
    {
        std::string prefix = file.substr(0, file.find('.'));
        const KnobOwner* k = knob_owner(file);
        std::string_view ctrl = k != nullptr ? k->v1 : std::string_view(prefix);
        if (ctrl == core) {
            // cgroup.* exist everywhere; the unified member, where there is
            // one, has the v2 ones (cgroup.kill, cgroup.events) too.
            if (const Member* u = unified_member(); u != nullptr && (k == nullptr || !k->v2.empty()))
                return *u;
            for (const auto& m : members_)
                if (!m.unified())
                    return m;
            return members_.front();
        }
        if (!ctrl.empty())
            for (const auto& m : members_)
                if (m.has(ctrl))
                    return m;
        throw Error(ExitCode::System,
                    "no " + std::string(ctrl.empty() ? std::string_view(prefix) : ctrl) + " controller on this host");
    }

    const Member* freezer() const
    {
        for (const auto& m : members_)
            if (m.has("freezer"))
                return &m;
        return nullptr;
    }

    bool freeze_for(std::chrono::milliseconds timeout) override
    {
        const Member* u = unified_member();
        if (u != nullptr && ::access((u->dir / file::freeze).c_str(), F_OK) == 0)
            return unified_freeze_for(*u, timeout);
        const Member* f = freezer();
        if (f == nullptr)
            throw Error(ExitCode::System, "freeze: no freezer on this host (neither cgroup.freeze nor freezer.state)");
        auto state = f->dir / file::freezer_state;
        auto deadline = Clock::now() + timeout;
        auto step = 1ms;
        for (;;) {
            // Writing FROZEN again nudges tasks that raced with the first
            // request (a fork, a task leaving a vfork) into the freezer.
            write_file(state, "FROZEN", std::string(file::freezer_state));
            auto s = read_file(state);
            if (s && s->starts_with("FROZEN"))
                return true;
            if (Clock::now() >= deadline)
                return false;
            std::this_thread::sleep_for(step);
            step = std::min<std::chrono::milliseconds>(step * 2, 50ms);
        }
    }

    void thaw_now() override
    {
        const Member* u = unified_member();
        if (u != nullptr && ::access((u->dir / file::freeze).c_str(), F_OK) == 0) {
            unified_thaw(*u);
            return;
        }
        const Member* f = freezer();
        if (f == nullptr)
            throw Error(ExitCode::System, "thaw: no freezer on this host");
        write_file(f->dir / file::freezer_state, "THAWED", std::string(file::freezer_state));
    }
};

}  // namespace

void v1_prepare_dir(const Member& m, const stdfs::path& parent, const stdfs::path& dir, bool created)
{
    if (m.has("cpuset")) {
        inherit_cpuset(parent, dir, file::cpuset_cpus);
        inherit_cpuset(parent, dir, file::cpuset_mems);
    }
    // Old kernels start v1 memory cgroups flat: a limit on a parent would
    // not cover the containers below it. 6.x always answers 1.
    if (created && m.has("memory")) {
        auto uh = read_file(dir / file::memory_use_hierarchy);
        if (uh && uh->starts_with("0")) {
            if (int err = try_write_file(dir / file::memory_use_hierarchy, "1"))
                log::verbose("cgroup: " + (dir / file::memory_use_hierarchy).string() + ": " + std::strerror(err));
        }
    }
}

std::unique_ptr<ProcessContainer> make_v1(std::vector<Member> members)
{
    return std::make_unique<V1Container>(std::move(members));
}

}  // namespace vessel::cgroup::detail
