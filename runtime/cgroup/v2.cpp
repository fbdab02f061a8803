// cgroup v2: one directory in the unified hierarchy holds every knob.
// Controllers reach it only through each parent's cgroup.subtree_control;
// create() enables the ones it can and remembers why the others are absent.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/cgroup/backend.h"

namespace vessel::cgroup::detail {

namespace stdfs = std::filesystem;

namespace {

bool contains(const std::vector<std::string>& v, std::string_view s)
{
    return std::find(v.begin(), v.end(), s) != v.end();
}

class V2Container final : public Container {
public:
    V2Container(std::vector<Member> members, SkippedControllers skipped)
        : Container(std::move(members)), skipped_(std::move(skipped))
    {
    }

    Mode mode() const override { return Mode::V2; }

    std::vector<std::string> controllers() const override
    {
        return with_context("cgroup", [&] {
            auto text = read_file(members_.front().dir / file::controllers);
            return text ? split_words(*text) : std::vector<std::string>{};
        });
    }

protected:
    const Member& owner(const std::string& file) const override
    {
        const KnobOwner* k = knob_owner(file);
        if (k != nullptr && k->v2.empty())
            throw Error(ExitCode::System, "no " + std::string(k->v1) + " controller on this host");
        return members_.front();
    }

    std::string missing_reason(const std::string& file) const override
    {
        const KnobOwner* k = knob_owner(file);
        std::string ctrl = k != nullptr ? std::string(k->v2) : file.substr(0, file.find('.'));
        if (ctrl == core)
            return {};
        const auto& dir = members_.front().dir;
        if (auto it = skipped_.find(ctrl); it != skipped_.end())
            return "no " + ctrl + " controller in " + dir.string() + " (" + it->second + ")";
        auto here = read_file(dir / file::controllers);
        if (here && !contains(split_words(*here), ctrl))
            return "no " + ctrl + " controller in " + dir.string() + " (not enabled by its parent)";
        return {};
    }

    bool freeze_for(std::chrono::milliseconds timeout) override
    {
        const Member& m = members_.front();
        if (::access((m.dir / file::freeze).c_str(), F_OK) != 0)
            throw Error(ExitCode::System, "freeze: no cgroup.freeze (kernel before 5.2)");
        return unified_freeze_for(m, timeout);
    }

    void thaw_now() override { unified_thaw(members_.front()); }

private:
    SkippedControllers skipped_;
};

}  // namespace

void v2_prepare_dir(const Member&, const stdfs::path& parent, SkippedControllers& skipped)
{
    auto avail_text = read_file(parent / file::controllers);
    auto on_text = read_file(parent / file::subtree_control);
    auto avail = avail_text ? split_words(*avail_text) : std::vector<std::string>{};
    auto on = on_text ? split_words(*on_text) : std::vector<std::string>{};
    std::vector<std::string> missing;
    for (const auto& c : wanted_v2_controllers()) {
        if (contains(on, c))
            continue;
        if (contains(avail, c))
            missing.push_back(c);
        else
            skipped.emplace(c, "not available in " + parent.string());
    }
    if (missing.empty())
        return;
    std::string all;
    for (const auto& c : missing)
        all += (all.empty() ? "+" : " +") + c;
    if (try_write_file(parent / file::subtree_control, all) == 0)
        return;
    // The kernel takes such a write whole or not at all: one controller
    // that cannot be enabled must not keep the others out.
    for (const auto& c : missing) {
        if (int err = try_write_file(parent / file::subtree_control, "+" + c)) {
            std::string why = "not enabled in " + parent.string() + ": " + std::strerror(err);
            log::verbose("cgroup: " + c + ": " + why);
            skipped.emplace(c, why);
        }
    }
}

std::unique_ptr<ProcessContainer> make_v2(std::vector<Member> members, SkippedControllers skipped)
{
    return std::make_unique<V2Container>(std::move(members), std::move(skipped));
}

}  // namespace vessel::cgroup::detail
