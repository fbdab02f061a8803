// vzctl's device keys as text: DEVNODES="net/tun:rw fuse:rw" (nodes made in
// the container's /dev, with the host's numbers) and DEVICES="c:10:200:rw
// b:8:all:r" (access to device numbers, no node). Syntax only: whether a
// name exists on the host is the spec's business (runtime/spec/devices.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vessel::config {

// Access a key grants: read, write, both, or none. vzctl's quota flag `q`
// is accepted and ignored, as vzctl does on a stock kernel.
inline constexpr unsigned kDevNone = 0, kDevRead = 1, kDevWrite = 2;

// Largest numbers Linux gives a device (12-bit major, 20-bit minor).
inline constexpr unsigned kMaxDevMajor = 4095;
inline constexpr unsigned kMaxDevMinor = (1u << 20) - 1;

struct DevnodeEntry {
    std::string name;   // below /dev: "net/tun"
    unsigned access = kDevNone;
    bool operator==(const DevnodeEntry&) const = default;
};

struct DeviceEntry {
    char type = 'c';                  // 'b' or 'c'
    unsigned major = 0;
    std::optional<unsigned> minor;    // nullopt: every minor ("all")
    unsigned access = kDevNone;
    bool operator==(const DeviceEntry&) const = default;
};

// "r", "w", "rw" (any order, each letter once, `q` allowed beside them) or
// "none". Error(InvalidValue) naming the text otherwise.
unsigned parse_device_access(std::string_view text);
std::string format_device_access(unsigned access);

// One word of DEVNODES / --devnodes: NAME:ACCESS. NAME is a relative path
// below /dev of letters, digits and ._+-, without empty, "." or ".."
// components. Errors (InvalidValue) quote the word.
DevnodeEntry parse_devnode(std::string_view word);
// One word of DEVICES / --devices: b|c:MAJOR:MINOR|all:ACCESS.
DeviceEntry parse_device(std::string_view word);

std::vector<DevnodeEntry> parse_devnodes(std::string_view value);
std::vector<DeviceEntry> parse_devices(std::string_view value);
std::string format_devnodes(const std::vector<DevnodeEntry>& entries);
std::string format_devices(const std::vector<DeviceEntry>& entries);

// `vessel set --devnodes/--devices`: each given word replaces the entry for
// the same name (or type:major:minor) in the current value, keeping the
// order of the others. A devnode given as `none` is dropped from the list
// (its node goes away); a device given as `none` stays, because it also
// takes away access the defaults give.
std::string edit_devnodes(std::string_view current, const std::vector<std::string>& given);
std::string edit_devices(std::string_view current, const std::vector<std::string>& given);

}  // namespace vessel::config
