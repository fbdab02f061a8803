// vessel's side of images/helper.h: runs vessel-image and turns its reply
// back into a result or an Error.
#include "images/helper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/base/interrupt.h"
#include "runtime/base/log.h"
#include "runtime/base/report.h"
#include "runtime/base/sibling_exe.h"
#include "runtime/base/unique_fd.h"

namespace vessel::images::helper {

namespace {

namespace stdfs = std::filesystem;

constexpr int kExecFailed = 127;

sigset_t interrupt_signals()
{
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
        sigaddset(&set, sig);
    return set;
}

// A started vessel-image, killed and reaped if we leave before it is done.
class Child {
public:
    explicit Child(pid_t pid) : pid_(pid) {}
    ~Child()
    {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            reap();
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    int reap()
    {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return status;
    }

private:
    pid_t pid_;
};

// In the forked child. The interrupt signals are still blocked and stay
// blocked through exec: vessel-image unblocks them once its InterruptGuard
// is in place, and one that came meanwhile is delivered to it then.
[[noreturn]] void exec_helper(const std::string& exe, const std::vector<std::string>& args, int report_fd,
                              pid_t parent)
{
    // If vessel dies (kill -9), so does the helper, rather than writing on
    // into a private area that nobody will rename or remove.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
        ::_exit(kExecFailed);
    ::fcntl(report_fd, F_SETFD, 0);
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    const int err = errno;
    write_report(report_fd, error_report(Error(ExitCode::System, "execute " + exe, err)));
    ::_exit(kExecFailed);
}

// Waits until the reply can be read (or vessel-image closed the pipe). An
// interrupt that reached only vessel is passed on, so that vessel-image stops
// at a safe point and the caller rolls back; a Ctrl-C on the terminal has
// reached both already, and a second SIGINT changes nothing.
void wait_for_reply(int fd, const Child& child)
{
    bool passed_on = false;
    for (;;) {
        if (!passed_on && InterruptGuard::flag()) {
            ::kill(child.pid(), SIGINT);
            passed_on = true;
        }
        struct pollfd p {fd, POLLIN, 0};
        // The timeout covers an interrupt that lands between the check and
        // poll(); one that lands during poll() ends it with EINTR.
        int n = ::poll(&p, 1, 100);
        if (n > 0)
            return;
        if (n < 0 && errno != EINTR)
            throw_errno("wait for " + std::string(kProgram));
    }
}

std::string how_it_ended(int status)
{
    if (WIFSIGNALED(status))
        return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
    return "exited with status " + std::to_string(WEXITSTATUS(status));
}

// Runs vessel-image COMMAND ARGS; the fields of its "OK" reply.
std::string run(std::string_view command, const std::vector<std::string>& command_args)
{
    if (InterruptGuard::flag())
        throw Error(ExitCode::System, "interrupted");
    const std::string exe = sibling_executable(kProgram);
    if (exe.empty())
        throw Error(ExitCode::System, std::string(kProgram) + " is missing beside " + self_executable() +
                                          " (it is installed with vessel)");
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw_errno("pipe");
    UniqueFd reply_rd(fds[0]);
    UniqueFd reply_wr(fds[1]);
    std::vector<std::string> args = {std::string(kProgram), std::to_string(reply_wr.get()),
                                     std::to_string(static_cast<int>(log::level())), std::string(command)};
    args.insert(args.end(), command_args.begin(), command_args.end());

    const sigset_t interrupts = interrupt_signals();
    sigset_t old_mask;
    ::sigprocmask(SIG_BLOCK, &interrupts, &old_mask);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0)
        exec_helper(exe, args, reply_wr.get(), parent);
    const int fork_errno = errno;
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    if (pid < 0)
        throw_errno(fork_errno, "fork for " + std::string(kProgram));

    Child child(pid);
    reply_wr.reset();
    wait_for_reply(reply_rd.get(), child);
    const std::string line = read_report(reply_rd.get());
    const int status = child.reap();
    if (auto fields = parse_report(line))
        return *fields;
    if (InterruptGuard::flag())
        throw Error(ExitCode::System, "interrupted");
    throw Error(ExitCode::System, exe + " " + how_it_ended(status) + " without a reply");
}

[[noreturn]] void bad_reply(std::string_view command, const std::string& fields)
{
    throw Error(ExitCode::System,
                std::string(kProgram) + " " + std::string(command) + ": unexpected reply \"" + fields + "\"");
}

// A file in the cache directory, as the reply names it: never a path.
stdfs::path cache_file(const TemplateCache& cache, std::string_view command, const std::string& name)
{
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        bad_reply(command, name);
    return cache.dir() / name;
}

bool take_number(std::string_view& fields, std::uint64_t& out)
{
    auto [end, ec] = std::from_chars(fields.data(), fields.data() + fields.size(), out);
    if (ec != std::errc() || end == fields.data() + fields.size() || *end != ' ')
        return false;
    fields.remove_prefix(static_cast<size_t>(end - fields.data()) + 1);
    return true;
}

}  // namespace

Template ensure(const TemplateCache& cache, const std::string& name)
{
    const std::string fields = run(kEnsure, {cache.dir().string(), name});
    // "<bytes> <entries> <file name>"
    std::string_view rest = fields;
    Template t;
    if (!take_number(rest, t.stats.bytes) || !take_number(rest, t.stats.entries))
        bad_reply(kEnsure, fields);
    t.archive = cache_file(cache, kEnsure, std::string(rest));
    return t;
}

void extract(const stdfs::path& archive, const stdfs::path& target_dir, std::uint64_t total_bytes)
{
    const std::string fields = run(kExtract, {archive.string(), target_dir.string(), std::to_string(total_bytes)});
    if (!fields.empty())
        bad_reply(kExtract, fields);
}

stdfs::path build(const TemplateCache& cache, const std::string& name)
{
    return cache_file(cache, kBuild, run(kBuild, {cache.dir().string(), name}));
}

}  // namespace vessel::images::helper
