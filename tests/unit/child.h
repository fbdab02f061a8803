// Runs a piece of a test in a forked child, for code that changes the
// process for good (capabilities, seccomp filters).
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <stdexcept>
#include <string>

namespace vessel::test {

struct ChildResult {
    std::string out;
    int status = -1;
};

// Forks; body's return value is what the child prints on the pipe.
inline ChildResult in_child(const std::function<std::string()>& body)
{
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe");
    pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fork");
    if (pid == 0) {
        ::close(p[0]);
        std::string s;
        int rc = 0;
        try {
            s = body();
        } catch (const std::exception& e) {
            s = std::string("exception: ") + e.what();
            rc = 1;
        }
        (void)!::write(p[1], s.data(), s.size());
        ::_exit(rc);
    }
    ::close(p[1]);
    ChildResult r;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        r.out.append(buf, static_cast<size_t>(n));
    }
    ::close(p[0]);
    while (::waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
    }
    return r;
}

}  // namespace vessel::test
