// Cross-matching on a synthetic city: run_synth() writes a 200k-person city into a temp dir once
// per process and ingest_manifest() indexes it (both untimed, ~seconds); then
//   BM_Link               link_fallback() over the segments (records/s)
//   BM_Match              run_match(): merge-join + rules, the writer only counts bytes
//                         (persons/s, records/s; output text produced per second as bytes/s)
//   BM_OutputWrite        writing the rows BM_Match produces to the five per-person CSVs the way
//                         run_job does (fopen, 1 MiB stdio buffer, one fwrite per partition, fclose)
//   BM_RunJobReusedIndex  run_job() end to end with the index reused: manifest, segment checks and
//                         mapping, linking, quarantine.csv, match, all outputs, rename (persons/s)
// Default thread count (all cores). The temp dir is removed at exit. Run in Release:
//   ./build/bench/canbao_bench --benchmark_filter='BM_(Link|Match|OutputWrite|RunJob)'
#include <benchmark/benchmark.h>
#include <oneapi/tbb/task_arena.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "canbao/ingest/adapter_registry.h"
#include "canbao/ingest/ingest.h"
#include "canbao/job/health.h"
#include "canbao/job/person_outputs.h"
#include "canbao/job/run_job.h"
#include "canbao/manifest/manifest.h"
#include "canbao/match/linker.h"
#include "canbao/match/matcher.h"
#include "canbao/rules/rules.h"
#include "canbao/synth/synth.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kPersons = 200'000;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// The synthesized, ingested city, shared by every benchmark of this file; its temp dir is
/// removed at exit.
struct City {
  fs::path dir;
  std::string manifest_path;
  Manifest manifest;
  std::unique_ptr<AdapterRegistry> registry;
  std::vector<IngestedFeed> ingested;
  std::vector<const Segment*> segments;
  LinkResult links;
  uint64_t records = 0;  // accepted records of every segment + fallback-linked records
  uint64_t feed_bytes = 0;
  uint64_t persons = 0;
  std::vector<std::array<std::string, kOutputFileCount>> partitions;  // the rows run_match produces
  uint64_t output_bytes = 0;
  std::string error;

  City() {
    std::string templ = (fs::temp_directory_path() / "canbao-match-bench-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
      error = "cannot create a temp dir";
      return;
    }
    dir = templ;
    const Status st = build();
    if (!st.ok()) error = st.message();
  }
  ~City() {
    segments.clear();
    ingested.clear();  // unmaps the segments
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }

  Status build() {
    auto start = Clock::now();
    SynthOptions options;
    options.persons = kPersons;
    options.seed = 1;
    options.out_dir = (dir / "city").string();
    SynthReport synth;
    std::string synth_error;
    if (!run_synth(options, synth, synth_error)) return Status::Error("synth: " + synth_error);
    const double synth_seconds = seconds_since(start);
    feed_bytes = synth.bytes;

    start = Clock::now();
    manifest_path = synth.manifest_path;
    CANBAO_RETURN_IF_ERROR(load_manifest(manifest_path, today_local(), manifest));
    CANBAO_ASSIGN_OR_RETURN(registry, AdapterRegistry::MakeWithBuiltins());
    IngestOptions ingest_options;
    ingest_options.index_dir = index_dir();
    CANBAO_RETURN_IF_ERROR(ingest_manifest(manifest, *registry, ingest_options, ingested));
    for (const IngestedFeed& feed : ingested) segments.push_back(feed.segment.get());
    const double ingest_seconds = seconds_since(start);

    link_fallback(segments, manifest.settings.as_of, links);
    for (const Segment* segment : segments) records += segment->record_count();
    records += links.linked.size();

    MatchStats stats;
    const OutreachExportOptions no_exports;
    const MotherDistricts mothers = collect_mother_districts(segments, links, standing_health(segments, links), manifest.settings);
    EvalContext context;
    context.mothers = &mothers;
    MatchCallbacks callbacks;
    callbacks.make_task = [&] { return std::make_unique<PersonOutputs>(manifest.settings, no_exports, context); };
    callbacks.finish_task = [&](PartitionTask& task) {
      const auto& rows = static_cast<PersonOutputs&>(task).text;
      partitions.push_back(rows.text);
      for (const std::string& text : rows.text) output_bytes += text.size();
      return Status::OK();
    };
    CANBAO_RETURN_IF_ERROR(for_each_person(segments, links, callbacks, stats));
    persons = stats.persons;
    std::fprintf(stderr,
                 "match_bench city: %llu persons synthesized (%zu feeds, %.1f MiB) in %.1f s, ingested in %.1f s; "
                 "%llu records (%zu fallback-linked), %llu persons matched, %.1f MiB of output rows\n",
                 static_cast<unsigned long long>(kPersons), synth.feeds.size(),
                 static_cast<double>(feed_bytes) / (1 << 20), synth_seconds, ingest_seconds,
                 static_cast<unsigned long long>(records), links.linked.size(),
                 static_cast<unsigned long long>(persons), static_cast<double>(output_bytes) / (1 << 20));
    return Status::OK();
  }

  std::string index_dir() const { return (dir / "index").string(); }
};

City& city() {
  static City instance;
  return instance;
}

bool city_ready(benchmark::State& state) {
  if (!city().error.empty()) {
    state.SkipWithError(city().error.c_str());
    return false;
  }
  return true;
}

void set_rate(benchmark::State& state, const char* name, double per_iteration) {
  state.counters[name] = benchmark::Counter(per_iteration * static_cast<double>(state.iterations()),
                                            benchmark::Counter::kIsRate);
}

void BM_Link(benchmark::State& state) {
  if (!city_ready(state)) return;
  const City& c = city();
  uint64_t records = 0;  // every record the linker reads: accepted (known keys) and pending
  for (const Segment* segment : c.segments) records += segment->record_count() + segment->pending_count();
  size_t linked = 0;
  for (auto _ : state) {
    LinkResult links;
    link_fallback(c.segments, c.manifest.settings.as_of, links);
    linked = links.linked.size();
    benchmark::DoNotOptimize(links.linked.data());
  }
  set_rate(state, "records", static_cast<double>(records));
  state.counters["linked"] = static_cast<double>(linked);
}
BENCHMARK(BM_Link)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Match(benchmark::State& state) {
  if (!city_ready(state)) return;
  const City& c = city();
  uint64_t bytes = 0;
  uint64_t persons = 0;
  for (auto _ : state) {
    MatchStats stats;
    const OutreachExportOptions no_exports;
    const MotherDistricts mothers = collect_mother_districts(c.segments, c.links, standing_health(c.segments, c.links), c.manifest.settings);
    EvalContext context;
    context.mothers = &mothers;
    MatchCallbacks callbacks;
    callbacks.make_task = [&] { return std::make_unique<PersonOutputs>(c.manifest.settings, no_exports, context); };
    callbacks.finish_task = [&bytes](PartitionTask& task) {
      for (const std::string& text : static_cast<PersonOutputs&>(task).text.text) bytes += text.size();
      return Status::OK();
    };
    const Status st = for_each_person(c.segments, c.links, callbacks, stats);
    if (!st.ok()) {
      state.SkipWithError(st.message().c_str());
      return;
    }
    persons = stats.persons;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));  // output text produced
  set_rate(state, "persons", static_cast<double>(persons));
  set_rate(state, "records", static_cast<double>(c.records));
  state.counters["threads"] = tbb::this_task_arena::max_concurrency();
}
BENCHMARK(BM_Match)->Unit(benchmark::kMillisecond)->UseRealTime();

/// run_job's output stream: stdio with a 1 MiB buffer.
bool write_outputs(const City& c, const fs::path& out_dir) {
  const char* const* kNames = kOutputNames;
  const char* const* kHeaders = kOutputHeaders;
  std::array<FILE*, kOutputFileCount> files{};
  bool ok = true;
  for (int file = 0; file < kOutputFileCount; ++file) {
    files[file] = std::fopen((out_dir / kNames[file]).c_str(), "wb");
    if (files[file] == nullptr) return false;
    std::setvbuf(files[file], nullptr, _IOFBF, 1 << 20);
    ok &= std::fputs(kHeaders[file], files[file]) >= 0;
  }
  for (const auto& texts : c.partitions)
    for (int file = 0; file < kOutputFileCount; ++file)
      if (!texts[file].empty()) ok &= std::fwrite(texts[file].data(), 1, texts[file].size(), files[file]) == texts[file].size();
  for (FILE* file : files) ok &= std::fclose(file) == 0;
  return ok;
}

void BM_OutputWrite(benchmark::State& state) {
  if (!city_ready(state)) return;
  const City& c = city();
  const fs::path out_dir = c.dir / "output-write";
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  for (auto _ : state) {
    if (!write_outputs(c, out_dir)) {
      state.SkipWithError("cannot write the output files");
      return;
    }
    state.PauseTiming();
    fs::remove_all(out_dir, ec);  // run_job writes fresh files into a new staging dir each run
    fs::create_directories(out_dir, ec);
    state.ResumeTiming();
  }
  fs::remove_all(out_dir, ec);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.output_bytes));
  set_rate(state, "persons", static_cast<double>(c.persons));
  state.counters["partitions"] = static_cast<double>(c.partitions.size());
}
BENCHMARK(BM_OutputWrite)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RunJobReusedIndex(benchmark::State& state) {
  if (!city_ready(state)) return;
  const City& c = city();
  RunOptions options;
  options.manifest_path = c.manifest_path;
  options.out_dir = (c.dir / "out").string();
  options.index_dir = c.index_dir();
  uint64_t persons = 0;
  bool all_reused = true;
  for (auto _ : state) {
    RunReport report;
    const Status st = run_job(options, report);
    if (!st.ok()) {
      state.SkipWithError(st.message().c_str());
      return;
    }
    persons = report.match.persons;
    for (const FeedCounts& feed : report.feeds) all_reused &= feed.reused;
  }
  if (!all_reused) {
    state.SkipWithError("run_job rebuilt index segments: the fixture's index was not reused");
    return;
  }
  set_rate(state, "persons", static_cast<double>(persons));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.output_bytes));  // per-person outputs
}
BENCHMARK(BM_RunJobReusedIndex)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace canbao
