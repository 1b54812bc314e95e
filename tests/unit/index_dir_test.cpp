// The index directory (index/index_dir.h): segments are verified when opened (a corrupted or
// truncated segment is one clear error line, never a crash), links.bin is reused by later runs
// and by `canbao query`, and recomputed when it is stale or corrupted, outputs unchanged.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "canbao/index/format.h"
#include "canbao/index/index_dir.h"
#include "canbao/index/segment_reader.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::sample_city;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr const char* kCsvs[] = {"registry.csv", "outreach.csv", "duplicates.csv", "actions.csv",
                                 "benefits.csv", "plan.csv",     "quarantine.csv", "newborns.csv"};

SegmentHeader header_of(const std::string& path) {
  SegmentHeader header{};
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(&header), sizeof(header));
  return header;
}

void write_header(const std::string& path, const SegmentHeader& header) {
  std::fstream io(path, std::ios::binary | std::ios::in | std::ios::out);
  io.write(reinterpret_cast<const char*>(&header), sizeof(header));
}

void flip_byte(const std::string& path, uint64_t offset) {
  std::fstream io(path, std::ios::binary | std::ios::in | std::ios::out);
  io.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  io.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x5a);
  io.seekp(static_cast<std::streamoff>(offset));
  io.write(&byte, 1);
}

size_t line_count(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

class IndexDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(sample_city() + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
    fs::copy(sample_city(), tmp_ / "city", fs::copy_options::recursive);
    run("first");
  }
  // Runs the copied city into out (index out.index); returns its summary.json.
  std::string run(const std::string& keep_as = "") {
    const auto result = run_command(cli() + " run " + tmp_ / "city/manifest.json --out " + tmp_ / "out");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    if (!keep_as.empty()) {
      std::error_code ec;
      fs::remove_all(tmp_ / keep_as, ec);
      fs::copy(tmp_ / "out", tmp_ / keep_as, fs::copy_options::recursive);
    }
    return read_file(tmp_ / "out/summary.json");
  }
  void expect_outputs_as_first_run() {
    for (const char* name : kCsvs)
      EXPECT_EQ(read_file(tmp_ / "out/" + name), read_file(tmp_ / "first/" + name)) << name;
  }
  testing::CommandResult query() {
    return run_command(cli() + " query --index " + tmp_ / "out.index" + " 350203199001011236");
  }
  std::string index(const std::string& name) { return tmp_ / ("out.index/" + name); }
  // The live generation's descriptor and the file names it gives (index/index_dir.h).
  IndexInfo info() {
    auto read = read_index_info(tmp_ / "out.index");
    EXPECT_TRUE(read.ok()) << read.status().message();
    return read.ok() ? *read : IndexInfo{};
  }
  std::string seg_name(uint32_t feed) { return info().feeds.at(feed).segment; }
  std::string links_name() { return info().links; }
  // A segment of the index with pending records (IDs rejected), for the pending-section case.
  std::string segment_with_pending() {
    for (const IndexFeedInfo& feed : info().feeds)
      if (header_of(index(feed.segment)).pending_count > 0) return index(feed.segment);
    return {};
  }
  TempDir tmp_;
};

TEST_F(IndexDirTest, CorruptedSegmentIsOneErrorLineNamingTheFile) {
  const std::string seg = segment_with_pending();
  ASSERT_FALSE(seg.empty());
  const SegmentHeader header = header_of(seg);
  ASSERT_GT(header.record_count, 0u);
  ASSERT_GT(header.arena_size, 0u);
  const std::string pristine = read_file(seg);
  const std::pair<const char*, uint64_t> places[] = {
      {"records", header.records_off + header.record_size / 2},
      {"arena", header.arena_off + header.arena_size / 2},
      {"pending", header.pending_off + 1},
      {"header", offsetof(SegmentHeader, lines)},
  };
  for (const auto& [section, offset] : places) {
    testing::write_file(seg, pristine);
    flip_byte(seg, offset);
    const auto result = query();
    EXPECT_EQ(result.exit_code, 1) << section << ": " << result.output;
    EXPECT_EQ(line_count(result.output), 1u) << section << ": " << result.output;
    EXPECT_NE(result.output.find(fs::path(seg).filename().string() + ": index segment is corrupted"),
              std::string::npos)
        << section << ": " << result.output;
  }
}

TEST_F(IndexDirTest, SectionOffsetThatOverflowsIsCaughtByTheRangeCheck) {
  const std::string seg = index(seg_name(0));
  SegmentHeader header = header_of(seg);
  header.records_off = UINT64_MAX - 10;
  header.header_checksum = segment_header_checksum(header);  // only the range check can catch it
  write_header(seg, header);
  const auto opened = Segment::Open(seg);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("outside the file"), std::string::npos) << opened.status().message();
  const auto result = query();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.output), 1u) << result.output;
  EXPECT_NE(result.output.find(seg_name(0)), std::string::npos) << result.output;
}

TEST_F(IndexDirTest, TruncatedSegmentIsAnError) {
  const std::string seg = index(seg_name(0));
  const auto size = fs::file_size(seg);
  fs::resize_file(seg, size - 100);
  const auto opened = Segment::Open(seg);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find(seg_name(0) + ": index segment is corrupted"), std::string::npos)
      << opened.status().message();
  fs::resize_file(seg, 10);  // shorter than a header
  EXPECT_FALSE(Segment::Open(seg).ok());
  const auto result = query();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.output), 1u) << result.output;
}

TEST_F(IndexDirTest, StrOutsideTheArenaIsEmpty) {
  auto opened = Segment::Open(index(seg_name(0)));
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  const Segment& segment = **opened;
  const uint64_t arena = segment.header().arena_size;
  ASSERT_GT(arena, 2u);
  Str inside{};
  inside.off = 0;
  inside.len = 1;
  EXPECT_EQ(segment.str(inside).size(), 1u);
  Str past{};
  past.off = arena - 1;
  past.len = 2;
  EXPECT_TRUE(segment.str(past).empty());
  Str far{};
  far.off = (uint64_t{1} << 40) - 1;
  far.len = kMaxStrLen;
  EXPECT_TRUE(segment.str(far).empty());
}

TEST_F(IndexDirTest, ReusedRunLoadsLinksBin) {
  const std::string first = read_file(tmp_ / "first/summary.json");
  EXPECT_NE(first.find("\"links_reused\": false"), std::string::npos) << first;
  ASSERT_TRUE(fs::exists(index(links_name())));
  const std::string second = run();
  EXPECT_NE(second.find("\"links_reused\": true"), std::string::npos) << second;
  expect_outputs_as_first_run();
  const auto result = query();
  EXPECT_EQ(line_count(result.output), 1u) << result.output;
  EXPECT_EQ(result.output.find("links"), std::string::npos) << result.output;
}

// SPEC §9 newborns without ID are part of links.bin: a run that reuses it writes the same
// newborns.csv and counts them the same.
TEST(IndexDir, NewbornsWithoutIdSurviveLinksReuse) {
  TempDir tmp;
  const std::string run = cli() + " run " + CANBAO_SOURCE_DIR + "/tests/golden/h9_newborns_without_id/manifest.json --out ";
  ASSERT_EQ(run_command(run + tmp / "a" + " --index " + tmp / "idx").exit_code, 0);
  ASSERT_EQ(run_command(run + tmp / "b" + " --index " + tmp / "idx").exit_code, 0);
  const std::string summary = read_file(tmp / "b/summary.json");
  EXPECT_NE(summary.find("\"links_reused\": true"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"records_without_id\": 14, \"rows\": 8"), std::string::npos) << summary;
  const std::string newborns = read_file(tmp / "b/newborns.csv");
  EXPECT_EQ(newborns, read_file(tmp / "a/newborns.csv"));
  EXPECT_EQ(std::count(newborns.begin(), newborns.end(), '\n'), 9);
}

TEST_F(IndexDirTest, RebuiltFeedMakesLinksStale) {
  // A new mtime changes the feed's fingerprint: its segment is rebuilt (same bytes, new header).
  const std::string feed = tmp_ / "city/tax.ndjson";
  const std::string text = read_file(feed);
  ::sleep(1);
  testing::write_file(feed, text);
  const std::string summary = run();
  EXPECT_NE(summary.find("\"links_reused\": false"), std::string::npos) << summary;
  expect_outputs_as_first_run();
  EXPECT_NE(run().find("\"links_reused\": true"), std::string::npos);
}

TEST_F(IndexDirTest, CorruptedLinksBinIsAQueryErrorAndARunRecomputesIt) {
  const std::string links = index(links_name());
  flip_byte(links, fs::file_size(links) - 1);
  const auto result = query();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.output), 1u) << result.output;
  EXPECT_NE(result.output.find(links_name() + ": fallback links are corrupted"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("rerun canbao ingest"), std::string::npos) << result.output;
  const std::string summary = run();
  EXPECT_NE(summary.find("\"links_reused\": false"), std::string::npos) << summary;
  expect_outputs_as_first_run();
  EXPECT_EQ(query().output.find("links"), std::string::npos);
  const std::string recomputed = links_name();  // a new generation's file: the old one is never rewritten
  EXPECT_NE(index(recomputed), links);
  fs::remove(index(recomputed));
  EXPECT_NE(query().output.find(recomputed + ": fallback links are missing"), std::string::npos);
}

TEST_F(IndexDirTest, CorruptedReusedSegmentIsReingestedByARun) {
  const std::string seg = index(seg_name(0));
  const SegmentHeader header = header_of(seg);
  flip_byte(seg, header.arena_off + header.arena_size / 2);
  const std::string summary = run();
  // feed 0 rebuilt, the others reused
  const size_t first_feed = summary.find("\"index_reused\": ");
  ASSERT_NE(first_feed, std::string::npos);
  EXPECT_EQ(summary.compare(first_feed, 21, "\"index_reused\": false"), 0) << summary;
  EXPECT_NE(summary.find("\"index_reused\": true"), std::string::npos) << summary;
  expect_outputs_as_first_run();
  EXPECT_NE(index(seg_name(0)), seg);  // rebuilt under a new generation's name
  EXPECT_TRUE(Segment::Open(index(seg_name(0))).ok());
}

TEST_F(IndexDirTest, IndexInfoNamesEverySegmentWithItsFingerprint) {
  auto info = read_index_info(tmp_ / "out.index");
  ASSERT_TRUE(info.ok()) << info.status().message();
  ASSERT_FALSE(info->feeds.empty());
  for (uint32_t idx = 0; idx < info->feeds.size(); ++idx) {
    EXPECT_EQ(info->feeds[idx].segment, segment_file_name(idx, info->generation));
    EXPECT_EQ(info->feeds[idx].fingerprint, header_of(index(info->feeds[idx].segment)).fingerprint);
  }
  auto segments = open_index_segments(tmp_ / "out.index", *info);
  ASSERT_TRUE(segments.ok()) << segments.status().message();
  EXPECT_EQ(segments->size(), info->feeds.size());
}

}  // namespace
}  // namespace canbao
