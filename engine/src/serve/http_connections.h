// The connections of `canbao serve` (issue #14), below cpp-httplib's parsing and routing.
//
// Debian 12's cpp-httplib (0.11.4, compiled into libcpp-httplib.so) serves each connection on a
// pool thread from accept to close, reads a header line of any length before checking it, has no
// header count or whole-request deadline, makes a new read buffer per request (so pipelined
// requests after the first are lost) and sets SO_REUSEPORT. Here one event-loop thread accepts
// (up to max_connections), does the TLS handshakes (OpenSSL directly, non-blocking), reads each
// request's head and body into the connection's buffer while checking the limits and the
// deadline, and hands a worker only a complete request: the worker runs the handler (httplib's
// process_request over a Stream on that buffer), writes the answer and logs it. The loop answers
// the requests it refuses itself (400, 408, 411, 413, 414, 431, 503, 505) and logs them.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "canbao/core/status.h"
#include "canbao/serve/audit_log.h"
#include "canbao/serve/lookup_server.h"

namespace canbao::serve_internal {

/// One complete request as the loop hands it to the handler.
struct Request {
  std::string_view method, target;  // as in the request line
  std::string_view client;          // ip:port of the peer
  bool last = false;                // the connection closes after this answer (stopping, request cap)
};

/// What the handler did: the status it answered (for the log), the user it authenticated, and
/// whether the connection must close (the client asked, or the answer could not be framed).
struct Answer {
  int status = 0;
  std::string user;
  bool close = false;
};

/// Reads the request (head and body, exactly) from `stream` and writes the whole answer into it.
using Handler = std::function<Answer(httplib::Stream& stream, const Request& request)>;

/// The framing of the request at the front of a connection's buffer (exposed for tests).
struct RequestScan {
  enum Kind { kIncomplete, kComplete, kError } kind = kIncomplete;
  size_t start = 0;              // empty lines skipped before the request line
  size_t head = 0;               // bytes of request line, headers and the blank line
  size_t body = 0;               // Content-Length
  bool head_complete = false;
  bool expect_continue = false;  // `Expect: 100-continue`
  int status = 0;                // kError: the status to answer
  std::string error;             // kError: one line for the client
  std::string_view method, target;
};
RequestScan scan_request(std::string_view buffer, const ServeLimits& limits);

class Connections {
 public:
  struct Config {
    ListenAddress listen;
    std::string tls_cert, tls_key;
    ServeLimits limits;
    int threads = 4;
    std::shared_ptr<AuditLog> audit;
  };
  Connections(Config config, Handler handler);
  ~Connections();
  /// Loads the TLS files, binds and listens. One line on failure.
  Status bind();
  int port() const;
  bool tls() const;
  /// The event loop and the workers, until stop().
  Status run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace canbao::serve_internal
