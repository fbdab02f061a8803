#include "runtime/lifecycle/cgroup_view.h"

#include <map>
#include <string>

namespace vessel::lifecycle {

ns::CgroupView cgroup_view_for(const cgroup::Layout& layout, bool cgroup_ns)
{
    ns::CgroupView view;
    // Without a cgroup namespace the mount's root would be the hierarchy's
    // root: the host's whole tree, release_agent included.
    if (!cgroup_ns)
        return view;
    view.unified_writable = layout.unified_nsdelegate;
    if (layout.mode == cgroup::Mode::V2) {
        if (layout.unified)
            view.kind = ns::CgroupView::Kind::Unified;
        return view;
    }
    view.kind = ns::CgroupView::Kind::V1;
    view.unified_beside = layout.unified.has_value();
    // Layout::v1 maps each controller to its mount; co-mounted controllers
    // share one. The map is sorted, so "cpu,cpuacct" comes out in the order
    // hosts name the directory.
    std::map<std::string, ns::CgroupHierarchy> by_mount;
    for (const auto& [name, mount] : layout.v1) {
        if (name.starts_with("name="))
            continue;
        auto& h = by_mount[mount.string()];
        h.dir += (h.dir.empty() ? "" : ",") + name;
        h.aliases.push_back(name);
    }
    for (auto& [mount, h] : by_mount) {
        h.options = h.dir;
        if (h.aliases.size() == 1)
            h.aliases.clear();
        view.v1.push_back(std::move(h));
    }
    return view;
}

}  // namespace vessel::lifecycle
