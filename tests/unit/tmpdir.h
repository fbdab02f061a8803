// A temporary directory for one test, removed (without following symlinks)
// when the test ends. A directory left read-only inside it, as an archive
// may extract one, is made writable first so that an unprivileged run can
// still empty it; a removal that fails anyway is a test failure.
#pragma once

#include <stdlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

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
        namespace stdfs = std::filesystem;
        std::error_code ec;
        for (auto it = stdfs::recursive_directory_iterator(path_, ec); !ec && it != stdfs::end(it); it.increment(ec))
            if (it->is_directory(ec) && !it->is_symlink(ec))
                stdfs::permissions(it->path(), stdfs::perms::owner_all, stdfs::perm_options::add, ec);
        try {
            fs::remove_tree(path_);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "cleanup of " << path_ << ": " << e.what();
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
