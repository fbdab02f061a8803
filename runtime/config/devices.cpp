#include "runtime/config/devices.h"

#include <algorithm>

#include "runtime/base/error.h"
#include "runtime/config/values.h"

namespace vessel::config {

namespace {

[[noreturn]] void bad(std::string_view word, std::string_view why)
{
    throw Error(ExitCode::InvalidValue, "\"" + std::string(word) + "\": " + std::string(why));
}

bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '+';
}

// A name is joined to "/dev/" on the host and walked below the CT's /dev,
// so nothing in it may climb out or be read as an option.
bool valid_node_name(std::string_view name)
{
    if (name.empty() || name.size() > 255)
        return false;
    size_t start = 0;
    for (;;) {
        size_t slash = name.find('/', start);
        std::string_view part = name.substr(start, slash == std::string_view::npos ? slash : slash - start);
        if (part.empty() || part == "." || part == ".." || !std::all_of(part.begin(), part.end(), name_char))
            return false;
        if (slash == std::string_view::npos)
            return true;
        start = slash + 1;
    }
}

unsigned parse_number(std::string_view word, std::string_view text, unsigned max, std::string_view what)
{
    if (text.empty() || text.size() > 7 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        bad(word, "bad " + std::string(what) + " number \"" + std::string(text) + "\"");
    unsigned n = 0;
    for (char c : text)
        n = n * 10 + static_cast<unsigned>(c - '0');
    if (n > max)
        bad(word, std::string(what) + " number " + std::to_string(n) + " is above " + std::to_string(max));
    return n;
}

std::string device_key(const DeviceEntry& e)
{
    return std::string(1, e.type) + ":" + std::to_string(e.major) + ":" + (e.minor ? std::to_string(*e.minor) : "all");
}

// `word` is what the error quotes: the whole entry, not just its access.
unsigned access_of(std::string_view word, std::string_view text)
{
    if (text == "none")
        return kDevNone;
    unsigned access = kDevNone;
    bool ok = !text.empty();
    for (char c : text) {
        const unsigned bit = c == 'r' ? kDevRead : c == 'w' ? kDevWrite : c == 'q' ? 4u : 0u;
        ok = ok && bit != 0 && (access & bit) == 0;
        access |= bit;
    }
    access &= kDevRead | kDevWrite;  // q: the quota flag, nothing to enforce here
    if (!ok || access == kDevNone)
        bad(word, "bad access \"" + std::string(text) + "\" (r, w, rw or none)");
    return access;
}

}  // namespace

unsigned parse_device_access(std::string_view text) { return access_of(text, text); }

std::string format_device_access(unsigned access)
{
    if (access == kDevNone)
        return "none";
    return std::string((access & kDevRead) ? "r" : "") + ((access & kDevWrite) ? "w" : "");
}

DevnodeEntry parse_devnode(std::string_view word)
{
    auto colon = word.rfind(':');
    if (colon == std::string_view::npos)
        bad(word, "expected NAME:ACCESS (net/tun:rw)");
    DevnodeEntry e;
    e.name = std::string(word.substr(0, colon));
    if (!valid_node_name(e.name))
        bad(word, "bad device name \"" + e.name + "\" (a path below /dev)");
    e.access = access_of(word, word.substr(colon + 1));
    return e;
}

DeviceEntry parse_device(std::string_view word)
{
    std::vector<std::string_view> parts;
    for (size_t start = 0;;) {
        size_t colon = word.find(':', start);
        parts.push_back(word.substr(start, colon == std::string_view::npos ? colon : colon - start));
        if (colon == std::string_view::npos)
            break;
        start = colon + 1;
    }
    if (parts.size() != 4)
        bad(word, "expected b|c:MAJOR:MINOR|all:ACCESS (c:10:200:rw)");
    DeviceEntry e;
    if (parts[0] != "b" && parts[0] != "c")
        bad(word, "bad device type \"" + std::string(parts[0]) + "\" (b or c)");
    e.type = parts[0][0];
    e.major = parse_number(word, parts[1], kMaxDevMajor, "major");
    if (parts[2] != "all")
        e.minor = parse_number(word, parts[2], kMaxDevMinor, "minor");
    e.access = access_of(word, parts[3]);
    return e;
}

std::vector<DevnodeEntry> parse_devnodes(std::string_view value)
{
    std::vector<DevnodeEntry> out;
    for (auto w : split_words(value))
        out.push_back(parse_devnode(w));
    return out;
}

std::vector<DeviceEntry> parse_devices(std::string_view value)
{
    std::vector<DeviceEntry> out;
    for (auto w : split_words(value))
        out.push_back(parse_device(w));
    return out;
}

std::string format_devnodes(const std::vector<DevnodeEntry>& entries)
{
    std::string out;
    for (const auto& e : entries)
        out += (out.empty() ? "" : " ") + e.name + ":" + format_device_access(e.access);
    return out;
}

std::string format_devices(const std::vector<DeviceEntry>& entries)
{
    std::string out;
    for (const auto& e : entries)
        out += (out.empty() ? "" : " ") + device_key(e) + ":" + format_device_access(e.access);
    return out;
}

std::string edit_devnodes(std::string_view current, const std::vector<std::string>& given)
{
    auto list = parse_devnodes(current);
    for (const auto& word : given) {
        DevnodeEntry e = parse_devnode(word);
        std::erase_if(list, [&](const DevnodeEntry& old) { return old.name == e.name; });
        if (e.access != kDevNone)
            list.push_back(std::move(e));
    }
    return format_devnodes(list);
}

std::string edit_devices(std::string_view current, const std::vector<std::string>& given)
{
    auto list = parse_devices(current);
    for (const auto& word : given) {
        DeviceEntry e = parse_device(word);
        std::erase_if(list, [&](const DeviceEntry& old) { return device_key(old) == device_key(e); });
        list.push_back(e);
    }
    return format_devices(list);
}

}  // namespace vessel::config
