#include "http_connections.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "canbao/core/text.h"
#include "canbao/serve/tokens.h"

namespace canbao::serve_internal {

namespace {

using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

constexpr size_t kMaxRequestLine = 8192;        // as cpp-httplib's CPPHTTPLIB_REQUEST_URI_MAX_LENGTH
constexpr auto kLingerTime = std::chrono::milliseconds(1000);
constexpr size_t kMaxLingerBytes = 4 << 20;
constexpr auto kTick = std::chrono::milliseconds(100);  // how often deadlines are looked at
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t idx = 0; idx < a.size(); ++idx)
    if (ascii_lower(a[idx]) != ascii_lower(b[idx])) return false;
  return true;
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

RequestScan scan_error(RequestScan scan, int status, std::string error) {
  scan.kind = RequestScan::kError;
  scan.status = status;
  scan.error = std::move(error);
  return scan;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

/// A complete error answer that closes the connection.
std::string error_response(int status, std::string_view message) {
  std::string body = "{\"error\": ";
  append_json_string(body, message);
  body += "}";
  std::string response = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) + "\r\n";
  response += "Content-Type: application/json\r\nCache-Control: no-store\r\nConnection: close\r\n";
  if (status == 503) response += "Retry-After: 1\r\n";
  response += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return response;
}

std::string openssl_error() {
  std::string message;
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    message = reason ? reason : "error " + std::to_string(code);
  }
  return message.empty() ? std::string("unknown OpenSSL error") : message;
}

std::string format_peer(const sockaddr_storage& addr) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(addr);
    ::inet_ntop(AF_INET, &v4.sin_addr, ip, sizeof(ip));
    port = ntohs(v4.sin_port);
    return std::string(ip) + ":" + std::to_string(port);
  }
  if (addr.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(addr);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, ip, sizeof(ip));
    port = ntohs(v6.sin6_port);
  }
  return "[" + std::string(ip) + "]:" + std::to_string(port);
}

void split_peer(std::string_view peer, std::string& ip, int& port) {
  const size_t colon = peer.rfind(':');
  std::string_view host = peer.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  ip = std::string(host);
  port = colon == std::string_view::npos ? 0 : std::atoi(std::string(peer.substr(colon + 1)).c_str());
}

enum class Phase : uint8_t { kHandshake, kReading, kWorking, kLingering };

struct Conn {
  int fd = -1;
  uint32_t generation = 0;
  SSL* ssl = nullptr;
  std::string client, local;
  // The loop's, except that a worker done with a connection hands it back by storing kReading
  // (after its last write to the other fields) and re-arming it.
  std::atomic<Phase> phase{Phase::kReading};
  std::string in;                  // received, not yet answered
  Clock::time_point since;         // start of the phase: handshake, request's first byte, idle, linger
  WallClock::time_point arrived;   // the request's first byte (for the log)
  bool peer_closed = false;
  bool want_write = false;         // TLS wants the socket writable before it can go on
  bool continue_sent = false;
  bool close_after = false;        // set by the worker
  size_t requests = 0;
  size_t drained = 0;
};

/// The request at the front of a connection's buffer, as httplib's process_request reads it; the
/// answer is collected and written in one go by flush().
class BufferStream final : public httplib::Stream {
 public:
  BufferStream(Conn& conn, size_t begin, size_t end) : conn_(conn), pos_(begin), end_(end) {}
  bool is_readable() const override { return pos_ < end_; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    size = std::min(size, end_ - pos_);
    std::memcpy(ptr, conn_.in.data() + pos_, size);
    pos_ += size;
    return static_cast<ssize_t>(size);
  }
  ssize_t write(const char* ptr, size_t size) override {
    // The loop answered `Expect: 100-continue` while the body was still coming.
    if (conn_.continue_sent && std::string_view(ptr, size) == kContinue) return static_cast<ssize_t>(size);
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { split_peer(conn_.client, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { split_peer(conn_.local, ip, port); }
  // Not a socket to select() on (httplib's FD_SETSIZE guard compares this with FD_SETSIZE).
  socket_t socket() const override { return INVALID_SOCKET; }
  const std::string& output() const { return out_; }

 private:
  Conn& conn_;
  size_t pos_, end_;
  std::string out_;
};

/// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_ready(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(left));
    if (ready > 0) return (entry.revents & (events | POLLHUP | POLLERR)) != 0;
    if (ready < 0 && errno != EINTR) return false;
  }
}

/// Writes all of `data` to a non-blocking connection before the deadline.
bool write_all(Conn& conn, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    if (conn.ssl) {
      ERR_clear_error();
      const int wrote = SSL_write(conn.ssl, data.data(), static_cast<int>(std::min<size_t>(data.size(), 1 << 30)));
      if (wrote > 0) {
        data.remove_prefix(static_cast<size_t>(wrote));
        continue;
      }
      const int error = SSL_get_error(conn.ssl, wrote);
      if (error == SSL_ERROR_WANT_WRITE) {
        if (!wait_ready(conn.fd, POLLOUT, deadline)) return false;
      } else if (error == SSL_ERROR_WANT_READ) {
        if (!wait_ready(conn.fd, POLLIN, deadline)) return false;
      } else {
        return false;
      }
    } else {
      const ssize_t wrote = ::send(conn.fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (wrote > 0) {
        data.remove_prefix(static_cast<size_t>(wrote));
      } else if (wrote < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait_ready(conn.fd, POLLOUT, deadline)) return false;
      } else if (!(wrote < 0 && errno == EINTR)) {
        return false;
      }
    }
  }
  return true;
}

/// One non-blocking attempt (the loop's own error answers: small, and the client may be gone).
void write_once(Conn& conn, std::string_view data) {
  if (conn.ssl) {
    ERR_clear_error();
    SSL_write(conn.ssl, data.data(), static_cast<int>(data.size()));
  } else {
    const ssize_t wrote = ::send(conn.fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)wrote;
  }
}

}  // namespace

RequestScan scan_request(std::string_view in, const ServeLimits& limits) {
  RequestScan scan;
  size_t pos = 0;
  // RFC 9112 §2.2: empty lines before a request line are ignored.
  while (pos + 1 < in.size() && in[pos] == '\r' && in[pos + 1] == '\n') pos += 2;
  if (pos > limits.max_head_bytes) return scan_error(scan, 400, "empty lines instead of a request");
  scan.start = pos;
  bool request_line = true;
  size_t headers = 0;
  std::optional<uint64_t> content_length;
  bool transfer_encoding = false;
  for (;;) {
    const size_t newline = in.find('\n', pos);
    const size_t line_end = newline == std::string_view::npos ? in.size() : newline;
    if (request_line && line_end - scan.start > kMaxRequestLine)
      return scan_error(scan, 414, "request line longer than " + std::to_string(kMaxRequestLine) + " bytes");
    if (line_end - scan.start >= limits.max_head_bytes)
      return scan_error(scan, 431, "request head larger than " + std::to_string(limits.max_head_bytes) + " bytes");
    if (newline == std::string_view::npos) return scan;  // more to come
    if (newline == pos || in[newline - 1] != '\r')
      return scan_error(scan, 400, "a line of the request head does not end in CR LF");
    const std::string_view line = in.substr(pos, newline - 1 - pos);
    for (const char ch : line) {
      const auto c = static_cast<unsigned char>(ch);
      if ((c < 0x20 && c != '\t') || c == 0x7F) return scan_error(scan, 400, "control character in the request head");
    }
    pos = newline + 1;
    if (request_line) {
      request_line = false;
      const size_t first = line.find(' ');
      const size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
      if (first == 0 || second == std::string_view::npos || second == first + 1 ||
          line.find(' ', second + 1) != std::string_view::npos)
        return scan_error(scan, 400, "malformed request line (expected METHOD TARGET HTTP/1.1)");
      scan.method = line.substr(0, first);
      scan.target = line.substr(first + 1, second - first - 1);
      const std::string_view version = line.substr(second + 1);
      if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        if (version.substr(0, 5) == "HTTP/") return scan_error(scan, 505, "HTTP version not supported: use HTTP/1.1");
        return scan_error(scan, 400, "malformed request line (expected METHOD TARGET HTTP/1.1)");
      }
      continue;
    }
    if (line.empty()) break;  // the end of the head
    if (++headers > limits.max_headers)
      return scan_error(scan, 431, "more than " + std::to_string(limits.max_headers) + " header fields");
    if (line.front() == ' ' || line.front() == '\t')
      return scan_error(scan, 400, "folded header line (obs-fold) is not accepted");
    const size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return scan_error(scan, 400, "header line without a field name");
    const std::string_view name = line.substr(0, colon);
    if (name.find_first_of(" \t") != std::string_view::npos)
      return scan_error(scan, 400, "whitespace before ':' in a header field");
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string_view::npos)
        return scan_error(scan, 400, "Content-Length is not a number");
      const uint64_t length = std::stoull(std::string(value));
      if (content_length && *content_length != length) return scan_error(scan, 400, "conflicting Content-Length fields");
      content_length = length;
    } else if (iequals(name, "Transfer-Encoding")) {
      transfer_encoding = true;
    } else if (iequals(name, "Expect") && iequals(value, "100-continue")) {
      scan.expect_continue = true;
    }
  }
  scan.head = pos - scan.start;
  scan.head_complete = true;
  if (transfer_encoding)
    return scan_error(scan, 411, "request bodies with Transfer-Encoding (chunked) are not accepted: send Content-Length");
  scan.body = content_length.value_or(0);
  if (scan.body > limits.max_body_bytes)
    return scan_error(scan, 413, "body larger than " + std::to_string(limits.max_body_bytes) + " bytes");
  if (in.size() - pos >= scan.body) scan.kind = RequestScan::kComplete;
  return scan;
}

struct Connections::Impl {
  Config config;
  Handler handler;
  int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
  int port = 0;
  SSL_CTX* tls = nullptr;
  std::atomic<bool> stopping{false};
  bool listening = true;         // the loop's: the listener is open
  bool listener_resting = false;  // accept failed for want of descriptors: resumed at the next tick
  // The loop's connections by fd; the generation tells a stale event from a reused fd.
  std::unordered_map<int, std::unique_ptr<Conn>> conns;
  uint32_t next_generation = 0;
  // Workers take complete requests from `work`; give connections back through `done`.
  std::mutex work_mutex;
  std::condition_variable work_ready;
  std::deque<Conn*> work;
  bool workers_stop = false;
  std::mutex done_mutex;
  std::vector<Conn*> done;
  std::mutex rearm_mutex;  // a worker's hand-back by re-arming against the loop's close
  std::vector<std::thread> workers;

  ~Impl() {
    for (auto& [fd, conn] : conns) close_now(*conn, false);
    conns.clear();
    if (listen_fd >= 0) ::close(listen_fd);
    if (epoll_fd >= 0) ::close(epoll_fd);
    if (wake_fd >= 0) ::close(wake_fd);
    if (tls) SSL_CTX_free(tls);
  }

  Status load_tls() {
    if (config.tls_cert.empty()) return Status::OK();
    const int key_fd = ::open(config.tls_key.c_str(), O_RDONLY | O_CLOEXEC);
    if (key_fd < 0) return Status::Error("serve: --tls-key " + config.tls_key + ": cannot read: " + std::strerror(errno));
    const Status private_key = check_private_file(key_fd, config.tls_key);
    ::close(key_fd);
    if (!private_key.ok()) return Status::Error("serve: --tls-key " + private_key.message());
    tls = SSL_CTX_new(TLS_server_method());
    if (!tls) return Status::Error("serve: cannot set up TLS: " + openssl_error());
    SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
    SSL_CTX_set_options(tls, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(tls, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(tls, config.tls_cert.c_str()) != 1)
      return Status::Error("serve: --tls-cert " + config.tls_cert + ": not a PEM certificate (chain): " + openssl_error());
    if (SSL_CTX_use_PrivateKey_file(tls, config.tls_key.c_str(), SSL_FILETYPE_PEM) != 1) {
      const std::string error = openssl_error();
      if (error.find("mismatch") == std::string::npos)
        return Status::Error("serve: --tls-key " + config.tls_key + ": not a PEM private key: " + error);
      return Status::Error("serve: --tls-key " + config.tls_key + " is not the key of --tls-cert " + config.tls_cert);
    }
    if (SSL_CTX_check_private_key(tls) != 1)
      return Status::Error("serve: --tls-key " + config.tls_key + " is not the key of --tls-cert " + config.tls_cert);
    return Status::OK();
  }

  Status bind() {
    CANBAO_RETURN_IF_ERROR(load_tls());
    const std::string where = format_listen_address(config.listen);
    sockaddr_storage addr{};
    socklen_t addr_len = 0;
    auto& v4 = reinterpret_cast<sockaddr_in&>(addr);
    auto& v6 = reinterpret_cast<sockaddr_in6&>(addr);
    if (::inet_pton(AF_INET, config.listen.host.c_str(), &v4.sin_addr) == 1) {
      v4.sin_family = AF_INET;
      v4.sin_port = htons(static_cast<uint16_t>(config.listen.port));
      addr_len = sizeof(v4);
    } else if (::inet_pton(AF_INET6, config.listen.host.c_str(), &v6.sin6_addr) == 1) {
      v6.sin6_family = AF_INET6;
      v6.sin6_port = htons(static_cast<uint16_t>(config.listen.port));
      addr_len = sizeof(v6);
    } else {
      return Status::Error("serve: cannot listen on " + where + ": not a numeric IP address");
    }
    listen_fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) return Status::Error("serve: cannot listen on " + where + ": " + std::strerror(errno));
    // SO_REUSEADDR (a restart need not wait for TIME_WAIT) but never SO_REUSEPORT: a port another
    // process listens on is refused, not shared.
    const int yes = 1, no = 0;
    ::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (addr.ss_family == AF_INET6) ::setsockopt(listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof(no));
    if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0) {
      const int error = errno;
      if (error == EADDRINUSE)
        return Status::Error("serve: cannot listen on " + where +
                             ": the port is in use (another canbao serve or another program holds it)");
      if (error == EADDRNOTAVAIL)
        return Status::Error("serve: cannot listen on " + where + ": no such address on this machine");
      return Status::Error("serve: cannot listen on " + where + ": " + std::strerror(error));
    }
    if (::listen(listen_fd, 511) != 0)
      return Status::Error("serve: cannot listen on " + where + ": " + std::strerror(errno));
    sockaddr_storage bound{};
    socklen_t bound_len = sizeof(bound);
    ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
    port = bound.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port)
                                      : ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port);
    // Room for every connection: the soft limit on open files raised towards the hard one.
    rlimit files{};
    const rlim_t wanted = static_cast<rlim_t>(config.limits.max_connections) + 64;
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < wanted) {
      files.rlim_cur = std::min(wanted, files.rlim_max);
      ::setrlimit(RLIMIT_NOFILE, &files);
      if (files.rlim_cur < wanted)
        return Status::Error("serve: --max-connections " + std::to_string(config.limits.max_connections) +
                             " needs " + std::to_string(wanted) + " open files; the limit is " +
                             std::to_string(files.rlim_cur));
    }
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd < 0 || wake_fd < 0) return Status::Error(std::string("serve: epoll: ") + std::strerror(errno));
    add(listen_fd, 0, EPOLLIN);
    add(wake_fd, 0, EPOLLIN);
    return Status::OK();
  }

  static uint64_t key(int fd, uint32_t generation) {
    return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
  }
  void add(int fd, uint32_t generation, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = key(fd, generation);
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
  }
  void arm(Conn& conn) {
    epoll_event event{};
    event.events = EPOLLONESHOT | (conn.want_write ? EPOLLOUT : EPOLLIN);
    event.data.u64 = key(conn.fd, conn.generation);
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, conn.fd, &event);
  }
  void wake() {
    const uint64_t one = 1;
    const ssize_t wrote = ::write(wake_fd, &one, sizeof(one));
    (void)wrote;
  }

  void log(const Conn& conn, WallClock::time_point arrived, Clock::time_point started, std::string_view user,
           std::string_view method, std::string_view target, int status) {
    if (!config.audit) return;
    AuditEntry entry;
    entry.when = arrived;
    entry.user = user;
    entry.client = conn.client;
    entry.method = method;
    entry.target = target;
    entry.status = status;
    entry.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    config.audit->write(entry);
  }

  // ---- the loop thread --------------------------------------------------------------------

  void close_now(Conn& conn, bool erase = true) {
    {
      const std::lock_guard<std::mutex> lock(rearm_mutex);  // a worker may be re-arming it
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, conn.fd, nullptr);
      if (conn.ssl) SSL_free(conn.ssl);
      ::close(conn.fd);
    }
    if (erase) conns.erase(conn.fd);  // destroys conn
  }

  /// Half-closes after the last answer and reads what the client still sends for a moment, so
  /// the answer is not lost to a reset (a close with unread data sends RST).
  void linger(Conn& conn) {
    if (conn.ssl) {
      ERR_clear_error();
      SSL_shutdown(conn.ssl);
    }
    ::shutdown(conn.fd, SHUT_WR);
    conn.phase = Phase::kLingering;
    conn.since = Clock::now();
    conn.in.clear();
    conn.in.shrink_to_fit();
    conn.want_write = false;
    conn.drained = 0;
    drain(conn);
  }

  void drain(Conn& conn) {
    char scratch[16384];
    for (;;) {
      const ssize_t got = ::recv(conn.fd, scratch, sizeof(scratch), 0);
      if (got > 0) {
        conn.drained += static_cast<size_t>(got);
        if (conn.drained > kMaxLingerBytes) break;
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        arm(conn);
        return;
      }
      break;  // EOF or an error
    }
    close_now(conn);
  }

  /// The loop refuses the request at the front of the buffer: its answer, its log line, linger.
  void refuse(Conn& conn, const RequestScan& scan) {
    log(conn, conn.arrived, conn.since, "", scan.method, scan.target, scan.status);
    write_once(conn, error_response(scan.status, scan.error));
    linger(conn);
  }

  void accept_all() {
    for (;;) {
      sockaddr_storage addr{};
      socklen_t len = sizeof(addr);
      const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          // Out of descriptors or memory: the pending connection stays in the backlog, and the
          // listener rests until the next tick instead of waking the loop again at once.
          epoll_event event{};
          event.data.u64 = key(listen_fd, 0);
          ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &event);
          listener_resting = true;
        }
        return;
      }
      auto conn = std::make_unique<Conn>();
      conn->fd = fd;
      conn->generation = ++next_generation;
      if (next_generation == 0) conn->generation = next_generation = 1;
      conn->client = format_peer(addr);
      sockaddr_storage local{};
      socklen_t local_len = sizeof(local);
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
      conn->local = format_peer(local);
      conn->since = Clock::now();
      conn->arrived = WallClock::now();
      if (conns.size() >= config.limits.max_connections) {
        refuse_connection(*conn);
        continue;
      }
      const int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));  // small answers: no delayed-ACK stalls
      if (tls) {
        conn->ssl = SSL_new(tls);
        if (!conn->ssl || SSL_set_fd(conn->ssl, fd) != 1) {
          if (conn->ssl) SSL_free(conn->ssl);
          ::close(fd);
          continue;
        }
        SSL_set_accept_state(conn->ssl);
        conn->phase = Phase::kHandshake;
      }
      Conn& ref = *conn;
      conns.emplace(fd, std::move(conn));
      add(fd, ref.generation, EPOLLIN | EPOLLONESHOT);
    }
  }

  /// Over max_connections: 503 on plain HTTP (what the client already sent is read first, so the
  /// close is not a reset), a bare close on TLS (no handshake is spent on it); logged.
  void refuse_connection(Conn& conn) {
    if (!tls) {
      char scratch[16384];
      while (::recv(conn.fd, scratch, sizeof(scratch), 0) > 0) {
      }
    }
    log(conn, conn.arrived, conn.since, "", "", "", tls ? 0 : 503);
    if (!tls) {
      write_once(conn, error_response(503, "too many connections; try again"));
      ::shutdown(conn.fd, SHUT_WR);
    }
    ::close(conn.fd);
  }

  void handshake(Conn& conn) {
    ERR_clear_error();
    const int result = SSL_do_handshake(conn.ssl);
    if (result == 1) {
      conn.phase = Phase::kReading;
      conn.since = Clock::now();
      conn.want_write = false;
      read_and_process(conn);
      return;
    }
    const int error = SSL_get_error(conn.ssl, result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      conn.want_write = error == SSL_ERROR_WANT_WRITE;
      arm(conn);
      return;
    }
    close_now(conn);  // not TLS, or a failed handshake: no request to answer
  }

  /// Reads what is there (up to room for one full request beyond the buffer). False: a read error.
  bool read_more(Conn& conn) {
    const size_t cap = config.limits.max_head_bytes + config.limits.max_body_bytes + 16384;
    const bool was_empty = conn.in.empty();
    char buffer[16384];
    conn.want_write = false;
    while (conn.in.size() < cap && !conn.peer_closed) {
      const size_t room = std::min(sizeof(buffer), cap - conn.in.size());
      if (conn.ssl) {
        ERR_clear_error();
        const int got = SSL_read(conn.ssl, buffer, static_cast<int>(room));
        if (got > 0) {
          conn.in.append(buffer, static_cast<size_t>(got));
          continue;
        }
        const int error = SSL_get_error(conn.ssl, got);
        if (error == SSL_ERROR_WANT_READ) break;
        if (error == SSL_ERROR_WANT_WRITE) {
          conn.want_write = true;
          break;
        }
        if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
          conn.peer_closed = true;
          break;
        }
        ERR_clear_error();
        return false;
      }
      const ssize_t got = ::recv(conn.fd, buffer, room, 0);
      if (got > 0) {
        conn.in.append(buffer, static_cast<size_t>(got));
      } else if (got == 0) {
        conn.peer_closed = true;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        break;
      } else if (errno != EINTR) {
        return false;
      }
    }
    if (was_empty && !conn.in.empty()) {  // a request's first byte: its deadline starts
      conn.since = Clock::now();
      conn.arrived = WallClock::now();
    }
    return true;
  }

  void read_and_process(Conn& conn) {
    if (!read_more(conn)) {
      close_now(conn);
      return;
    }
    process(conn);
  }

  /// Looks at the buffer: a complete request goes to a worker, a refused one gets its answer.
  void process(Conn& conn) {
    if (conn.in.empty() && conn.ssl && SSL_pending(conn.ssl) > 0 && !read_more(conn)) {
      close_now(conn);
      return;
    }
    if (conn.in.empty()) {
      if (conn.peer_closed || stopping) close_now(conn);
      else arm(conn);
      return;
    }
    RequestScan scan = scan_request(conn.in, config.limits);
    if (scan.kind == RequestScan::kError) {
      refuse(conn, scan);
      return;
    }
    if (scan.kind == RequestScan::kComplete) {
      conn.phase = Phase::kWorking;
      {
        const std::lock_guard<std::mutex> lock(work_mutex);
        work.push_back(&conn);
      }
      work_ready.notify_one();
      return;
    }
    if (conn.peer_closed || stopping) {  // the client left mid-request, or we are going
      close_now(conn);
      return;
    }
    // TLS may hold decrypted bytes that read_more left for want of room: no socket event would
    // bring them.
    if (conn.ssl && SSL_pending(conn.ssl) > 0) {
      const size_t had = conn.in.size();
      if (!read_more(conn)) {
        close_now(conn);
        return;
      }
      if (conn.in.size() > had) {
        process(conn);
        return;
      }
    }
    if (scan.head_complete && scan.expect_continue && !conn.continue_sent) {
      write_once(conn, kContinue);
      conn.continue_sent = true;
    }
    arm(conn);
  }

  void on_event(uint64_t data) {
    const int fd = static_cast<int>(static_cast<uint32_t>(data));
    const uint32_t generation = static_cast<uint32_t>(data >> 32);
    const auto found = conns.find(fd);
    if (found == conns.end() || found->second->generation != generation) return;  // stale
    Conn& conn = *found->second;
    switch (conn.phase) {
      case Phase::kHandshake: handshake(conn); break;
      case Phase::kReading: read_and_process(conn); break;
      case Phase::kLingering: drain(conn); break;
      case Phase::kWorking: break;
    }
  }

  void take_back_done() {
    std::vector<Conn*> back;
    {
      const std::lock_guard<std::mutex> lock(done_mutex);
      back.swap(done);
    }
    for (Conn* conn : back) {
      conn->phase = Phase::kReading;
      if (conn->close_after || stopping) linger(*conn);
      else process(*conn);
    }
  }

  void check_deadlines() {
    if (listener_resting && listening) {
      listener_resting = false;
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = key(listen_fd, 0);
      ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &event);
    }
    const auto now = Clock::now();
    const auto request_timeout = std::chrono::milliseconds(config.limits.request_timeout_ms);
    const auto idle_timeout = std::chrono::milliseconds(config.limits.keep_alive_timeout_ms);
    std::vector<Conn*> late;
    for (auto& [fd, conn] : conns) {
      if (conn->phase == Phase::kWorking) continue;  // a worker's: its fields are not the loop's now
      const auto age = now - conn->since;
      const bool overdue = (conn->phase == Phase::kHandshake && age > request_timeout) ||
                           (conn->phase == Phase::kReading &&
                            (conn->in.empty() ? age > idle_timeout || stopping.load() : age > request_timeout)) ||
                           (conn->phase == Phase::kLingering && age > kLingerTime);
      if (overdue) late.push_back(conn.get());
    }
    for (Conn* conn : late) {
      if (conn->phase == Phase::kReading && !conn->in.empty() && !stopping) {
        RequestScan scan = scan_request(conn->in, config.limits);
        scan.status = 408;
        scan.error = "request not complete within " + std::to_string(config.limits.request_timeout_ms) + " ms";
        refuse(*conn, scan);
      } else {
        close_now(*conn);
      }
    }
  }

  void stop_listening() {
    if (!listening) return;
    listening = false;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
    ::close(listen_fd);
    listen_fd = -1;
    // Idle and half-read connections go now; those with a worker when it is done.
    std::vector<Conn*> idle;
    for (auto& [fd, conn] : conns)
      if (conn->phase == Phase::kReading || conn->phase == Phase::kHandshake) idle.push_back(conn.get());
    for (Conn* conn : idle) close_now(*conn);
  }

  Status run() {
    ::signal(SIGPIPE, SIG_IGN);  // a TLS write to a closed socket must not end the process
    const int threads = std::max(1, config.threads);
    for (int idx = 0; idx < threads; ++idx) workers.emplace_back([this] { work_loop(); });
    epoll_event events[64];
    auto last_tick = Clock::now();
    while (listening || !conns.empty()) {
      const int ready = ::epoll_wait(epoll_fd, events, 64, static_cast<int>(kTick.count()));
      if (ready < 0 && errno != EINTR) break;
      for (int idx = 0; idx < ready; ++idx) {
        const uint64_t data = events[idx].data.u64;
        if (data == key(wake_fd, 0)) {
          uint64_t count;
          const ssize_t got = ::read(wake_fd, &count, sizeof(count));
          (void)got;
        } else if (listening && data == key(listen_fd, 0)) {
          accept_all();
        } else {
          on_event(data);
        }
      }
      take_back_done();
      if (stopping) stop_listening();
      if (Clock::now() - last_tick >= kTick) {
        last_tick = Clock::now();
        check_deadlines();
      }
    }
    {
      const std::lock_guard<std::mutex> lock(work_mutex);
      workers_stop = true;
    }
    work_ready.notify_all();
    for (std::thread& worker : workers) worker.join();
    workers.clear();
    return Status::OK();
  }

  // ---- the workers ----------------------------------------------------------------------

  void work_loop() {
    for (;;) {
      Conn* conn = nullptr;
      {
        std::unique_lock<std::mutex> lock(work_mutex);
        work_ready.wait(lock, [this] { return workers_stop || !work.empty(); });
        if (work.empty()) return;
        conn = work.front();
        work.pop_front();
      }
      // Every complete request in the buffer (pipelined ones too), one at a time.
      do {
        answer(*conn);
      } while (!conn->close_after && !stopping &&
               scan_request(conn->in, config.limits).kind == RequestScan::kComplete);
      if (!conn->close_after && !stopping && rearm_from_worker(*conn)) continue;
      bool was_empty;
      {
        const std::lock_guard<std::mutex> lock(done_mutex);
        was_empty = done.empty();
        done.push_back(conn);
      }
      if (was_empty) wake();
    }
  }

  /// The common case after an answer — the buffer empty or holding the start of the next request
  /// — needs nothing of the loop: the worker hands the connection back by re-arming it, saving the
  /// loop a wake-up per request. Anything else (a refused next request, `Expect: 100-continue`,
  /// TLS bytes already decrypted, the client gone) goes back through `done`.
  bool rearm_from_worker(Conn& conn) {
    if (conn.peer_closed || (conn.ssl && SSL_pending(conn.ssl) > 0)) return false;
    if (!conn.in.empty()) {
      const RequestScan next = scan_request(conn.in, config.limits);
      if (next.kind != RequestScan::kIncomplete || (next.head_complete && next.expect_continue)) return false;
    }
    conn.want_write = false;
    epoll_event event{};
    event.events = EPOLLONESHOT | EPOLLIN;
    event.data.u64 = key(conn.fd, conn.generation);
    // The loop's again from the store on; the lock keeps the loop from closing the descriptor
    // between the store and the re-arm (close_now takes it too).
    const std::lock_guard<std::mutex> lock(rearm_mutex);
    conn.phase = Phase::kReading;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, conn.fd, &event);
    return true;
  }

  /// Answers the complete request at the front of the connection's buffer.
  void answer(Conn& conn) {
    const RequestScan scan = scan_request(conn.in, config.limits);
    const size_t end = scan.start + scan.head + scan.body;
    ++conn.requests;
    Request request;
    request.method = scan.method;
    request.target = scan.target;
    request.client = conn.client;
    request.last = stopping || conn.requests >= config.limits.max_requests_per_connection;
    BufferStream stream(conn, scan.start, end);
    Answer result = handler(stream, request);
    // Logged before it is written: no answer reaches a client without its line.
    log(conn, conn.arrived, conn.since, result.user, scan.method, scan.target, result.status);
    const bool written =
        write_all(conn, stream.output(), Clock::now() + std::chrono::milliseconds(config.limits.write_timeout_ms));
    conn.in.erase(0, end);
    conn.continue_sent = false;
    conn.close_after = !written || result.close || request.last;
    conn.since = Clock::now();  // the next request's first byte is here already, or idle from now
    conn.arrived = WallClock::now();
  }
};

Connections::Connections(Config config, Handler handler) : impl_(new Impl) {
  impl_->config = std::move(config);
  impl_->handler = std::move(handler);
}
Connections::~Connections() = default;
Status Connections::bind() { return impl_->bind(); }
int Connections::port() const { return impl_->port; }
bool Connections::tls() const { return impl_->tls != nullptr; }
Status Connections::run() {
  if (impl_->epoll_fd < 0) return Status::Error("serve: run() before a successful bind()");
  return impl_->run();
}
void Connections::stop() {
  impl_->stopping = true;
  if (impl_->wake_fd >= 0) impl_->wake();
}

}  // namespace canbao::serve_internal
