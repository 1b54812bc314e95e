// Buffered output files with errors that name the path (disk full, unwritable directory).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "canbao/core/status.h"

namespace canbao {

/// A file written through a 1 MiB stdio buffer; every failure is a Status naming the path.
class BufferedFile {
 public:
  BufferedFile() = default;
  BufferedFile(const BufferedFile&) = delete;
  BufferedFile& operator=(const BufferedFile&) = delete;
  ~BufferedFile();
  Status open(const std::string& path);
  Status write(std::string_view bytes);
  /// Flushes and closes; a failed flush (ENOSPC) is reported here.
  Status close();

 private:
  std::string path_;
  FILE* file_ = nullptr;
};

/// Writes `text` to `path` (created or truncated).
Status write_text_file(const std::string& path, std::string_view text);

}  // namespace canbao
