#include "runtime/lifecycle/identity_text.h"

#include <algorithm>

#include "runtime/config/values.h"

namespace vessel::lifecycle {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Lines without their '\n'; a last line without one counts as a line.
std::vector<std::string_view> lines(std::string_view text)
{
    std::vector<std::string_view> out;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos)
            break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

// The first word of a resolv.conf line, "" for blank lines and comments
// (';' or '#' in the first column, as the resolver reads them).
std::string_view keyword(std::string_view line)
{
    if (!line.empty() && (line.front() == '#' || line.front() == ';'))
        return {};
    auto w = config::split_words(line);
    return w.empty() ? std::string_view() : w.front();
}

bool ends_with_tag(std::string_view line)
{
    while (!line.empty() && (is_blank(line.back()) || line.back() == '\r'))
        line.remove_suffix(1);
    return line.ends_with(kOwnNameTag);
}

bool is_own_line(std::string_view line)
{
    if (ends_with_tag(line))
        return true;
    auto w = config::split_words(line);
    return !w.empty() && w.front() == kOwnNameAddress;
}

std::string join(const std::vector<std::string_view>& out)
{
    std::string text;
    for (auto l : out) {
        text += l;
        text += '\n';
    }
    return text;
}

}  // namespace

std::string hostname_file(std::string_view hostname) { return std::string(hostname) + "\n"; }

std::string hosts_with_name(std::string_view hosts, std::string_view hostname, std::string_view address)
{
    std::string own = std::string(address) + "\t" + std::string(hostname);
    if (auto dot = hostname.find('.'); dot != std::string_view::npos && dot > 0)
        own += " " + std::string(hostname.substr(0, dot));
    own += "\t" + std::string(kOwnNameTag);

    std::vector<std::string_view> out;
    bool placed = false;
    for (auto line : lines(hosts)) {
        if (!is_own_line(line)) {
            out.push_back(line);
        } else if (!placed) {
            out.push_back(own);
            placed = true;
        }
    }
    if (!placed)
        out.push_back(own);
    return join(out);
}

std::string resolv_with(std::string_view resolv, const std::optional<std::vector<std::string>>& nameservers,
                        const std::optional<std::vector<std::string>>& searchdomains)
{
    std::vector<std::string> server_lines;
    if (nameservers)
        for (const auto& s : *nameservers)
            server_lines.push_back("nameserver " + s);
    std::vector<std::string> search_lines;
    if (searchdomains && !searchdomains->empty()) {
        std::string l = "search";
        for (const auto& d : *searchdomains)
            l += " " + d;
        search_lines.push_back(l);
    }

    std::vector<std::string_view> out;
    bool servers_placed = false, search_placed = false;
    auto place = [&out](const std::vector<std::string>& what, bool& placed) {
        if (placed)
            return;
        out.insert(out.end(), what.begin(), what.end());
        placed = true;
    };
    for (auto line : lines(resolv)) {
        auto kw = keyword(line);
        if (nameservers && kw == "nameserver")
            place(server_lines, servers_placed);
        else if (searchdomains && (kw == "search" || kw == "domain"))
            place(search_lines, search_placed);
        else
            out.push_back(line);
    }
    if (searchdomains)
        place(search_lines, search_placed);
    if (nameservers)
        place(server_lines, servers_placed);
    return join(out);
}

std::vector<std::string> resolv_nameservers(std::string_view resolv)
{
    std::vector<std::string> out;
    for (auto line : lines(resolv)) {
        auto w = config::split_words(line);
        if (keyword(line) == "nameserver" && w.size() >= 2)
            out.emplace_back(w[1]);
    }
    return out;
}

std::vector<std::string> resolv_searchdomains(std::string_view resolv)
{
    std::vector<std::string> out;
    for (auto line : lines(resolv)) {
        auto kw = keyword(line);
        if (kw != "search" && kw != "domain")
            continue;
        auto w = config::split_words(line);
        out.assign(w.begin() + 1, w.end());
    }
    return out;
}

std::optional<std::vector<std::string>> expand_inherit(std::string_view value,
                                                       const std::vector<std::string>& host_values)
{
    std::vector<std::string> out;
    auto add = [&out](std::string_view v) {
        if (std::find(out.begin(), out.end(), v) == out.end())
            out.emplace_back(v);
    };
    for (auto w : config::split_words(value)) {
        if (w == "inherit")
            for (const auto& h : host_values)
                add(h);
        else
            add(w);
    }
    if (out.empty())
        return std::nullopt;
    return out;
}

}  // namespace vessel::lifecycle
