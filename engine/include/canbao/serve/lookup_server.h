// `canbao serve` (issues #5, #14): the real-time lookup and the SPEC §8 pre-check over HTTP/1.1,
// with TLS, per-user bearer tokens and an audit log.
//
//   GET  /v1/persons/{id}   what `canbao query` prints: 200, 400 for an ID SPEC §2 rejects, 404
//                           for a valid ID the index does not know
//   POST /v1/precheck       body {"id","scheme","region","date"?,"start"?} (application/json):
//                           what `canbao precheck` prints; 400 for a malformed body or request
//   GET  / or /counter      the counter page (one self-contained HTML page; holds no data)
//
// Every other request needs `Authorization: Bearer <token>` of a user in the tokens (tokens.h),
// checked before routing: 401 otherwise. Each request gets one audit-log line (audit_log.h).
//
// The connections are the server's own (engine/src/serve/http_connections.cpp): one event-loop
// thread accepts, does the TLS handshakes and reads every request head and body within the limits
// below; only a complete request goes to a worker, where cpp-httplib parses and routes it. So a
// slow client never holds a worker, pipelined requests are answered in order, and an oversized or
// overdue request gets its 4xx from the loop.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "canbao/core/status.h"
#include "canbao/query/person_index.h"
#include "canbao/serve/audit_log.h"
#include "canbao/serve/tokens.h"

namespace canbao {

/// Where to listen: a numeric IPv4 or IPv6 address (no brackets) and a port (0: any free port).
struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 8080;
};

/// `ADDR:PORT` with a numeric IPv4 address, or `[IPv6]:PORT`; the port 0–65535. One line naming
/// what is wrong otherwise.
Result<ListenAddress> parse_listen_address(std::string_view text);
/// `127.0.0.1:8080`, `[::1]:8443`.
std::string format_listen_address(const ListenAddress& address);
/// 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104; false for any other or a malformed address.
bool is_loopback_address(std::string_view host);

struct ServeLimits {
  size_t max_headers = 64;                     // header fields per request: 431 beyond
  size_t max_head_bytes = 16 * 1024;           // request line + headers: 431 beyond (414 for a line > 8 KiB)
  size_t max_body_bytes = 64 * 1024;           // Content-Length: 413 beyond (chunked bodies: 411)
  int request_timeout_ms = 10000;              // first byte to last byte of a request (and a TLS handshake): 408
  int keep_alive_timeout_ms = 5000;            // an idle keep-alive connection is closed after this
  int write_timeout_ms = 10000;                // writing one answer
  size_t max_connections = 512;                // open connections: a new one beyond gets 503 and is closed
  size_t max_requests_per_connection = 100000; // then `Connection: close`
};

struct ServeOptions {
  ListenAddress listen;
  std::string tls_cert, tls_key;   // PEM files; both or neither (the key file private as tokens)
  bool insecure = false;           // allow plain HTTP on an address that is not loopback
  TokenStore tokens;               // who may ask
  int threads = 0;                 // request workers (0: 2 per core, at least 4)
  std::shared_ptr<AuditLog> audit; // null: no audit log
  ServeLimits limits;
};

/// The deployment rules: TLS cert and key both or neither; a non-loopback address needs TLS
/// unless `insecure`; at least one token; sane limits. One line otherwise.
Status check_serve_options(const ServeOptions& options);

class LookupServer {
 public:
  /// Each request is answered from the generation `index` holds when it arrives (SPEC §7).
  LookupServer(const LiveIndex& index, ServeOptions options);
  ~LookupServer();
  /// Checks the options, loads the TLS certificate and key, binds and listens (no SO_REUSEPORT:
  /// a port another process holds is an error). On success port() is the bound port.
  Status bind();
  int port() const;
  /// http:// or https:// and the bound address, e.g. `https://[::1]:8443`.
  std::string url() const;
  /// Serves until stop(); requests under way are answered first.
  Status listen();
  /// Thread-safe; also before listen() (listen() then returns at once).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace canbao
