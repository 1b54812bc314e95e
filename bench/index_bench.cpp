// Ingestion into segment data and the index segment itself, on a generated 1M-record tax feed
// (NDJSON lines with valid citizen IDs, ~190 bytes each, parsed in the engine's 4 MiB chunks):
//   BM_IngestNdjsonFeed  ingest_bytes(): parse + decode + ID check into SegmentData (all threads)
//   BM_IndexSort         sort_segment_records(): the key sort of 1M records
//   BM_IndexWrite        write_segment(): gather, rebase and write the segment file (temp dir)
//   BM_SegmentOpen       Segment::Open(): map (MAP_POPULATE) and validate the written segment
//   BM_IndexLookup       Segment::lower_bound() for random present keys
// The feed is generated in memory once per process (deterministic RNG); the temp dir is removed
// at exit. Run in Release:
//   ./build/bench/canbao_bench --benchmark_filter='BM_(IngestNdjsonFeed|Index|SegmentOpen)'
#include <benchmark/benchmark.h>
#include <oneapi/tbb/task_arena.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_data.h"
#include "canbao/core/date.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/index/segment_builder.h"
#include "canbao/index/segment_reader.h"
#include "canbao/ingest/adapter_registry.h"
#include "canbao/ingest/ingest.h"
#include "canbao/manifest/manifest.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;

constexpr size_t kRecords = 1'000'000;
constexpr size_t kChunkBytes = size_t{4} << 20;  // the engine's default chunk size

const Day kAsOf = day_from_ymd(2026, 11, 22);

const int kRegions[] = {350203, 350205, 350206, 350211, 350212, 350213, 440105, 350102};

/// A random valid person key: region, birth date 1940-01-01..2019-12-28, sequence number.
PersonKey random_key(std::mt19937_64& rng) {
  const int year = 1940 + static_cast<int>(rng() % 80);
  const int month = 1 + static_cast<int>(rng() % 12);
  const int day = 1 + static_cast<int>(rng() % 28);
  const uint64_t region = static_cast<uint64_t>(kRegions[rng() % std::size(kRegions)]);
  const uint64_t birth = static_cast<uint64_t>(year * 10000 + month * 100 + day);
  return region * 100'000'000'000ULL + birth * 1000 + rng() % 1000;
}

/// One tax NDJSON line per record, keys in random order (as a feed arrives: not sorted by ID).
const std::string& tax_feed() {
  static const std::string feed = [] {
    std::mt19937_64 rng(42);
    std::string out;
    out.reserve(kRecords * 200);
    char buf[512];
    for (size_t idx = 0; idx < kRecords; ++idx) {
      const std::string id = format_citizen_id(random_key(rng));
      const std::string name = bench::person_name(rng);
      const unsigned month = 1 + static_cast<unsigned>(rng() % 11);
      std::snprintf(buf, sizeof buf,
                    "{\"id\": \"%s\", \"name\": \"%s\", \"scheme\": \"%s\", \"region\": \"%d\", \"from\": \"2026-%02u\", "
                    "\"to\": \"2026-%02u\", \"paid_on\": \"2026%02u15\", \"back_pay\": %s, \"amount\": %u.5, "
                    "\"payer\": \"9135020%09zu\"}\n",
                    id.c_str(), name.c_str(), rng() % 3 ? "employee" : "resident", kRegions[rng() % 6], month, month,
                    month, rng() % 5 ? "false" : "true", 100 + static_cast<unsigned>(rng() % 900), idx % 50000);
      out += buf;
    }
    return out;
  }();
  return feed;
}

FeedSpec tax_feed_spec() {
  FeedSpec feed;
  feed.agency = Agency::kTax;
  feed.path = "tax.ndjson";
  feed.resolved_path = "tax.ndjson";
  feed.format = "ndjson";
  return feed;
}

const canbao_adapter* ndjson_adapter() {
  static const std::unique_ptr<AdapterRegistry> registry = AdapterRegistry::MakeWithBuiltins().value();
  return registry ? registry->find("ndjson") : nullptr;
}

Status ingest_tax_feed(SegmentData& out) {
  const std::string& feed = tax_feed();
  return ingest_bytes(ndjson_adapter(), tax_feed_spec(), 0, kAsOf, feed.data(), feed.size(), kChunkBytes, out);
}

/// A temp dir removed at exit, the feed's segment data (ingested and sorted once), and the
/// segment written from it.
struct IndexFixture {
  fs::path dir;
  std::string segment_path;
  SegmentData data;
  std::unique_ptr<Segment> segment;
  std::string error;

  IndexFixture() {
    std::string templ = (fs::temp_directory_path() / "canbao-index-bench-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
      error = "cannot create a temp dir";
      return;
    }
    dir = templ;
    segment_path = (dir / "feed-0.seg").string();
    Status st = ingest_tax_feed(data);
    if (st.ok() && data.record_count() != kRecords) st = Status::Error("unexpected rejects in the generated feed");
    if (st.ok()) {
      sort_segment_records(data);
      st = write_segment(data, segment_path);
    }
    if (st.ok()) {
      auto opened = Segment::Open(segment_path);
      if (opened.ok())
        segment = std::move(opened).value();
      else
        st = opened.status();
    }
    if (!st.ok()) error = st.message();
  }
  ~IndexFixture() {
    segment.reset();
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

IndexFixture& fixture() {
  static IndexFixture instance;
  return instance;
}

void set_rate(benchmark::State& state, const char* name, double per_iteration) {
  state.counters[name] = benchmark::Counter(per_iteration * static_cast<double>(state.iterations()),
                                            benchmark::Counter::kIsRate);
}

void BM_IngestNdjsonFeed(benchmark::State& state) {
  const std::string& feed = tax_feed();
  if (ndjson_adapter() == nullptr) {
    state.SkipWithError("no ndjson adapter");
    return;
  }
  SegmentData data;
  size_t records = 0;
  for (auto _ : state) {
    Status st = ingest_tax_feed(data);
    if (!st.ok()) {
      state.SkipWithError(st.message().c_str());
      return;
    }
    records = data.record_count();
    state.PauseTiming();
    data = SegmentData{};  // freeing the previous run's chunks is not part of ingestion
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * feed.size()));
  set_rate(state, "records", static_cast<double>(records));
  state.counters["threads"] = tbb::this_task_arena::max_concurrency();
}
BENCHMARK(BM_IngestNdjsonFeed)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_IndexSort(benchmark::State& state) {
  IndexFixture& fx = fixture();
  if (!fx.error.empty()) {
    state.SkipWithError(fx.error.c_str());
    return;
  }
  for (auto _ : state) {
    sort_segment_records(fx.data);  // rebuilds data.order from the chunks every time
    benchmark::DoNotOptimize(fx.data.order.data());
  }
  set_rate(state, "records", static_cast<double>(fx.data.order.size()));
  state.counters["chunks"] = static_cast<double>(fx.data.record_chunks.size());
}
BENCHMARK(BM_IndexSort)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_IndexWrite(benchmark::State& state) {
  IndexFixture& fx = fixture();
  if (!fx.error.empty()) {
    state.SkipWithError(fx.error.c_str());
    return;
  }
  const std::string path = (fx.dir / "write-bench.seg").string();
  for (auto _ : state) {
    Status st = write_segment(fx.data, path);  // replaces the previous iteration's file
    if (!st.ok()) {
      state.SkipWithError(st.message().c_str());
      return;
    }
  }
  std::error_code ec;
  const uintmax_t file_size = fs::file_size(path, ec);
  fs::remove(path, ec);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * file_size));
  set_rate(state, "records", static_cast<double>(fx.data.order.size()));
  state.counters["file_MiB"] = static_cast<double>(file_size) / (1 << 20);
}
BENCHMARK(BM_IndexWrite)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SegmentOpen(benchmark::State& state) {
  IndexFixture& fx = fixture();
  if (!fx.error.empty()) {
    state.SkipWithError(fx.error.c_str());
    return;
  }
  for (auto _ : state) {
    auto opened = Segment::Open(fx.segment_path);
    if (!opened.ok()) {
      state.SkipWithError(opened.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize((*opened)->key_at(0));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * fx.segment->header().file_size));
}
BENCHMARK(BM_SegmentOpen)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_IndexLookup(benchmark::State& state) {
  IndexFixture& fx = fixture();
  if (!fx.error.empty()) {
    state.SkipWithError(fx.error.c_str());
    return;
  }
  const Segment& segment = *fx.segment;
  std::mt19937_64 rng(7);
  std::vector<PersonKey> keys(1 << 16);
  for (PersonKey& key : keys) key = segment.key_at(rng() % segment.record_count());
  size_t idx = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(segment.lower_bound(keys[idx]));
    idx = (idx + 1) & (keys.size() - 1);
  }
  set_rate(state, "lookups", 1.0);
  state.counters["records"] = static_cast<double>(segment.record_count());
}
BENCHMARK(BM_IndexLookup);

}  // namespace
}  // namespace canbao
