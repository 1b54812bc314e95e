// Who may ask `canbao serve` (issue #14): per-user bearer tokens. The tokens file holds one line
// per user, `user<TAB or spaces>sha256-hex-of-token` (blank lines and `#` comments allowed), so the
// file never holds a token itself; it must be private to the user running the server (a regular
// file owned by them, no group or other permission bits). A request's `Authorization: Bearer
// <token>` is hashed and compared with every entry in constant time.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/core/status.h"

namespace canbao {

/// Compares a presented secret with the expected one in time that depends only on the expected
/// secret's length (no early exit on the first differing byte).
bool constant_time_equals(std::string_view presented, std::string_view expected);

/// SHA-256 of `text` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view text);

/// Refuses a secret file that others could read or change: `fd` (opened from `path`) must be a
/// regular file owned by the effective user, with no group or other permission bits (0600 or
/// 0400). One line naming the file, its mode or owner, and the `chmod` that mends it.
Status check_private_file(int fd, const std::string& path);

class TokenStore {
 public:
  /// The user a request's single `--token-file` token (issue #5) is logged as.
  static constexpr std::string_view kSingleTokenUser = "token-file";

  /// `--tokens-file`: `user sha256hex` lines (see above). Errors name the file and line: a user
  /// name outside [A-Za-z0-9._@-]{1,64}, a hash that is not 64 hex digits, a user or a hash given
  /// twice, no entry at all, a file that is not private.
  static Result<TokenStore> load_tokens_file(const std::string& path);
  /// `--token-file` (issue #5): one token, the file's content trimmed; also private; empty refused.
  static Result<TokenStore> load_token_file(const std::string& path);

  /// Adds a user with the SHA-256 (64 hex digits) of their token; false when malformed.
  bool add_hashed(std::string_view user, std::string_view sha256_hex_digest);
  /// Adds a user with their token in clear (tests; the single token file).
  void add_token(std::string_view user, std::string_view token);

  /// The user whose token this is, or nullopt. Hashes `token` once and compares the digest with
  /// every entry without an early exit.
  std::optional<std::string_view> authenticate(std::string_view token) const;
  /// The user of an `Authorization` header value `Bearer <token>` (scheme case-insensitive).
  std::optional<std::string_view> authenticate_header(std::string_view authorization) const;

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::string user;
    std::array<unsigned char, 32> digest{};
  };
  std::vector<Entry> entries_;
};

/// True when `user` may name a user in a tokens file: 1–64 characters of [A-Za-z0-9._@-].
bool valid_token_user(std::string_view user);

/// A fresh token for `user` (32 random bytes, base64url, 43 characters) and the tokens-file line
/// that admits it (`user<TAB>sha256hex`). `canbao serve-token USER` prints both, the token once.
struct NewToken {
  std::string token;
  std::string line;
};
Result<NewToken> make_token(std::string_view user);

}  // namespace canbao
