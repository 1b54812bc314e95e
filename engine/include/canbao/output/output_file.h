// Buffered output files with errors that name the path (disk full, unwritable directory).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "canbao/core/status.h"

namespace canbao {

/// The UTF-8 byte-order mark that `canbao run --bom` puts at the start of every CSV (issue #15:
/// Excel and WPS on Chinese Windows read a CSV without it as GBK).
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

/// A file written through a 1 MiB stdio buffer; every failure is a Status naming the path.
class BufferedFile {
 public:
  BufferedFile() = default;
  BufferedFile(const BufferedFile&) = delete;
  BufferedFile& operator=(const BufferedFile&) = delete;
  ~BufferedFile();
  /// Creates or truncates the file, mode 0600 (core/private_files.h); with `bom` it starts with
  /// kUtf8Bom.
  Status open(const std::string& path, bool bom = false);
  Status write(std::string_view bytes);
  /// Flushes and closes; a failed flush (ENOSPC) is reported here.
  Status close();

 private:
  std::string path_;
  FILE* file_ = nullptr;
};

/// Writes `text` to `path` (created or truncated), after kUtf8Bom when `bom`.
Status write_text_file(const std::string& path, std::string_view text, bool bom = false);

}  // namespace canbao
