#include "runtime/cgroup/device_bpf.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "runtime/base/error.h"

namespace vessel::cgroup {

static_assert(kDevMknod == unsigned{BPF_DEVCG_ACC_MKNOD} && kDevRead == unsigned{BPF_DEVCG_ACC_READ} &&
                  kDevWrite == unsigned{BPF_DEVCG_ACC_WRITE},
              "the access bits are the kernel's, so the program compares them unchanged");

namespace {

// Registers: r1 the context on entry; r2 the requested access, r3 the
// device type, r4 the major, r5 the minor; r0 the verdict.
constexpr unsigned char kCtx = 1, kAccess = 2, kType = 3, kMajor = 4, kMinor = 5;

bpf_insn insn(unsigned char code, unsigned char dst, unsigned char src, short off, int imm)
{
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

bpf_insn load_ctx_u32(unsigned char dst, short offset) { return insn(BPF_LDX | BPF_MEM | BPF_W, dst, kCtx, offset, 0); }
bpf_insn jne_imm(unsigned char reg, std::uint32_t value, short skip)
{
    return insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, skip, static_cast<int>(value));
}
bpf_insn return_imm_mov(int value) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, value); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

long bpf(int cmd, union bpf_attr* attr)
{
    return ::syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

std::uint64_t ptr(const void* p) { return reinterpret_cast<std::uint64_t>(p); }

std::vector<std::uint32_t> attached_ids(int cgroup_fd)
{
    std::vector<std::uint32_t> ids(64);
    union bpf_attr attr {};
    attr.query.target_fd = static_cast<std::uint32_t>(cgroup_fd);
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = ptr(ids.data());
    attr.query.prog_cnt = static_cast<std::uint32_t>(ids.size());
    if (bpf(BPF_PROG_QUERY, &attr) != 0)
        throw_errno("bpf(BPF_PROG_QUERY) of the container's cgroup");
    ids.resize(std::min<std::size_t>(attr.query.prog_cnt, ids.size()));
    return ids;
}

// fds of the vessel_devices programs attached to the cgroup itself.
std::vector<UniqueFd> our_programs(int cgroup_fd)
{
    std::vector<UniqueFd> out;
    for (std::uint32_t id : attached_ids(cgroup_fd)) {
        union bpf_attr attr {};
        attr.prog_id = id;
        UniqueFd fd(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, &attr)));
        if (!fd) {
            if (errno == ENOENT)
                continue;  // detached meanwhile
            throw_errno("bpf(BPF_PROG_GET_FD_BY_ID " + std::to_string(id) + ")");
        }
        bpf_prog_info info{};
        union bpf_attr q {};
        q.info.bpf_fd = static_cast<std::uint32_t>(fd.get());
        q.info.info_len = sizeof(info);
        q.info.info = ptr(&info);
        if (bpf(BPF_OBJ_GET_INFO_BY_FD, &q) != 0)
            throw_errno("bpf(BPF_OBJ_GET_INFO_BY_FD) of program " + std::to_string(id));
        if (std::strncmp(info.name, kDeviceProgName, sizeof(info.name)) == 0)
            out.push_back(std::move(fd));
    }
    return out;
}

int attach(int cgroup_fd, int prog_fd, std::uint32_t flags, int replace_fd)
{
    union bpf_attr attr {};
    attr.target_fd = static_cast<std::uint32_t>(cgroup_fd);
    attr.attach_bpf_fd = static_cast<std::uint32_t>(prog_fd);
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = flags;
    attr.replace_bpf_fd = static_cast<std::uint32_t>(replace_fd);
    return bpf(BPF_PROG_ATTACH, &attr) == 0 ? 0 : errno;
}

int detach(int cgroup_fd, int prog_fd)
{
    union bpf_attr attr {};
    attr.target_fd = static_cast<std::uint32_t>(cgroup_fd);
    attr.attach_bpf_fd = static_cast<std::uint32_t>(prog_fd);
    attr.attach_type = BPF_CGROUP_DEVICE;
    return bpf(BPF_PROG_DETACH, &attr) == 0 ? 0 : errno;
}

}  // namespace

std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules)
{
    std::vector<bpf_insn> p;
    p.push_back(load_ctx_u32(kAccess, offsetof(bpf_cgroup_dev_ctx, access_type)));
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, kType, kAccess, 0, 0));
    p.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, kType, 0, 0, 0xffff));
    p.push_back(insn(BPF_ALU64 | BPF_RSH | BPF_K, kAccess, 0, 0, 16));
    p.push_back(load_ctx_u32(kMajor, offsetof(bpf_cgroup_dev_ctx, major)));
    p.push_back(load_ctx_u32(kMinor, offsetof(bpf_cgroup_dev_ctx, minor)));
    for (const DeviceRule& r : rules) {
        if (r.access == 0)
            continue;
        const bool any_major = r.major == kAnyDevice;
        const bool any_minor = r.minor == kAnyDevice;
        // type, [major], [minor], access test, then "return 1".
        const short size = static_cast<short>(4 + (any_major ? 0 : 1) + (any_minor ? 0 : 1));
        short left = size;  // instructions from here to the end of the block
        auto skip = [&] { return static_cast<short>(--left); };
        const std::uint32_t type = r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
        p.push_back(jne_imm(kType, type, skip()));
        if (!any_major)
            p.push_back(jne_imm(kMajor, r.major, skip()));
        if (!any_minor)
            p.push_back(jne_imm(kMinor, r.minor, skip()));
        // Any requested bit outside the rule's access: not this rule. The
        // immediate is sign-extended, so bits above the three count too.
        p.push_back(insn(BPF_JMP | BPF_JSET | BPF_K, kAccess, 0, skip(), static_cast<int>(~r.access)));
        p.push_back(return_imm_mov(1));
        p.push_back(exit_insn());
    }
    p.push_back(return_imm_mov(0));
    p.push_back(exit_insn());
    return p;
}

UniqueFd load_device_program(const std::vector<DeviceRule>& rules)
{
    const auto prog = device_program(rules);
    // No helper is called, so the licence string grants nothing; the
    // kernel only requires one.
    static const char license[] = "GPL";
    auto load = [&](char* log, std::uint32_t log_size) {
        union bpf_attr attr {};
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = ptr(prog.data());
        attr.insn_cnt = static_cast<std::uint32_t>(prog.size());
        attr.license = ptr(license);
        attr.log_buf = ptr(log);
        attr.log_size = log_size;
        attr.log_level = log != nullptr ? 1 : 0;
        std::strncpy(attr.prog_name, kDeviceProgName, sizeof(attr.prog_name) - 1);
        return UniqueFd(static_cast<int>(bpf(BPF_PROG_LOAD, &attr)));
    };
    UniqueFd fd = load(nullptr, 0);
    if (fd)
        return fd;
    const int err = errno;
    if (err == EINVAL || err == EACCES) {
        // Load again for the verifier's reason; the first try stays cheap.
        std::string log(64 * 1024, '\0');
        load(log.data(), static_cast<std::uint32_t>(log.size()));
        log.resize(std::strlen(log.c_str()));
        while (!log.empty() && log.back() == '\n')
            log.pop_back();
        if (auto nl = log.rfind('\n'); nl != std::string::npos)
            log = log.substr(nl + 1);  // the verdict is the last line
        throw_errno(err, "bpf(BPF_PROG_LOAD) of the device program" + (log.empty() ? "" : " (" + log + ")"));
    }
    throw_errno(err, "bpf(BPF_PROG_LOAD) of the device program");
}

void attach_device_program(int cgroup_fd, const std::vector<DeviceRule>& rules)
{
    UniqueFd prog = load_device_program(rules);
    std::vector<UniqueFd> old = our_programs(cgroup_fd);
    if (old.empty()) {
        if (int err = attach(cgroup_fd, prog.get(), BPF_F_ALLOW_MULTI, 0))
            throw_errno(err, "bpf(BPF_PROG_ATTACH) of the device program");
        return;
    }
    // One atomic swap where the kernel has BPF_F_REPLACE (5.6); the
    // request never sees the cgroup without a program.
    int err = attach(cgroup_fd, prog.get(), BPF_F_ALLOW_MULTI | BPF_F_REPLACE, old.front().get());
    if (err == EINVAL) {
        err = attach(cgroup_fd, prog.get(), BPF_F_ALLOW_MULTI, 0);
        if (err == 0)
            err = detach(cgroup_fd, old.front().get());
    }
    if (err != 0)
        throw_errno(err, "bpf(BPF_PROG_ATTACH) of the new device program");
    // Leftovers of an interrupted change: the new program says it all.
    for (size_t i = 1; i < old.size(); ++i)
        if (int e = detach(cgroup_fd, old[i].get()); e != 0 && e != ENOENT)
            throw_errno(e, "bpf(BPF_PROG_DETACH) of an old device program");
}

unsigned attached_device_programs(int cgroup_fd)
{
    return static_cast<unsigned>(our_programs(cgroup_fd).size());
}

}  // namespace vessel::cgroup
