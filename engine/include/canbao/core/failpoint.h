// Fault injection for the kill-and-rerun tests (issue #6): failpoint("name") kills the process
// with SIGKILL — no cleanup, no flush, like `kill -9` or the OOM killer — when the environment
// variable CANBAO_FAILPOINT equals "name". Unset (always, outside tests) it costs one comparison
// against a cached null pointer.
#pragma once

#include <csignal>
#include <cstdlib>
#include <string_view>

namespace canbao {

inline void failpoint(std::string_view name) {
  static const char* const armed = std::getenv("CANBAO_FAILPOINT");
  if (armed != nullptr && name == armed) std::raise(SIGKILL);
}

}  // namespace canbao
