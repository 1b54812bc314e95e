// `canbao serve` (issue #5): the real-time lookup over HTTP on loopback. GET /v1/persons/{id}
// answers what `canbao query` prints, with a bearer token, 400 for an ID SPEC §2 rejects, 404 for
// an unknown person, and access-log lines that never carry a full ID.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "canbao/core/status.h"
#include "canbao/query/person_index.h"

namespace canbao {

/// Reads a token file: its content, trimmed; an empty or unreadable file is an error.
Status read_token_file(const std::string& path, std::string& token);

/// Compares a presented secret with the expected one in time that depends only on the expected
/// secret's length (no early exit on the first differing byte).
bool constant_time_equals(std::string_view presented, std::string_view expected);

/// Replaces the ID in an access-log path (/v1/persons/<id>) by its SPEC §6 masked form.
std::string loggable_path(std::string_view path);

struct ServeOptions {
  int port = 8080;          // 0: any free port (tests)
  std::string token;        // bearer token every request must carry
  int threads = 0;          // HTTP worker threads = connections served at once (0: 64)
  bool access_log = true;   // one line per request on stderr
};

class LookupServer {
 public:
  /// Each request is answered from the generation `index` holds when it arrives (SPEC §7).
  LookupServer(const LiveIndex& index, ServeOptions options);
  ~LookupServer();
  /// Binds 127.0.0.1:port; on success port() is the bound port.
  Status bind();
  int port() const { return port_; }
  /// Serves until stop() (from another thread or a signal handler's thread).
  Status listen();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace canbao
