#include "canbao/serve/tokens.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "canbao/core/text.h"

namespace canbao {

namespace {

constexpr size_t kMaxSecretFileBytes = 1 << 20;

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_digest(std::string_view hex, std::array<unsigned char, 32>& digest) {
  if (hex.size() != 64) return false;
  for (size_t idx = 0; idx < 32; ++idx) {
    const int high = hex_value(hex[2 * idx]), low = hex_value(hex[2 * idx + 1]);
    if (high < 0 || low < 0) return false;
    digest[idx] = static_cast<unsigned char>(high * 16 + low);
  }
  return true;
}

/// Opens a secret file, checks that it is private and reads it whole.
Status read_private_file(const std::string& path, std::string_view what, std::string& text) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(std::string(what) + " " + path + ": cannot read: " + std::strerror(errno));
  Status status = check_private_file(fd, path);
  if (status.ok()) {
    char buffer[4096];
    ssize_t got;
    while ((got = ::read(fd, buffer, sizeof(buffer))) > 0 && text.size() <= kMaxSecretFileBytes)
      text.append(buffer, static_cast<size_t>(got));
    if (got < 0) status = Status::Error(std::string(what) + " " + path + ": cannot read: " + std::strerror(errno));
    else if (text.size() > kMaxSecretFileBytes)
      status = Status::Error(std::string(what) + " " + path + ": larger than 1 MiB: not a " + std::string(what));
  } else {
    status = Status::Error(std::string(what) + " " + status.message());
  }
  ::close(fd);
  return status;
}

}  // namespace

bool constant_time_equals(std::string_view presented, std::string_view expected) {
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t idx = 0; idx < expected.size(); ++idx) {
    const unsigned char have = idx < presented.size() ? static_cast<unsigned char>(presented[idx]) : 0;
    diff |= static_cast<unsigned char>(have ^ static_cast<unsigned char>(expected[idx]));
  }
  return diff == 0;
}

std::string sha256_hex(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (const unsigned char byte : sha256(text)) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 15]);
  }
  return hex;
}

Status check_private_file(int fd, const std::string& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return Status::Error(path + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return Status::Error(path + ": not a regular file");
  if (info.st_uid != ::geteuid())
    return Status::Error(path + ": owned by uid " + std::to_string(info.st_uid) +
                         ", not by the user running canbao (uid " + std::to_string(::geteuid()) +
                         "): a secret file must be the server user's own");
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return Status::Error(path + ": open to group or others (mode " + mode + "): run `chmod 600 " + path + "`");
  }
  return Status::OK();
}

bool valid_token_user(std::string_view user) {
  if (user.empty() || user.size() > 64) return false;
  for (const char c : user)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '@' || c == '-'))
      return false;
  return true;
}

Result<TokenStore> TokenStore::load_tokens_file(const std::string& path) {
  std::string text;
  CANBAO_RETURN_IF_ERROR(read_private_file(path, "tokens file", text));
  TokenStore store;
  size_t line_number = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string_view line = trim_ascii(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::string where = "tokens file " + path + ":" + std::to_string(line_number) + ": ";
    const size_t gap = line.find_first_of(" \t");
    const std::string_view user = line.substr(0, gap);
    const std::string_view hash = gap == std::string_view::npos ? std::string_view() : trim_ascii(line.substr(gap));
    if (hash.empty() || hash.find_first_of(" \t") != std::string_view::npos)
      return Status::Error(where + "expected `user sha256-hex-of-token` (two fields)");
    if (!valid_token_user(user))
      return Status::Error(where + "user name must be 1-64 characters of A-Z a-z 0-9 . _ @ -");
    for (const Entry& entry : store.entries_)
      if (entry.user == user) return Status::Error(where + "user '" + std::string(user) + "' is listed twice");
    std::array<unsigned char, 32> digest{};
    if (!parse_digest(hash, digest))
      return Status::Error(where + "the token's SHA-256 must be 64 hex digits (`canbao serve-token USER` makes a line)");
    for (const Entry& entry : store.entries_)
      if (entry.digest == digest)
        return Status::Error(where + "the same token as user '" + entry.user + "': every user needs a token of their own");
    store.entries_.push_back({std::string(user), digest});
  }
  if (store.entries_.empty()) return Status::Error("tokens file " + path + ": no `user sha256hex` line: nobody could ask");
  return store;
}

Result<TokenStore> TokenStore::load_token_file(const std::string& path) {
  std::string text;
  CANBAO_RETURN_IF_ERROR(read_private_file(path, "token file", text));
  const std::string_view token = trim_space(text);
  if (token.empty()) return Status::Error("token file " + path + ": empty");
  TokenStore store;
  store.add_token(kSingleTokenUser, token);
  return store;
}

bool TokenStore::add_hashed(std::string_view user, std::string_view sha256_hex_digest) {
  Entry entry{std::string(user), {}};
  if (!valid_token_user(user) || !parse_digest(sha256_hex_digest, entry.digest)) return false;
  entries_.push_back(std::move(entry));
  return true;
}

void TokenStore::add_token(std::string_view user, std::string_view token) {
  entries_.push_back({std::string(user), sha256(token)});
}

std::optional<std::string_view> TokenStore::authenticate(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  const std::array<unsigned char, 32> digest = sha256(token);
  const std::string_view presented(reinterpret_cast<const char*>(digest.data()), digest.size());
  const Entry* found = nullptr;
  for (const Entry& entry : entries_) {  // every entry, no early exit
    const bool same =
        constant_time_equals(presented, std::string_view(reinterpret_cast<const char*>(entry.digest.data()), 32));
    if (same) found = &entry;
  }
  if (!found) return std::nullopt;
  return std::string_view(found->user);
}

std::optional<std::string_view> TokenStore::authenticate_header(std::string_view authorization) const {
  authorization = trim_ascii(authorization);
  constexpr std::string_view kBearer = "bearer";
  if (authorization.size() <= kBearer.size() + 1) return std::nullopt;
  for (size_t idx = 0; idx < kBearer.size(); ++idx)
    if ((authorization[idx] | 0x20) != kBearer[idx]) return std::nullopt;
  if (authorization[kBearer.size()] != ' ') return std::nullopt;
  return authenticate(trim_ascii(authorization.substr(kBearer.size() + 1)));
}

Result<NewToken> make_token(std::string_view user) {
  if (!valid_token_user(user))
    return Status::Error("serve-token: user name must be 1-64 characters of A-Z a-z 0-9 . _ @ -");
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return Status::Error("serve-token: no random bytes from OpenSSL");
  static constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  NewToken made;
  uint32_t bits = 0;
  int held = 0;
  for (const unsigned char byte : bytes) {
    bits = (bits << 8) | byte;
    held += 8;
    while (held >= 6) {
      held -= 6;
      made.token.push_back(kBase64Url[(bits >> held) & 63]);
    }
  }
  if (held > 0) made.token.push_back(kBase64Url[(bits << (6 - held)) & 63]);
  made.line = std::string(user) + "\t" + sha256_hex(made.token);
  return made;
}

}  // namespace canbao
