// Ingestion (issue #2): the oneTBB pipeline gives byte-identical segments at 1 and 2 threads and
// with any chunk size; line numbers are physical lines; per feed read = accepted + rejected.
#include <gtest/gtest.h>

#include <oneapi/tbb/global_control.h>

#include <unistd.h>

#include <cstring>
#include <tuple>
#include <vector>

#include "canbao/index/segment_builder.h"
#include "canbao/index/segment_reader.h"
#include "canbao/ingest/ingest.h"
#include "canbao/manifest/manifest.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::read_file;
using testing::TempDir;

std::string ndjson_feed() {
  std::string text;
  for (int idx = 0; idx < 3000; ++idx) {
    // Valid IDs of the sample city's shape, some rejected, a blank line and a bad JSON line.
    const char* ids[] = {"350203198805208738", "350205197407148459", "350205197407148455", "",
                         "3.50203E+17", "350211199208154924"};
    text += "{\"id\": \"" + std::string(ids[idx % 6]) + "\", \"name\": \"n" + std::to_string(idx % 97) +
            "\", \"scheme\": \"职工\", \"region\": \"350203\", \"from\": \"2026-01\", \"to\": \"202612\", "
            "\"paid_on\": \"2026-01-15\", \"back_pay\": " + (idx % 5 ? "false" : "\"是\"") + "}\n";
    if (idx == 1500) text += "\n{not json\n";
  }
  return text;
}

std::string ingest_to_bytes(const std::string& dir, int threads, size_t chunk_bytes) {
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  auto registry = AdapterRegistry::MakeWithBuiltins().value();
  FeedSpec feed;
  feed.agency = Agency::kTax;
  feed.path = "tax.ndjson";
  feed.resolved_path = dir + "/tax.ndjson";
  feed.format = "ndjson";
  SegmentData data;
  const Status status = ingest_feed(feed, 2, day_from_ymd(2026, 11, 22), *registry, chunk_bytes, data);
  EXPECT_TRUE(status.ok()) << status.message();
  sort_segment_records(data);
  const std::string path = dir + "/seg-" + std::to_string(threads) + "-" + std::to_string(chunk_bytes);
  EXPECT_TRUE(write_segment(data, path).ok());
  return read_file(path);
}

TEST(Ingest, SegmentsAreByteIdenticalAtAnyThreadCountAndChunkSize) {
  TempDir tmp;
  testing::write_file(tmp / "tax.ndjson", ndjson_feed());
  const std::string reference = ingest_to_bytes(tmp.path(), 1, size_t{4} << 20);
  ASSERT_FALSE(reference.empty());
  EXPECT_EQ(ingest_to_bytes(tmp.path(), 2, size_t{4} << 20), reference);
  EXPECT_EQ(ingest_to_bytes(tmp.path(), 2, 1000), reference);  // many small chunks in flight
  EXPECT_EQ(ingest_to_bytes(tmp.path(), 1, 4096), reference);
}

// Issue #16: a segment is gathered in blocks, one group of blocks written by a task while the
// next is gathered. Tiny blocks and groups (many groups, both buffers alternating, a last group
// shorter than the others) write the same bytes as the default shape.
TEST(Ingest, SegmentBytesDoNotDependOnTheWriteBlocks) {
  TempDir tmp;
  testing::write_file(tmp / "tax.ndjson", ndjson_feed());
  const std::string reference = ingest_to_bytes(tmp.path(), 2, 1000);
  auto registry = AdapterRegistry::MakeWithBuiltins().value();
  FeedSpec feed;
  feed.agency = Agency::kTax;
  feed.path = "tax.ndjson";
  feed.resolved_path = tmp / "tax.ndjson";
  feed.format = "ndjson";
  for (const SegmentWriteShape shape : {SegmentWriteShape{1, 1}, SegmentWriteShape{7, 3}, SegmentWriteShape{64, 2},
                                        SegmentWriteShape{1499, 1}, SegmentWriteShape{100000, 16}}) {
    SegmentData data;
    ASSERT_TRUE(ingest_feed(feed, 2, day_from_ymd(2026, 11, 22), *registry, 1000, data).ok());
    sort_segment_records(data);
    const std::string path = tmp / "shaped.seg";
    ASSERT_TRUE(write_segment(data, path, shape).ok());
    EXPECT_EQ(read_file(path), reference) << shape.records_per_block << " records per block, "
                                           << shape.blocks_per_group << " blocks per group";
  }
}

TEST(Ingest, CountsAddUpAndLinesArePhysical) {
  TempDir tmp;
  testing::write_file(tmp / "tax.ndjson", ndjson_feed());
  ingest_to_bytes(tmp.path(), 2, 1000);
  auto opened = Segment::Open(tmp / "seg-2-1000");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  const std::unique_ptr<Segment> segment = std::move(opened).value();
  const SegmentHeader& header = segment->header();
  EXPECT_EQ(header.lines, 3002u);  // 3000 records + a blank line + a bad JSON line
  EXPECT_EQ(segment->feed_index(), 2u);  // every record's Origin::feed
  EXPECT_EQ(header.read_count, 3001u);  // the blank line is not a record
  EXPECT_EQ(header.read_count, header.record_count + header.pending_count + header.quarantine_count);
  EXPECT_EQ(header.record_count, 1500u);  // ids 0, 1 and 5 of every 6 are valid
  EXPECT_EQ(header.pending_count, 1500u);  // bad checksum, missing, excel_mangled
  ASSERT_EQ(header.quarantine_count, 1u);
  EXPECT_EQ(segment->quarantine()[0].line, 1503u);  // "{not json" after record 1501 and the blank line
  EXPECT_EQ(segment->str(segment->quarantine()[0].reason), "bad_json");
  // Sorted by key, lines ascending within a key.
  for (size_t idx = 1; idx < segment->record_count(); ++idx) {
    const auto* prev = reinterpret_cast<const RecordHead*>(segment->record(idx - 1));
    const auto* cur = reinterpret_cast<const RecordHead*>(segment->record(idx));
    ASSERT_TRUE(prev->key < cur->key || (prev->key == cur->key && prev->line < cur->line));
  }
}

}  // namespace
}  // namespace canbao

namespace canbao {
namespace {

// The arena of a written segment holds the records' strings in key order (format v4): the
// strings of record i come before those of record i+1, so matching reads the arena sequentially.
TEST(Ingest, SegmentArenaIsInRecordOrder) {
  TempDir tmp;
  testing::write_file(tmp / "tax.ndjson", ndjson_feed());
  ingest_to_bytes(tmp.path(), 2, 1000);
  auto opened = Segment::Open(tmp / "seg-2-1000");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  const std::unique_ptr<Segment> segment = std::move(opened).value();
  uint64_t next = 0;
  for (size_t idx = 0; idx < segment->record_count(); ++idx) {
    const auto* rec = reinterpret_cast<const TaxPacked*>(segment->record(idx));
    ASSERT_EQ(rec->head.name.off, next) << "record " << idx;
    next += rec->head.name.len;
    EXPECT_EQ(segment->str(rec->head.name).substr(0, 1), "n");
  }
  // Then the pending records' strings, then the quarantine's.
  const auto* first_pending = reinterpret_cast<const TaxPacked*>(segment->pending(0));
  EXPECT_EQ(first_pending->head.name.off, next);
  EXPECT_EQ(segment->str(segment->quarantine()[0].reason), "bad_json");
  EXPECT_LE(segment->quarantine()[0].reason.off + segment->quarantine()[0].reason.len, segment->header().arena_size);
}

std::string ingest_manifest_segments(const std::string& dir, const std::string& index, uint64_t memory_bytes,
                                     std::vector<uint32_t> order = {}) {
  Manifest manifest;
  EXPECT_TRUE(load_manifest(dir + "/manifest.json", day_from_ymd(2026, 11, 22), manifest).ok());
  auto registry = AdapterRegistry::MakeWithBuiltins().value();
  IngestOptions options;
  options.index_dir = index;
  options.chunk_bytes = 2000;
  options.memory_bytes = memory_bytes;
  options.order = std::move(order);
  std::vector<IngestedFeed> feeds;
  const Status status = ingest_manifest(manifest, *registry, options, feeds);
  EXPECT_TRUE(status.ok()) << status.message();
  std::string bytes;
  for (const IngestedFeed& feed : feeds) {
    EXPECT_FALSE(feed.reused);
    EXPECT_GT(feed.parse_seconds, 0.0);
    bytes += read_file(feed.segment->path());
  }
  return bytes;
}

// The big-city paths (next feed waits for the previous one's write; parsed feed pages dropped
// from the page cache) give the same segments as the overlapped default.
TEST(Ingest, MemoryPolicyDoesNotChangeSegments) {
  TempDir tmp;
  testing::write_file(tmp / "tax.ndjson", ndjson_feed());
  testing::write_file(tmp / "tax2.ndjson", ndjson_feed());
  testing::write_file(tmp / "manifest.json",
                      R"({"city": "350200", "as_of": "2026-11-22", "feeds": [)"
                      R"({"agency": "tax", "path": "tax.ndjson"}, {"agency": "tax", "path": "tax2.ndjson"}]})");
  const std::string overlapped = ingest_manifest_segments(tmp.path(), tmp / "index-a", 0);
  const std::string tight = ingest_manifest_segments(tmp.path(), tmp / "index-b", 1);  // 1 byte of "memory"
  ASSERT_FALSE(overlapped.empty());
  EXPECT_EQ(tight, overlapped);
}

// Issue #16: the largest feed is built first (its write overlaps the next feed's parse), equal
// sizes in manifest order; the segments are the same in any build order.
TEST(Ingest, LargestFeedFirstAndSegmentsDoNotDependOnTheOrder) {
  TempDir tmp;
  const std::string feed = ndjson_feed();
  testing::write_file(tmp / "small.ndjson", feed.substr(0, feed.find('\n', feed.size() / 4) + 1));
  testing::write_file(tmp / "large.ndjson", feed);
  testing::write_file(tmp / "middle.ndjson", feed.substr(0, feed.find('\n', feed.size() / 2) + 1));
  testing::write_file(tmp / "same.ndjson", feed.substr(0, feed.find('\n', feed.size() / 2) + 1));
  testing::write_file(tmp / "manifest.json",
                      R"({"city": "350200", "as_of": "2026-11-22", "feeds": [)"
                      R"({"agency": "tax", "path": "small.ndjson"}, {"agency": "tax", "path": "large.ndjson"},)"
                      R"({"agency": "tax", "path": "middle.ndjson"}, {"agency": "tax", "path": "same.ndjson"}]})");
  Manifest manifest;
  ASSERT_TRUE(load_manifest(tmp / "manifest.json", day_from_ymd(2026, 11, 22), manifest).ok());
  std::vector<uint32_t> order;
  ASSERT_TRUE(ingestion_order(manifest, order).ok());
  EXPECT_EQ(order, (std::vector<uint32_t>{1, 2, 3, 0}));
  const std::string largest_first = ingest_manifest_segments(tmp.path(), tmp / "index-a", 0);
  const std::string manifest_order = ingest_manifest_segments(tmp.path(), tmp / "index-b", 0, {0, 1, 2, 3});
  const std::string reversed = ingest_manifest_segments(tmp.path(), tmp / "index-c", 1, {3, 2, 1, 0});
  ASSERT_FALSE(largest_first.empty());
  EXPECT_EQ(manifest_order, largest_first);
  EXPECT_EQ(reversed, largest_first);
  // A feed missing: the manifest's first missing feed is named, before anything is read.
  ASSERT_EQ(::unlink((tmp / "same.ndjson").c_str()), 0);
  ASSERT_EQ(::unlink((tmp / "middle.ndjson").c_str()), 0);
  const Status missing = ingestion_order(manifest, order);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("middle.ndjson: cannot open feed"), std::string::npos) << missing.message();
}

}  // namespace
}  // namespace canbao

namespace canbao {
namespace {

// sort_segment_records merges per-chunk runs; chunks that are not sorted (data not built by
// ingestion) are sorted first. Equal keys keep file order: (key, chunk, index).
TEST(Ingest, SortSegmentRecordsOrdersByKeyThenFileOrder) {
  SegmentData data;
  data.agency = Agency::kTax;
  const std::vector<std::vector<PersonKey>> chunks = {{50, 10, 30, 10}, {10, 20}, {}, {5, 50, 40}, {30}};
  for (const auto& keys : chunks) {
    std::vector<char> bytes(keys.size() * sizeof(TaxPacked));
    for (size_t idx = 0; idx < keys.size(); ++idx) {
      TaxPacked rec{};
      rec.head.key = keys[idx];
      std::memcpy(bytes.data() + idx * sizeof(TaxPacked), &rec, sizeof(rec));
    }
    data.record_chunks.push_back(std::move(bytes));
  }
  sort_segment_records(data);
  std::vector<std::tuple<PersonKey, uint32_t, uint32_t>> got;
  for (const RecordRef& ref : data.order) got.emplace_back(ref.key, ref.chunk, ref.index);
  const std::vector<std::tuple<PersonKey, uint32_t, uint32_t>> want = {
      {5, 3, 0},  {10, 0, 1}, {10, 0, 3}, {10, 1, 0}, {20, 1, 1}, {30, 0, 2},
      {30, 4, 0}, {40, 3, 2}, {50, 0, 0}, {50, 3, 1}};
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace canbao
