// Where the cgroup hierarchies are mounted, where a process sits in them,
// and the tables of file names the backends share.
#include <algorithm>
#include <array>
#include <cerrno>
#include <string>
#include <sstream>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/cgroup/backend.h"

namespace vessel::cgroup {

namespace stdfs = std::filesystem;

namespace detail {

namespace {

// Prefix -> owning controller. Files of the cgroup core exist in every
// directory; a controller that only one version has is empty in the other
// (v2 has no devices, freezer or net_* controllers, v1 has no io).
constexpr std::array<KnobOwner, 18> knobs{{
    {"cgroup", core, core},
    {"tasks", core, ""},
    {"notify_on_release", core, ""},
    {"cpu", "cpu", "cpu"},
    {"cpuacct", "cpuacct", ""},
    {"cpuset", "cpuset", "cpuset"},
    {"memory", "memory", "memory"},
    {"blkio", "blkio", ""},
    {"io", "", "io"},
    {"devices", "devices", ""},
    {"freezer", "freezer", ""},
    {"pids", "pids", "pids"},
    {"hugetlb", "hugetlb", "hugetlb"},
    {"net_cls", "net_cls", ""},
    {"net_prio", "net_prio", ""},
    {"rdma", "rdma", "rdma"},
    {"misc", "misc", "misc"},
    // Kernel patch 2: the UBC counters as a controller of their own.
    {"beancounter", "beancounter", "beancounter"},
}};

// Options of a v1 cgroup mount that are not controllers (see
// cgroup1_parse_param in the kernel, plus the generic mount flags).
constexpr std::array<std::string_view, 13> v1_mount_flags{
    "rw", "ro", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods", "nofavordynmods",
    "xattr", "all", "none", "nosuid", "nodev", "noexec",
};

}  // namespace

std::span<const KnobOwner> knob_table()
{
    return knobs;
}

const KnobOwner* knob_owner(std::string_view file)
{
    std::string_view prefix = file.substr(0, file.find('.'));
    for (const auto& k : knobs)
        if (k.prefix == prefix)
            return &k;
    return nullptr;
}

std::vector<std::string> wanted_v2_controllers()
{
    std::vector<std::string> out;
    for (const auto& k : knobs)
        if (!k.v2.empty() && k.v2 != core && std::find(out.begin(), out.end(), k.v2) == out.end())
            out.emplace_back(k.v2);
    return out;
}

bool is_v1_mount_flag(std::string_view option)
{
    if (option.find('=') != std::string_view::npos && !option.starts_with("name="))
        return true;  // release_agent=..., other key=value options
    return std::find(v1_mount_flags.begin(), v1_mount_flags.end(), option) != v1_mount_flags.end();
}

bool Member::has(std::string_view controller) const
{
    std::string_view rest = controllers;
    while (!rest.empty()) {
        auto comma = rest.find(',');
        if (rest.substr(0, comma) == controller)
            return true;
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return false;
}

}  // namespace detail

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mountinfo(std::string_view s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
            s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<std::string> split(std::string_view s, char sep)
{
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t pos = s.find(sep, start);
        out.emplace_back(s.substr(start, pos - start));
        if (pos == std::string_view::npos)
            break;
        start = pos + 1;
    }
    return out;
}

}  // namespace

bool Layout::has_controller(const std::string& name) const
{
    if (mode == Mode::V2)
        return std::find(unified_controllers.begin(), unified_controllers.end(), name) != unified_controllers.end();
    return v1.count(name) != 0;
}

Layout detect_layout(const stdfs::path& mountinfo)
{
    return with_context("cgroup", [&] {
        auto text = fs::read_file(mountinfo);
        if (!text)
            throw Error(ExitCode::System, "no " + mountinfo.string(), ENOENT);

        Layout layout;
        bool v1_controllers = false;
        std::istringstream in(*text);
        for (std::string line; std::getline(in, line);) {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            std::vector<std::string> f;
            std::istringstream words(line);
            for (std::string w; words >> w;)
                f.push_back(std::move(w));
            auto dash = std::find(f.begin(), f.end(), "-");
            if (f.size() < 6 || dash == f.end() || f.end() - dash < 4)
                continue;
            const std::string& fstype = dash[1];
            std::string root = unescape_mountinfo(f[3]);
            stdfs::path mount = unescape_mountinfo(f[4]);
            if (fstype == "cgroup2") {
                if (!layout.unified) {
                    layout.unified = mount;
                    layout.roots[""] = root;
                    for (const auto& opt : split(dash[3], ','))
                        if (opt == "nsdelegate")
                            layout.unified_nsdelegate = true;
                }
            } else if (fstype == "cgroup") {
                for (const auto& opt : split(dash[3], ',')) {
                    if (opt.empty() || detail::is_v1_mount_flag(opt) || layout.v1.count(opt))
                        continue;
                    layout.v1[opt] = mount;
                    layout.roots[opt] = root;
                    if (!opt.starts_with("name="))
                        v1_controllers = true;
                }
            }
        }
        // Hybrid hosts count as v1: the resource controllers live there.
        layout.mode = (layout.unified && !v1_controllers) ? Mode::V2 : Mode::V1;
        if (layout.unified) {
            if (auto c = fs::read_file(*layout.unified / detail::file::controllers))
                layout.unified_controllers = detail::split_words(*c);
        }
        return layout;
    });
}

std::map<std::string, std::string> read_proc_cgroup(const stdfs::path& proc_cgroup)
{
    return with_context("cgroup", [&] {
        auto text = fs::read_file(proc_cgroup);
        if (!text)
            throw Error(ExitCode::System, "no " + proc_cgroup.string(), ENOENT);
        std::map<std::string, std::string> out;
        std::istringstream in(*text);
        for (std::string line; std::getline(in, line);) {
            auto c1 = line.find(':');
            auto c2 = c1 == std::string::npos ? std::string::npos : line.find(':', c1 + 1);
            if (c2 == std::string::npos)
                continue;
            std::string path = line.substr(c2 + 1);
            std::string ctrls = line.substr(c1 + 1, c2 - c1 - 1);
            if (ctrls.empty()) {
                out[""] = path;
                continue;
            }
            for (const auto& c : split(ctrls, ','))
                if (!c.empty())
                    out[c] = path;
        }
        return out;
    });
}

}  // namespace vessel::cgroup
