#include "runtime/bc/peaks.h"

#include <sys/file.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"

namespace vessel::bc {

namespace {

// "name value" per line; anything else (a file from a newer version) is skipped.
Peaks parse(const std::string& text)
{
    Peaks out;
    std::istringstream in(text);
    for (std::string name, value; in >> name >> value;) {
        std::uint64_t v = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec == std::errc{} && ptr == value.data() + value.size())
            out[name] = v;
    }
    return out;
}

}  // namespace

Peaks load_peaks(const std::filesystem::path& dir)
{
    auto text = fs::read_file(dir / kPeaksFile);
    return text ? parse(*text) : Peaks{};
}

Peaks raise_peaks(const std::filesystem::path& dir, const Peaks& seen)
{
    return with_context("maxheld", [&] {
        UniqueFd lock = fs::open_dir(dir);
        while (::flock(lock.get(), LOCK_EX) != 0)
            if (errno != EINTR)
                throw_errno("lock " + dir.string());
        Peaks peaks = load_peaks(dir);
        bool rose = false;
        for (const auto& [name, value] : seen) {
            auto [it, added] = peaks.emplace(name, value);
            if (added || it->second < value) {
                it->second = std::max(it->second, value);
                rose = true;
            }
        }
        if (rose) {
            std::string text;
            for (const auto& [name, value] : peaks)
                text += name + " " + std::to_string(value) + "\n";
            // Gone with the run state at the next boot: no fsync needed.
            fs::write_file_atomic(dir / kPeaksFile, text, 0600, false);
        }
        return peaks;
    });
}

}  // namespace vessel::bc
