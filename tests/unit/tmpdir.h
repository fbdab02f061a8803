// A temporary directory for one test, removed (without following symlinks)
// when the test ends.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "runtime/base/fs.h"

namespace vessel::test {

class TmpDir {
public:
    TmpDir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "vessel-test-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TmpDir()
    {
        try {
            fs::remove_tree(path_);
        } catch (...) {
        }
    }
    TmpDir(const TmpDir&) = delete;
    TmpDir& operator=(const TmpDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

private:
    std::filesystem::path path_;
};

}  // namespace vessel::test
