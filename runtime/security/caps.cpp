#include "runtime/security/caps.h"

#include <sys/capability.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <memory>
#include <string>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"

namespace vessel::security {

namespace {

// Upstream numbers (include/uapi/linux/capability.h); fixed by the ABI, so
// they are spelled out rather than taken from whatever headers built us.
constexpr std::array kCaps{
    CapName{"chown", 0},
    CapName{"dac_override", 1},
    CapName{"dac_read_search", 2},
    CapName{"fowner", 3},
    CapName{"fsetid", 4},
    CapName{"kill", 5},
    CapName{"setgid", 6},
    CapName{"setuid", 7},
    CapName{"setpcap", 8},
    CapName{"linux_immutable", 9},
    CapName{"net_bind_service", 10},
    CapName{"net_broadcast", 11},
    CapName{"net_admin", 12},
    CapName{"net_raw", 13},
    CapName{"ipc_lock", 14},
    CapName{"ipc_owner", 15},
    CapName{"sys_module", 16},
    CapName{"sys_rawio", 17},
    CapName{"sys_chroot", 18},
    CapName{"sys_ptrace", 19},
    CapName{"sys_pacct", 20},
    CapName{"sys_admin", 21},
    CapName{"sys_boot", 22},
    CapName{"sys_nice", 23},
    CapName{"sys_resource", 24},
    CapName{"sys_time", 25},
    CapName{"sys_tty_config", 26},
    CapName{"mknod", 27},
    CapName{"lease", 28},
    CapName{"audit_write", 29},
    // OpenVZ kernels had CAP_VE_ADMIN at 30; upstream put audit_control there.
    CapName{"audit_control", 30},
    CapName{"setfcap", 31},
    CapName{"mac_override", 32},
    CapName{"mac_admin", 33},
    CapName{"syslog", 34},
    CapName{"wake_alarm", 35},
    CapName{"block_suspend", 36},
    CapName{"audit_read", 37},
    CapName{"perfmon", 38},
    CapName{"bpf", 39},
    CapName{"checkpoint_restore", 40},
};
static_assert(CAP_NET_ADMIN == 12 && CAP_SYS_ADMIN == 21 && CAP_SETFCAP == 31 && CAP_AUDIT_READ == 37);

struct Alias {
    std::string_view name;
    int cap;
};
constexpr std::array kAliases{Alias{"ve_admin", 12}};

// OpenVZ's default mask leaves out what reaches the host kernel as a whole.
constexpr std::array kDefaultOff{12 /*net_admin*/, 16 /*sys_module*/, 17 /*sys_rawio*/,
                                 20 /*sys_pacct*/, 21 /*sys_admin*/, 25 /*sys_time*/};

constexpr std::uint64_t bit(int cap) { return std::uint64_t{1} << cap; }

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

struct CapFree {
    void operator()(void* p) const { cap_free(p); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

std::string label(int cap)
{
    std::string_view n = cap_name(cap);
    return n.empty() ? "capability " + std::to_string(cap) : std::string(n);
}

std::uint64_t flag_mask(cap_t caps, cap_flag_t which, int last)
{
    std::uint64_t m = 0;
    for (int c = 0; c <= last; ++c) {
        cap_flag_value_t v = CAP_CLEAR;
        if (cap_get_flag(caps, static_cast<cap_value_t>(c), which, &v) == 0 && v == CAP_SET)
            m |= bit(c);
    }
    return m;
}

std::uint64_t bounding_mask(int last)
{
    std::uint64_t m = 0;
    for (int c = 0; c <= last; ++c)
        if (cap_get_bound(static_cast<cap_value_t>(c)) > 0)
            m |= bit(c);
    return m;
}

void set_flags(cap_t caps, cap_flag_t which, std::uint64_t mask, int last)
{
    for (int c = 0; c <= last; ++c) {
        if ((mask & bit(c)) == 0)
            continue;
        cap_value_t v = static_cast<cap_value_t>(c);
        if (cap_set_flag(caps, which, 1, &v, CAP_SET) != 0)
            throw_errno("capabilities: set " + label(c));
    }
}

std::string names(std::uint64_t mask)
{
    std::string out;
    for (int c = 0; c < 64; ++c) {
        if ((mask & bit(c)) == 0)
            continue;
        if (!out.empty())
            out += ' ';
        out += label(c);
    }
    return out;
}

}  // namespace

std::span<const CapName> cap_names() { return kCaps; }

int cap_by_name(std::string_view name)
{
    std::string n = lower(name);
    if (n.rfind("cap_", 0) == 0)
        n.erase(0, 4);
    for (const auto& c : kCaps)
        if (c.name == n)
            return c.cap;
    for (const auto& a : kAliases)
        if (a.name == n)
            return a.cap;
    return -1;
}

std::string_view cap_name(int cap)
{
    for (const auto& c : kCaps)
        if (c.cap == cap)
            return c.name;
    return {};
}

int cap_last_cap()
{
    static const int last = [] {
        int v = -1;
        try {
            if (auto s = fs::read_file("/proc/sys/kernel/cap_last_cap"))
                v = std::stoi(*s);
        } catch (const std::exception&) {
            v = -1;
        }
        if (v < 0)
            v = static_cast<int>(cap_max_bits()) - 1;
        // Masks are 64 bits wide; the kernel's own sets are too.
        return v > 63 ? 63 : v;
    }();
    return last;
}

std::uint64_t default_cap_mask()
{
    const int last = cap_last_cap();
    std::uint64_t m = 0;
    for (const auto& c : kCaps)
        if (c.cap <= last)
            m |= bit(c.cap);
    for (int off : kDefaultOff)
        m &= ~bit(off);
    return m;
}

std::uint64_t cap_mask_with(std::uint64_t base, std::string_view changes)
{
    std::uint64_t m = base;
    size_t pos = 0;
    while (pos < changes.size()) {
        size_t end = changes.find_first_of(" \t\n,", pos);
        if (end == std::string_view::npos)
            end = changes.size();
        std::string_view item = changes.substr(pos, end - pos);
        pos = end + 1;
        if (item.empty())
            continue;
        size_t colon = item.rfind(':');
        if (colon == std::string_view::npos)
            throw Error(ExitCode::InvalidValue, "capability \"" + std::string(item) + "\": expected NAME:on|off");
        std::string_view name = item.substr(0, colon);
        std::string state = lower(item.substr(colon + 1));
        int cap = cap_by_name(name);
        if (cap < 0)
            throw Error(ExitCode::InvalidValue, "unknown capability \"" + std::string(name) + "\"");
        if (state == "on")
            m |= bit(cap);
        else if (state == "off")
            m &= ~bit(cap);
        else
            throw Error(ExitCode::InvalidValue, "capability \"" + std::string(item) + "\": expected NAME:on|off");
    }
    return m;
}

std::string merge_capability_setting(std::string_view current, std::string_view changes)
{
    // Which capabilities each side turns on and off, checked by the same parser.
    const std::uint64_t all = ~std::uint64_t{0};
    std::uint64_t on = 0, off = 0;
    for (auto text : {current, changes}) {
        const std::uint64_t up = cap_mask_with(0, text);     // what it turns on
        const std::uint64_t down = ~cap_mask_with(all, text);  // what it turns off
        on = (on & ~down) | up;
        off = (off & ~up) | down;
    }
    std::string out;
    for (const auto& c : kCaps) {
        if (!(on & bit(c.cap)) && !(off & bit(c.cap)))
            continue;
        if (!out.empty())
            out += ' ';
        out += std::string(c.name) + ((on & bit(c.cap)) ? ":on" : ":off");
    }
    return out;
}

void apply_caps(std::uint64_t keep)
{
    const int last = cap_last_cap();

    // The bounding set first: dropping from it needs CAP_SETPCAP, which the
    // next step may take away. It is what limits root after execve, where
    // the permitted set is recomputed from it.
    for (int c = 0; c <= last; ++c) {
        if ((keep & bit(c)) != 0)
            continue;
        if (cap_get_bound(static_cast<cap_value_t>(c)) <= 0)
            continue;
        if (cap_drop_bound(static_cast<cap_value_t>(c)) != 0)
            throw_errno("capabilities: drop " + label(c) + " from the bounding set");
    }

    CapPtr cur(cap_get_proc());
    if (!cur)
        throw_errno("capabilities: read the current sets");
    const std::uint64_t permitted = flag_mask(cur.get(), CAP_PERMITTED, last) & keep;
    // The kernel only lets the inheritable set hold what the bounding set
    // still has.
    const std::uint64_t inheritable = permitted & bounding_mask(last);

    CapPtr next(cap_init());
    if (!next)
        throw_errno("capabilities: allocate");
    set_flags(next.get(), CAP_PERMITTED, permitted, last);
    set_flags(next.get(), CAP_EFFECTIVE, permitted, last);
    set_flags(next.get(), CAP_INHERITABLE, inheritable, last);
    if (cap_set_proc(next.get()) != 0)
        throw_errno("capabilities: set permitted, effective and inheritable");

    // Kernels before 4.3 have no ambient set, and so nothing to clear.
    if (cap_reset_ambient() != 0 && errno != EINVAL)
        throw_errno("capabilities: clear the ambient set");

    // Read back: a kernel or an LSM that quietly kept a capability must not
    // go unnoticed.
    const std::uint64_t bound_left = bounding_mask(last) & ~keep;
    if (bound_left != 0)
        throw Error(ExitCode::System, "capabilities: still in the bounding set: " + names(bound_left), EPERM);
    CapPtr now(cap_get_proc());
    if (!now)
        throw_errno("capabilities: read back");
    const std::uint64_t extra = (flag_mask(now.get(), CAP_PERMITTED, last) | flag_mask(now.get(), CAP_EFFECTIVE, last) |
                                 flag_mask(now.get(), CAP_INHERITABLE, last)) &
                                ~keep;
    if (extra != 0)
        throw Error(ExitCode::System, "capabilities: still held: " + names(extra), EPERM);
    for (int c = 0; c <= last; ++c)
        if (cap_get_ambient(static_cast<cap_value_t>(c)) > 0)
            throw Error(ExitCode::System, "capabilities: still ambient: " + label(c), EPERM);
}

}  // namespace vessel::security
