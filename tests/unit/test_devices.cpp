// Device access: the DEVNODES/DEVICES syntax, the allowlist a container
// gets, the BPF program's decisions (interpreted here instruction by
// instruction, since the kernel cannot test-run a cgroup device program),
// and, as root, the program loaded, attached to a cgroup2 directory below
// the test's own cgroup and checked against real opens.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "ns/dev_nodes.h"
#include "runtime/base/error.h"
#include "runtime/cgroup/device_bpf.h"
#include "runtime/cgroup/devices.h"
#include "runtime/cgroup/process_container.h"
#include "runtime/config/devices.h"
#include "runtime/config/keys.h"
#include "runtime/spec/devices.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"

using namespace vessel;
namespace stdfs = std::filesystem;
using cgroup::device_program;
using cgroup::DeviceRule;
using cgroup::kAnyDevice;

namespace {

constexpr unsigned kR = cgroup::kDevRead, kW = cgroup::kDevWrite, kM = cgroup::kDevMknod;

// --- a tiny interpreter for the instructions device_program() emits ----------

struct Verdict {
    bool ok = false;       // the program ran to an exit within bounds
    std::uint64_t r0 = 0;  // its return value
    std::string why;       // what stopped it otherwise
};

Verdict run(const std::vector<bpf_insn>& prog, const bpf_cgroup_dev_ctx& ctx)
{
    std::uint64_t reg[11] = {};
    bool ctx_reg[11] = {};
    ctx_reg[1] = true;
    const auto* bytes = reinterpret_cast<const unsigned char*>(&ctx);
    size_t pc = 0;
    for (int steps = 0; steps < 100000; ++steps) {
        if (pc >= prog.size())
            return {false, 0, "fell off the end"};
        const bpf_insn& i = prog[pc++];
        const unsigned d = i.dst_reg, s = i.src_reg;
        const std::uint64_t imm = static_cast<std::uint64_t>(static_cast<std::int64_t>(i.imm));
        switch (i.code) {
        case BPF_LDX | BPF_MEM | BPF_W: {
            if (!ctx_reg[s] || i.off < 0 || static_cast<size_t>(i.off) + 4 > sizeof(ctx) || i.off % 4 != 0)
                return {false, 0, "bad context load"};
            std::uint32_t v = 0;
            std::memcpy(&v, bytes + i.off, 4);
            reg[d] = v;
            ctx_reg[d] = false;
            break;
        }
        case BPF_ALU64 | BPF_MOV | BPF_X: reg[d] = reg[s]; ctx_reg[d] = ctx_reg[s]; break;
        case BPF_ALU64 | BPF_MOV | BPF_K: reg[d] = imm; ctx_reg[d] = false; break;
        case BPF_ALU64 | BPF_AND | BPF_K: reg[d] &= imm; break;
        case BPF_ALU64 | BPF_RSH | BPF_K: reg[d] >>= (i.imm & 63); break;
        case BPF_JMP | BPF_JNE | BPF_K:
            if (reg[d] != imm)
                pc += i.off;
            break;
        case BPF_JMP | BPF_JSET | BPF_K:
            if ((reg[d] & imm) != 0)
                pc += i.off;
            break;
        case BPF_JMP | BPF_EXIT: return {true, reg[0], {}};
        default: return {false, 0, "unexpected opcode " + std::to_string(i.code)};
        }
    }
    return {false, 0, "no exit"};
}

bool program_allows(const std::vector<bpf_insn>& prog, char type, std::uint32_t maj, std::uint32_t min,
                    unsigned access)
{
    bpf_cgroup_dev_ctx ctx{};
    ctx.access_type = (access << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
    ctx.major = maj;
    ctx.minor = min;
    Verdict v = run(prog, ctx);
    EXPECT_TRUE(v.ok) << v.why;
    EXPECT_TRUE(v.r0 == 0 || v.r0 == 1) << v.r0;
    return v.r0 == 1;
}

// Every combination of type, a spread of numbers and every access request
// decides as rules_allow() does.
void expect_same_decisions(const std::vector<DeviceRule>& rules)
{
    const auto prog = device_program(rules);
    for (char type : {'b', 'c'})
        for (std::uint32_t maj : {0u, 1u, 5u, 8u, 10u, 136u, 4095u})
            for (std::uint32_t min : {0u, 1u, 2u, 3u, 5u, 9u, 200u, 1048575u})
                for (unsigned access = 1; access <= (kR | kW | kM); ++access)
                    EXPECT_EQ(program_allows(prog, type, maj, min, access),
                              cgroup::rules_allow(rules, type, maj, min, access))
                        << type << " " << maj << ":" << min << " access " << access;
}

spec::Lookup keys(std::map<std::string, std::string> m)
{
    return [m](std::string_view k) -> std::optional<std::string> {
        auto it = m.find(std::string(k));
        if (it == m.end())
            return std::nullopt;
        return it->second;
    };
}

}  // namespace

// --- syntax ---------------------------------------------------------------------

TEST(DeviceSyntax, DevnodesParseAndFormat)
{
    auto v = config::parse_devnodes("net/tun:rw  fuse:r sda:wq kvm:none");
    ASSERT_EQ(v.size(), 4u);
    EXPECT_EQ(v[0], (config::DevnodeEntry{"net/tun", config::kDevRead | config::kDevWrite}));
    EXPECT_EQ(v[1].access, config::kDevRead);
    EXPECT_EQ(v[2].access, config::kDevWrite);  // q is accepted and means nothing here
    EXPECT_EQ(v[3].access, config::kDevNone);
    EXPECT_EQ(config::format_devnodes(v), "net/tun:rw fuse:r sda:w kvm:none");
}

TEST(DeviceSyntax, DevicesParseAndFormat)
{
    auto v = config::parse_devices("c:10:200:rw b:8:all:r c:1:9:none");
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[0], (config::DeviceEntry{'c', 10, 200, config::kDevRead | config::kDevWrite}));
    EXPECT_EQ(v[1].minor, std::nullopt);
    EXPECT_EQ(v[2].access, config::kDevNone);
    EXPECT_EQ(config::format_devices(v), "c:10:200:rw b:8:all:r c:1:9:none");
}

TEST(DeviceSyntax, BadEntriesAreNamedWithExit21)
{
    for (const char* bad : {"tun", "net/tun:", "net/tun:x", "net/tun:rr", "../tun:rw", "/dev/tun:rw", "net//tun:rw",
                            "a b:rw", "./tun:rw", "tun$:rw", ":rw", "net/..:rw"})
        test::expect_error_containing([&] { config::parse_devnode(bad); }, ExitCode::InvalidValue,
                                      {std::string("\"") + bad + "\""});
    for (const char* bad : {"c:10:200", "x:10:200:rw", "c:4096:0:rw", "c:1:1048576:rw", "c:-1:0:rw", "c:all:0:rw",
                            "c:1:3:rx", "c:1:3:", "c:01a:3:rw", "c:1:3:rw:x"})
        test::expect_error_containing([&] { config::parse_device(bad); }, ExitCode::InvalidValue,
                                      {std::string("\"") + bad + "\""});
    test::expect_error_containing([] { config::validate_value("DEVICES", "c:1:3:rw c:1:3:bogus"); },
                                  ExitCode::InvalidValue, {"c:1:3:bogus", "bad access"});
    test::expect_error_containing([] { config::validate_value("DEVNODES", "net/../../etc:rw"); },
                                  ExitCode::InvalidValue, {"bad device name"});
    EXPECT_NO_THROW(config::validate_value("DEVNODES", ""));
    EXPECT_NO_THROW(config::validate_value("DEVICES", "b:8:0:r c:10:all:rw"));
}

TEST(DeviceSyntax, SetEditsReplaceTheEntryForTheSameDevice)
{
    EXPECT_EQ(config::edit_devnodes("fuse:rw net/tun:r", {"net/tun:rw"}), "fuse:rw net/tun:rw");
    EXPECT_EQ(config::edit_devnodes("fuse:rw net/tun:r", {"fuse:none"}), "net/tun:r");
    EXPECT_EQ(config::edit_devnodes("", {"net/tun:rw", "kvm:r"}), "net/tun:rw kvm:r");
    // none on a device keeps the entry: it takes access away from the defaults.
    EXPECT_EQ(config::edit_devices("c:10:200:rw", {"c:1:9:none"}), "c:10:200:rw c:1:9:none");
    EXPECT_EQ(config::edit_devices("c:1:9:none c:10:200:rw", {"c:1:9:rw"}), "c:10:200:rw c:1:9:rw");
    EXPECT_EQ(config::edit_devices("b:8:all:r", {"b:8:0:rw"}), "b:8:all:r b:8:0:rw");
    test::expect_error_code([] { config::edit_devices("", {"c:1:9:bad"}); }, ExitCode::InvalidValue);
}

// --- the allowlist a container gets ------------------------------------------------

TEST(DeviceSpec, DefaultsAreTheNodesOfEveryContainerAndItsPtys)
{
    auto d = spec::devices_from(keys({}));
    EXPECT_TRUE(d.nodes.empty());
    const auto& r = d.rules;
    for (auto [maj, min] : {std::pair{1u, 3u}, {1u, 5u}, {1u, 7u}, {1u, 8u}, {1u, 9u}, {5u, 0u}, {5u, 2u}, {136u, 7u}})
        EXPECT_TRUE(cgroup::rules_allow(r, 'c', maj, min, kR | kW)) << maj << ":" << min;
    EXPECT_FALSE(cgroup::rules_allow(r, 'c', 10, 200, kR));   // tun
    EXPECT_FALSE(cgroup::rules_allow(r, 'b', 8, 0, kR));      // a disk
    EXPECT_FALSE(cgroup::rules_allow(r, 'c', 1, 1, kR));      // /dev/mem
    EXPECT_FALSE(cgroup::rules_allow(r, 'c', 4, 1, kW));      // a host tty
    EXPECT_TRUE(cgroup::rules_allow(r, 'b', 8, 0, kM));       // a node alone opens nothing
    EXPECT_FALSE(cgroup::rules_allow(r, 'c', 1, 3, kR | kM)); // mknod and open are separate requests
}

TEST(DeviceSpec, DevicesOverrideDefaultsAndDevnodesPerNumber)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root (mknod of a fake host /dev)";
    test::TmpDir host;
    stdfs::create_directories(host / "net");
    ASSERT_EQ(::mknod((host / "net/tun").c_str(), S_IFCHR | 0666, makedev(10, 200)), 0);
    ASSERT_EQ(::mknod((host / "sdx").c_str(), S_IFBLK | 0660, makedev(8, 0)), 0);
    ::chmod((host / "net/tun").c_str(), 0666);  // whatever the umask
    ::chmod((host / "sdx").c_str(), 0660);
    std::ofstream(host / "plain") << "x";

    auto d = spec::devices_from(keys({{"DEVNODES", "net/tun:rw sdx:r"}, {"DEVICES", "c:1:9:none b:8:0:none"}}),
                                host.path());
    ASSERT_EQ(d.nodes.size(), 2u);
    EXPECT_EQ(d.nodes[0], (ns::ExtraDevNode{"net/tun", 'c', 10, 200, 0666}));
    EXPECT_EQ(d.nodes[1], (ns::ExtraDevNode{"sdx", 'b', 8, 0, 0660}));
    EXPECT_TRUE(cgroup::rules_allow(d.rules, 'c', 10, 200, kR | kW));
    EXPECT_FALSE(cgroup::rules_allow(d.rules, 'c', 1, 9, kR));  // urandom taken away
    EXPECT_FALSE(cgroup::rules_allow(d.rules, 'b', 8, 0, kR));  // DEVICES comes after DEVNODES
    EXPECT_TRUE(cgroup::rules_allow(d.rules, 'c', 1, 8, kR));

    test::expect_error_containing([&] { spec::devices_from(keys({{"DEVNODES", "nosuch:rw"}}), host.path()); },
                                  ExitCode::InvalidValue, {"nosuch:rw", "no device", "on the host"});
    test::expect_error_containing([&] { spec::devices_from(keys({{"DEVNODES", "plain:rw"}}), host.path()); },
                                  ExitCode::InvalidValue, {"plain:rw", "not a device node"});
    test::expect_error_containing([&] { spec::devices_from(keys({{"DEVNODES", "null:r"}}), host.path()); },
                                  ExitCode::InvalidValue, {"null:r", "every container"});
    test::expect_error_containing([&] { spec::devices_from(keys({{"DEVNODES", "pts/0:rw"}}), host.path()); },
                                  ExitCode::InvalidValue, {"pts/0:rw"});
}

// --- the BPF program ----------------------------------------------------------------

TEST(DeviceProgram, DecidesExactlyAsTheRules)
{
    expect_same_decisions({});
    expect_same_decisions(spec::default_device_rules());
    expect_same_decisions({{'c', 10, 200, kR | kW}, {'b', 8, kAnyDevice, kR}, {'c', kAnyDevice, 5, kW},
                           {'b', kAnyDevice, kAnyDevice, kM}, {'c', 1, 9, 0}});
    // A request needs one rule that holds all its bits, as on v1.
    const std::vector<DeviceRule> split{{'c', 1, 3, kR}, {'c', 1, 3, kW}};
    EXPECT_FALSE(program_allows(device_program(split), 'c', 1, 3, kR | kW));
    EXPECT_TRUE(program_allows(device_program(split), 'c', 1, 3, kW));
}

TEST(DeviceProgram, EmptyListRefusesEverything)
{
    const auto prog = device_program({});
    EXPECT_EQ(prog.size(), 8u);  // the loads, then "return 0"
    EXPECT_FALSE(program_allows(prog, 'c', 1, 3, kR));
}

TEST(DeviceProgram, TheKernelVerifierAcceptsIt)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root (BPF_PROG_LOAD)";
    EXPECT_TRUE(cgroup::load_device_program(spec::default_device_rules()));
    std::vector<DeviceRule> many;
    for (unsigned i = 0; i < 500; ++i)
        many.push_back({'c', 200, i, kR});
    EXPECT_TRUE(cgroup::load_device_program(many));
}

// --- the program on a real cgroup2 directory ------------------------------------------

namespace {

// A cgroup2 directory below the test's own unified cgroup, holding nothing
// but this test's children; removed (its programs go with it) at the end.
class RealDeviceProgram : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root";
        auto layout = cgroup::detect_layout();
        if (!layout.unified)
            GTEST_SKIP() << "no cgroup2 mount";
        auto self = cgroup::read_proc_cgroup("/proc/self/cgroup");
        dir_ = *layout.unified / stdfs::path(self.at("")).relative_path() /
               ("vessel-test-dev-" + std::to_string(::getpid()));
        ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0) << dir_;
        fd_ = UniqueFd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        ASSERT_TRUE(fd_);
    }

    void TearDown() override
    {
        fd_.reset();
        if (!dir_.empty()) {
            EXPECT_EQ(::rmdir(dir_.c_str()), 0) << dir_ << ": " << std::strerror(errno);
        }
    }

    // errno of open(path, flags) by a child in the directory; 0 if it opened.
    int open_in_cgroup(const char* path, int flags)
    {
        int pipefd[2];
        EXPECT_EQ(::pipe(pipefd), 0);
        pid_t pid = ::fork();
        if (pid == 0) {
            ::close(pipefd[0]);
            int err = 0;
            std::ofstream procs(dir_ / "cgroup.procs");
            procs << "0" << std::flush;
            if (!procs) {
                err = 1000;
            } else {
                int fd = ::open(path, flags | O_CLOEXEC);
                err = fd >= 0 ? 0 : errno;
            }
            (void)!::write(pipefd[1], &err, sizeof(err));
            ::_exit(0);
        }
        ::close(pipefd[1]);
        int err = -1;
        EXPECT_EQ(::read(pipefd[0], &err, sizeof(err)), static_cast<ssize_t>(sizeof(err)));
        ::close(pipefd[0]);
        ::waitpid(pid, nullptr, 0);
        return err;
    }

    stdfs::path dir_;
    UniqueFd fd_;
};

}  // namespace

TEST_F(RealDeviceProgram, OpensAreDecidedByTheAttachedProgram)
{
    // Reads only: /dev/null and /dev/zero are harmless to open.
    cgroup::attach_device_program(fd_.get(), {{'c', 1, 3, kR | kW}});
    EXPECT_EQ(cgroup::attached_device_programs(fd_.get()), 1u);
    EXPECT_EQ(open_in_cgroup("/dev/null", O_RDONLY), 0);
    EXPECT_EQ(open_in_cgroup("/dev/zero", O_RDONLY), EPERM);

    // A second attach replaces the first: still one program, new decisions.
    cgroup::attach_device_program(fd_.get(), {{'c', 1, 5, kR}});
    EXPECT_EQ(cgroup::attached_device_programs(fd_.get()), 1u);
    EXPECT_EQ(open_in_cgroup("/dev/null", O_RDONLY), EPERM);
    EXPECT_EQ(open_in_cgroup("/dev/zero", O_RDONLY), 0);
    EXPECT_EQ(open_in_cgroup("/dev/zero", O_RDWR), EPERM);  // w was not granted
}

// --- nodes in a container's /dev --------------------------------------------------------

TEST(DevNodes, MadeWithParentsKeptWhenSameRefusedWhenOther)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root (mknod)";
    test::TmpDir dev;
    UniqueFd fd(::open(dev.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    const ns::ExtraDevNode tun{"net/tun", 'c', 10, 200, 0666};
    ns::make_dev_node(fd.get(), tun);
    struct stat st {};
    ASSERT_EQ(::lstat((dev / "net/tun").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0666u);
    EXPECT_EQ(st.st_rdev, makedev(10, 200));
    EXPECT_NO_THROW(ns::make_dev_node(fd.get(), tun));  // already there

    // The container's own things are never replaced or followed.
    std::ofstream(dev / "kvm") << "mine";
    test::expect_error_containing([&] { ns::make_dev_node(fd.get(), {"kvm", 'c', 10, 232, 0660}); },
                                  ExitCode::System, {"something else is there", "left as it is"});
    stdfs::create_directories(dev / "elsewhere");
    stdfs::create_symlink(dev / "elsewhere", dev / "snd");
    test::expect_error_containing([&] { ns::make_dev_node(fd.get(), {"snd/timer", 'c', 116, 33, 0660}); },
                                  ExitCode::System, {"open /dev/snd (a directory, not a symlink)"});
    EXPECT_TRUE(stdfs::is_empty(dev / "elsewhere"));

    EXPECT_FALSE(ns::remove_dev_node(fd.get(), {"kvm", 'c', 10, 232, 0660}));
    EXPECT_TRUE(stdfs::exists(dev / "kvm"));
    EXPECT_TRUE(ns::remove_dev_node(fd.get(), tun));
    EXPECT_FALSE(stdfs::exists(dev / "net/tun"));
    EXPECT_TRUE(ns::remove_dev_node(fd.get(), tun));  // gone already is fine
}
