#include "canbao/output/output_file.h"

#include <cerrno>
#include <cstring>

#include "canbao/core/private_files.h"

namespace canbao {

BufferedFile::~BufferedFile() {
  if (file_) std::fclose(file_);
}

Status BufferedFile::open(const std::string& path, bool bom) {
  path_ = path;
  file_ = fopen_private(path);  // 0600: outputs hold citizens' IDs (issue #14)
  if (!file_) return Status::Error(path + ": cannot create output: " + std::strerror(errno));
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  if (bom) return write(kUtf8Bom);
  return Status::OK();
}

Status BufferedFile::write(std::string_view bytes) {
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
    return Status::Error(path_ + ": cannot write output: " + std::strerror(errno));
  return Status::OK();
}

Status BufferedFile::close() {
  FILE* file = file_;
  file_ = nullptr;
  if (file == nullptr || std::fclose(file) != 0)
    return Status::Error(path_ + ": cannot write output: " + std::strerror(errno));
  return Status::OK();
}

Status write_text_file(const std::string& path, std::string_view text, bool bom) {
  BufferedFile file;
  CANBAO_RETURN_IF_ERROR(file.open(path, bom));
  CANBAO_RETURN_IF_ERROR(file.write(text));
  return file.close();
}

}  // namespace canbao
