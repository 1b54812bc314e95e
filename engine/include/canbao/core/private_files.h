// Files and directories that hold citizens' IDs (issue #14): every file canbao writes — index
// segments, links, index.json, the state, the outputs, the quarantine, the report, the workbooks —
// is created 0600 and every directory it creates 0700, whatever the process umask. The mode is set
// explicitly (open/mkdir with it, then fchmod/chmod, which the umask does not touch), so a file
// that already existed under the name (an older canbao's, say) is narrowed too.
// Directories and files that existed before are narrowed only where they are known to be
// canbao's (index/index_dir.cpp, state/state_store.cpp).
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "canbao/core/status.h"

namespace canbao {

inline constexpr mode_t kPrivateFileMode = 0600;
inline constexpr mode_t kPrivateDirMode = 0700;

/// ::open(path, flags | O_CREAT | O_CLOEXEC, 0600), then fchmod 0600. Returns the descriptor, or -1
/// with errno set.
int open_private_file(const std::string& path, int flags);

/// fopen(path, "wb") of a 0600 file (created or truncated). nullptr with errno set on failure.
std::FILE* fopen_private(const std::string& path);

/// Creates `dir` and any missing parent, each 0700. A directory that existed is left as it is: it
/// may be the user's (`--index .`); the caller narrows one it knows to be its own. The error names
/// the directory: "<dir>: cannot create <what>: <reason>".
Status make_private_dir(const std::string& dir, std::string_view what = "directory");

/// chmod 0600 of a file written by a library that creates it itself (libxlsxwriter). The error
/// names the file.
Status make_file_private(const std::string& path);

}  // namespace canbao
