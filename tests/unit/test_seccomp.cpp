// Seccomp profiles (parsing, every error), the default filter's rules, the
// ENOSYS stub and the cache. Filters are loaded in forked children only, with
// no_new_privs so that no privilege is needed: a filter stays for good.
#include <gtest/gtest.h>

#include <linux/keyctl.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "runtime/base/fs.h"
#include "runtime/base/sha256.h"
#include "runtime/security/seccomp_bpf.h"
#include "runtime/security/seccomp_filter.h"
#include "runtime/security/seccomp_profile.h"
#include "tests/unit/child.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"

using namespace vessel;
using namespace vessel::security;

namespace {

SeccompProfile parse(const std::string& json) { return parse_seccomp_profile(json, "p.json"); }

void expect_parse_error(const std::string& json, const std::string& text)
{
    test::expect_error([&] { parse(json); }, ExitCode::InvalidValue, text);
}

// "name ERRNO" or "name OK" for each call, made under the program.
std::string run_under(const BpfProgram& prog, const std::function<std::string()>& calls)
{
    auto r = test::in_child([&] {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
            return std::string("no_new_privs failed");
        SeccompFilter f;
        f.program = prog;
        load_seccomp(f);
        return calls();
    });
    EXPECT_EQ(r.status, 0) << r.out;
    return r.out;
}

std::string answer(const char* name, long rc)
{
    return std::string(name) + " " + (rc < 0 ? strerrorname_np(errno) : "OK") + "\n";
}

#if defined(__x86_64__)
// A call through the 32-bit x86 ABI (int 0x80) from this 64-bit process.
long call_i386(long nr, long a = 0, long b = 0)
{
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
    if (ret < 0 && ret > -4096) {
        errno = static_cast<int>(-ret);
        return -1;
    }
    return ret;
}
#endif

}  // namespace

TEST(Sha256, KnownDigests)
{
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // 56 bytes: the padding needs a second block.
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256_hex(std::string(1000, 'a')),
              "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST(SeccompProfile, ParsesTheOciFormat)
{
    auto p = parse(R"({
      "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "flags": ["SECCOMP_FILTER_FLAG_LOG"],
      "syscalls": [
        { "names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "ignored" },
        { "name": "getcwd", "action": "SCMP_ACT_ERRNO", "errnoRet": 61 },
        { "names": ["personality"], "action": "SCMP_ACT_ALLOW",
          "args": [ { "index": 0, "value": 8, "op": "SCMP_CMP_EQ" },
                    { "index": 1, "value": 255, "valueTwo": 16, "op": "SCMP_CMP_MASKED_EQ" } ] },
        { "names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS" }
      ] })");
    EXPECT_EQ(p.default_action, SCMP_ACT_ERRNO(38));
    EXPECT_EQ(p.arches, (std::vector<std::uint32_t>{SCMP_ARCH_X86_64, SCMP_ARCH_X86}));
    EXPECT_EQ(p.flags, unsigned(SECCOMP_FILTER_FLAG_LOG));
    ASSERT_EQ(p.rules.size(), 4u);
    EXPECT_EQ(p.rules[0].names, (std::vector<std::string>{"read", "write"}));
    EXPECT_EQ(p.rules[0].action, SCMP_ACT_ALLOW);
    EXPECT_EQ(p.rules[1].names, std::vector<std::string>{"getcwd"});
    EXPECT_EQ(p.rules[1].action, SCMP_ACT_ERRNO(61));
    ASSERT_EQ(p.rules[2].args.size(), 2u);
    EXPECT_EQ(p.rules[2].args[1].index, 1u);
    EXPECT_EQ(p.rules[2].args[1].op, SCMP_CMP_MASKED_EQ);
    EXPECT_EQ(p.rules[2].args[1].value, 255u);
    EXPECT_EQ(p.rules[2].args[1].value_two, 16u);
    EXPECT_EQ(p.rules[3].action, SCMP_ACT_KILL_PROCESS);
}

TEST(SeccompProfile, ErrnoDefaultsToEpermAndDockersArchMapPicksTheNativeEntry)
{
    auto p = parse(R"({ "defaultAction": "SCMP_ACT_ERRNO",
      "archMap": [ { "architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"] },
                   { "architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] } ],
      "syscalls": [ { "names": ["getcwd"], "action": "SCMP_ACT_ERRNO" } ] })");
    EXPECT_EQ(p.default_action, SCMP_ACT_ERRNO(EPERM));
    EXPECT_EQ(p.rules[0].action, SCMP_ACT_ERRNO(EPERM));
    if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
        EXPECT_EQ(p.arches, (std::vector<std::uint32_t>{SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32}));
    }
}

TEST(SeccompProfile, EachErrorNamesTheFileAndTheField)
{
    expect_parse_error("{", "p.json: not a JSON object");
    expect_parse_error("[]", "p.json: not a JSON object");
    expect_parse_error("{}", "p.json: defaultAction: missing");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_MAYBE"})",
                       "p.json: defaultAction: unknown action \"SCMP_ACT_MAYBE\"");
    expect_parse_error(R"({"defaultAction": 1})", "p.json: defaultAction: not a string");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_NOTIFY"})",
                       "p.json: defaultAction: SCMP_ACT_NOTIFY needs a listener, which vessel does not provide");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})",
                       "p.json: defaultErrnoRet: not a number from 0 to 65535");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]})",
                       "p.json: architectures[0]: unknown architecture \"SCMP_ARCH_VAX\"");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]})",
                       "p.json: flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/l.sock"})",
                       "p.json: listenerPath: a notification listener is not supported");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}})", "p.json: syscalls: not a list");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]})",
                       "p.json: syscalls[0].names: missing or empty");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"]}]})",
                       "p.json: syscalls[0].action: missing");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "action": "KILL"}]})",
                       "p.json: syscalls[0].action: unknown action \"KILL\"");
    expect_parse_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"],
                         "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]})",
                       "p.json: syscalls[0].includes: conditional rules are not supported; list the rules that apply");
    const std::string rule = R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"],
                                 "action": "SCMP_ACT_ERRNO", "args": [ARG]}]})";
    auto with_arg = [&](const std::string& arg) {
        std::string s = rule;
        return s.replace(s.find("ARG"), 3, arg);
    };
    expect_parse_error(with_arg(R"({"index": 0, "value": 1, "op": "SCMP_CMP_ABOUT"})"),
                       "p.json: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\"");
    expect_parse_error(with_arg(R"({"index": 6, "value": 1, "op": "SCMP_CMP_EQ"})"),
                       "p.json: syscalls[0].args[0].index: not a number from 0 to 5");
    expect_parse_error(with_arg(R"({"index": 0, "op": "SCMP_CMP_EQ"})"),
                       "p.json: syscalls[0].args[0].value: not a number from 0 to 18446744073709551615");
}

TEST(SeccompProfile, TheDefaultProfileParsesAndNamesOnlyKnownCalls)
{
    auto p = parse_seccomp_profile(default_seccomp_profile(), "built-in");
    EXPECT_EQ(p.default_action, SCMP_ACT_ALLOW);
    for (const auto& r : p.rules)
        for (const auto& n : r.names)
            EXPECT_NE(seccomp_syscall_resolve_name(n.c_str()), __NR_SCMP_ERROR) << n;
}

TEST(SeccompFilter, TheDefaultFilterDeniesWhatItShouldAndNothingElse)
{
    auto prog = compile_seccomp(parse_seccomp_profile(default_seccomp_profile(), "built-in"), "built-in");
    long hi = known_syscalls(seccomp_arch_native()).highest;
    std::string out = run_under(prog, [&] {
        std::string s;
        s += answer("delete_module", ::syscall(SYS_delete_module, "vessel_no_such_module", O_NONBLOCK));
        s += answer("kexec_load", ::syscall(SYS_kexec_load, 0UL, 1000UL, nullptr, 0UL));
        s += answer("keyctl", ::syscall(SYS_keyctl, 10000, 0, 0, 0, 0));
        s += answer("add_key", ::syscall(SYS_add_key, "user", "x", "x", 1, -1000));
        s += answer("bpf", ::syscall(SYS_bpf, 10000, nullptr, 0));
        s += answer("perf_event_open", ::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0));
        s += answer("userfaultfd", ::syscall(SYS_userfaultfd, 0x4000));
        s += answer("swapon", ::syscall(SYS_swapon, "/nonexistent", 0));
        s += answer("acct", ::syscall(SYS_acct, "/nonexistent"));
        s += answer("syslog", ::syscall(SYS_syslog, 10, nullptr, 0));
        s += answer("open_by_handle_at", ::syscall(SYS_open_by_handle_at, -1, nullptr, 0));
        s += answer("fsopen", ::syscall(SYS_fsopen, "vessel_no_such_fs", 0));
        s += answer("mount_setattr", ::syscall(SYS_mount_setattr, -1, "", 0, nullptr, 0));
        s += answer("new", ::syscall(hi + 1, 0, 0, 0, 0, 0));
        s += answer("1000", ::syscall(1000, 0, 0, 0, 0, 0));
        // Still allowed: reboot (bad magic), mount (no such source), getpid.
        s += answer("reboot", ::syscall(SYS_reboot, 0, 0, 0, nullptr));
        s += answer("getpid", ::syscall(SYS_getpid));
#if defined(__x86_64__)
        // The 32-bit ABI: keyctl is 288 there, getpid 20.
        long pid32 = call_i386(20);
        if (pid32 >= 0 || errno != ENOSYS)
            s += answer("keyctl32", call_i386(288, 10000)) + answer("getpid32", pid32);
#endif
        return s;
    });
    EXPECT_NE(out.find("delete_module EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("kexec_load EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("keyctl EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("add_key EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("bpf EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("perf_event_open EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("userfaultfd EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("swapon EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("acct EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("syslog EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("open_by_handle_at EPERM\n"), std::string::npos) << out;
    EXPECT_NE(out.find("fsopen ENOSYS\n"), std::string::npos) << out;
    EXPECT_NE(out.find("mount_setattr ENOSYS\n"), std::string::npos) << out;
    EXPECT_NE(out.find("new ENOSYS\n"), std::string::npos) << out;
    EXPECT_NE(out.find("1000 ENOSYS\n"), std::string::npos) << out;
    EXPECT_NE(out.find("reboot EINVAL\n"), std::string::npos) << out;
    EXPECT_NE(out.find("getpid OK\n"), std::string::npos) << out;
    if (out.find("getpid32") != std::string::npos) {
        EXPECT_NE(out.find("keyctl32 EPERM\n"), std::string::npos) << out;
        EXPECT_NE(out.find("getpid32 OK\n"), std::string::npos) << out;
    }
}

TEST(SeccompFilter, NumbersAboveTheHighestKnownAnswerEnosys)
{
    // With 100 as the highest known number, getuid (102 on x86_64) is "newer"
    // than the filter; getpid (39) is not.
    if (seccomp_arch_native() != SCMP_ARCH_X86_64)
        GTEST_SKIP() << "numbers are x86_64's";
    auto prog = compile_seccomp(parse(R"({"defaultAction": "SCMP_ACT_ALLOW"})"), "p.json", 100);
    std::string out = run_under(prog, [] {
        return answer("getuid", ::syscall(SYS_getuid)) + answer("getpid", ::syscall(SYS_getpid));
    });
    EXPECT_EQ(out, "getuid ENOSYS\ngetpid OK\n");
}

TEST(SeccompFilter, AProfileRuleWithArgumentsAndErrnoTakesEffect)
{
    auto prog = compile_seccomp(parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        { "names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 61 },
        { "names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42,
          "args": [ { "index": 0, "value": 1000, "op": "SCMP_CMP_EQ" } ] },
        { "names": ["no_such_syscall"], "action": "SCMP_ACT_ERRNO" } ]})"),
                                "p.json");
    std::string out = run_under(prog, [] {
        char buf[256];
        return answer("getcwd", ::syscall(SYS_getcwd, buf, sizeof buf)) + answer("dup1000", ::syscall(SYS_dup, 1000)) +
               answer("dup999", ::syscall(SYS_dup, 999));
    });
    EXPECT_EQ(out, "getcwd ENODATA\ndup1000 ENOMSG\ndup999 EBADF\n");
}

TEST(SeccompFilter, ConfigValues)
{
    EXPECT_EQ(seccomp_config(std::nullopt, "/c", "").source, SeccompConfig::Source::Default);
    EXPECT_EQ(seccomp_config("", "/c", "").source, SeccompConfig::Source::Default);
    EXPECT_EQ(seccomp_config("default", "/c", "/x/default").source, SeccompConfig::Source::Default);
    EXPECT_EQ(seccomp_config("none", "/c", "/x/none").describe(), "none");
    auto f = seccomp_config("p.json", "/c", "/etc/vessel/p.json");
    EXPECT_EQ(f.source, SeccompConfig::Source::File);
    EXPECT_EQ(f.describe(), "file /etc/vessel/p.json");
    EXPECT_TRUE(prepare_seccomp(seccomp_config("none", "/nonexistent", "")).program.insns.empty());
}

TEST(SeccompCache, CompiledOnceThenReadKeyedByTheProfile)
{
    test::TmpDir tmp;
    const auto cache = tmp.path() / "run" / ".seccomp";
    const auto file = tmp.path() / "p.json";
    fs::write_file_atomic(file, R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        { "names": ["getcwd"], "action": "SCMP_ACT_ERRNO" } ]})");
    auto cfg = seccomp_config("p.json", cache, file);

    auto first = prepare_seccomp(cfg);
    EXPECT_FALSE(first.from_cache);
    ASSERT_EQ(first.key.size(), 64u);
    const auto bpf = cache / (first.key + ".bpf");
    struct stat st {};
    ASSERT_EQ(::stat(bpf.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(cache.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);

    auto second = prepare_seccomp(cfg);
    EXPECT_TRUE(second.from_cache);
    EXPECT_EQ(second.key, first.key);
    ASSERT_EQ(second.program.insns.size(), first.program.insns.size());
    EXPECT_EQ(std::memcmp(second.program.insns.data(), first.program.insns.data(),
                          first.program.insns.size() * sizeof(sock_filter)),
              0);

    // An edited profile is another key; the built-in one another again.
    fs::write_file_atomic(file, R"({"defaultAction": "SCMP_ACT_ALLOW"})");
    auto edited = prepare_seccomp(cfg);
    EXPECT_FALSE(edited.from_cache);
    EXPECT_NE(edited.key, first.key);
    auto builtin = prepare_seccomp(seccomp_config(std::nullopt, cache, ""));
    EXPECT_NE(builtin.key, edited.key);
    EXPECT_TRUE(prepare_seccomp(seccomp_config(std::nullopt, cache, "")).from_cache);

    // A damaged cache file is compiled again and replaced.
    fs::write_file_atomic(cache / (builtin.key + ".bpf"), "junk");
    auto again = prepare_seccomp(seccomp_config(std::nullopt, cache, ""));
    EXPECT_FALSE(again.from_cache);
    EXPECT_TRUE(prepare_seccomp(seccomp_config(std::nullopt, cache, "")).from_cache);
}

TEST(SeccompCache, ABadProfileIsExit21AndCachesNothing)
{
    test::TmpDir tmp;
    const auto cache = tmp.path() / ".seccomp";
    const auto file = tmp.path() / "bad.json";
    fs::write_file_atomic(file, R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getcwd"],
        "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ABOUT"}]}]})");
    test::expect_error_containing([&] { prepare_seccomp(seccomp_config("bad.json", cache, file)); },
                                  ExitCode::InvalidValue,
                                  {file.string() + ": syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\""});
    EXPECT_FALSE(std::filesystem::exists(cache));
    test::expect_error_containing([&] { prepare_seccomp(seccomp_config("x", cache, tmp.path() / "missing.json")); },
                                  ExitCode::InvalidValue, {"SECCOMP_PROFILE: open " + (tmp.path() / "missing.json").string()});
}
