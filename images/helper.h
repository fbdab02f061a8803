// vessel-image: the program that does all the work on template archives
// (extraction, measuring, building with a recipe), so that vessel itself does
// not link libarchive. libarchive brings ten more shared libraries, and every
// short command (exec, start, stop) would load them for nothing (see
// docs/performance.md). This header is the whole interface between the two
// programs: vessel calls the functions below, and runtime/cli/image_main.cpp
// answers them.
//
//   vessel-image REPORT_FD VERBOSITY COMMAND ARG...
//
// REPORT_FD is the write end of a pipe. vessel-image writes its one reply line
// there (runtime/base/report.h). VERBOSITY is log::Level as a number.
// vessel-image uses vessel's stdin, stdout and stderr, so its messages
// ("Creating template busybox...") and the progress bar reach the operator as
// they are. vessel-image does not print its errors. The error goes into the
// reply, and vessel prints it once, with its own context in front, and exits
// with its code. vessel-image's exit status is the same code.
//
//   COMMAND and ARGs                    what it does                       reply
//   ensure CACHE_DIR NAME               find NAME in the cache, else       OK <bytes> <entries> <file name>
//                                       build it with its recipe; then
//                                       count its entries and data bytes
//   extract ARCHIVE TARGET_DIR BYTES    extract into the existing          OK
//                                       TARGET_DIR; a progress bar on a
//                                       terminal, BYTES being the total
//   build CACHE_DIR NAME                (re)build NAME with its recipe     OK <file name>
//
// A <file name> is the archive's name in CACHE_DIR ("busybox.tar.gz"). Errors
// from finding or building a template under `ensure` have "template NAME: " in
// front, as `vessel create` has always shown them.
//
// Interrupts: in vessel-image, SIGINT, SIGTERM and SIGHUP only raise a flag
// (InterruptGuard). `extract` stops at the next entry with "interrupted"
// (exit 3), and the vessel that started it removes what was extracted. vessel
// blocks these signals from the fork until vessel-image has installed its
// handlers, so none is lost or fatal on the way. It also passes on an
// interrupt that reached only itself (`kill PID` rather than Ctrl-C on the
// terminal, which signals both). vessel-image dies with its vessel
// (PR_SET_PDEATHSIG), so it never writes into a private area after the command
// that owns the area has gone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "images/archive.h"
#include "images/cache.h"

namespace vessel::images::helper {

inline constexpr std::string_view kProgram = "vessel-image";
inline constexpr std::string_view kEnsure = "ensure";
inline constexpr std::string_view kExtract = "extract";
inline constexpr std::string_view kBuild = "build";

// Each call below runs vessel-image once, from the directory vessel runs from,
// and waits for it. Its error is thrown here as the Error it was there (same
// code, same text). If vessel-image is missing or dies without a reply, the
// Error has exit code 3, or says "interrupted" if an interrupt had arrived.

struct Template {
    std::filesystem::path archive;  // in the cache's directory
    ArchiveStats stats;
};
Template ensure(const TemplateCache& cache, const std::string& name);

void extract(const std::filesystem::path& archive, const std::filesystem::path& target_dir,
             std::uint64_t total_bytes);

// The archive built.
std::filesystem::path build(const TemplateCache& cache, const std::string& name);

}  // namespace vessel::images::helper
