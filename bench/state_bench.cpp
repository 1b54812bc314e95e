// The SPEC §7 state (issue #13, engine/include/canbao/state/state_store.h) with 1M and 25M persons
// per run, generated like a city (tests/unit/state_test_util.h: keys region · birth date ·
// sequence, ~1.5 cases per 100 persons (the synthetic city: 1.4), 8 plan rows, 3 feeds):
//   BM_StateCommit/N   Open + commit_run of a new as_of + close, into a state holding two runs of
//                      N persons (so a third run's persons and active cases are pruned: the steady
//                      state of daily runs). Close includes SQLite's final checkpoint.
//   BM_StateReplace/N  the same for the latest as_of again (its rows deleted first)
//   BM_StateLoad/N     Open + run_before(latest + 1): the latest run loaded whole (persons decoded)
// Counters: persons_MB (snapshot bytes of one run), file_MB (the state after the run),
// commit_s and close_s (the parts of the time). The state lives in the system temp dir.
//   ./build/bench/canbao_bench --benchmark_filter='BM_State'
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "canbao/core/date.h"
#include "canbao/state/state_store.h"
#include "state_test_util.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const Day kFirst = day_from_ymd(2026, 11, 2);

/// The generated runs (by size) and a state file per benchmark, removed at exit.
const StateRun& generated_run(size_t persons) {
  static std::map<size_t, StateRun> runs;
  auto it = runs.find(persons);
  if (it == runs.end()) {
    runs.clear();  // one size at a time (25M persons take 400 MB)
    it = runs.emplace(persons, testing::make_state_run(kFirst, persons, 1)).first;
  }
  return it->second;
}

struct TempState {
  TempState() {
    std::string pattern = (fs::temp_directory_path() / "canbao-state-bench-XXXXXX").string();
    dir = ::mkdtemp(pattern.data()) ? pattern : std::string(".");
    path = dir + "/bench.state.db";
  }
  ~TempState() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string dir, path;
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void commit_or_fail(const std::string& path, const StateRun& run, benchmark::State& state, double* commit_s = nullptr,
                    double* close_s = nullptr) {
  auto store = StateStore::Open(path);
  if (!store.ok()) return state.SkipWithError(store.status().message().c_str());
  const auto start = Clock::now();
  const Status status = (*store)->commit_run(run);
  if (commit_s) *commit_s += seconds_since(start);
  if (!status.ok()) return state.SkipWithError(status.message().c_str());
  const auto closing = Clock::now();
  store = Status::Error("closed");  // destroys the store: rollback of the lock, checkpoint, close
  if (close_s) *close_s += seconds_since(closing);
}

void add_sizes(benchmark::State& state, const std::string& path, const StateRun& run) {
  state.counters["persons"] = static_cast<double>(run.persons.size());
  state.counters["cases"] = static_cast<double>(run.cases.size());
  state.counters["file_MB"] = static_cast<double>(fs::file_size(path)) / 1e6;
}

// Two runs of N persons in a fresh state, then per iteration a run at the next as_of, or (replace)
// at the latest as_of again.
void commit_benchmark(benchmark::State& state, bool replace) {
  StateRun run = generated_run(static_cast<size_t>(state.range(0)));
  TempState tmp;
  run.as_of = kFirst;
  commit_or_fail(tmp.path, run, state);
  run.as_of = kFirst + 1;
  commit_or_fail(tmp.path, run, state);
  double commit_s = 0, close_s = 0;
  for (auto _ : state) {
    if (!replace) run.as_of += 1;
    commit_or_fail(tmp.path, run, state, &commit_s, &close_s);
  }
  state.counters["commit_s"] = commit_s / static_cast<double>(state.iterations());
  state.counters["close_s"] = close_s / static_cast<double>(state.iterations());
  add_sizes(state, tmp.path, run);
}

void BM_StateCommit(benchmark::State& state) { commit_benchmark(state, false); }
void BM_StateReplace(benchmark::State& state) { commit_benchmark(state, true); }

void BM_StateLoad(benchmark::State& state) {
  StateRun run = generated_run(static_cast<size_t>(state.range(0)));
  TempState tmp;
  commit_or_fail(tmp.path, run, state);
  for (auto _ : state) {
    auto store = StateStore::Open(tmp.path, StateStore::Access::kReadOnly);
    if (!store.ok()) return state.SkipWithError(store.status().message().c_str());
    auto loaded = (*store)->run_before(run.as_of + 1);
    if (!loaded.ok() || !loaded->has_value() || (*loaded)->persons.size() != run.persons.size())
      return state.SkipWithError("run_before did not load the run");
    benchmark::DoNotOptimize(loaded);
  }
  add_sizes(state, tmp.path, run);
}

BENCHMARK(BM_StateCommit)->Arg(1'000'000)->Arg(25'000'000)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_StateReplace)->Arg(1'000'000)->Arg(25'000'000)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_StateLoad)->Arg(1'000'000)->Arg(25'000'000)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace
}  // namespace canbao
