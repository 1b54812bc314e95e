// SPEC §8 pre-check latency (issue #14): PersonIndex::precheck() — gather the person from every
// segment and the links, the §4 facts at t, P1–P8 — one call at a time on a real index, for random
// IDs the index knows and random valid IDs it does not. Each call is timed on its own; the counters
// give the per-call p50, p99 and max in microseconds (the benchmark's own time is their mean).
//   BM_PrecheckKnown    IDs of records drawn at random from the segments (by record, so a person
//                       with more records is drawn more often), scheme employee and resident by turns
//   BM_PrecheckUnknown  valid IDs the index does not hold (no records: P1, then the allow path)
// The index: $CANBAO_BENCH_INDEX (an OUT.index written by `canbao run`, e.g. of a 25M city), else a
// 20k-person synthetic city synthesized and run into a temp dir at start-up (untimed, removed at
// exit). Run in Release, one thread (a pre-check is one request):
//   CANBAO_BENCH_INDEX=/tmp/out.index ./build/bench/canbao_bench --benchmark_filter=BM_Precheck
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "canbao/core/date.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/index/index_dir.h"
#include "canbao/job/run_job.h"
#include "canbao/query/person_index.h"
#include "canbao/synth/synth.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kDefaultPersons = 20'000;
constexpr size_t kSampleIds = 4096;
constexpr int64_t kCalls = 20'000;  // per benchmark: enough calls for a p99 of 200 samples

/// The index under test, opened once per process, with its sampled IDs.
struct PrecheckFixture {
  fs::path temp;  // the default city's temp dir (empty with CANBAO_BENCH_INDEX)
  std::string index_dir;
  std::unique_ptr<PersonIndex> index;
  std::vector<std::string> known, unknown;
  std::string error;

  PrecheckFixture() {
    const Status status = build();
    if (!status.ok()) error = status.message();
  }
  ~PrecheckFixture() {
    index.reset();
    std::error_code ec;
    if (!temp.empty()) fs::remove_all(temp, ec);
  }

  Status build() {
    if (const char* given = std::getenv("CANBAO_BENCH_INDEX"); given != nullptr && *given != '\0') {
      index_dir = given;
    } else {
      CANBAO_RETURN_IF_ERROR(make_default_index());
    }
    CANBAO_RETURN_IF_ERROR(sample_ids());
    const auto start = Clock::now();
    CANBAO_ASSIGN_OR_RETURN(index, PersonIndex::Open(index_dir));
    std::fprintf(stderr, "precheck_bench: index %s (%zu segments, as_of %s) opened in %.2f s\n", index_dir.c_str(),
                 index->segment_count(), format_date(index->settings().as_of).c_str(),
                 std::chrono::duration<double>(Clock::now() - start).count());
    return Status::OK();
  }

  Status make_default_index() {
    std::string pattern = (fs::temp_directory_path() / "canbao-precheck-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return Status::Error("cannot create a temp dir");
    temp = pattern;
    SynthOptions synth;
    synth.persons = kDefaultPersons;
    synth.seed = 1;
    synth.out_dir = (temp / "city").string();
    SynthReport synth_report;
    std::string synth_error;
    if (!run_synth(synth, synth_report, synth_error)) return Status::Error("synth: " + synth_error);
    RunOptions run;
    run.manifest_path = synth_report.manifest_path;
    run.out_dir = (temp / "out").string();
    RunReport report;
    CANBAO_RETURN_IF_ERROR(run_job(run, report));
    index_dir = report.index_dir;
    return Status::OK();
  }

  /// Known IDs: the keys of random records; unknown: random valid IDs no segment holds. The
  /// segments are opened here once more and closed before the timed index is opened.
  Status sample_ids() {
    CANBAO_ASSIGN_OR_RETURN(OpenedIndex opened, open_index(index_dir));
    std::vector<uint64_t> ends;  // cumulative record counts
    uint64_t total = 0;
    for (const auto& segment : opened.segments) ends.push_back(total += segment->record_count());
    if (total == 0) return Status::Error(index_dir + ": the index holds no records");
    std::mt19937_64 rng(14);
    while (known.size() < kSampleIds) {
      const uint64_t pick = rng() % total;
      const size_t seg = static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), pick) - ends.begin());
      const uint64_t first = seg == 0 ? 0 : ends[seg - 1];
      known.push_back(format_citizen_id(opened.segments[seg]->key_at(pick - first)));
    }
    static constexpr uint64_t kRegions[] = {350203, 350205, 350206, 350211, 350212, 350213, 440105, 350102};
    const auto held = [&](PersonKey key) {
      for (const auto& segment : opened.segments) {
        const size_t at = segment->lower_bound(key);
        if (at < segment->record_count() && segment->key_at(at) == key) return true;
      }
      return false;
    };
    while (unknown.size() < kSampleIds) {
      const uint64_t birth = (1940 + rng() % 80) * 10000 + (1 + rng() % 12) * 100 + (1 + rng() % 28);
      const PersonKey key = kRegions[rng() % std::size(kRegions)] * 100'000'000'000ULL + birth * 1000 + rng() % 1000;
      if (!held(key)) unknown.push_back(format_citizen_id(key));
    }
    return Status::OK();
  }
};

PrecheckFixture& fixture() {
  static PrecheckFixture instance;
  return instance;
}

/// The value at quantile q of sorted samples (nearest rank).
double quantile(const std::vector<double>& sorted, double q) {
  const size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

void run_prechecks(benchmark::State& state, const std::vector<std::string>& ids) {
  PrecheckFixture& fx = fixture();
  if (!fx.error.empty()) {
    state.SkipWithError(fx.error.c_str());
    return;
  }
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(kCalls));
  PrecheckRequest request;
  request.region = fx.index->settings().city;  // the pooling area itself: local (P1)
  size_t next = 0;
  uint64_t allowed = 0;
  for (auto _ : state) {
    request.id = ids[next % ids.size()];
    request.scheme = next % 2 == 0 ? Scheme::kEmployee : Scheme::kResident;
    ++next;
    const auto start = Clock::now();
    const PrecheckAnswer answer = fx.index->precheck(request);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    allowed += answer.decision == PrecheckDecision::kAllow || answer.decision == PrecheckDecision::kAllowWithActions;
    benchmark::DoNotOptimize(answer);
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = quantile(micros, 0.50);
  state.counters["p99_us"] = quantile(micros, 0.99);
  state.counters["max_us"] = micros.back();
  state.counters["allowed_share"] = static_cast<double>(allowed) / static_cast<double>(micros.size());
  state.counters["segments"] = static_cast<double>(fx.index->segment_count());
}

void BM_PrecheckKnown(benchmark::State& state) { run_prechecks(state, fixture().known); }
BENCHMARK(BM_PrecheckKnown)->Iterations(kCalls)->Unit(benchmark::kMicrosecond);

void BM_PrecheckUnknown(benchmark::State& state) { run_prechecks(state, fixture().unknown); }
BENCHMARK(BM_PrecheckUnknown)->Iterations(kCalls)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace canbao
