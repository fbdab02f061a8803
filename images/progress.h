// A one-line progress bar on stderr when it is a terminal; silent otherwise
// (and with --quiet).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vessel::images {

class ProgressBar {
public:
    explicit ProgressBar(std::string label);  // enabled iff stderr is a tty and not --quiet
    ProgressBar(std::string label, bool enabled);
    ~ProgressBar();  // finishes the line
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    void update(std::uint64_t done, std::uint64_t total);
    bool enabled() const { return enabled_; }

    // The text drawn for a state (no escape codes); exposed for tests.
    static std::string render(const std::string& label, std::uint64_t done, std::uint64_t total, int width);

private:
    std::string label_;
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace vessel::images
