// Helpers of the `canbao serve` tests: the sample city's index (run once per test binary), an
// in-process server on a free loopback port, a raw-socket HTTP client (pipelining, odd request
// lines, slow clients), a child `canbao serve` process, and a self-signed certificate made with the
// openssl CLI at test time.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/ssl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "canbao/serve/lookup_server.h"
#include "test_util.h"

namespace canbao::serve_test {

using testing::TempDir;

constexpr const char* kAliceToken = "alice-s3cret-token-0123456789";
constexpr const char* kBobToken = "bob-s3cret-token-9876543210";
/// A sample-city person with a resident duplicate case (query answers 200).
constexpr const char* kKnownId = "11010820030214587X";

/// The sample city run once for this test binary; "" when the example is not beside the repo.
inline const std::string& sample_index() {
  static TempDir* dir = nullptr;
  static std::string index;
  if (!dir) {
    dir = new TempDir("canbao-serve-city");  // kept for the whole binary
    const std::string city = testing::sample_city();
    if (std::filesystem::exists(city + "/manifest.json")) {
      const auto run = testing::run_command(testing::cli() + " run " + city + "/manifest.json --out " + *dir / "out");
      if (run.exit_code == 0) index = *dir / "out.index";
    }
  }
  return index;
}

/// Skips a test when the sample city (beside the repository) is not there.
#define REQUIRE_SAMPLE_INDEX()                                                                       \
  if (::canbao::serve_test::sample_index().empty()) GTEST_SKIP() << "shared/examples/sample-city not found"; \
  static_assert(true)

inline TokenStore test_tokens() {
  TokenStore tokens;
  tokens.add_token("alice", kAliceToken);
  tokens.add_token("bob", kBobToken);
  return tokens;
}

/// An in-process server on 127.0.0.1 (any free port), audit log in a file of its own.
class TestServer {
 public:
  explicit TestServer(const std::string& index_dir, const std::function<void(ServeOptions&)>& adjust = {}) {
    auto opened = LiveIndex::Open(index_dir);
    if (!opened.ok()) {
      error_ = opened.status().message();
      return;
    }
    index_ = std::move(opened).value();
    ServeOptions options;
    options.listen.port = 0;
    options.tokens = test_tokens();
    options.threads = 2;
    audit_path_ = tmp_ / "audit.log";
    auto audit = AuditLog::open_file(audit_path_);
    if (audit.ok()) options.audit = *audit;
    if (adjust) adjust(options);
    server_ = std::make_unique<LookupServer>(*index_, options);
    if (Status status = server_->bind(); !status.ok()) {
      error_ = status.message();
      return;
    }
    listener_ = std::thread([this] { listen_status_ = server_->listen(); });
  }
  ~TestServer() { stop(); }
  void stop() {
    if (server_) server_->stop();
    if (listener_.joinable()) listener_.join();
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return server_->port(); }
  const LiveIndex& index() const { return *index_; }
  const std::string& audit_path() const { return audit_path_; }
  std::string audit() const { return testing::read_file(audit_path_); }
  const TempDir& tmp() const { return tmp_; }

 private:
  TempDir tmp_{"canbao-serve"};
  std::unique_ptr<LiveIndex> index_;
  std::unique_ptr<LookupServer> server_;
  std::thread listener_;
  Status listen_status_;
  std::string audit_path_;
  std::string error_;
};

struct RawResponse {
  int status = 0;
  std::string head, body;
};

/// A plain TCP client that sends bytes as given and reads answers back.
class RawClient {
 public:
  explicit RawClient(int port, const std::string& host = "127.0.0.1") {
    sockaddr_storage addr{};
    socklen_t len = 0;
    auto& v4 = reinterpret_cast<sockaddr_in&>(addr);
    auto& v6 = reinterpret_cast<sockaddr_in6&>(addr);
    if (::inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
      v4.sin_family = AF_INET;
      v4.sin_port = htons(static_cast<uint16_t>(port));
      len = sizeof(v4);
    } else {
      ::inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr);
      v6.sin6_family = AF_INET6;
      v6.sin6_port = htons(static_cast<uint16_t>(port));
      len = sizeof(v6);
    }
    fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() {
    if (ssl_) SSL_free(ssl_);
    if (tls_) SSL_CTX_free(tls_);
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return fd_ >= 0; }
  /// Speaks TLS from here on (the server's certificate is not checked: the raw bytes are the point).
  bool start_tls() {
    tls_ = SSL_CTX_new(TLS_client_method());
    ssl_ = tls_ ? SSL_new(tls_) : nullptr;
    return ssl_ && SSL_set_fd(ssl_, fd_) == 1 && SSL_connect(ssl_) == 1;
  }
  /// Sends all of `data`; false when the server closed the connection.
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t wrote = ssl_ ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                                 : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (wrote <= 0) return false;
      data.remove_prefix(static_cast<size_t>(wrote));
    }
    return true;
  }
  /// Reads until `count` complete answers are buffered, the server closes, or the timeout.
  std::vector<RawResponse> read_responses(size_t count, int timeout_ms = 5000) {
    std::vector<RawResponse> out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      while (out.size() < count) {
        RawResponse response;
        if (!take_response(response)) break;
        out.push_back(std::move(response));
      }
      if (out.size() >= count || closed_) return out;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return out;
      pollfd entry{fd_, POLLIN, 0};
      if (!(ssl_ && SSL_pending(ssl_) > 0) && ::poll(&entry, 1, static_cast<int>(left)) <= 0) continue;
      char buffer[65536];
      const ssize_t got = ssl_ ? SSL_read(ssl_, buffer, sizeof(buffer)) : ::recv(fd_, buffer, sizeof(buffer), 0);
      if (got <= 0) closed_ = true;
      else buffer_.append(buffer, static_cast<size_t>(got));
    }
  }
  /// True when the server closed the connection within the timeout.
  bool wait_closed(int timeout_ms) {
    read_responses(1000000, timeout_ms);
    return closed_;
  }

 private:
  bool take_response(RawResponse& response) {
    const size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    const std::string head = buffer_.substr(0, end + 4);
    size_t length = 0;
    for (size_t pos = 0; (pos = head.find("\r\n", pos)) != std::string::npos && pos + 2 < head.size();) {
      pos += 2;
      std::string line = head.substr(pos, head.find("\r\n", pos) - pos);
      for (size_t idx = 0; idx < line.find(':') && idx < line.size(); ++idx) line[idx] = static_cast<char>(std::tolower(line[idx]));
      if (line.rfind("content-length:", 0) == 0) length = std::stoul(line.substr(15));
    }
    if (buffer_.size() < end + 4 + length) return false;
    response.head = head;
    response.status = std::atoi(head.c_str() + 9);
    response.body = buffer_.substr(end + 4, length);
    buffer_.erase(0, end + 4 + length);
    return true;
  }
  int fd_ = -1;
  SSL_CTX* tls_ = nullptr;
  SSL* ssl_ = nullptr;
  bool closed_ = false;
  std::string buffer_;
};

/// One HTTP/1.1 request as bytes.
inline std::string http_request(const std::string& method, const std::string& target, const std::string& token,
                                const std::string& body = "", const std::string& extra_headers = "") {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty() || method == "POST")
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return request + extra_headers + "\r\n" + body;
}

/// A child `canbao serve` (or other CLI) process with its stderr in a file.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& stderr_path) : stderr_path_(stderr_path) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(err, 2);
      std::vector<char*> argv;
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0 && exit_code_ == kRunning) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::string stderr_text() const { return testing::read_file(stderr_path_); }
  /// Waits until stderr holds `text` (true) or the child ends or the timeout passes (false).
  bool wait_for_stderr(const std::string& text, int timeout_ms = 20000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (stderr_text().find(text) != std::string::npos) return true;
      if (exited(0)) return stderr_text().find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  /// The port from the `canbao serve: http://127.0.0.1:PORT/` line.
  int port() const {
    const std::string text = stderr_text();
    const size_t scheme = text.find("://");
    if (scheme == std::string::npos) return -1;
    const std::string authority = text.substr(scheme + 3, text.find('/', scheme + 3) - scheme - 3);
    return std::atoi(authority.c_str() + authority.rfind(':') + 1);
  }
  void signal(int number) { ::kill(pid_, number); }
  /// True when the child has exited within the timeout; exit_code() is then its exit status.
  bool exited(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (exit_code_ != kRunning) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  int exit_code() const { return exit_code_; }
  pid_t pid() const { return pid_; }

 private:
  static constexpr int kRunning = -1000;
  pid_t pid_ = -1;
  int exit_code_ = kRunning;
  std::string stderr_path_;
};

/// A self-signed certificate (P-256) for `host` (127.0.0.1 or ::1) and localhost, made with the
/// openssl CLI; the key file private (0600). False when openssl is missing or fails. One IP per
/// certificate: cpp-httplib 0.11.4's client compares an IPv6 host with every IP name using 16
/// bytes, reading past an IPv4 one.
inline bool make_test_certificate(const std::string& cert, const std::string& key,
                                  const std::string& host = "127.0.0.1") {
  const auto made = testing::run_command(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=IP:" + host + ",DNS:localhost -keyout " + key + " -out " + cert);
  if (made.exit_code != 0) return false;
  return ::chmod(key.c_str(), 0600) == 0;
}

/// Resident set size of a process in KiB (/proc/PID/status VmRSS), 0 when unknown.
inline long rss_kib(pid_t pid) {
  const std::string status = testing::read_file("/proc/" + std::to_string(pid) + "/status");
  const size_t at = status.find("VmRSS:");
  return at == std::string::npos ? 0 : std::atol(status.c_str() + at + 6);
}

}  // namespace canbao::serve_test
