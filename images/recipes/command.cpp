#include "images/recipes/command.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/base/unique_fd.h"

extern char** environ;

namespace vessel::images::detail {

namespace {

class FileActions {
public:
    FileActions()
    {
        if (int err = posix_spawn_file_actions_init(&fa_); err != 0)
            throw_errno(err, "posix_spawn_file_actions_init");
    }
    ~FileActions() { posix_spawn_file_actions_destroy(&fa_); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;

    posix_spawn_file_actions_t* get() { return &fa_; }

    void open(int fd, const char* path, int flags, mode_t mode)
    {
        if (int err = posix_spawn_file_actions_addopen(&fa_, fd, path, flags, mode); err != 0)
            throw_errno(err, "posix_spawn_file_actions_addopen");
    }
    void dup2(int from, int to)
    {
        if (int err = posix_spawn_file_actions_adddup2(&fa_, from, to); err != 0)
            throw_errno(err, "posix_spawn_file_actions_adddup2");
    }

private:
    posix_spawn_file_actions_t fa_;
};

// A fixed PATH, so the programs debootstrap calls (chroot, mount, dpkg)
// are found even when vessel runs from a minimal environment; the rest of
// the environment (proxies, for one) is passed on.
std::vector<std::string> child_environment()
{
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e)
        if (std::strncmp(*e, "PATH=", 5) != 0)
            env.emplace_back(*e);
    env.emplace_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v)
{
    std::vector<char*> out;
    for (auto& s : v)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

pid_t spawn(const std::vector<std::string>& argv, FileActions& fa)
{
    if (argv.empty())
        throw Error(ExitCode::System, "spawn: empty command");
    std::vector<std::string> args = argv;
    std::vector<std::string> env = child_environment();
    auto cargs = c_strings(args);
    auto cenv = c_strings(env);
    pid_t pid = -1;
    if (int err = posix_spawn(&pid, args[0].c_str(), fa.get(), nullptr, cargs.data(), cenv.data()); err != 0)
        throw_errno(err, "run " + args[0]);
    return pid;
}

// "" when it exited with status 0, else how it ended.
std::string wait_for(pid_t pid, const std::string& name)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw_errno("wait for " + name);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return {};
    if (WIFEXITED(status))
        return name + " exited with status " + std::to_string(WEXITSTATUS(status));
    return name + " was killed by signal " + std::to_string(WTERMSIG(status));
}

std::string last_lines(const std::string& text, int n)
{
    size_t pos = text.size();
    while (pos > 0 && text[pos - 1] == '\n')
        --pos;
    size_t end = pos;
    for (int i = 0; i < n && pos > 0; ++i) {
        size_t nl = text.rfind('\n', pos - 1);
        pos = nl == std::string::npos ? 0 : nl;
        if (pos == 0)
            break;
    }
    std::string tail = text.substr(pos, end - pos);
    while (!tail.empty() && tail.front() == '\n')
        tail.erase(0, 1);
    return tail;
}

}  // namespace

std::string capture_output(const std::vector<std::string>& argv)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw_errno("pipe");
    UniqueFd rd(fds[0]), wr(fds[1]);

    FileActions fa;
    fa.open(STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    fa.dup2(wr.get(), STDOUT_FILENO);
    pid_t pid = spawn(argv, fa);
    wr.reset();

    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(rd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    if (std::string failed = wait_for(pid, argv[0]); !failed.empty())
        throw Error(ExitCode::System, failed);
    return out;
}

void run_logged(const std::vector<std::string>& argv, const std::filesystem::path& log_file)
{
    FileActions fa;
    fa.open(STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (!log_file.empty()) {
        fa.open(STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        fa.dup2(STDOUT_FILENO, STDERR_FILENO);
    }
    pid_t pid = spawn(argv, fa);
    std::string failed = wait_for(pid, argv[0]);
    if (failed.empty())
        return;
    if (!log_file.empty()) {
        std::string tail = last_lines(fs::read_file(log_file).value_or(""), 15);
        if (!tail.empty())
            failed += "; the end of its log:\n" + tail;
    }
    throw Error(ExitCode::System, failed);
}

}  // namespace vessel::images::detail
