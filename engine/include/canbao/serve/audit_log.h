// The audit log of `canbao serve` (issue #14): one line per request — also for a 401, a 404, a
// malformed request the server refuses before routing, a deadline or a refused connection:
//
//   2026-05-20T08:15:02.417Z alice 127.0.0.1:50412 GET /v1/persons/350203********8738 200 0.412ms
//
// fields separated by one space: the request's arrival (ISO-8601 UTC, milliseconds), the user
// whose token it carried (`-` when none matched), the client address and port, the method, the
// request target (percent-decoded until it no longer changes), the status (`-` when none was
// sent) and the latency from the request's first byte to its answer being ready (the line is
// written before the answer, so no client has an answer without its line). Every run of 15 or
// more ID characters (digits, X, their full-width forms) in any field is masked as SPEC §6
// `id_masked`, so no field ever holds a full citizen ID; every byte outside printable ASCII (and
// space and `\`) is written as `\xNN`, so a request cannot forge or break a line. Bodies are
// never logged.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "canbao/core/status.h"

namespace canbao {

/// Masks every maximal run of ID characters (ASCII digits and X/x, full-width digits and Ｘ/ｘ)
/// that is 15 or more characters long — a legacy 15-digit number, 17 digits, an 18-character ID,
/// or several run together — as SPEC §6 `id_masked` (the first 6 and last 4 characters kept).
std::string mask_citizen_ids(std::string_view text);

/// Percent-decodes `text` again and again until it no longer changes (`%2533` → `%33` → `3`):
/// the form in which an ID sent encoded, once or many times, is masked.
std::string percent_decode_fully(std::string_view text);

/// One log field: citizen IDs masked, then every byte outside 0x21–0x7E and `\` written as
/// `\xNN` (so a space, a line break or an escape sequence cannot reach the log as itself); an
/// empty field is `-`.
std::string escape_log_field(std::string_view text);

/// A request target as logged: percent_decode_fully, then mask and escape.
std::string loggable_target(std::string_view raw_target);

struct AuditEntry {
  std::chrono::system_clock::time_point when;  // the request's first byte
  std::string_view user;     // empty: no token matched
  std::string_view client;   // 127.0.0.1:50412, [::1]:50412
  std::string_view method;   // raw; empty when unknown
  std::string_view target;   // raw request target; empty when unknown
  int status = 0;            // 0: no answer was sent
  double latency_ms = 0;     // first byte to the answer ready to write
};

/// The entry as one line, `\n` included.
std::string format_audit_line(const AuditEntry& entry);

class AuditLog {
 public:
  /// Lines on stderr.
  static std::shared_ptr<AuditLog> to_stderr();
  /// Appends to `path`, created with mode 0600; an existing file must be private (tokens.h
  /// check_private_file): the log holds who asked for whom.
  static Result<std::shared_ptr<AuditLog>> open_file(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  /// Writes one line (one write(2) under a mutex: lines never interleave). A failed write is
  /// said once on stderr; serving goes on.
  void write(const AuditEntry& entry);

 private:
  AuditLog(int fd, bool owned, std::string name) : fd_(fd), owned_(owned), name_(std::move(name)) {}
  int fd_;
  bool owned_;
  std::string name_;
  std::mutex mutex_;
  bool failed_ = false;
};

}  // namespace canbao
