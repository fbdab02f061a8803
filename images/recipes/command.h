// Internal to the recipes: running the host programs a recipe is built from
// (busybox, debootstrap). Only full paths; no shell in between.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vessel::images::detail {

// Runs argv with stdin from /dev/null and returns what it wrote to stdout.
// Error if it cannot be started or does not exit with status 0.
std::string capture_output(const std::vector<std::string>& argv);

// Runs argv with stdin from /dev/null. Its stdout and stderr go to log_file
// when one is given (the error then quotes the log's last lines), else to
// ours. Error unless it exits with status 0.
void run_logged(const std::vector<std::string>& argv, const std::filesystem::path& log_file);

}  // namespace vessel::images::detail
