#include "images/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

#include "runtime/base/log.h"

namespace vessel::images {

namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kMinBarCells = 10;
constexpr int kMaxBarCells = 40;

std::string human_bytes(std::uint64_t n)
{
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    if (n < 1024)
        return std::to_string(n) + " B";
    double v = static_cast<double>(n);
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < std::size(units)) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

int terminal_width()
{
    struct winsize ws {};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

void write_stderr(const std::string& s)
{
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
}

}  // namespace

ProgressBar::ProgressBar(std::string label)
    : ProgressBar(std::move(label), ::isatty(STDERR_FILENO) == 1 && log::level() >= log::Level::Normal)
{
}

ProgressBar::ProgressBar(std::string label, bool enabled) : label_(std::move(label)), enabled_(enabled) {}

ProgressBar::~ProgressBar()
{
    if (drawn_)
        write_stderr("\n");
}

// width is the whole line (the terminal's columns); the bar takes what the
// label and the numbers leave, within sensible bounds.
std::string ProgressBar::render(const std::string& label, std::uint64_t done, std::uint64_t total, int width)
{
    if (total == 0)
        return label + "  " + human_bytes(done);

    if (done > total)
        done = total;
    int percent = static_cast<int>(done * 100 / total);
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3d%%", percent);
    std::string tail = std::string(" ") + pct + "  " + human_bytes(done) + "/" + human_bytes(total);

    int cells = width - static_cast<int>(label.size() + tail.size()) - 3;  // " [" and "]"
    if (cells > kMaxBarCells)
        cells = kMaxBarCells;
    if (cells < kMinBarCells)
        cells = kMinBarCells;
    int filled = static_cast<int>(done * static_cast<std::uint64_t>(cells) / total);
    return label + " [" + std::string(static_cast<size_t>(filled), '#') +
           std::string(static_cast<size_t>(cells - filled), ' ') + "]" + tail;
}

void ProgressBar::update(std::uint64_t done, std::uint64_t total)
{
    if (!enabled_)
        return;
    auto now = std::chrono::steady_clock::now();
    bool finished = total != 0 && done >= total;
    if (drawn_ && !finished && now - last_ < kRedrawInterval)
        return;
    last_ = now;
    int width = terminal_width();
    std::string line = render(label_, done, total, width);
    // Pad over the previous line's tail instead of relying on an escape
    // sequence the terminal may not know; never wrap onto a second line.
    if (static_cast<int>(line.size()) < width - 1)
        line.resize(static_cast<size_t>(width - 1), ' ');
    else
        line.resize(static_cast<size_t>(width > 1 ? width - 1 : 1));
    write_stderr("\r" + line);
    drawn_ = true;
}

}  // namespace vessel::images
