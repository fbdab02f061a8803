// The read side of the beancounters: kernel counters from fake cgroupfs
// trees on both backends, the rows built from them, and the exact text of
// /proc/user_beancounters, JSON and --explain.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/base/error.h"
#include "runtime/bc/ct_usage.h"
#include "runtime/bc/peaks.h"
#include "runtime/bc/ubc_format.h"
#include "runtime/bc/ubc_rows.h"
#include "runtime/cgroup/counters.h"
#include "tests/unit/tmpdir.h"

using namespace vessel;
namespace stdfs = std::filesystem;
using cgroup::Mode;

namespace {

void put(const stdfs::path& p, const std::string& s)
{
    stdfs::create_directories(p.parent_path());
    std::ofstream(p) << s;
}

// A fake cgroupfs with the container's directory in each hierarchy; the
// test writes the counter files it wants there.
struct FakeTree {
    test::TmpDir t;
    std::vector<std::string> dirs;
    cgroup::Layout layout;

    explicit FakeTree(Mode mode)
    {
        std::string mi;
        int id = 30;
        auto mount = [&](const std::string& dir, const std::string& fstype, const std::string& super) {
            stdfs::create_directories(t.path() / dir / "ct");
            ++id;
            mi += std::to_string(id) + " 29 0:" + std::to_string(id) + " / " + (t.path() / dir).string() +
                  " rw shared:1 - " + fstype + " " + fstype + " " + super + "\n";
            dirs.push_back((t.path() / dir / "ct").string());
        };
        if (mode == Mode::V2) {
            mount("unified", "cgroup2", "rw");
            put(t.path() / "unified/cgroup.controllers", "cpu memory pids\n");
            put(t.path() / "unified/ct/cgroup.controllers", "cpu memory pids\n");
        } else {
            mount("memory", "cgroup", "rw,memory");
            mount("pids", "cgroup", "rw,pids");
            mount("cpuacct", "cgroup", "rw,cpuacct");
        }
        put(t.path() / "mountinfo", mi);
        layout = cgroup::detect_layout(t.path() / "mountinfo");
    }
    void file(const std::string& hierarchy, const std::string& name, const std::string& text)
    {
        put(t.path() / hierarchy / "ct" / name, text);
    }
    cgroup::Counters read() const { return cgroup::read_counters(*cgroup::ProcessContainer::open(layout, dirs)); }
};

void v1_files(FakeTree& f)
{
    f.file("pids", "pids.current", "7\n");
    f.file("pids", "pids.events", "max 2\n");
    f.file("memory", "memory.usage_in_bytes", "40960000\n");
    f.file("memory", "memory.max_usage_in_bytes", "81920000\n");
    f.file("memory", "memory.failcnt", "3\n");
    f.file("memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n");
    f.file("memory", "memory.memsw.usage_in_bytes", "45056000\n");
    f.file("memory", "memory.memsw.max_usage_in_bytes", "90000000\n");
    f.file("memory", "memory.memsw.failcnt", "1\n");
    f.file("memory", "memory.kmem.usage_in_bytes", "2000000\n");
    f.file("memory", "memory.kmem.max_usage_in_bytes", "3000000\n");
    f.file("memory", "memory.kmem.failcnt", "0\n");
    f.file("memory", "memory.kmem.tcp.usage_in_bytes", "8192\n");
    f.file("memory", "memory.kmem.tcp.max_usage_in_bytes", "16384\n");
    f.file("memory", "memory.kmem.tcp.failcnt", "0\n");
    f.file("memory", "memory.stat", "cache 100\nrss 200\nshmem 4096\ntotal_cache 1000\ntotal_rss 2000\ntotal_shmem 8192\n");
    f.file("cpuacct", "cpuacct.usage", "123456789\n");
}

void v2_files(FakeTree& f)
{
    f.file("unified", "pids.current", "5\n");
    f.file("unified", "pids.events", "max 0\n");
    f.file("unified", "memory.current", "8192000\n");
    f.file("unified", "memory.peak", "16384000\n");
    f.file("unified", "memory.events", "low 4\nhigh 0\nmax 6\noom 1\noom_kill 1\n");
    f.file("unified", "memory.swap.current", "409600\n");
    f.file("unified", "memory.swap.events", "high 0\nmax 2\nfail 0\n");
    f.file("unified", "memory.stat",
           "anon 100\nfile 200\nkernel 300000\nkernel_stack 1\nsock 12288\nshmem 40960\nslab_reclaimable 65536\n");
    f.file("unified", "cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
}

cgroup::Support yes(cgroup::LimitKind) { return {true, "the knob", {}}; }
cgroup::Support no(cgroup::LimitKind) { return {false, {}, "cannot"}; }
// As cgroup::limit_support answers on v1: no memory protection.
cgroup::Support v1(cgroup::LimitKind k)
{
    if (k == cgroup::LimitKind::MemoryMin || k == cgroup::LimitKind::MemoryLow)
        return {false, {}, "cgroup v1 has no memory protection"};
    return yes(k);
}

bc::CtUsage some_usage()
{
    bc::CtUsage u;
    u.locked_bytes = 8192;
    u.private_bytes = 4096 * 100;
    u.open_files = 12;
    u.file_locks = 1;
    u.tcp_sockets = 2;
    u.other_sockets = 5;
    u.ptys = 1;
    return u;
}

// Inputs for a running container on the fake tree.
bc::UbcInputs inputs(const FakeTree& f, Mode mode, cgroup::Support (*support)(cgroup::LimitKind))
{
    bc::UbcInputs in;
    in.mode = mode;
    in.support = support;
    in.counters = f.read();
    in.usage = some_usage();
    return in;
}

const bc::UbcRow& row(const std::vector<bc::UbcRow>& rows, std::string_view name)
{
    for (const auto& r : rows)
        if (r.param->name == name)
            return r;
    throw std::runtime_error("no row " + std::string(name));
}

}  // namespace

TEST(Counters, V1ReadsEveryCounterAndItsFile)
{
    FakeTree f(Mode::V1);
    v1_files(f);
    auto c = f.read();
    EXPECT_EQ(c.tasks->value, 7u);
    EXPECT_EQ(c.tasks_failcnt->value, 2u);
    EXPECT_EQ(c.tasks_failcnt->source, "pids.events max");
    EXPECT_FALSE(c.tasks_peak);  // no pids.peak in this tree
    EXPECT_EQ(c.memory->value, 40960000u);
    EXPECT_EQ(c.memory_peak->value, 81920000u);
    EXPECT_EQ(c.memory_failcnt->value, 3u);
    EXPECT_EQ(c.kmem->value, 2000000u);
    EXPECT_EQ(c.kmem_peak->source, "memory.kmem.max_usage_in_bytes");
    EXPECT_EQ(c.sock->value, 8192u);
    EXPECT_FALSE(c.sock_all_kinds);
    EXPECT_EQ(c.shmem->value, 8192u) << "the hierarchical total_shmem";
    EXPECT_EQ(c.file->value, 1000u);
    EXPECT_EQ(c.anon->value, 2000u);
    EXPECT_FALSE(c.slab_reclaimable);
    EXPECT_EQ(c.cpu_usage_ns->value, 123456789u);
}

TEST(Counters, V1SwapIsMemswMinusMemoryAndHasNoPeak)
{
    FakeTree f(Mode::V1);
    v1_files(f);
    auto c = f.read();
    EXPECT_EQ(c.swap->value, 45056000u - 40960000u);
    EXPECT_EQ(c.swap->source, "memory.memsw.usage_in_bytes - memory.usage_in_bytes");
    // memsw's peak minus memory's peak is not a peak of swap.
    EXPECT_FALSE(c.swap_peak);
    EXPECT_EQ(c.swap_failcnt->value, 1u);

    // Read between two updates, memsw may lag memory: never below zero.
    f.file("memory", "memory.memsw.usage_in_bytes", "40000000\n");
    EXPECT_EQ(f.read().swap->value, 0u);
}

TEST(Counters, V1WithoutSwapAccountingHasNoSwap)
{
    FakeTree f(Mode::V1);
    v1_files(f);
    stdfs::remove(f.t.path() / "memory/ct/memory.memsw.usage_in_bytes");
    auto c = f.read();
    EXPECT_FALSE(c.swap);
    EXPECT_FALSE(c.swap_failcnt);
}

TEST(Counters, V2ReadsEveryCounterAndItsFile)
{
    FakeTree f(Mode::V2);
    v2_files(f);
    auto c = f.read();
    EXPECT_EQ(c.tasks->value, 5u);
    EXPECT_EQ(c.memory->value, 8192000u);
    EXPECT_EQ(c.memory_peak->value, 16384000u);
    EXPECT_EQ(c.memory_failcnt->value, 6u);
    EXPECT_EQ(c.memory_failcnt->source, "memory.events max");
    EXPECT_EQ(c.memory_low_events->value, 4u);
    EXPECT_EQ(c.memory_oom_kills->value, 1u);
    EXPECT_EQ(c.swap->value, 409600u);
    EXPECT_FALSE(c.swap_peak);  // no memory.swap.peak in this tree
    EXPECT_EQ(c.swap_failcnt->value, 2u);
    EXPECT_EQ(c.kmem->value, 300000u);
    EXPECT_EQ(c.kmem->source, "memory.stat kernel");
    EXPECT_EQ(c.sock->value, 12288u);
    EXPECT_TRUE(c.sock_all_kinds);
    EXPECT_EQ(c.slab_reclaimable->value, 65536u);
    EXPECT_EQ(c.cpu_usage_ns->value, 1500000u);
}

TEST(Counters, V2KernelMemoryBefore518IsTheSumOfItsParts)
{
    FakeTree f(Mode::V2);
    v2_files(f);
    f.file("unified", "memory.stat", "kernel_stack 100\npagetables 20\npercpu 3\nslab_reclaimable 1000\n"
                                     "slab_unreclaimable 4000\nsock 0\n");
    auto c = f.read();
    EXPECT_EQ(c.kmem->value, 5123u);
    EXPECT_EQ(c.kmem->source, "memory.stat kernel_stack+pagetables+percpu+slab_reclaimable+slab_unreclaimable");
}

TEST(Counters, MissingFilesAreAbsentNotZero)
{
    FakeTree f(Mode::V2);
    auto c = f.read();
    EXPECT_FALSE(c.tasks);
    EXPECT_FALSE(c.memory);
    EXPECT_FALSE(c.kmem);
    EXPECT_FALSE(c.cpu_usage_ns);
}

TEST(Counters, GarbageIsAnError)
{
    FakeTree f(Mode::V2);
    f.file("unified", "pids.current", "lots\n");
    EXPECT_THROW(f.read(), Error);
}

TEST(UbcRows, V1StatusesUnitsAndFailcnt)
{
    FakeTree f(Mode::V1);
    v1_files(f);
    auto in = inputs(f, Mode::V1, v1);
    in.config_value = [](std::string_view key) -> std::optional<std::string> {
        if (key == "NUMPROC")
            return "100:120";
        if (key == "PHYSPAGES")
            return "0:256M";
        return std::nullopt;
    };
    auto rows = bc::build_rows(in);
    ASSERT_EQ(rows.size(), 21u);
    EXPECT_EQ(rows.front().param->name, "kmemsize");
    EXPECT_EQ(rows.back().param->name, "swappages");

    auto& np = row(rows, "numproc");
    EXPECT_EQ(np.coverage, bc::Coverage::Enforced);
    EXPECT_EQ(*np.held, 7u);
    EXPECT_EQ(*np.maxheld, 7u) << "no pids.peak: the highest seen";
    EXPECT_EQ(*np.failcnt, 2u);
    EXPECT_EQ(np.barrier, 100u);
    EXPECT_EQ(np.limit, 120u);

    auto& pp = row(rows, "physpages");
    EXPECT_EQ(*pp.held, 10000u);
    EXPECT_EQ(*pp.maxheld, 20000u);
    EXPECT_EQ(pp.limit, 65536u);
    EXPECT_EQ(pp.barrier, 0u);
    // memory.failcnt says 3, oom_control 5 kills: v1's failcnt may lag (Linux
    // 6.18 never raises it), every OOM kill was a refused charge.
    EXPECT_EQ(*pp.failcnt, 5u);

    auto& sw = row(rows, "swappages");
    EXPECT_EQ(*sw.held, 1000u);
    EXPECT_EQ(*sw.maxheld, 1000u);
    EXPECT_EQ(sw.maxheld_from.find("sampled") != std::string::npos, true);

    EXPECT_EQ(row(rows, "kmemsize").coverage, bc::Coverage::Accounted);
    EXPECT_EQ(*row(rows, "kmemsize").held, 2000000u);
    EXPECT_EQ(*row(rows, "shmpages").held, 2u);
    EXPECT_EQ(*row(rows, "privvmpages").held, 100u);
    EXPECT_EQ(*row(rows, "privvmpages").failcnt, 0u) << "accounted only: nothing can refuse";
    EXPECT_EQ(*row(rows, "lockedpages").held, 2u);
    EXPECT_FALSE(row(rows, "lockedpages").failcnt) << "enforced without a counter: unknown";
    EXPECT_FALSE(row(rows, "numpty").failcnt);

    // Socket buffers: the TCP total once, in tcpsndbuf.
    EXPECT_EQ(*row(rows, "tcpsndbuf").held, 8192u);
    EXPECT_EQ(*row(rows, "tcpsndbuf").maxheld, 16384u);
    for (auto name : {"tcprcvbuf", "othersockbuf", "dgramrcvbuf", "dcachesize", "vmguarpages", "oomguarpages",
                      "numsiginfo", "numiptent"}) {
        EXPECT_EQ(row(rows, name).coverage, bc::Coverage::Unavailable) << name;
        EXPECT_FALSE(row(rows, name).held) << name;
        EXPECT_EQ(row(rows, name).barrier, config::kUnlimited) << name;
    }
}

TEST(UbcRows, V2GuaranteesAndSocketBuffers)
{
    FakeTree f(Mode::V2);
    v2_files(f);
    auto in = inputs(f, Mode::V2, yes);
    auto rows = bc::build_rows(in);
    EXPECT_EQ(row(rows, "vmguarpages").coverage, bc::Coverage::Enforced);
    EXPECT_EQ(*row(rows, "vmguarpages").failcnt, 4u);
    EXPECT_EQ(*row(rows, "oomguarpages").held, 2000u + 100u) << "memory plus swap";
    EXPECT_EQ(*row(rows, "oomguarpages").failcnt, 1u);
    EXPECT_EQ(*row(rows, "tcpsndbuf").held, 12288u);
    EXPECT_NE(row(rows, "tcpsndbuf").how.find("every socket"), std::string::npos);
    EXPECT_NE(row(rows, "othersockbuf").how.find("counted in tcpsndbuf"), std::string::npos);
    EXPECT_EQ(*row(rows, "dcachesize").held, 65536u);
    EXPECT_EQ(*row(rows, "physpages").failcnt, 6u);
}

TEST(UbcRows, TheKernelSeriesControllerEnforcesNumfileNumflockAndNumsiginfo)
{
    FakeTree f(Mode::V2);
    v2_files(f);
    // Without it: open files and locks counted from /proc, signals unknown.
    auto rows = bc::build_rows(inputs(f, Mode::V2, yes));
    EXPECT_EQ(row(rows, "numfile").coverage, bc::Coverage::Accounted);
    EXPECT_EQ(*row(rows, "numfile").held, 12u);
    EXPECT_EQ(row(rows, "numsiginfo").coverage, bc::Coverage::Unavailable);
    f.file("unified", "beancounter.current", "numfile 7\nnumflock 1\nnumsiginfo 2\n");
    f.file("unified", "beancounter.peak", "numfile 30\nnumflock 3\nnumsiginfo 9\n");
    f.file("unified", "beancounter.events", "numfile.max 4\nnumflock.max 0\nnumsiginfo.max 6\n");
    rows = bc::build_rows(inputs(f, Mode::V2, yes));
    for (const char* name : {"numfile", "numflock", "numsiginfo"})
        EXPECT_EQ(row(rows, name).coverage, bc::Coverage::Enforced) << name;
    EXPECT_EQ(*row(rows, "numfile").held, 7u);
    EXPECT_EQ(*row(rows, "numfile").maxheld, 30u);
    EXPECT_EQ(*row(rows, "numfile").failcnt, 4u);
    EXPECT_EQ(row(rows, "numfile").held_from, "beancounter.current numfile");
    EXPECT_EQ(*row(rows, "numsiginfo").held, 2u);
    EXPECT_EQ(*row(rows, "numsiginfo").failcnt, 6u);
}

TEST(UbcRows, WhatCannotBeEnforcedIsAccounted)
{
    FakeTree f(Mode::V2);
    v2_files(f);
    auto in = inputs(f, Mode::V2, no);
    auto rows = bc::build_rows(in);
    EXPECT_EQ(row(rows, "numproc").coverage, bc::Coverage::Accounted);
    EXPECT_NE(row(rows, "numproc").how.find("cannot"), std::string::npos);
    EXPECT_EQ(row(rows, "vmguarpages").coverage, bc::Coverage::Unavailable);
}

TEST(UbcRows, MaxheldIsTheHighestOfKernelPeakSamplesAndHeld)
{
    FakeTree f(Mode::V1);
    v1_files(f);
    auto in = inputs(f, Mode::V1, v1);
    in.peaks = {{"numfile", 40}, {"physpages", 5}};
    auto rows = bc::build_rows(in);
    EXPECT_EQ(*row(rows, "numfile").maxheld, 40u);
    EXPECT_EQ(*row(rows, "physpages").maxheld, 20000u);
    auto held = bc::held_of(rows);
    EXPECT_EQ(held.at("numfile"), 12u);
    EXPECT_EQ(held.count("numsiginfo"), 0u);
}

TEST(UbcPeaks, RaisedNeverLowered)
{
    test::TmpDir d;
    EXPECT_TRUE(bc::load_peaks(d.path()).empty());
    auto p = bc::raise_peaks(d.path(), {{"numfile", 10}, {"numpty", 1}});
    EXPECT_EQ(p.at("numfile"), 10u);
    p = bc::raise_peaks(d.path(), {{"numfile", 4}, {"numflock", 2}});
    EXPECT_EQ(p.at("numfile"), 10u);
    EXPECT_EQ(p.at("numflock"), 2u);
    EXPECT_EQ(bc::load_peaks(d.path()), p);
}

TEST(CtUsage, CountsFromAFakeProc)
{
    test::TmpDir d;
    const auto proc = d.path();
    put(proc / "10/status", "Name:\tinit\nVmLck:\t       8 kB\nVmData:\t     100 kB\nVmStk:\t      28 kB\n");
    put(proc / "11/status", "Name:\tkthread\n");
    for (auto fd : {"0", "1", "2"})
        put(proc / "10/fd" / fd, "");
    put(proc / "11/fd/0", "");
    put(proc / "locks", "1: POSIX  ADVISORY  WRITE 10 08:01:1 0 EOF\n"
                        "1: -> POSIX  ADVISORY  WRITE 11 08:01:1 0 EOF\n"
                        "2: FLOCK  ADVISORY  WRITE 999 08:01:2 0 EOF\n"
                        "3: OFDLCK ADVISORY  READ  -1 08:01:3 0 EOF\n");
    put(proc / "10/net/sockstat", "sockets: used 9\nTCP: inuse 3 orphan 0 tw 0 alloc 4 mem 1\nUDP: inuse 1 mem 0\n");
    put(proc / "10/net/sockstat6", "TCP6: inuse 1\nUDP6: inuse 0\n");
    put(proc / "10/ns/net", "ct");
    put(proc / "self/ns/net", "host");
    put(proc / "10/root/dev/pts/ptmx", "");
    put(proc / "10/root/dev/pts/0", "");
    put(proc / "10/root/dev/pts/3", "");
    auto u = bc::read_ct_usage(10, {11, 10}, proc);
    EXPECT_EQ(*u.locked_bytes, 8u * 1024);
    EXPECT_EQ(*u.private_bytes, 128u * 1024);
    EXPECT_EQ(*u.open_files, 4u);
    EXPECT_EQ(*u.file_locks, 1u) << "waiters, other processes and OFD locks are not the CT's";
    EXPECT_EQ(*u.tcp_sockets, 4u);
    EXPECT_EQ(*u.other_sockets, 5u);
    EXPECT_EQ(*u.ptys, 2u);
}

TEST(CtUsage, NoSocketsOfItsOwnInTheHostsNetworkNamespace)
{
    test::TmpDir d;
    put(d.path() / "10/net/sockstat", "sockets: used 9\nTCP: inuse 3\n");
    put(d.path() / "self/ns/net", "host");
    stdfs::create_directories(d.path() / "10/ns");
    stdfs::create_hard_link(d.path() / "self/ns/net", d.path() / "10/ns/net");
    auto u = bc::read_ct_usage(10, {10}, d.path());
    EXPECT_FALSE(u.tcp_sockets);
    EXPECT_FALSE(u.other_sockets);
}

TEST(UbcFormat, TextIsTheKernelsFormatExactly)
{
    FakeTree f(Mode::V1);
    v1_files(f);
    auto in = inputs(f, Mode::V1, v1);
    in.config_value = [](std::string_view key) -> std::optional<std::string> {
        return key == "NUMPROC" ? std::optional<std::string>("100:120") : std::nullopt;
    };
    auto text = bc::format_ubc_text({{101, bc::build_rows(in)}, {7, bc::build_rows(in)}});
    const std::string u = "9223372036854775807";
    auto line = [&](std::string uid, std::string name, std::string h, std::string m, std::string b, std::string l,
                    std::string fc) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "%10s%c %-12s %20s %20s %20s %20s %20s\n", uid.c_str(), uid.empty() ? ' ' : ':',
                      name.c_str(), h.c_str(), m.c_str(), b.c_str(), l.c_str(), fc.c_str());
        return std::string(buf);
    };
    std::string body = line("", "privvmpages", "100", "100", u, u, "0") + line("", "shmpages", "2", "2", u, u, "0") +
                       line("", "numproc", "7", "7", "100", "120", "2") +
                       line("", "physpages", "10000", "20000", u, u, "5") +
                       line("", "numtcpsock", "2", "2", u, u, "0") + line("", "numflock", "1", "1", u, u, "0") +
                       line("", "tcpsndbuf", "8192", "16384", u, u, "0") +
                       line("", "numothersock", "5", "5", u, u, "0") + line("", "numfile", "12", "12", u, u, "0") +
                       line("", "swappages", "1000", "1000", u, u, "1");
    EXPECT_EQ(text,
              "Version: 2.5\n"
              "       uid  resource                     held              maxheld              barrier"
              "                limit              failcnt\n" +
                  line("101", "kmemsize", "2000000", "3000000", u, u, "0") + body +
                  line("7", "kmemsize", "2000000", "3000000", u, u, "0") + body);
}

TEST(UbcFormat, JsonHasEveryParameterWithNullForUnknown)
{
    FakeTree f(Mode::V1);
    v1_files(f);
    auto in = inputs(f, Mode::V1, v1);
    auto j = nlohmann::json::parse(bc::format_ubc_json({{101, bc::build_rows(in)}}));
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["ctid"], 101);
    EXPECT_EQ(j[0].size(), 22u);
    EXPECT_EQ(j[0]["numproc"]["held"], 7);
    EXPECT_TRUE(j[0]["numsiginfo"]["held"].is_null());
    EXPECT_EQ(j[0]["numsiginfo"]["limit"], config::kUnlimited);
    EXPECT_TRUE(j[0]["lockedpages"]["failcnt"].is_null());
    EXPECT_EQ(j[0]["lockedpages"]["held"], 2);
}

TEST(UbcFormat, ExplainHasOneLinePerParameterWithoutAContainer)
{
    bc::UbcInputs in;
    in.mode = Mode::V2;
    in.support = yes;
    in.counters = cgroup::expected_counters(Mode::V2);
    auto rows = bc::build_rows(in);
    for (const auto& r : rows)
        EXPECT_FALSE(r.held) << r.param->name << ": no figures without a container";
    auto text = bc::format_ubc_explain(rows);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 21);
    EXPECT_NE(text.find("numproc      enforced    by the knob; held: pids.current; maxheld: pids.peak; failcnt: "
                        "pids.events max\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("kmemsize     accounted   memory.stat kernel"), std::string::npos) << text;
    EXPECT_NE(text.find("numiptent    unavailable "), std::string::npos) << text;
}
