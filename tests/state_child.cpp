// The state tests' child process (tests/unit/state_store_test.cpp): commits a generated run
// (testing::make_state_run) to a state file, so that a test can kill it at a failpoint
// (CANBAO_FAILPOINT=state.…) or let it hit a file size limit, and then check the state it left.
//
//   canbao_state_child STATE AS_OF PERSONS SEED [FILE_SIZE_LIMIT_BYTES]
//
// Exit 0: committed; 1: an error (its line on stderr); 2: bad usage.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "unit/state_test_util.h"

int main(int argc, char** argv) {
  using namespace canbao;
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: canbao_state_child STATE AS_OF PERSONS SEED [FILE_SIZE_LIMIT_BYTES]\n");
    return 2;
  }
  const auto as_of = parse_date(argv[2]);
  if (!as_of) return 2;
  const StateRun run = testing::make_state_run(*as_of, std::strtoull(argv[3], nullptr, 10), std::strtoull(argv[4], nullptr, 10));
  auto store = StateStore::Open(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    return 1;
  }
  if (argc == 6) {
    // A full disk: writes past the limit fail with EFBIG (the signal they would raise is ignored).
    std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit;
    limit.rlim_cur = limit.rlim_max = std::strtoull(argv[5], nullptr, 10);
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
  }
  const Status status = (*store)->commit_run(run);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return 1;
  }
  std::printf("committed %s\n", argv[2]);
  return 0;
}
