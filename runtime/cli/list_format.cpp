#include "runtime/cli/list_format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "runtime/base/error.h"
#include "runtime/bc/ubc_table.h"
#include "runtime/config/values.h"

namespace vessel::cli {

namespace {

using lifecycle::CtInfo;
using lifecycle::CtStatus;
// Keys keep the field order, as vzlist prints them.
using Json = nlohmann::ordered_json;

// What a getter found: nothing (printed "-", JSON null), a count, a fraction,
// yes/no, or text.
using Scalar = std::variant<std::monostate, std::uint64_t, double, bool, std::string>;

enum class SortKind { Numeric, String };

enum class JsonKind {
    Scalar,       // the getter's value as it is: null, number, boolean or string
    List,         // space separated value as an array of strings; [] when unset, as vzlist
    Beancounter,  // {"held", "maxheld", "barrier", "limit", "failcnt"}
    DiskQuota,    // {"usage", "softlimit", "hardlimit"}; null when unset
    Switches,     // "name:on name:off" as {"name": true, "name": false}; null when unset
    Live,         // a figure only a running CT has: 0 for one that is not running, as vzlist
};

// How a value wider than its column is treated when the column is not the
// last one and -t was not given (vzlist trims only its text fields).
enum class Trim {
    None,       // numbers: printed whole, pushing the rest of the line right
    Cut,        // cut to the column width
    FirstWord,  // address lists: the first item only, then cut
};

struct Field;
using Getter = Scalar (*)(const CtInfo&, const Field&);

struct Field {
    std::string name;
    std::string header;
    int header_width;  // printf-style: negative means left-aligned
    int width;         // the same for values
    Trim trim;
    SortKind sort;
    JsonKind json;
    Getter get;
    std::string_view key = {};                  // config key the getter reads
    config::Unit unit = config::Unit::Items;    // how that key's numbers are read
    const bc::UbcParam* ubc = nullptr;          // beancounter fields
    int part = 0;                               // 0: the plain field; else the suffix's figure
    Getter sort_get = nullptr;                  // when sorting is not by the printed value
    std::vector<std::string> aliases = {};
};

// ---- reading config values ----------------------------------------------

std::optional<std::string> config_value(const CtInfo& ct, std::string_view key)
{
    std::string v = ct.value(key);
    if (v.empty())
        return std::nullopt;
    return v;
}

// A value that does not parse is shown as unset: listing must not fail on
// one bad file, and `vessel set`/start report the bad value properly.
template <typename F>
auto parsed(const std::optional<std::string>& text, F&& parse) -> std::optional<decltype(parse(*text))>
{
    if (!text)
        return std::nullopt;
    try {
        return parse(*text);
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::optional<config::BarrierLimit> barrier_limit(const CtInfo& ct, std::string_view key, config::Unit unit)
{
    return parsed(config_value(ct, key),
                  [unit](const std::string& t) { return config::parse_barrier_limit(t, unit); });
}

std::vector<std::string> words(std::string_view text, std::string_view separators = " \t\n")
{
    std::vector<std::string> out;
    size_t pos = 0;
    while (true) {
        pos = text.find_first_not_of(separators, pos);
        if (pos == std::string_view::npos)
            break;
        size_t end = text.find_first_of(separators, pos);
        if (end == std::string_view::npos)
            end = text.size();
        out.emplace_back(text.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

std::string lower(std::string s)
{
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string upper(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// FEATURES and CAPABILITY: "name:on name:off" (vzctl writes them space
// separated; commas are accepted too). Names are shown in lower case, as vzlist does.
std::vector<std::pair<std::string, bool>> switches(const CtInfo& ct, std::string_view key)
{
    std::vector<std::pair<std::string, bool>> out;
    auto text = config_value(ct, key);
    if (!text)
        return out;
    for (const auto& w : words(*text, " \t\n,")) {
        size_t colon = w.rfind(':');
        if (colon == std::string::npos)
            continue;
        std::string state = lower(w.substr(colon + 1));
        if (state != "on" && state != "off")
            continue;
        out.emplace_back(lower(w.substr(0, colon)), state == "on");
    }
    return out;
}

bool is_running(const CtInfo& ct)
{
    return ct.status() == CtStatus::Running;
}

// ---- getters ------------------------------------------------------------

Scalar unknown(const CtInfo&, const Field&)
{
    return {};
}

Scalar get_ctid(const CtInfo& ct, const Field&)
{
    return std::uint64_t{ct.ctid};
}

Scalar config_text(const CtInfo& ct, const Field& f)
{
    if (auto v = config_value(ct, f.key))
        return *v;
    return {};
}

// VE_PRIVATE / VE_ROOT as the CT uses them: $VEID substituted, a relative
// path taken from vessel.conf's directory.
Scalar config_path(const CtInfo& ct, const Field& f)
{
    if (!ct.config || !config_value(ct, f.key))
        return {};
    try {
        return (f.key == "VE_ROOT" ? ct.config->ve_root() : ct.config->ve_private()).string();
    } catch (const Error&) {
        return {};
    }
}

// Lists are normalised to single spaces, so the first item is what is
// before the first space.
Scalar config_list(const CtInfo& ct, const Field& f)
{
    auto items = words(ct.value(f.key));
    if (items.empty())
        return {};
    std::string joined;
    for (const auto& i : items) {
        if (!joined.empty())
            joined += ' ';
        joined += i;
    }
    return joined;
}

Scalar config_uint(const CtInfo& ct, const Field& f)
{
    auto v = parsed(config_value(ct, f.key), [](const std::string& t) {
        return config::parse_uint(t, 0, std::numeric_limits<std::uint64_t>::max());
    });
    if (v)
        return *v;
    return {};
}

// cpus, iolimit, iopslimit: vzlist shows 0 as "-" (no limit set).
Scalar config_positive(const CtInfo& ct, const Field& f)
{
    auto v = parsed(config_value(ct, f.key),
                    [&f](const std::string& t) { return config::parse_amount(t, f.unit); });
    if (v && *v > 0)
        return *v;
    return {};
}

// CPULIMIT is a percentage of one CPU; vzctl accepts a trailing '%'.
Scalar config_percent(const CtInfo& ct, const Field& f)
{
    auto v = parsed(config_value(ct, f.key), [](std::string t) {
        if (!t.empty() && t.back() == '%')
            t.pop_back();
        return config::parse_uint(t, 0, std::numeric_limits<std::uint64_t>::max());
    });
    if (v)
        return *v;
    return {};
}

Scalar config_bool(const CtInfo& ct, const Field& f)
{
    auto v = parsed(config_value(ct, f.key), [](const std::string& t) { return config::parse_bool(t); });
    if (v)
        return *v;
    return {};
}

// VM_OVERCOMMIT is a factor such as 1.5; 0 means none, shown as "-".
Scalar config_fraction(const CtInfo& ct, const Field& f)
{
    auto text = config_value(ct, f.key);
    if (!text)
        return {};
    double v = 0;
    const char* end = text->data() + text->size();
    auto [ptr, ec] = std::from_chars(text->data(), end, v);
    if (ec != std::errc{} || ptr != end || v <= 0)
        return {};
    return v;
}

Scalar config_switches(const CtInfo& ct, const Field& f)
{
    std::string text;
    for (const auto& [name, on] : switches(ct, f.key)) {
        if (!text.empty())
            text += ',';
        text += name + (on ? ":on" : ":off");
    }
    if (text.empty())
        return {};
    return text;
}

// The name when there is one, else the CTID.
Scalar get_smart_name(const CtInfo& ct, const Field& f)
{
    if (auto v = config_value(ct, f.key))
        return *v;
    return std::uint64_t{ct.ctid};
}

Scalar get_status(const CtInfo& ct, const Field&)
{
    return std::string(lifecycle::status_name(ct.status()));
}

// vzlist sorts by state, not by its spelling: running, stopped, mounted, suspended.
Scalar status_rank(const CtInfo& ct, const Field&)
{
    switch (ct.status()) {
    case CtStatus::Running: return std::uint64_t{0};
    case CtStatus::Stopped: return std::uint64_t{1};
    case CtStatus::Mounted: return std::uint64_t{2};
    case CtStatus::Suspended: return std::uint64_t{3};
    }
    return {};
}

// Unset VE_LAYOUT means simfs, as in GlobalConfig::layout().
Scalar get_layout(const CtInfo& ct, const Field& f)
{
    return config_value(ct, f.key).value_or("simfs");
}

// DISABLED=yes prevents starting; anything else is "no".
Scalar get_disabled(const CtInfo& ct, const Field& f)
{
    auto v = config_bool(ct, f);
    return std::holds_alternative<bool>(v) && std::get<bool>(v);
}

// A VSwap config is one whose RAM (physpages limit) is bounded; vzlist treats
// both the 64-bit and the 32-bit "unlimited" as unbounded.
Scalar get_vswap(const CtInfo& ct, const Field&)
{
    const bc::UbcParam* phys = bc::find_ubc("physpages");
    if (!phys)
        return false;
    auto bl = barrier_limit(ct, phys->key, phys->unit);
    return bl && bl->limit != config::kUnlimited && bl->limit != std::numeric_limits<std::int32_t>::max();
}

// held, maxheld, barrier, limit, failcnt: vzlist's order and its .m .b .l .f suffixes.
enum UbcPart { Held, MaxHeld, Barrier, Limit, FailCnt, kUbcParts };

struct UbcFigures {
    std::array<std::optional<std::uint64_t>, kUbcParts> value;
    bool running = false;
};

// Barrier and limit come from the config. The live figures come from the
// CT's beancounter rows (runtime/bc/), read only when a field needs them;
// a figure the rows do not know stays unknown rather than being guessed.
UbcFigures ubc_figures(const CtInfo& ct, const bc::UbcParam& param)
{
    UbcFigures f;
    f.running = is_running(ct);
    if (auto bl = barrier_limit(ct, param.key, param.unit)) {
        f.value[Barrier] = bl->barrier;
        f.value[Limit] = bl->limit;
    }
    if (!f.running)
        return f;
    if (param.name == "numproc" && ct.numproc)
        f.value[Held] = *ct.numproc;
    if (ct.ubc)
        for (const auto& row : *ct.ubc)
            if (row.param->id == param.id) {
                f.value[Held] = row.held;
                f.value[MaxHeld] = row.maxheld;
                f.value[FailCnt] = row.failcnt;
            }
    return f;
}

// vzlist's "%.3dd%.2dh:%.2dm:%.2ds"; JSON and sorting use the seconds.
Scalar uptime_seconds(const CtInfo& ct, const Field&)
{
    if (!is_running(ct) || !ct.uptime)
        return {};
    return *ct.uptime;
}

Scalar get_uptime(const CtInfo& ct, const Field& f)
{
    auto s = uptime_seconds(ct, f);
    if (!std::holds_alternative<std::uint64_t>(s))
        return {};
    const std::uint64_t t = std::get<std::uint64_t>(s);
    std::array<char, 48> buf{};
    std::snprintf(buf.data(), buf.size(), "%.3llud%.2lluh:%.2llum:%.2llus", static_cast<unsigned long long>(t / 86400),
                  static_cast<unsigned long long>(t / 3600 % 24), static_cast<unsigned long long>(t / 60 % 60),
                  static_cast<unsigned long long>(t % 60));
    return std::string(buf.data());
}

Scalar ubc_part(const CtInfo& ct, const Field& f)
{
    auto figures = ubc_figures(ct, *f.ubc);
    if (auto v = figures.value[f.part])
        return *v;
    return {};
}

// usage, soft limit, hard limit. Usage needs disk quota accounting, which
// does not exist yet, so it is unknown.
enum QuotaPart { Usage, SoftLimit, HardLimit };

Scalar quota_part(const CtInfo& ct, const Field& f)
{
    if (f.part == Usage)
        return {};
    auto bl = barrier_limit(ct, f.key, f.unit);
    if (!bl)
        return {};
    return f.part == SoftLimit ? bl->barrier : bl->limit;
}

// ---- the table ----------------------------------------------------------

// vzlist's column headers of the beancounters; a parameter missing here is
// shown under its name in capitals.
constexpr std::array<std::pair<std::string_view, std::string_view>, 21> kUbcHeaders{{
    {"kmemsize", "KMEMSIZE"},   {"lockedpages", "LOCKEDP"},   {"privvmpages", "PRIVVMP"},
    {"shmpages", "SHMP"},       {"numproc", "NPROC"},         {"physpages", "PHYSP"},
    {"vmguarpages", "VMGUARP"}, {"oomguarpages", "OOMGUARP"}, {"numtcpsock", "NTCPSOCK"},
    {"numflock", "NFLOCK"},     {"numpty", "NPTY"},           {"numsiginfo", "NSIGINFO"},
    {"tcpsndbuf", "TCPSNDB"},   {"tcprcvbuf", "TCPRCVB"},     {"othersockbuf", "OTHSOCKB"},
    {"dgramrcvbuf", "DGRAMRB"}, {"numothersock", "NOTHSOCK"}, {"dcachesize", "DCACHESZ"},
    {"numfile", "NFILE"},       {"numiptent", "NIPTENT"},     {"swappages", "SWAPP"},
}};

std::string ubc_header(std::string_view name)
{
    for (const auto& [n, h] : kUbcHeaders)
        if (n == name)
            return std::string(h);
    return upper(name);
}

using enum Trim;
using enum SortKind;

std::vector<Field> build_table()
{
    using config::Unit;
    // In vzlist's order: `-L` and the all-fields JSON follow it.
    std::vector<Field> t = {
        {.name = "ctid", .header = "CTID", .header_width = 10, .width = 10, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = get_ctid, .aliases = {"veid", "vpsid"}},
        {.name = "private", .header = "PRIVATE", .header_width = -32, .width = -32, .trim = Cut, .sort = String,
         .json = JsonKind::Scalar, .get = config_path, .key = "VE_PRIVATE"},
        {.name = "root", .header = "ROOT", .header_width = -32, .width = -32, .trim = Cut, .sort = String,
         .json = JsonKind::Scalar, .get = config_path, .key = "VE_ROOT"},
        {.name = "mount_opts", .header = "MOUNT_OPTS", .header_width = -16, .width = -16, .trim = Cut,
         .sort = String, .json = JsonKind::Scalar, .get = config_text, .key = "MOUNT_OPTS"},
        // vzlist right-aligns this header over left-aligned values.
        {.name = "origin_sample", .header = "ORIGIN_SAMPLE", .header_width = 32, .width = -32, .trim = Cut,
         .sort = String, .json = JsonKind::Scalar, .get = config_text, .key = "ORIGIN_SAMPLE"},
        {.name = "hostname", .header = "HOSTNAME", .header_width = -32, .width = -32, .trim = Cut, .sort = String,
         .json = JsonKind::Scalar, .get = config_text, .key = "HOSTNAME"},
        {.name = "name", .header = "NAME", .header_width = -32, .width = -32, .trim = Cut, .sort = String,
         .json = JsonKind::Scalar, .get = config_text, .key = "NAME"},
        {.name = "smart_name", .header = "SMARTNAME", .header_width = 10, .width = 10, .trim = Cut, .sort = String,
         .json = JsonKind::Scalar, .get = get_smart_name, .key = "NAME", .sort_get = config_text},
        {.name = "description", .header = "DESCRIPTION", .header_width = -32, .width = -32, .trim = Cut,
         .sort = String, .json = JsonKind::Scalar, .get = config_text, .key = "DESCRIPTION"},
        {.name = "ostemplate", .header = "OSTEMPLATE", .header_width = -32, .width = -32, .trim = Cut,
         .sort = String, .json = JsonKind::Scalar, .get = config_text, .key = "OSTEMPLATE"},
        {.name = "ip", .header = "IP_ADDR", .header_width = -15, .width = -15, .trim = FirstWord, .sort = String,
         .json = JsonKind::List, .get = config_list, .key = "IP_ADDRESS"},
        {.name = "nameserver", .header = "NAMESERVER", .header_width = -15, .width = -15, .trim = FirstWord,
         .sort = String, .json = JsonKind::List, .get = config_list, .key = "NAMESERVER"},
        {.name = "searchdomain", .header = "SEARCHDOMAIN", .header_width = -15, .width = -15, .trim = FirstWord,
         .sort = String, .json = JsonKind::List, .get = config_list, .key = "SEARCHDOMAIN"},
        {.name = "status", .header = "STATUS", .header_width = -9, .width = -9, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = get_status, .sort_get = status_rank},
    };

    static constexpr std::array<std::string_view, kUbcParts> kUbcSuffix{"", ".m", ".b", ".l", ".f"};
    for (const auto& p : bc::ubc_params()) {
        if (p.key.empty() || p.name == "dummy")
            continue;
        const std::string header = ubc_header(p.name);
        for (int part = 0; part < kUbcParts; ++part)
            t.push_back({.name = std::string(p.name).append(kUbcSuffix[part]),
                         .header = header + upper(kUbcSuffix[part]),
                         .header_width = 10, .width = 10, .trim = None, .sort = Numeric,
                         .json = part == 0 ? JsonKind::Beancounter : JsonKind::Scalar, .get = ubc_part,
                         .key = p.key, .unit = p.unit, .ubc = &p, .part = part});
    }

    static constexpr std::array<std::pair<std::string_view, std::string_view>, 2> kQuotas{{
        {"diskspace", "DSPACE"}, {"diskinodes", "DINODES"}}};
    static constexpr std::array<std::string_view, 3> kQuotaSuffix{"", ".s", ".h"};
    for (const auto& [name, header] : kQuotas) {
        for (int part = Usage; part <= HardLimit; ++part)
            t.push_back({.name = std::string(name).append(kQuotaSuffix[part]),
                         .header = std::string(header) + upper(kQuotaSuffix[part]),
                         .header_width = 10, .width = 10, .trim = None, .sort = Numeric,
                         .json = part == 0 ? JsonKind::DiskQuota : JsonKind::Scalar, .get = quota_part,
                         .key = name == "diskspace" ? "DISKSPACE" : "DISKINODES",
                         .unit = name == "diskspace" ? Unit::KiB : Unit::Items, .part = part});
    }

    std::vector<Field> tail = {
        // A stock kernel keeps no load average per container (pressure
        // stall figures measure something else), so it stays unknown; vzlist
        // prints it as "%1.2f/%1.2f/%1.2f", JSON [a, b, c].
        {.name = "laverage", .header = "LAVERAGE", .header_width = 14, .width = 14, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = unknown},
        {.name = "uptime", .header = "UPTIME", .header_width = 15, .width = 15, .trim = None, .sort = Numeric,
         .json = JsonKind::Live, .get = get_uptime, .sort_get = uptime_seconds},
        {.name = "cpulimit", .header = "CPULIM", .header_width = 7, .width = 7, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = config_percent, .key = "CPULIMIT"},
        {.name = "cpuunits", .header = "CPUUNI", .header_width = 7, .width = 7, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = config_uint, .key = "CPUUNITS"},
        {.name = "cpus", .header = "CPUS", .header_width = 5, .width = 5, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = config_positive, .key = "CPUS"},
        {.name = "ioprio", .header = "IOP", .header_width = 3, .width = 3, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = config_uint, .key = "IOPRIO"},
        {.name = "iolimit", .header = "IOLIMIT", .header_width = 10, .width = 10, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = config_positive, .key = "IOLIMIT", .unit = Unit::Bytes},
        {.name = "iopslimit", .header = "IOPS", .header_width = 4, .width = 4, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = config_positive, .key = "IOPSLIMIT"},
        {.name = "onboot", .header = "ONBOOT", .header_width = 6, .width = 6, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = config_bool, .key = "ONBOOT"},
        {.name = "bootorder", .header = "BOOTORDER", .header_width = 10, .width = 10, .trim = None,
         .sort = Numeric, .json = JsonKind::Scalar, .get = config_uint, .key = "BOOTORDER"},
        // vzlist right-aligns this header over left-aligned values.
        {.name = "layout", .header = "LAYOUT", .header_width = 6, .width = -6, .trim = None, .sort = String,
         .json = JsonKind::Scalar, .get = get_layout, .key = "VE_LAYOUT"},
        {.name = "features", .header = "FEATURES", .header_width = -15, .width = -15, .trim = Cut, .sort = String,
         .json = JsonKind::Switches, .get = config_switches, .key = "FEATURES"},
        {.name = "vswap", .header = "VSWAP", .header_width = 5, .width = 5, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = get_vswap},
        {.name = "disabled", .header = "DISABL", .header_width = 6, .width = 6, .trim = None, .sort = Numeric,
         .json = JsonKind::Scalar, .get = get_disabled, .key = "DISABLED"},
        {.name = "vm_overcommit", .header = "VM_OVC", .header_width = 6, .width = 6, .trim = None,
         .sort = Numeric, .json = JsonKind::Scalar, .get = config_fraction, .key = "VM_OVERCOMMIT"},
        {.name = "netfilter", .header = "NETFILTER", .header_width = -9, .width = -9, .trim = None,
         .sort = String, .json = JsonKind::Scalar, .get = config_text, .key = "NETFILTER"},
        {.name = "capability", .header = "CAPABILITY", .header_width = -15, .width = -15, .trim = None,
         .sort = String, .json = JsonKind::Switches, .get = config_switches, .key = "CAPABILITY"},
    };
    std::move(tail.begin(), tail.end(), std::back_inserter(t));
    return t;
}

const std::vector<Field>& fields()
{
    static const std::vector<Field> table = build_table();
    return table;
}

const Field* find_field(std::string_view name)
{
    for (const auto& f : fields()) {
        if (f.name == name)
            return &f;
        for (const auto& a : f.aliases)
            if (a == name)
                return &f;
    }
    return nullptr;
}

const Field& require_field(std::string_view name)
{
    const Field* f = find_field(name);
    if (!f)
        throw Error(ExitCode::InvalidParameter, "unknown field: " + std::string(name));
    return *f;
}

// A column as asked for: the name given is the JSON key ("veid" stays "veid").
struct Column {
    const Field* field;
    std::string key;
};

std::vector<Column> columns_for(const ListOptions& opts)
{
    std::vector<Column> cols;
    if (!opts.fields.empty()) {
        for (const auto& name : opts.fields)
            cols.push_back({&require_field(name), name});
        return cols;
    }
    if (opts.json && !opts.names) {
        // vzlist's JSON has every plain field, the ctid aliases included.
        for (const auto& f : fields()) {
            if (f.part != 0)
                continue;
            cols.push_back({&f, f.name});
            for (const auto& a : f.aliases)
                cols.push_back({&f, a});
        }
        return cols;
    }
    // -n puts the name (or the CTID when there is none) in the first column.
    const std::array<std::string_view, 5> defaults{opts.names ? "smart_name" : "ctid", "numproc", "status", "ip",
                                                   "hostname"};
    for (auto name : defaults)
        cols.push_back({&require_field(name), std::string(name)});
    return cols;
}

// ---- text ---------------------------------------------------------------

std::string text_of(const Scalar& v)
{
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>)
                return "-";
            else if constexpr (std::is_same_v<T, std::uint64_t>)
                return std::to_string(x);
            else if constexpr (std::is_same_v<T, double>) {
                std::array<char, 32> buf{};
                std::snprintf(buf.data(), buf.size(), "%g", x);
                return buf.data();
            } else if constexpr (std::is_same_v<T, bool>)
                return x ? "yes" : "no";
            else
                return x;
        },
        v);
}

// At most n bytes, without splitting a UTF-8 character.
std::string_view cut(std::string_view s, size_t n)
{
    if (s.size() <= n)
        return s;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
        --n;
    return s.substr(0, n);
}

// printf's "%Ns" / "%-Ns": pads, never truncates.
void append_padded(std::string& out, std::string_view s, int width)
{
    const size_t w = static_cast<size_t>(std::abs(width));
    const size_t fill = s.size() < w ? w - s.size() : 0;
    if (width > 0)
        out.append(fill, ' ');
    out += s;
    if (width < 0)
        out.append(fill, ' ');
}

void rstrip(std::string& s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.pop_back();
}

std::string header_line(const std::vector<Column>& cols)
{
    std::string line;
    for (size_t i = 0; i < cols.size(); ++i) {
        if (i > 0)
            line += ' ';
        append_padded(line, cols[i].field->header, cols[i].field->header_width);
    }
    rstrip(line);
    return line;
}

std::string row_line(const CtInfo& ct, const std::vector<Column>& cols, bool no_trim)
{
    std::string line;
    for (size_t i = 0; i < cols.size(); ++i) {
        const Field& f = *cols[i].field;
        // The last column has room to the end of the line.
        const bool trimmed = !no_trim && i + 1 < cols.size();
        std::string text = text_of(f.get(ct, f));
        std::string_view shown = text;
        if (trimmed && f.trim == FirstWord)
            shown = shown.substr(0, shown.find(' '));
        if (trimmed && f.trim != None)
            shown = cut(shown, static_cast<size_t>(std::abs(f.width)));
        if (i > 0)
            line += ' ';
        append_padded(line, shown, f.width);
    }
    rstrip(line);
    return line;
}

// ---- JSON ---------------------------------------------------------------

Json json_of(const Scalar& v)
{
    return std::visit(
        [](const auto& x) -> Json {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>)
                return nullptr;
            else
                return x;
        },
        v);
}

Json json_value(const CtInfo& ct, const Field& f)
{
    switch (f.json) {
    case JsonKind::Scalar:
        return json_of(f.get(ct, f));
    case JsonKind::List: {
        Json arr = Json::array();
        for (const auto& w : words(ct.value(f.key)))
            arr.push_back(w);
        return arr;
    }
    case JsonKind::Beancounter: {
        auto figures = ubc_figures(ct, *f.ubc);
        static constexpr std::array<const char*, kUbcParts> kNames{"held", "maxheld", "barrier", "limit",
                                                                   "failcnt"};
        Json obj = Json::object();
        for (int part = 0; part < kUbcParts; ++part) {
            const bool live = part == Held || part == MaxHeld || part == FailCnt;
            if (live && !figures.running)
                obj[kNames[part]] = 0;
            else if (figures.value[part])
                obj[kNames[part]] = *figures.value[part];
            else
                obj[kNames[part]] = nullptr;
        }
        return obj;
    }
    case JsonKind::DiskQuota: {
        auto bl = barrier_limit(ct, f.key, f.unit);
        if (!bl)
            return nullptr;
        return Json{{"usage", nullptr}, {"softlimit", bl->barrier}, {"hardlimit", bl->limit}};
    }
    case JsonKind::Switches: {
        auto sw = switches(ct, f.key);
        if (sw.empty())
            return nullptr;
        Json obj = Json::object();
        for (const auto& [name, on] : sw)
            obj[name] = on;
        return obj;
    }
    case JsonKind::Live:
        if (!is_running(ct))
            return 0;
        // A formatted figure (uptime) is a number in JSON: the one it sorts by.
        return json_of((f.sort_get ? f.sort_get : f.get)(ct, f));
    }
    return nullptr;
}

std::string render_json(const std::vector<CtInfo>& cts, const std::vector<Column>& cols)
{
    Json arr = Json::array();
    for (const auto& ct : cts) {
        Json obj = Json::object();
        for (const auto& c : cols)
            obj[c.key] = json_value(ct, *c.field);
        arr.push_back(std::move(obj));
    }
    return arr.dump(2) + "\n";
}

// ---- sorting ------------------------------------------------------------

struct SortKey {
    bool known = false;
    long double number = 0;  // wide enough for every 64-bit value
    std::string text;
};

SortKey sort_key(const CtInfo& ct, const Field& f)
{
    Scalar v = (f.sort_get ? f.sort_get : f.get)(ct, f);
    SortKey k;
    if (std::holds_alternative<std::monostate>(v))
        return k;
    if (f.sort == String) {
        k.known = true;
        k.text = text_of(v);
        return k;
    }
    if (const auto* n = std::get_if<std::uint64_t>(&v))
        k.number = static_cast<long double>(*n);
    else if (const auto* d = std::get_if<double>(&v))
        k.number = *d;
    else if (const auto* b = std::get_if<bool>(&v))
        k.number = *b ? 1 : 0;
    else
        return k;
    k.known = true;
    return k;
}

// <0, 0, >0. Unset values come first, as in vzlist.
int compare(const SortKey& a, const SortKey& b)
{
    if (a.known != b.known)
        return a.known ? 1 : -1;
    if (!a.known)
        return 0;
    if (a.number != b.number)
        return a.number < b.number ? -1 : 1;
    return a.text.compare(b.text);
}

void sort_cts(std::vector<CtInfo>& cts, const ListOptions& opts)
{
    std::string_view name = opts.sort_field;
    bool reverse = opts.sort_reverse;
    if (!name.empty() && name.front() == '-') {
        name.remove_prefix(1);
        reverse = true;
    }
    const Field& f = require_field(name.empty() ? "ctid" : name);

    std::vector<std::pair<SortKey, CtInfo>> keyed;
    keyed.reserve(cts.size());
    for (auto& ct : cts) {
        SortKey k = sort_key(ct, f);
        keyed.emplace_back(std::move(k), std::move(ct));
    }
    // Equal keys stay in CTID order either way, so output is deterministic.
    std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& a, const auto& b) {
        int c = compare(a.first, b.first);
        if (c != 0)
            return reverse ? c > 0 : c < 0;
        return a.second.ctid < b.second.ctid;
    });
    cts.clear();
    for (auto& [k, ct] : keyed)
        cts.push_back(std::move(ct));
}

}  // namespace

void check_fields(const ListOptions& opts)
{
    for (const auto& name : opts.fields) {
        const Field& f = require_field(name);
        if (opts.json && f.part != 0)
            throw Error(ExitCode::InvalidParameter, "field " + name + " is not available in JSON output");
    }
    std::string_view sort = opts.sort_field;
    if (!sort.empty() && sort.front() == '-')
        sort.remove_prefix(1);
    if (!sort.empty())
        require_field(sort);
}

bool needs_ubc_rows(const ListOptions& opts)
{
    auto live = [&opts](const Field& f) {
        if (f.ubc == nullptr || f.part == Barrier || f.part == Limit)
            return false;
        // numproc's held comes with every listing (its default column);
        // JSON shows all five figures of a beancounter.
        return opts.json || !(f.ubc->name == "numproc" && f.part == Held);
    };
    std::string_view sort = opts.sort_field;
    if (!sort.empty() && sort.front() == '-')
        sort.remove_prefix(1);
    if (!sort.empty() && live(require_field(sort)))
        return true;
    for (const auto& c : columns_for(opts))
        if (live(*c.field))
            return true;
    return false;
}

std::string format_list(std::vector<lifecycle::CtInfo> cts, const ListOptions& opts)
{
    check_fields(opts);
    const auto cols = columns_for(opts);
    sort_cts(cts, opts);
    if (opts.json)
        return render_json(cts, cols);
    std::string out;
    if (opts.header)
        out += header_line(cols) + '\n';
    for (const auto& ct : cts)
        out += row_line(ct, cols, opts.no_trim) + '\n';
    return out;
}

std::vector<std::string> list_field_names()
{
    std::vector<std::string> names;
    for (const auto& f : fields()) {
        names.push_back(f.name);
        for (const auto& a : f.aliases)
            names.push_back(a);
    }
    return names;
}

std::string format_field_list()
{
    std::string out;
    auto line = [&out](std::string_view name, std::string_view header) {
        append_padded(out, name, -15);
        out += ' ';
        append_padded(out, header, -15);
        rstrip(out);
        out += '\n';
    };
    for (const auto& f : fields()) {
        line(f.name, f.header);
        for (const auto& a : f.aliases)
            line(a, f.header);
    }
    return out;
}

}  // namespace vessel::cli
