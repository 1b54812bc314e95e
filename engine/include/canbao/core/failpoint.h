// Fault injection for the kill-and-rerun tests (issue #6): failpoint("name") kills the process
// with SIGKILL — no cleanup, no flush, like `kill -9` or the OOM killer — when the environment
// variable CANBAO_FAILPOINT equals "name". Unset (always, outside tests) it costs one comparison
// against a cached null pointer. Issue #17: with CANBAO_FAILPOINT_RANK=R as well, only MPI rank R
// (its launcher's OMPI_COMM_WORLD_RANK / PMIX_RANK) is killed.
#pragma once

#include <csignal>
#include <cstdlib>
#include <string_view>

namespace canbao {

inline bool failpoint_rank_matches() {
  const char* wanted = std::getenv("CANBAO_FAILPOINT_RANK");
  if (wanted == nullptr) return true;
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  if (rank == nullptr) rank = std::getenv("PMIX_RANK");
  return rank != nullptr && std::string_view(rank) == wanted;
}

inline void failpoint(std::string_view name) {
  static const char* const armed = std::getenv("CANBAO_FAILPOINT");
  if (armed != nullptr && name == armed && failpoint_rank_matches()) std::raise(SIGKILL);
}

}  // namespace canbao
