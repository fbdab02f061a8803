#include "runtime/security/seccomp_profile.h"

#include <linux/seccomp.h>
#include <seccomp.h>

#include <array>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "runtime/base/error.h"

namespace vessel::security {

namespace {

using Json = nlohmann::json;

struct Named {
    std::string_view name;
    std::uint32_t value;
};

// SCMP_ACT_NOTIFY is refused: it needs a listener process, which vessel
// does not run, and without one every matching call would block.
constexpr std::array kActions{
    Named{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},       Named{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    Named{"SCMP_ACT_KILL", SCMP_ACT_KILL},         Named{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    Named{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS}, Named{"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    Named{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},   Named{"SCMP_ACT_LOG", SCMP_ACT_LOG},
};

constexpr std::array kOps{
    Named{"SCMP_CMP_NE", SCMP_CMP_NE}, Named{"SCMP_CMP_LT", SCMP_CMP_LT},
    Named{"SCMP_CMP_LE", SCMP_CMP_LE}, Named{"SCMP_CMP_EQ", SCMP_CMP_EQ},
    Named{"SCMP_CMP_GE", SCMP_CMP_GE}, Named{"SCMP_CMP_GT", SCMP_CMP_GT},
    Named{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

// TSYNC is accepted and means nothing here: the filter is loaded by a
// process with one thread.
constexpr std::array kFlags{
    Named{"SECCOMP_FILTER_FLAG_TSYNC", 0},
    Named{"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    Named{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

class Parser {
public:
    explicit Parser(std::string_view origin) : origin_(origin) {}

    [[noreturn]] void fail(const std::string& field, const std::string& what) const
    {
        throw Error(ExitCode::InvalidValue, std::string(origin_) + ": " + field + ": " + what);
    }

    template <std::size_t N>
    std::uint32_t lookup(const std::array<Named, N>& table, const Json& v, const std::string& field,
                         std::string_view kind) const
    {
        const std::string s = text(v, field);
        for (const Named& n : table)
            if (n.name == s)
                return n.value;
        fail(field, "unknown " + std::string(kind) + " \"" + s + "\"");
    }

    // Calls f(item, "where.key[i]") for each item of the optional list
    // obj[key]; absent or null is an empty list.
    template <typename F>
    void each(const Json& obj, const char* key, const std::string& where, F&& f) const
    {
        if (!obj.contains(key) || obj[key].is_null())
            return;
        const Json& list = obj[key];
        const std::string field = where + key;
        if (!list.is_array())
            fail(field, "not a list");
        for (std::size_t i = 0; i < list.size(); ++i)
            f(list[i], field + "[" + std::to_string(i) + "]");
    }

    std::string text(const Json& v, const std::string& field) const
    {
        if (!v.is_string())
            fail(field, "not a string");
        return v.get<std::string>();
    }

    std::uint64_t number(const Json& v, const std::string& field, std::uint64_t max) const
    {
        if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max)
            fail(field, "not a number from 0 to " + std::to_string(max));
        return v.get<std::uint64_t>();
    }

    // An action with its errno (ERRNO) or message (TRACE) folded in, as
    // libseccomp encodes it; both default to EPERM, as in the OCI format.
    std::uint32_t action(const Json& obj, const char* action_key, const char* errno_key,
                         const std::string& where) const
    {
        const std::string field = where + action_key;
        if (!obj.contains(action_key))
            fail(field, "missing");
        if (obj[action_key] == "SCMP_ACT_NOTIFY")
            fail(field, "SCMP_ACT_NOTIFY needs a listener, which vessel does not provide");
        std::uint32_t a = lookup(kActions, obj[action_key], field, "action");
        std::uint32_t ret = EPERM;
        if (obj.contains(errno_key) && !obj[errno_key].is_null())
            ret = static_cast<std::uint32_t>(number(obj[errno_key], where + errno_key, 0xffff));
        if (a == SCMP_ACT_ERRNO(0))
            return SCMP_ACT_ERRNO(ret);
        if (a == SCMP_ACT_TRACE(0))
            return SCMP_ACT_TRACE(ret);
        return a;
    }

    std::uint32_t arch(const Json& v, const std::string& field) const
    {
        // SCMP_ARCH_X86_64 is libseccomp's "x86_64".
        std::string s = text(v, field);
        std::string name = s.starts_with("SCMP_ARCH_") ? s.substr(10) : std::string();
        for (char& c : name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::uint32_t token = name.empty() ? 0 : seccomp_arch_resolve_name(name.c_str());
        if (token == 0)
            fail(field, "unknown architecture \"" + s + "\"");
        return token;
    }

    void arches(const Json& doc, SeccompProfile& p) const
    {
        each(doc, "architectures", "", [&](const Json& a, const std::string& at) { p.arches.push_back(arch(a, at)); });
        // Docker's form: the entry of the native architecture, with the
        // ones it also runs.
        each(doc, "archMap", "", [&](const Json& entry, const std::string& at) {
            if (!entry.is_object() || !entry.contains("architecture"))
                fail(at, "not an object with \"architecture\"");
            if (arch(entry["architecture"], at + ".architecture") != seccomp_arch_native())
                return;
            p.arches.push_back(seccomp_arch_native());
            each(entry, "subArchitectures", at + ".",
                 [&](const Json& a, const std::string& sub) { p.arches.push_back(arch(a, sub)); });
        });
    }

    SeccompArg arg(const Json& a, const std::string& where) const
    {
        if (!a.is_object())
            fail(where, "not an object");
        SeccompArg out;
        out.index = static_cast<unsigned>(number(a.value("index", Json()), where + ".index", 5));
        out.value = number(a.value("value", Json()), where + ".value", UINT64_MAX);
        if (a.contains("valueTwo"))
            out.value_two = number(a["valueTwo"], where + ".valueTwo", UINT64_MAX);
        out.op = static_cast<int>(lookup(kOps, a.value("op", Json()), where + ".op", "operator"));
        return out;
    }

    SeccompRule rule(const Json& r, const std::string& where) const
    {
        if (!r.is_object())
            fail(where, "not an object");
        // Docker's conditions depend on the capabilities and kernel of the
        // daemon's host; a profile for vessel states its rules plainly.
        for (const char* cond : {"includes", "excludes"})
            if (r.contains(cond) && !r[cond].is_null() && !r[cond].empty())
                fail(where + "." + cond, "conditional rules are not supported; list the rules that apply");
        SeccompRule out;
        each(r, "names", where + ".", [&](const Json& n, const std::string& at) { out.names.push_back(text(n, at)); });
        if (r.contains("name"))  // the format's first version had one name per rule
            out.names.push_back(text(r["name"], where + ".name"));
        if (out.names.empty())
            fail(where + ".names", "missing or empty");
        out.action = action(r, "action", "errnoRet", where + ".");
        each(r, "args", where + ".", [&](const Json& a, const std::string& at) { out.args.push_back(arg(a, at)); });
        if (out.args.size() > 6)
            fail(where + ".args", "more than 6 comparisons");
        return out;
    }

    SeccompProfile profile(std::string_view text_) const
    {
        Json doc = Json::parse(text_.begin(), text_.end(), nullptr, false);
        if (doc.is_discarded() || !doc.is_object())
            throw Error(ExitCode::InvalidValue, std::string(origin_) + ": not a JSON object");
        SeccompProfile p;
        p.default_action = action(doc, "defaultAction", "defaultErrnoRet", "");
        arches(doc, p);
        each(doc, "flags", "", [&](const Json& f, const std::string& at) { p.flags |= lookup(kFlags, f, at, "flag"); });
        if (doc.contains("listenerPath") && doc["listenerPath"].is_string() && !doc["listenerPath"].empty())
            fail("listenerPath", "a notification listener is not supported");
        each(doc, "syscalls", "", [&](const Json& r, const std::string& at) { p.rules.push_back(rule(r, at)); });
        return p;
    }

private:
    std::string_view origin_;
};

}  // namespace

SeccompProfile parse_seccomp_profile(std::string_view json, std::string_view origin)
{
    return Parser(origin).profile(json);
}

std::vector<std::uint32_t> native_arch_family()
{
    const std::uint32_t native = seccomp_arch_native();
    if (native == SCMP_ARCH_X86_64)
        return {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};
    if (native == SCMP_ARCH_AARCH64)
        return {SCMP_ARCH_AARCH64, SCMP_ARCH_ARM};
    return {native};
}

std::string arch_name(std::uint32_t arch)
{
    switch (arch) {
    case SCMP_ARCH_X86_64:
        return "x86_64";
    case SCMP_ARCH_X86:
        return "x86";
    case SCMP_ARCH_X32:
        return "x32";
    case SCMP_ARCH_AARCH64:
        return "aarch64";
    case SCMP_ARCH_ARM:
        return "arm";
    default:
        return std::to_string(arch);
    }
}

}  // namespace vessel::security
