// Failures inside the oneTBB pipelines (issue #6): an error in the output stage of the match
// pipeline, or in a chunk of the ingestion pipeline, stops the pipeline and comes back as that
// error. Regression: the input stage used to read the error state while the output stage wrote it
// (a data race ThreadSanitizer found); these tests run under TSan in CI.
#include <gtest/gtest.h>

#include <oneapi/tbb/global_control.h>

#include <cstdio>
#include <string>
#include <vector>

#include "canbao/identity/citizen_id.h"
#include "canbao/index/segment_builder.h"
#include "canbao/index/segment_reader.h"
#include "canbao/ingest/adapter_registry.h"
#include "canbao/ingest/ingest.h"
#include "canbao/match/matcher.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::TempDir;

// A tax feed of `persons` valid persons, one record each (enough for several match partitions).
std::string tax_feed(int persons) {
  std::string text;
  for (int idx = 0; idx < persons; ++idx) {
    const PersonKey key = (350203ULL * 100000000 + 19800101 + (idx / 900) % 28) * 1000 + idx % 900;
    text += "{\"id\":\"" + format_citizen_id(key) +
            "\",\"scheme\":\"employee\",\"region\":\"350203\",\"from\":\"2026-01\",\"to\":\"2026-12\","
            "\"paid_on\":\"2026-01-15\"}\n";
  }
  return text;
}

FeedSpec tax_spec(const std::string& dir) {
  FeedSpec feed;
  feed.agency = Agency::kTax;
  feed.path = "tax.ndjson";
  feed.resolved_path = dir + "/tax.ndjson";
  feed.format = "ndjson";
  return feed;
}

TEST(PipelineErrors, MatchWriterFailureStopsTheMatchWithThatError) {
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, 2);
  TempDir tmp;
  testing::write_file(tmp / "tax.ndjson", tax_feed(25000));
  auto registry = AdapterRegistry::MakeWithBuiltins().value();
  SegmentData data;
  ASSERT_TRUE(ingest_feed(tax_spec(tmp.path()), 0, day_from_ymd(2026, 11, 22), *registry, 1 << 16, data).ok());
  sort_segment_records(data);
  // The match splits the persons into partitions by record count: eight segments of the same
  // records make enough of them for several to be in flight when the writer fails.
  std::vector<std::unique_ptr<Segment>> owned;
  std::vector<const Segment*> segments;
  for (int copy = 0; copy < 8; ++copy) {
    const std::string path = tmp / ("seg" + std::to_string(copy));
    ASSERT_TRUE(write_segment(data, path).ok());
    auto opened = Segment::Open(path);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    owned.push_back(std::move(opened).value());
    segments.push_back(owned.back().get());
  }
  struct CountPersons final : PartitionTask {
    void person(const PersonView&) override { ++persons; }
    int persons = 0;
  };
  int calls = 0;
  MatchStats stats;
  MatchCallbacks callbacks;
  callbacks.make_task = [] { return std::make_unique<CountPersons>(); };
  callbacks.finish_task = [&](PartitionTask&) { return ++calls == 2 ? Status::Error("out: disk full") : Status::OK(); };
  const Status status = for_each_person(segments, LinkResult{}, callbacks, stats);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "out: disk full");
  EXPECT_EQ(calls, 2);  // the writer is not called again after its failure
  EXPECT_GT(stats.partitions, 2u);
}

// An adapter whose parse fails on one chunk in the middle of the feed.
int64_t failing_parse(void*, size_t begin, size_t end, const canbao_record_sink* sink, char* err, size_t err_size) {
  if (begin >= 40000 && begin < 80000) {
    std::snprintf(err, err_size, "line-ish trouble at byte %zu", begin);
    return -1;
  }
  int64_t lines = 0;
  for (size_t pos = begin; pos < end; pos += 10) {
    canbao_kv kv{CANBAO_F_ID, CANBAO_VALUE_TEXT, "", 0};
    sink->emit(sink->user, static_cast<uint64_t>(lines++), &kv, 1);
  }
  return lines;
}

TEST(PipelineErrors, AChunkErrorStopsTheIngestionWithThatError) {
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, 2);
  canbao_adapter adapter{};
  adapter.abi_version = CANBAO_ADAPTER_ABI_VERSION;
  adapter.struct_size = sizeof(canbao_adapter);
  adapter.name = "failing";
  static int context = 0;
  adapter.open = [](const canbao_feed_options*, const char*, size_t, char*, size_t) -> void* { return &context; };
  adapter.body_start = [](void*, uint64_t* first_line) -> size_t {
    *first_line = 1;
    return 0;
  };
  adapter.chunk_end = [](void*, size_t begin, size_t target) -> size_t { return begin + target; };
  adapter.parse = failing_parse;
  adapter.close = [](void*) {};
  const std::string bytes(400000, '\n');
  FeedSpec feed;
  feed.agency = Agency::kTax;
  feed.path = "x.dat";
  SegmentData data;
  const Status status =
      ingest_bytes(&adapter, feed, 0, day_from_ymd(2026, 11, 22), bytes.data(), bytes.size(), 10000, data);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message().rfind("x.dat: line-ish trouble at byte 40000", 0), 0u) << status.message();
}

}  // namespace
}  // namespace canbao
