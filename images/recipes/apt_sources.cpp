#include "images/recipes/apt_sources.h"

#include <algorithm>
#include <cctype>
#include <system_error>

#include "runtime/base/fs.h"

namespace vessel::images {

namespace {

namespace stdfs = std::filesystem;

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string> words(std::string_view s)
{
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i]))
            ++i;
        size_t start = i;
        while (i < s.size() && !is_space(s[i]))
            ++i;
        if (i > start)
            out.emplace_back(s.substr(start, i - start));
    }
    return out;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s)
{
    return std::find(v.begin(), v.end(), s) != v.end();
}

// debootstrap fetches over these; apt's own transports (mirror+, tor+,
// cdrom:) mean nothing to it.
bool usable_uri(std::string_view uri)
{
    return uri.starts_with("http://") || uri.starts_with("https://") || uri.starts_with("file:/");
}

void collect_stanza(const std::vector<std::pair<std::string, std::string>>& fields, std::vector<AptSource>& out)
{
    std::vector<std::string> types, uris, suites, components;
    bool enabled = true;
    for (const auto& [key, value] : fields) {
        if (key == "types")
            types = words(value);
        else if (key == "uris")
            uris = words(value);
        else if (key == "suites")
            suites = words(value);
        else if (key == "components")
            components = words(value);
        else if (key == "enabled")
            enabled = lower(trim(value)) != "no";
    }
    if (!enabled || !contains(types, "deb"))
        return;
    for (auto& uri : uris)
        out.push_back(AptSource{uri, suites, components});
}

}  // namespace

std::vector<AptSource> parse_sources_list(std::string_view text)
{
    std::vector<AptSource> out;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (size_t hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash);
        line = trim(line);
        if (!line.starts_with("deb") || line.size() < 4 || !is_space(line[3]))
            continue;  // also drops deb-src
        line = trim(line.substr(3));
        if (line.starts_with('[')) {
            size_t close = line.find(']');
            if (close == std::string_view::npos)
                continue;
            line = trim(line.substr(close + 1));
        }
        auto w = words(line);
        if (w.size() < 2)
            continue;
        AptSource src{w[0], {w[1]}, {}};
        src.components.assign(w.begin() + 2, w.end());
        out.push_back(std::move(src));
    }
    return out;
}

std::vector<AptSource> parse_deb822_sources(std::string_view text)
{
    std::vector<AptSource> out;
    std::vector<std::pair<std::string, std::string>> fields;
    while (true) {
        size_t nl = text.find('\n');
        bool last = nl == std::string_view::npos;
        std::string_view line = text.substr(0, nl);
        text = last ? std::string_view{} : text.substr(nl + 1);

        if (trim(line).empty()) {
            collect_stanza(fields, out);
            fields.clear();
        } else if (line.front() == '#') {
            // comment lines may sit anywhere, even inside a stanza
        } else if (is_space(line.front())) {
            if (!fields.empty())
                fields.back().second += " " + std::string(trim(line));
        } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
            fields.emplace_back(lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
        }
        if (last)
            break;
    }
    collect_stanza(fields, out);
    return out;
}

std::optional<std::string> find_apt_mirror(const stdfs::path& apt_dir, std::string_view suite)
{
    std::vector<AptSource> sources;
    if (auto main = fs::read_file(apt_dir / "sources.list"))
        sources = parse_sources_list(*main);

    std::vector<stdfs::path> parts;
    std::error_code ec;
    for (const auto& de : stdfs::directory_iterator(apt_dir / "sources.list.d", ec)) {
        std::string name = de.path().filename().string();
        if (name.ends_with(".list") || name.ends_with(".sources"))
            parts.push_back(de.path());
    }
    std::sort(parts.begin(), parts.end());
    for (const auto& p : parts) {
        auto text = fs::read_file(p);
        if (!text)
            continue;
        auto more = p.extension() == ".list" ? parse_sources_list(*text) : parse_deb822_sources(*text);
        sources.insert(sources.end(), more.begin(), more.end());
    }

    for (const auto& s : sources)
        if (usable_uri(s.uri) && contains(s.suites, suite) && contains(s.components, "main"))
            return s.uri;
    return std::nullopt;
}

}  // namespace vessel::images
