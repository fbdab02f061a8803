#include "runtime/config/config_file.h"

#include <sys/stat.h>

#include <cerrno>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"

namespace vessel::config {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

bool is_key_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }

bool is_key_char(char c) { return is_key_start(c) || (c >= '0' && c <= '9'); }

bool valid_key(std::string_view key)
{
    if (key.empty() || !is_key_start(key[0]))
        return false;
    for (char c : key)
        if (!is_key_char(c))
            return false;
    return true;
}

// Characters that would make a shell sourcing the file do something other
// than assign a value; an unquoted value stops at them.
bool is_shell_special(char c)
{
    return c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')' || c == '`';
}

// Inside double quotes a backslash escapes only these, as in sh.
bool escapable_in_dquotes(char c) { return c == '"' || c == '\\' || c == '$' || c == '`'; }

struct ParsedLine {
    std::string key;
    std::string value;
    size_t value_begin;
    size_t value_end;
};

class LineParser {
public:
    LineParser(std::string_view text, const std::string& origin, int lineno)
        : text_(text), origin_(origin), lineno_(lineno)
    {
    }

    // nullopt for blank and comment lines.
    std::optional<ParsedLine> parse()
    {
        skip_blanks();
        if (pos_ == text_.size() || text_[pos_] == '#')
            return std::nullopt;

        size_t key_begin = pos_;
        while (pos_ < text_.size() && text_[pos_] != '=' && !is_blank(text_[pos_]))
            ++pos_;
        if (pos_ == text_.size() || text_[pos_] != '=')
            fail("expected KEY=\"value\"");
        ParsedLine out;
        out.key = std::string(text_.substr(key_begin, pos_ - key_begin));
        if (!valid_key(out.key))
            fail("\"" + out.key + "\": invalid key name");
        ++pos_;

        out.value_begin = pos_;
        out.value = parse_value(out.key);
        out.value_end = pos_;

        skip_blanks();
        if (pos_ != text_.size() && !(text_[pos_] == '#' && pos_ > out.value_end))
            fail(out.key + ": unexpected text after the value");
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& what) const
    {
        std::string where = origin_.empty() ? "line " + std::to_string(lineno_)
                                            : origin_ + ":" + std::to_string(lineno_);
        throw Error(ExitCode::InvalidParameter, where + ": " + what);
    }

    void skip_blanks()
    {
        while (pos_ < text_.size() && is_blank(text_[pos_]))
            ++pos_;
    }

    // A shell word: unquoted runs, "..." and '...' pieces, back to back.
    std::string parse_value(const std::string& key)
    {
        std::string value;
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (is_blank(c) || is_shell_special(c))
                break;
            if (c == '"') {
                double_quoted(key, value);
            } else if (c == '\'') {
                single_quoted(key, value);
            } else if (c == '\\') {
                if (pos_ + 1 == text_.size())
                    fail(key + ": line ends with a backslash");
                value += text_[pos_ + 1];
                pos_ += 2;
            } else {
                value += c;
                ++pos_;
            }
        }
        return value;
    }

    void double_quoted(const std::string& key, std::string& value)
    {
        for (++pos_; pos_ < text_.size(); ++pos_) {
            char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                return;
            }
            if (c == '\\' && pos_ + 1 < text_.size() && escapable_in_dquotes(text_[pos_ + 1]))
                c = text_[++pos_];
            value += c;
        }
        fail(key + ": unterminated quote");
    }

    void single_quoted(const std::string& key, std::string& value)
    {
        size_t close = text_.find('\'', pos_ + 1);
        if (close == std::string_view::npos)
            fail(key + ": unterminated quote");
        value.append(text_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = close + 1;
    }

    std::string_view text_;
    const std::string& origin_;
    int lineno_;
    size_t pos_ = 0;
};

}  // namespace

ConfigFile ConfigFile::parse(std::string_view text, std::string origin)
{
    ConfigFile f;
    f.origin_ = std::move(origin);
    if (text.empty())
        return f;
    f.trailing_newline_ = text.back() == '\n';
    if (f.trailing_newline_)
        text.remove_suffix(1);
    for (size_t start = 0;;) {
        size_t end = text.find('\n', start);
        std::string_view piece = text.substr(start, end == std::string_view::npos ? end : end - start);
        Line line;
        line.text = std::string(piece);
        int lineno = static_cast<int>(f.lines_.size()) + 1;
        if (auto parsed = LineParser(piece, f.origin_, lineno).parse()) {
            line.assign = f.assigns_.size();
            line.value_begin = parsed->value_begin;
            line.value_end = parsed->value_end;
            f.assigns_.push_back({std::move(parsed->key), std::move(parsed->value), lineno});
        }
        f.lines_.push_back(std::move(line));
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    return f;
}

ConfigFile ConfigFile::load(const std::filesystem::path& path)
{
    auto f = load_if_exists(path);
    if (!f)
        throw Error(ExitCode::CtConfigMissing, path.string() + ": not found");
    return std::move(*f);
}

std::optional<ConfigFile> ConfigFile::load_if_exists(const std::filesystem::path& path)
{
    auto text = fs::read_file(path);
    if (!text)
        return std::nullopt;
    return parse(*text, path.string());
}

std::optional<size_t> ConfigFile::last_index(std::string_view key) const
{
    for (size_t i = assigns_.size(); i-- > 0;)
        if (assigns_[i].key == key)
            return i;
    return std::nullopt;
}

const ConfigFile::Assignment* ConfigFile::find(std::string_view key) const
{
    auto i = last_index(key);
    return i ? &assigns_[*i] : nullptr;
}

std::optional<std::string> ConfigFile::get(std::string_view key) const
{
    if (const Assignment* a = find(key))
        return a->value;
    return std::nullopt;
}

std::vector<ConfigFile::Assignment> ConfigFile::assignments() const { return assigns_; }

void ConfigFile::set(std::string_view key, std::string_view value)
{
    if (!valid_key(key))
        throw Error(ExitCode::InvalidParameter, "\"" + std::string(key) + "\": invalid key name");
    // A newline cannot be written inside a one-line assignment.
    if (value.find('\n') != std::string_view::npos)
        throw Error(ExitCode::InvalidValue, std::string(key) + ": value contains a newline");

    std::string quoted = quote(value);
    if (auto i = last_index(key)) {
        Assignment& a = assigns_[*i];
        Line& line = lines_[static_cast<size_t>(a.line - 1)];
        line.text.replace(line.value_begin, line.value_end - line.value_begin, quoted);
        line.value_end = line.value_begin + quoted.size();
        a.value = std::string(value);
        return;
    }
    Line line;
    line.text = std::string(key) + "=" + quoted;
    line.assign = assigns_.size();
    line.value_begin = key.size() + 1;
    line.value_end = line.text.size();
    lines_.push_back(std::move(line));
    assigns_.push_back({std::string(key), std::string(value), static_cast<int>(lines_.size())});
    trailing_newline_ = true;
}

void ConfigFile::erase(std::string_view key)
{
    std::erase_if(lines_, [&](const Line& l) { return l.assign && assigns_[*l.assign].key == key; });
    renumber();
}

void ConfigFile::renumber()
{
    std::vector<Assignment> kept;
    for (size_t n = 0; n < lines_.size(); ++n) {
        Line& l = lines_[n];
        if (!l.assign)
            continue;
        Assignment a = std::move(assigns_[*l.assign]);
        a.line = static_cast<int>(n) + 1;
        l.assign = kept.size();
        kept.push_back(std::move(a));
    }
    assigns_ = std::move(kept);
}

std::string ConfigFile::render() const
{
    std::string out;
    for (size_t i = 0; i < lines_.size(); ++i) {
        out += lines_[i].text;
        if (i + 1 < lines_.size() || trailing_newline_)
            out += '\n';
    }
    return out;
}

void ConfigFile::save(const std::filesystem::path& path) const
{
    // Keep the mode an operator gave the file (a config holding secrets may be 0600).
    mode_t mode = 0644;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0)
        mode = st.st_mode & 07777;
    else if (errno != ENOENT)
        throw_errno("stat " + path.string());
    fs::write_file_atomic(path, render(), mode);
}

std::string ConfigFile::quote(std::string_view value)
{
    std::string out = "\"";
    for (char c : value) {
        if (escapable_in_dquotes(c))
            out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace vessel::config
