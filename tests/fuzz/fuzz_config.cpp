// Feeds arbitrary bytes to the configuration parser. A vessel::Error is the
// expected answer to bad input; a crash, a sanitizer report, any other
// exception, or an edit that does not survive a re-parse is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/base/error.h"
#include "runtime/config/config_file.h"
#include "runtime/config/keys.h"

namespace {

using vessel::config::ConfigFile;

void check(bool ok)
{
    if (!ok)
        std::abort();
}

// An edit of the parsed file, chosen by the input so the fuzzer explores it.
void edit_and_reparse(ConfigFile file, std::string_view input)
{
    const std::string added = "FUZZ_NEW";
    auto assigns = file.assignments();
    std::string key = assigns.empty() ? "NUMPROC" : assigns[input.size() % assigns.size()].key;
    std::string erased = assigns.empty() ? "X" : assigns.front().key;
    std::string value(input.substr(0, input.size() % 40));
    bool can_set = value.find('\n') == std::string::npos;

    file.erase(erased);
    if (can_set) {
        file.set(key, value);
        file.set(added, value);
    }

    std::string text = file.render();
    ConfigFile again = ConfigFile::parse(text, "fuzz.conf");
    check(again.render() == text);
    if (can_set) {
        check(again.get(key) == value);
        check(again.get(added) == value);
    }
    if (!can_set || (erased != key && erased != added))
        check(!again.get(erased).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    try {
        ConfigFile file = ConfigFile::parse(input, "fuzz.conf");
        check(file.render() == input);
        try {
            vessel::config::validate_file(file);
        } catch (const vessel::Error& e) {
            check(e.code() == vessel::ExitCode::InvalidValue);
        }
        edit_and_reparse(std::move(file), input);
    } catch (const vessel::Error& e) {
        check(e.code() == vessel::ExitCode::InvalidParameter);
    }
    return 0;
}
