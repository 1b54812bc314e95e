// Errors on data paths are values (STYLE.md): a Status is OK or carries one human-readable line
// such as "tax.ndjson:12: reason".
#pragma once

#include <cstdlib>
#include <optional>
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

/// A value or the error that prevented it (Arrow's arrow::Result is the model). value() on an
/// error is a programming error and aborts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, as `return value;`
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit, as `return error;`
    if (status_.ok()) status_ = Status::Error("internal error: Result built from an OK status");
  }
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &value(); }

 private:
  T& checked() {
    if (!value_) std::abort();
    return *value_;
  }
  Status status_;  // OK when value_ is set
  std::optional<T> value_;
};

#define CANBAO_CONCAT_INNER_(a, b) a##b
#define CANBAO_CONCAT_(a, b) CANBAO_CONCAT_INNER_(a, b)
#define CANBAO_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                  \
  if (!result.ok()) return result.status();              \
  lhs = std::move(result).value()

/// `CANBAO_ASSIGN_OR_RETURN(auto x, f());`: x = the value of f(), or return f()'s error.
#define CANBAO_ASSIGN_OR_RETURN(lhs, expr) \
  CANBAO_ASSIGN_OR_RETURN_IMPL_(CANBAO_CONCAT_(canbao_result_, __LINE__), lhs, expr)

}  // namespace canbao
