// Errors on data paths are values (STYLE.md): a Status is OK or carries one human-readable line
// such as "tax.ndjson:12: reason".
#pragma once

#include <string>
#include <utility>

namespace canbao {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status OK() { return Status(); }
  static Status Error(std::string message) {
    Status status;
    status.ok_ = false;
    status.message_ = std::move(message);
    return status;
  }
  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }

 private:
  bool ok_ = true;
  std::string message_;
};

#define CANBAO_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::canbao::Status canbao_status_ = (expr); \
    if (!canbao_status_.ok()) return canbao_status_; \
  } while (0)

}  // namespace canbao
