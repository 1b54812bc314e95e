#include "canbao/serve/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "canbao/core/text.h"
#include "canbao/serve/tokens.h"

namespace canbao {

namespace {

constexpr size_t kMinMaskedRun = 15;  // a legacy 15-digit number is an ID too

/// Bytes of the ID character at text[pos] (digit, X/x, full-width digit, Ｘ/ｘ), or 0.
size_t id_char_length(std::string_view text, size_t pos) {
  const auto c = static_cast<unsigned char>(text[pos]);
  if ((c >= '0' && c <= '9') || c == 'X' || c == 'x') return 1;
  if (c == 0xEF && pos + 2 < text.size()) {
    const auto second = static_cast<unsigned char>(text[pos + 1]);
    const auto third = static_cast<unsigned char>(text[pos + 2]);
    if (second == 0xBC && ((third >= 0x90 && third <= 0x99) || third == 0xB8)) return 3;  // ０–９, Ｘ
    if (second == 0xBD && third == 0x98) return 3;                                        // ｘ
  }
  return 0;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode_once(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (text[pos] == '%' && pos + 2 < text.size()) {
      const int high = hex_digit(text[pos + 1]), low = hex_digit(text[pos + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        pos += 2;
        continue;
      }
    }
    out.push_back(text[pos]);
  }
  return out;
}

}  // namespace

std::string mask_citizen_ids(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = pos, count = 0;
    for (size_t len; end < text.size() && (len = id_char_length(text, end)) > 0; end += len) ++count;
    if (count == 0) {
      out.push_back(text[pos++]);
      continue;
    }
    const std::string_view run = text.substr(pos, end - pos);
    if (count >= kMinMaskedRun) out += mask_id(run);
    else out.append(run);
    pos = end;
  }
  return out;
}

std::string percent_decode_fully(std::string_view text) {
  std::string current(text);
  for (;;) {
    std::string next = percent_decode_once(current);
    if (next == current) return current;
    current = std::move(next);
  }
}

std::string escape_log_field(std::string_view text) {
  if (text.empty()) return "-";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : mask_citizen_ids(text)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c > 0x20 && c < 0x7F && c != '\\') {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string loggable_target(std::string_view raw_target) { return escape_log_field(percent_decode_fully(raw_target)); }

std::string format_audit_line(const AuditEntry& entry) {
  const auto since_epoch = entry.when.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t time = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  ::gmtime_r(&time, &utc);
  char stamp[96];
  std::snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  char latency[32];
  std::snprintf(latency, sizeof(latency), "%.3fms", entry.latency_ms < 0 ? 0.0 : entry.latency_ms);
  std::string line = stamp;
  line += ' ';
  line += escape_log_field(entry.user);
  line += ' ';
  line += escape_log_field(entry.client);
  line += ' ';
  line += escape_log_field(entry.method);
  line += ' ';
  line += loggable_target(entry.target);
  line += ' ';
  line += entry.status > 0 ? std::to_string(entry.status) : std::string("-");
  line += ' ';
  line += latency;
  line += '\n';
  return line;
}

std::shared_ptr<AuditLog> AuditLog::to_stderr() { return std::shared_ptr<AuditLog>(new AuditLog(2, false, "stderr")); }

Result<std::shared_ptr<AuditLog>> AuditLog::open_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Error("audit log " + path + ": cannot open for appending: " + std::strerror(errno));
  if (Status status = check_private_file(fd, path); !status.ok()) {
    ::close(fd);
    return Status::Error("audit log " + status.message());
  }
  return std::shared_ptr<AuditLog>(new AuditLog(fd, true, path));
}

AuditLog::~AuditLog() {
  if (owned_) ::close(fd_);
}

void AuditLog::write(const AuditEntry& entry) {
  const std::string line = format_audit_line(entry);
  const std::lock_guard<std::mutex> lock(mutex_);
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t wrote = ::write(fd_, line.data() + done, line.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      if (!failed_) {
        failed_ = true;
        const std::string note = "canbao serve: audit log " + name_ + ": write failed (" + std::strerror(errno) +
                                 "); requests are still answered\n";
        if (fd_ != 2) {
          const ssize_t ignored = ::write(2, note.data(), note.size());
          (void)ignored;
        }
      }
      return;
    }
    done += static_cast<size_t>(wrote);
  }
}

}  // namespace canbao
