// A vzctl-style configuration file: KEY="value" lines and # comments.
// Parsing keeps every line as it was, so an edit rewrites only the lines of
// the keys it changes and a file round-trips byte for byte.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vessel::config {

class ConfigFile {
public:
    struct Assignment {
        std::string key;
        std::string value;  // unquoted, escapes resolved
        int line;           // 1-based
    };

    ConfigFile() = default;

    // Throws Error(InvalidParameter) "ORIGIN:LINE: ..." for a line that is
    // neither blank, a comment nor KEY=value (bad key name, unterminated quote,
    // trailing garbage after a closing quote).
    static ConfigFile parse(std::string_view text, std::string origin);
    // Missing file: Error(CtConfigMissing) "PATH: not found" (callers override the code).
    static ConfigFile load(const std::filesystem::path& path);
    // Missing file: nullopt.
    static std::optional<ConfigFile> load_if_exists(const std::filesystem::path& path);

    // The last assignment of key wins, as in a shell.
    std::optional<std::string> get(std::string_view key) const;
    const Assignment* find(std::string_view key) const;
    std::vector<Assignment> assignments() const;  // in file order, every one

    // Rewrites the last assignment of key in place (KEY="value"); appends a
    // new line when the key is absent. Earlier duplicates are left alone.
    void set(std::string_view key, std::string_view value);
    // Removes every assignment of key; comments are kept.
    void erase(std::string_view key);

    const std::string& origin() const { return origin_; }
    std::string render() const;
    // Atomic: temporary file, fsync, rename.
    void save(const std::filesystem::path& path) const;

    // Quotes a value for writing: KEY="value" with " \ $ ` escaped.
    static std::string quote(std::string_view value);

private:
    struct Line {
        std::string text;              // exactly as read, without the newline
        std::optional<size_t> assign;  // index into assigns_
        // Where the value is written in text, quotes included, so set()
        // replaces just that and keeps indentation and a trailing comment.
        size_t value_begin = 0;
        size_t value_end = 0;
    };
    std::optional<size_t> last_index(std::string_view key) const;
    void renumber();
    std::vector<Line> lines_;
    std::vector<Assignment> assigns_;
    bool trailing_newline_ = true;
    std::string origin_;
};

}  // namespace vessel::config
