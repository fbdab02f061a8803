#include "runtime/security/seccomp_filter.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/log.h"
#include "runtime/base/sha256.h"
#include "runtime/base/unique_fd.h"

namespace vessel::security {

namespace {

// Bumped whenever the compiler's output changes for the same profile.
constexpr std::string_view kFormat = "vessel-seccomp 1";
constexpr std::uint32_t kMagic = 0x31425356;  // "VSB1"
constexpr std::size_t kMaxProfile = 1 << 20;

// A cache file: magic, flags, then the instructions.
struct Header {
    std::uint32_t magic;
    std::uint32_t flags;
};

std::string profile_text(const SeccompConfig& cfg)
{
    if (cfg.source == SeccompConfig::Source::Default)
        return std::string(default_seccomp_profile());
    UniqueFd fd(::open(cfg.file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    struct stat st {};
    if (!fd)
        throw_errno("SECCOMP_PROFILE: open " + cfg.file.string(), ExitCode::InvalidValue);
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > static_cast<off_t>(kMaxProfile))
        throw Error(ExitCode::InvalidValue,
                    "SECCOMP_PROFILE: " + cfg.file.string() + ": not a regular file of at most 1 MiB");
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw_errno("SECCOMP_PROFILE: read " + cfg.file.string(), ExitCode::InvalidValue);
        got += static_cast<std::size_t>(n);
    }
    return text;
}

std::optional<BpfProgram> read_cached(const std::filesystem::path& file)
{
    auto data = [&]() -> std::optional<std::string> {
        try {
            return fs::read_file(file);
        } catch (const Error&) {
            return std::nullopt;  // unreadable: compiled again and replaced
        }
    }();
    if (!data || data->size() <= sizeof(Header) || (data->size() - sizeof(Header)) % sizeof(sock_filter) != 0 ||
        data->size() - sizeof(Header) > BPF_MAXINSNS * sizeof(sock_filter))
        return std::nullopt;
    Header h;
    std::memcpy(&h, data->data(), sizeof h);
    if (h.magic != kMagic)
        return std::nullopt;
    BpfProgram p;
    p.flags = h.flags;
    p.insns.resize((data->size() - sizeof(Header)) / sizeof(sock_filter));
    std::memcpy(p.insns.data(), data->data() + sizeof(Header), data->size() - sizeof(Header));
    return p;
}

void store(const std::filesystem::path& dir, const std::filesystem::path& file, const BpfProgram& p)
{
    fs::make_dirs(dir, 0700);
    Header h{kMagic, p.flags};
    std::string data(reinterpret_cast<const char*>(&h), sizeof h);
    data.append(reinterpret_cast<const char*>(p.insns.data()), p.insns.size() * sizeof(sock_filter));
    // No fsync: RUNDIR is state of this boot, and a lost file is compiled again.
    fs::write_file_atomic(file, data, 0600, false);
}

}  // namespace

std::string SeccompConfig::describe() const
{
    switch (source) {
    case Source::None:
        return "none";
    case Source::File:
        return "file " + file.string();
    case Source::Default:
        break;
    }
    return "built-in default";
}

SeccompConfig seccomp_config(const std::optional<std::string>& value, const std::filesystem::path& cache_dir,
                             const std::filesystem::path& resolved)
{
    SeccompConfig c;
    c.cache_dir = cache_dir;
    if (!value || value->empty() || *value == "default")
        c.source = SeccompConfig::Source::Default;
    else if (*value == "none")
        c.source = SeccompConfig::Source::None;
    else {
        c.source = SeccompConfig::Source::File;
        c.file = resolved;
    }
    return c;
}

SeccompFilter prepare_seccomp(const SeccompConfig& cfg)
{
    SeccompFilter out;
    if (cfg.source == SeccompConfig::Source::None)
        return out;
    const std::string origin = cfg.source == SeccompConfig::Source::File ? cfg.file.string() : "built-in profile";
    const std::string text = profile_text(cfg);
    out.key = sha256_hex(std::string(kFormat) + "\n" + libseccomp_version() + "\narch " +
                         std::to_string(seccomp_arch_native()) + "\n" + text);
    const std::filesystem::path file = cfg.cache_dir / (out.key + ".bpf");
    if (auto cached = read_cached(file)) {
        out.program = std::move(*cached);
        out.from_cache = true;
    } else {
        out.program = with_context("seccomp", [&] {
            return compile_seccomp(parse_seccomp_profile(text, origin), origin);
        });
        with_context("seccomp cache", [&] { store(cfg.cache_dir, file, out.program); });
    }
    log::verbose("seccomp: " + cfg.describe() + ", " + std::to_string(out.program.insns.size()) +
                 " instructions " + (out.from_cache ? "from the cache " : "compiled into ") + file.string());
    return out;
}

void load_seccomp(const SeccompFilter& filter)
{
    const auto& insns = filter.program.insns;
    if (insns.empty())
        return;
    sock_fprog prog{static_cast<unsigned short>(insns.size()), const_cast<sock_filter*>(insns.data())};
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, filter.program.flags, &prog) == 0)
        return;
    // Kernels before 3.17 have only the prctl, which takes no flags.
    if (errno == ENOSYS && filter.program.flags == 0 && ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0)
        return;
    throw_errno("load the seccomp filter");
}

std::string describe_seccomp(const SeccompConfig& cfg)
{
    // PR_GET_SECCOMP answers EINVAL on a kernel built without seccomp.
    if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
        return "seccomp: no (kernel without CONFIG_SECCOMP_FILTER; containers run unfiltered)\n";
    std::string out = "seccomp: yes (" + libseccomp_version() + "; profile: " + cfg.describe();
    std::string enosys;
    for (std::uint32_t a : native_arch_family()) {
        KnownSyscalls k = known_syscalls(a);
        if (k.highest < 0)
            continue;
        enosys += (enosys.empty() ? "" : ", ") + std::to_string(k.highest);
        if (k.x32_high >= 0)
            enosys += " and " + std::to_string(k.x32_high);
        enosys += " (" + arch_name(a) + ")";
    }
    if (!enosys.empty())
        out += "; ENOSYS above syscall " + enosys;
    return out + ")\n";
}

}  // namespace vessel::security
