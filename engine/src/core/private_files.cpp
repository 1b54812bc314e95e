#include "canbao/core/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace canbao {

int open_private_file(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CREAT | O_CLOEXEC, kPrivateFileMode);
  if (fd < 0) return -1;
  if (::fchmod(fd, kPrivateFileMode) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

std::FILE* fopen_private(const std::string& path) {
  const int fd = open_private_file(path, O_WRONLY | O_TRUNC);
  if (fd < 0) return nullptr;
  std::FILE* file = ::fdopen(fd, "wb");
  if (file == nullptr) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
  }
  return file;
}

Status make_private_dir(const std::string& dir, std::string_view what) {
  namespace fs = std::filesystem;
  const std::string cannot = ": cannot create " + std::string(what) + ": ";
  if (dir.empty()) return Status::Error("cannot create " + std::string(what) + " without a name");
  // Parents first, each created 0700 (mkdir's mode is narrowed by the umask, so chmod follows).
  fs::path built;
  for (const fs::path& part : fs::path(dir).lexically_normal()) {
    if (part.empty()) continue;
    built /= part;
    if (::mkdir(built.c_str(), kPrivateDirMode) == 0) {
      if (::chmod(built.c_str(), kPrivateDirMode) != 0)
        return Status::Error(built.string() + ": cannot set the directory's mode: " + std::strerror(errno));
    } else if (errno != EEXIST) {
      return Status::Error(built.string() + cannot + std::strerror(errno));
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Status::Error(dir + cannot + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return Status::Error(dir + cannot + "a file of that name exists");
  return Status::OK();
}

Status make_file_private(const std::string& path) {
  if (::chmod(path.c_str(), kPrivateFileMode) != 0)
    return Status::Error(path + ": cannot set the file's mode: " + std::strerror(errno));
  return Status::OK();
}

}  // namespace canbao
