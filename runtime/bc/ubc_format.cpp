#include "runtime/bc/ubc_format.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace vessel::bc {

namespace {

// The 64-bit OpenVZ kernel's formats (kernel/bc/proc.c): a 10-column uid,
// a ':' after it on a container's first row, a 12-column resource name and
// five 20-column numbers.
std::string header_line()
{
    char buf[160];
    std::snprintf(buf, sizeof buf, "%10s  %-12s %20s %20s %20s %20s %20s\n", "uid", "resource", "held", "maxheld",
                  "barrier", "limit", "failcnt");
    return buf;
}

std::string row_line(const std::string& uid, bool first, const UbcRow& r)
{
    char buf[200];
    std::snprintf(buf, sizeof buf, "%10s%c %-12s %20llu %20llu %20llu %20llu %20llu\n", first ? uid.c_str() : "",
                  first ? ':' : ' ', std::string(r.param->name).c_str(), static_cast<unsigned long long>(*r.held),
                  static_cast<unsigned long long>(*r.maxheld), static_cast<unsigned long long>(r.barrier),
                  static_cast<unsigned long long>(r.limit), static_cast<unsigned long long>(*r.failcnt));
    return buf;
}

nlohmann::ordered_json figure(const std::optional<std::uint64_t>& v)
{
    if (v)
        return *v;
    return nullptr;
}

}  // namespace

std::string format_ubc_text(const std::vector<CtRows>& cts)
{
    std::string out = "Version: 2.5\n" + header_line();
    for (const auto& ct : cts) {
        bool first = true;
        for (const auto& r : ct.rows) {
            if (!r.complete())
                continue;
            out += row_line(std::to_string(ct.ctid), first, r);
            first = false;
        }
    }
    return out;
}

std::string format_ubc_json(const std::vector<CtRows>& cts)
{
    auto arr = nlohmann::ordered_json::array();
    for (const auto& ct : cts) {
        nlohmann::ordered_json obj;
        obj["ctid"] = ct.ctid;
        for (const auto& r : ct.rows)
            obj[std::string(r.param->name)] = {{"held", figure(r.held)},       {"maxheld", figure(r.maxheld)},
                                               {"barrier", r.barrier},         {"limit", r.limit},
                                               {"failcnt", figure(r.failcnt)}};
        arr.push_back(std::move(obj));
    }
    return arr.dump(2) + "\n";
}

std::string format_ubc_explain(const std::vector<UbcRow>& rows)
{
    std::string out;
    for (const auto& r : rows) {
        char head[64];
        std::snprintf(head, sizeof head, "%-12s %-11s ", std::string(r.param->name).c_str(),
                      std::string(coverage_name(r.coverage)).c_str());
        out += head + r.how;
        if (r.coverage != Coverage::Unavailable) {
            out += "; held: " + (r.held_from.empty() ? std::string("unknown") : r.held_from);
            out += "; maxheld: " + r.maxheld_from;
            out += "; failcnt: " + r.failcnt_from;
            if (!r.failcnt_from.empty() && r.failcnt_from.starts_with("unknown"))
                out += " (so the row is left out of the text table)";
        } else {
            out += " (left out of the text table; null in JSON)";
        }
        out += "\n";
    }
    return out;
}

}  // namespace vessel::bc
