#include "runtime/security/seccomp_bpf.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/base/unique_fd.h"

namespace vessel::security {

namespace {

constexpr std::uint32_t kX32Bit = 0x40000000;
constexpr std::uint32_t kX32Block = 512;  // x32's own calls start here

struct Ctx {
    scmp_filter_ctx ctx;
    explicit Ctx(std::uint32_t def) : ctx(seccomp_init(def))
    {
        if (ctx == nullptr)
            throw Error(ExitCode::System, "seccomp: libseccomp could not create a filter");
    }
    ~Ctx() { seccomp_release(ctx); }
    Ctx(const Ctx&) = delete;
    Ctx& operator=(const Ctx&) = delete;
};

long highest_named(std::uint32_t arch, std::uint32_t base, long from)
{
    for (long n = from; n >= 0; --n) {
        char* name = seccomp_syscall_resolve_num_arch(arch, static_cast<int>(base + n));
        if (name != nullptr) {
            std::free(name);
            return n;
        }
    }
    return -1;
}

// The kernel's view of an ABI: the audit token seccomp_data.arch carries.
// x32 shares x86_64's token and sets bit 30 of the number instead.
bool has(const std::vector<std::uint32_t>& arches, std::uint32_t a)
{
    for (std::uint32_t x : arches)
        if (x == a)
            return true;
    return false;
}

sock_filter stmt(std::uint16_t code, std::uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf)
{
    return BPF_JUMP(code, k, jt, jf);
}

// The stub. Every block ends in a jump to "enosys" or "filter" (the first
// instruction after the stub), so targets are patched once the stub's
// length is known.
class Stub {
public:
    void add_arch(std::uint32_t token, long highest, long x32_low = -1, long x32_high = -1)
    {
        arches_.push_back({token, highest, x32_low, x32_high});
    }

    std::vector<sock_filter> build() const
    {
        // Layout: ld arch; one jeq per ABI to its block; ja filter;
        // the blocks; ret ENOSYS; (filter follows).
        std::vector<sock_filter> out;
        std::vector<std::size_t> to_enosys, to_filter;  // indices of jt / jf fields to patch
        out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
        std::vector<std::size_t> dispatch;
        for (const auto& a : arches_) {
            dispatch.push_back(out.size());
            out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, a.token, 0, 0));
        }
        const std::size_t ja_filter = out.size();
        out.push_back(stmt(BPF_JMP | BPF_JA, 0));
        struct Patch {
            std::size_t at;
            bool jt;
            bool enosys;
        };
        std::vector<Patch> patches;
        for (std::size_t i = 0; i < arches_.size(); ++i) {
            const auto& a = arches_[i];
            out[dispatch[i]].jt = static_cast<std::uint8_t>(out.size() - dispatch[i] - 1);
            out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
            if (a.x32_low >= 0) {
                // x86_64's token: numbers with bit 30 are x32 calls.
                out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 1, 0));
                out.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, static_cast<std::uint32_t>(a.highest), 0, 0));
                patches.push_back({out.size() - 1, true, true});
                patches.push_back({out.size() - 1, false, false});
                out.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, kX32Bit + static_cast<std::uint32_t>(a.x32_high), 0, 0));
                patches.push_back({out.size() - 1, true, true});
                out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit + kX32Block, 0, 0));
                patches.push_back({out.size() - 1, true, false});
                out.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, kX32Bit + static_cast<std::uint32_t>(a.x32_low), 0, 0));
                patches.push_back({out.size() - 1, true, true});
                patches.push_back({out.size() - 1, false, false});
            } else {
                if (a.token == AUDIT_ARCH_X86_64) {
                    // x32 numbers without x32 in the filter: libseccomp's
                    // own answer for an ABI it does not cover.
                    out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 0, 0));
                    patches.push_back({out.size() - 1, true, false});
                }
                out.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, static_cast<std::uint32_t>(a.highest), 0, 0));
                patches.push_back({out.size() - 1, true, true});
                patches.push_back({out.size() - 1, false, false});
            }
        }
        const std::size_t enosys = out.size();
        out.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
        const std::size_t filter = out.size();
        out[ja_filter].k = static_cast<std::uint32_t>(filter - ja_filter - 1);
        for (const Patch& p : patches) {
            const std::size_t target = p.enosys ? enosys : filter;
            const auto off = static_cast<std::uint8_t>(target - p.at - 1);
            (p.jt ? out[p.at].jt : out[p.at].jf) = off;
        }
        return out;
    }

private:
    struct Arch {
        std::uint32_t token;
        long highest, x32_low, x32_high;
    };
    std::vector<Arch> arches_;
};

std::vector<sock_filter> export_filter(const Ctx& f)
{
    UniqueFd mem(::memfd_create("vessel-seccomp", MFD_CLOEXEC));
    if (!mem)
        throw_errno("seccomp: memfd_create");
    if (int rc = seccomp_export_bpf(f.ctx, mem.get()); rc < 0)
        throw_errno(-rc, "seccomp: export the filter");
    struct stat st {};
    if (::fstat(mem.get(), &st) != 0)
        throw_errno("seccomp: fstat");
    std::vector<sock_filter> insns(static_cast<std::size_t>(st.st_size) / sizeof(sock_filter));
    const std::size_t bytes = insns.size() * sizeof(sock_filter);
    if (::pread(mem.get(), insns.data(), bytes, 0) != static_cast<ssize_t>(bytes))
        throw_errno("seccomp: read the exported filter");
    return insns;
}

}  // namespace

KnownSyscalls known_syscalls(std::uint32_t arch)
{
    KnownSyscalls k;
    if (arch == SCMP_ARCH_X32) {
        k.highest = highest_named(arch, kX32Bit, kX32Block - 1);
        k.x32_high = highest_named(arch, kX32Bit, 1023);
    } else if (arch == SCMP_ARCH_X86_64 || arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_AARCH64) {
        // ABIs whose numbers start at 0 and stay below 1024; others (MIPS's
        // offsets, ARM's private calls) get no stub.
        k.highest = highest_named(arch, 0, 1023);
    }
    return k;
}

std::string libseccomp_version()
{
    const scmp_version* v = seccomp_version();
    return "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

BpfProgram compile_seccomp(const SeccompProfile& profile, const std::string& origin, long known_limit)
{
    Ctx f(profile.default_action);
    // The program is exported and loaded by vessel, not by libseccomp, so
    // libseccomp's no_new_privs attribute would do nothing; it stays unset.
    std::vector<std::uint32_t> arches = profile.arches.empty() ? native_arch_family() : profile.arches;
    for (std::uint32_t a : arches) {
        int rc = seccomp_arch_add(f.ctx, a);
        if (rc < 0 && rc != -EEXIST)
            throw_errno(-rc, origin + ": architectures: libseccomp refused ABI " + std::to_string(a),
                        ExitCode::InvalidValue);
    }
    for (std::size_t i = 0; i < profile.rules.size(); ++i) {
        const SeccompRule& r = profile.rules[i];
        if (r.action == profile.default_action)
            continue;  // libseccomp refuses a rule that changes nothing
        std::vector<scmp_arg_cmp> cmps;
        for (const SeccompArg& a : r.args)
            cmps.push_back({a.index, static_cast<scmp_compare>(a.op), a.value, a.value_two});
        for (const std::string& name : r.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) {
                // Profiles are shared between kernels and libseccomp versions;
                // a name this one does not know has no number to filter.
                log::verbose("seccomp: " + origin + ": unknown syscall " + name + ", ignored");
                continue;
            }
            int rc = seccomp_rule_add_array(f.ctx, r.action, nr, static_cast<unsigned>(cmps.size()), cmps.data());
            if (rc < 0)
                throw_errno(-rc, origin + ": syscalls[" + std::to_string(i) + "]: " + name, ExitCode::InvalidValue);
        }
    }
    Stub stub;
    const bool x32 = has(arches, SCMP_ARCH_X32);
    for (std::uint32_t a : arches) {
        if (a == SCMP_ARCH_X32)
            continue;  // in x86_64's block
        KnownSyscalls k = known_syscalls(a);
        if (k.highest < 0)
            continue;
        long hi = known_limit > 0 ? known_limit : k.highest;
        if (a == SCMP_ARCH_X86_64 && x32) {
            KnownSyscalls kx = known_syscalls(SCMP_ARCH_X32);
            stub.add_arch(AUDIT_ARCH_X86_64, hi, known_limit > 0 ? known_limit : kx.highest, kx.x32_high);
        } else {
            stub.add_arch(a, hi);
        }
    }
    BpfProgram out;
    out.insns = stub.build();
    std::vector<sock_filter> body = export_filter(f);
    out.insns.insert(out.insns.end(), body.begin(), body.end());
    if (out.insns.size() > BPF_MAXINSNS)
        throw Error(ExitCode::InvalidValue, origin + ": the compiled filter has " + std::to_string(out.insns.size()) +
                                                " instructions, more than the kernel's " +
                                                std::to_string(BPF_MAXINSNS));
    out.flags = profile.flags;
    return out;
}

}  // namespace vessel::security
