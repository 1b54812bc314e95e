// Index integrity (issue #14): a segment or index.json damaged anywhere — a byte changed in the
// header, its padding, any section, the string arena, the last byte; bytes cut off or added — is
// one error line naming the file from Segment::Open, `canbao query` and `canbao precheck`, never a
// crash or a read outside the mapping (CI runs this under ASan/UBSan too), and a run that reuses
// the index says so in one line and rebuilds what was damaged, its outputs unchanged.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "canbao/core/text.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/index/format.h"
#include "canbao/index/index_dir.h"
#include "canbao/index/segment_reader.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::non_empty_lines;
using testing::read_file;
using testing::run_command;
using testing::sample_city;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

constexpr const char* kQueryId = "110105196811206652";  // a person of the sample city
constexpr const char* kCsvs[] = {"registry.csv", "outreach.csv", "duplicates.csv", "actions.csv",
                                 "benefits.csv", "plan.csv",     "quarantine.csv", "newborns.csv"};

SegmentHeader header_of(const std::string& bytes) {
  SegmentHeader header{};
  std::memcpy(&header, bytes.data(), std::min(bytes.size(), sizeof(header)));
  return header;
}

std::string flipped(std::string bytes, uint64_t offset) {
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x21);
  return bytes;
}

/// Offsets worth damaging in a segment, each with what lies there: every byte of the header and
/// its padding, and the first, middle and last byte of every section, of every gap between
/// sections, and the file's last byte.
std::map<uint64_t, std::string> damage_points(const SegmentHeader& h) {
  std::map<uint64_t, std::string> points;
  for (uint64_t pos = 0; pos < kSegmentBodyStart; ++pos)
    points[pos] = pos < sizeof(SegmentHeader) ? "header byte " + std::to_string(pos) : "header padding";
  struct Section {
    const char* name;
    uint64_t off, bytes;
  };
  const Section sections[] = {
      {"records", h.records_off, h.record_count * h.record_size},
      {"pending records", h.pending_off, h.pending_count * h.record_size},
      {"pending infos", h.pending_info_off, h.pending_count * sizeof(PendingInfo)},
      {"quarantine entries", h.quarantine_off, h.quarantine_count * sizeof(QuarantineEntry)},
      {"string arena", h.arena_off, h.arena_size},
      {"(birth, name) table", h.name_table_off, h.name_table_count * sizeof(NameBirthEntry)},
  };
  uint64_t covered = kSegmentBodyStart;  // end of the previous section
  for (const Section& section : sections) {
    if (section.off > covered) points[covered] = std::string("gap before ") + section.name;
    if (section.bytes == 0) continue;
    points[section.off] = std::string(section.name) + " (first byte)";
    points[section.off + section.bytes / 2] = std::string(section.name) + " (middle)";
    points[section.off + section.bytes - 1] = std::string(section.name) + " (last byte)";
    covered = std::max(covered, section.off + section.bytes);
  }
  // String offsets and lengths: a record's name, a pending record's masked ID, a quarantine reason.
  if (h.record_count > 0) {
    points[h.records_off + offsetof(RecordHead, name)] = "record 0's name offset";
    points[h.records_off + offsetof(RecordHead, name) + 6] = "record 0's name length";
  }
  if (h.pending_count > 0) points[h.pending_info_off + offsetof(PendingInfo, masked_id)] = "pending 0's masked ID offset";
  if (h.quarantine_count > 0) points[h.quarantine_off + offsetof(QuarantineEntry, reason) + 7] = "quarantine 0's reason length";
  points[h.file_size - 1] = "last byte of the file";
  return points;
}

/// The sample city run once into DIR/out (index DIR/out.index, state DIR/out.state.db); the
/// outputs kept in DIR/first.
class IndexIntegrityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(sample_city() + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
    fs::copy(sample_city(), tmp_ / "city", fs::copy_options::recursive);
    const auto first = run();
    ASSERT_EQ(first.exit_code, 0) << first.output;
    fs::copy(tmp_ / "out", tmp_ / "first", fs::copy_options::recursive);
    auto info = read_index_info(tmp_ / "out.index");
    ASSERT_TRUE(info.ok()) << info.status().message();
    info_ = *info;
  }
  testing::CommandResult run() {
    return run_command(cli() + " run " + tmp_ / "city/manifest.json --out " + tmp_ / "out");
  }
  testing::CommandResult query() { return run_command(cli() + " query --index " + tmp_ / "out.index " + kQueryId); }
  testing::CommandResult precheck() {
    return run_command(cli() + " precheck --index " + tmp_ / "out.index " + kQueryId + " --scheme employee --region 350203");
  }
  std::string index(const std::string& name) const { return tmp_ / ("out.index/" + name); }
  /// The segment whose sections are all non-empty (pending records and quarantine entries too).
  std::string fullest_segment() const {
    for (const IndexFeedInfo& feed : info_.feeds) {
      const SegmentHeader h = header_of(read_file(index(feed.segment)));
      if (h.record_count > 0 && h.pending_count > 0 && h.quarantine_count > 0 && h.arena_size > 0) return feed.segment;
    }
    return {};
  }
  void expect_outputs_as_first_run() {
    for (const char* name : kCsvs) EXPECT_EQ(read_file(tmp_ / "out/" + name), read_file(tmp_ / "first/" + name)) << name;
  }
  TempDir tmp_{"canbao-integrity"};
  IndexInfo info_;
};

/// One line on stderr, exit 1, naming `file` with `what`.
void expect_one_error_line(const testing::CommandResult& result, const std::string& file, const std::string& what,
                           const std::string& where) {
  EXPECT_EQ(result.exit_code, 1) << where << ": " << result.output;
  const auto lines = non_empty_lines(result.output);
  ASSERT_EQ(lines.size(), 1u) << where << ": " << result.output;
  EXPECT_NE(lines[0].find(file + ": " + what), std::string::npos) << where << ": " << lines[0];
}

TEST_F(IndexIntegrityTest, AByteChangedAnywhereInASegmentIsOneErrorLine) {
  const std::string name = fullest_segment();
  ASSERT_FALSE(name.empty()) << "no segment of the sample city has every section";
  const std::string path = index(name);
  const std::string pristine = read_file(path);
  const SegmentHeader header = header_of(pristine);
  ASSERT_EQ(header.file_size, pristine.size());
  const auto points = damage_points(header);
  EXPECT_GT(points.size(), kSegmentBodyStart + 15);  // the header bytes and at least 15 body places
  for (const auto& [offset, what] : points) {
    write_file(path, flipped(pristine, offset));
    const std::string where = what + " at " + std::to_string(offset);
    auto opened = Segment::Open(path);
    ASSERT_FALSE(opened.ok()) << where;
    const std::string& message = opened.status().message();
    EXPECT_EQ(message.find('\n'), std::string::npos) << where << ": " << message;
    EXPECT_EQ(message.rfind(path + ": index segment is corrupted (", 0), 0u) << where << ": " << message;
    // The header-only check (a run's reuse test) sees every damage of the first 192 bytes.
    SegmentHeader probe{};
    if (offset < kSegmentBodyStart) {
      EXPECT_FALSE(read_segment_header(path, probe).ok()) << where;
    } else {
      EXPECT_TRUE(read_segment_header(path, probe).ok()) << where;
    }
  }
  write_file(path, pristine);
  EXPECT_TRUE(Segment::Open(path).ok());
}

TEST_F(IndexIntegrityTest, QueryAndPrecheckSayWhichSegmentIsDamaged) {
  const std::string name = fullest_segment();
  ASSERT_FALSE(name.empty());
  const std::string path = index(name);
  const std::string pristine = read_file(path);
  const SegmentHeader header = header_of(pristine);
  const uint64_t places[] = {offsetof(SegmentHeader, records_off), offsetof(SegmentHeader, header_checksum),
                             sizeof(SegmentHeader) + 3, header.records_off, header.pending_info_off,
                             header.quarantine_off + 9, header.arena_off + header.arena_size / 3, pristine.size() - 1};
  for (const uint64_t offset : places) {
    write_file(path, flipped(pristine, offset));
    const std::string where = "offset " + std::to_string(offset);
    expect_one_error_line(query(), name, "index segment is corrupted", "query, " + where);
    expect_one_error_line(precheck(), name, "index segment is corrupted", "precheck, " + where);
  }
}

TEST_F(IndexIntegrityTest, ARunRebuildsADamagedSegmentAndSaysSoInOneLine) {
  const std::string name = fullest_segment();
  ASSERT_FALSE(name.empty());
  const auto feed = std::find_if(info_.feeds.begin(), info_.feeds.end(),
                                 [&](const IndexFeedInfo& entry) { return entry.segment == name; });
  const size_t feed_index = static_cast<size_t>(feed - info_.feeds.begin());
  const SegmentHeader header = header_of(read_file(index(name)));
  for (const uint64_t offset : {uint64_t{20}, header.arena_off + 1}) {
    // The live generation's segment of that feed (a rebuilt one has the new generation's name).
    const std::string live = read_index_info(tmp_ / "out.index")->feeds.at(feed_index).segment;
    write_file(index(live), flipped(read_file(index(live)), offset));
    const auto result = run();
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const auto lines = non_empty_lines(result.output);
    const auto repair = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(live + ": index segment is corrupted (") != std::string::npos;
    });
    ASSERT_NE(repair, lines.end()) << result.output;
    EXPECT_NE(repair->find("; the feed is read again"), std::string::npos) << *repair;
    EXPECT_EQ(repair->find("rerun"), std::string::npos) << *repair;
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                            [](const std::string& line) { return line.find("corrupted") != std::string::npos; }),
              1);
    expect_outputs_as_first_run();
    EXPECT_EQ(query().exit_code, 0);
  }
}

TEST_F(IndexIntegrityTest, CutOrLengthenedSegmentIsOneErrorLine) {
  const std::string name = fullest_segment();
  ASSERT_FALSE(name.empty());
  const std::string path = index(name);
  const std::string pristine = read_file(path);
  for (const size_t size : {size_t{0}, size_t{100}, sizeof(SegmentHeader), size_t{kSegmentBodyStart}, pristine.size() / 2,
                            pristine.size() - 1}) {
    write_file(path, pristine.substr(0, size));
    auto opened = Segment::Open(path);
    ASSERT_FALSE(opened.ok()) << size;
    EXPECT_EQ(opened.status().message().find('\n'), std::string::npos);
    EXPECT_EQ(opened.status().message().rfind(path + ": ", 0), 0u) << opened.status().message();
  }
  write_file(path, pristine + std::string(64, '\0'));
  auto opened = Segment::Open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("file size does not match its header"), std::string::npos);
  expect_one_error_line(query(), name, "index segment is corrupted", "lengthened");
}

// A header whose checksum was made to hold (not damage: a writer's bug, say) with a section that is
// inside the file but misaligned: refused before any record is read from a misaligned address.
TEST_F(IndexIntegrityTest, MisalignedSectionIsRefusedEvenWithAValidChecksum) {
  const std::string path = index(fullest_segment());
  std::string bytes = read_file(path);
  SegmentHeader header = header_of(bytes);
  header.quarantine_off += 8;
  header.quarantine_count = 0;  // still inside the file
  header.header_checksum = segment_header_checksum(header);
  std::memcpy(bytes.data(), &header, sizeof(header));
  write_file(path, bytes);
  auto opened = Segment::Open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("a section is not aligned"), std::string::npos) << opened.status().message();
}

// A record whose name points past the arena, in a file whose checksums were made to hold again:
// the string reads as empty, nothing outside the mapping is read (ASan would say), the lookup
// answers.
TEST_F(IndexIntegrityTest, StringOutsideTheArenaReadsAsEmptyEvenWithChecksumsThatHold) {
  const std::string name = fullest_segment();
  ASSERT_FALSE(name.empty());
  const std::string path = index(name);
  std::string bytes = read_file(path);
  SegmentHeader header = header_of(bytes);
  RecordHead head{};
  std::memcpy(&head, bytes.data() + header.records_off, sizeof(head));
  head.name.off = header.arena_size + 4096;
  head.name.len = 1000;
  std::memcpy(bytes.data() + header.records_off, &head, sizeof(head));
  header.body_checksum = segment_body_checksum(bytes.data(), bytes.size());
  header.header_checksum = segment_header_checksum(header);
  std::memcpy(bytes.data(), &header, sizeof(header));
  write_file(path, bytes);
  auto opened = Segment::Open(path);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_TRUE((*opened)->str(reinterpret_cast<const RecordHead*>((*opened)->record(0))->name).empty());
  opened = Status::Error("closed");
  // A run reuses the segment (its checksums hold), links again (the segment set changed) and
  // matches every record; then a lookup of that record's person.
  const auto rerun = run();
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(read_file(tmp_ / "out/summary.json").find("\"links_reused\": false"), std::string::npos);
  const auto result = run_command(cli() + " query --index " + tmp_ / "out.index " + format_citizen_id(head.key));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(non_empty_lines(result.output).size(), 1u) << result.output;
}

TEST_F(IndexIntegrityTest, AByteChangedAnywhereInIndexJsonIsOneErrorLine) {
  const std::string path = index("index.json");
  const std::string pristine = read_file(path);
  ASSERT_GT(pristine.size(), 200u);
  std::set<size_t> places;
  for (size_t pos = 0; pos < pristine.size(); pos += 5) places.insert(pos);
  places.insert(pristine.size() - 1);
  places.insert(pristine.find("as_of") + 9);  // a digit of the date: still valid JSON, another as_of
  places.insert(pristine.find("fingerprint") + 16);
  for (const size_t offset : places) {
    std::string bytes = pristine;
    // A digit stays a digit (the JSON still parses, with another value); anything else is flipped.
    bytes[offset] = bytes[offset] >= '0' && bytes[offset] <= '8' ? static_cast<char>(bytes[offset] + 1)
                                                               : static_cast<char>(bytes[offset] ^ 0x21);
    write_file(path, bytes);
    auto info = read_index_info(tmp_ / "out.index");
    ASSERT_FALSE(info.ok()) << "offset " << offset << " ('" << pristine[offset] << "')";
    const std::string& message = info.status().message();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
  }
  write_file(path, flipped(pristine, pristine.find("as_of") + 9));
  expect_one_error_line(query(), "index.json", "index descriptor is corrupted (checksum mismatch)", "query");
  expect_one_error_line(precheck(), "index.json", "index descriptor is corrupted (checksum mismatch)", "precheck");
  // Cut short, or emptied.
  for (const size_t size : {size_t{0}, pristine.size() / 2, pristine.size() - 2}) {
    write_file(path, pristine.substr(0, size));
    expect_one_error_line(query(), "index.json", "", "cut to " + std::to_string(size));
  }
}

TEST_F(IndexIntegrityTest, ARunRebuildsOverADamagedIndexJsonAndSaysSoInOneLine) {
  const std::string path = index("index.json");
  write_file(path, flipped(read_file(path), 40));
  const auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto lines = non_empty_lines(result.output);
  const auto repair = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
    return line.find("index.json: index descriptor is corrupted (checksum mismatch); the index is built again") !=
           std::string::npos;
  });
  EXPECT_NE(repair, lines.end()) << result.output;
  expect_outputs_as_first_run();
  EXPECT_TRUE(read_index_info(tmp_ / "out.index").ok());
  EXPECT_EQ(query().exit_code, 0);
  // `apply` has nothing to apply to and says why, in one line.
  write_file(path, flipped(read_file(path), 40));
  const auto apply = run_command(cli() + " apply " + tmp_ / "city/manifest.json --out " + tmp_ / "out");
  EXPECT_EQ(apply.exit_code, 1) << apply.output;
  EXPECT_EQ(non_empty_lines(apply.output).size(), 1u) << apply.output;
  EXPECT_NE(apply.output.find("index.json: index descriptor is corrupted"), std::string::npos) << apply.output;
}

TEST_F(IndexIntegrityTest, DescriptorOfAnotherFormatOrWithAnAsOfOutOfRange) {
  const std::string path = index("index.json");
  const std::string pristine = read_file(path);
  // An older canbao's descriptor: no checksum, format 3.
  std::string old = pristine.substr(0, pristine.rfind(", \"checksum\"")) + "}\n";
  old.replace(old.find("\"format\": 4"), 11, "\"format\": 3");
  write_file(path, old);
  auto info = read_index_info(tmp_ / "out.index");
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.status().message().find("unknown format"), std::string::npos) << info.status().message();
  // A checksum that holds over an as_of outside 1900-01-01..2200-12-31.
  std::string body = pristine.substr(0, pristine.rfind(", \"checksum\""));
  const size_t as_of = body.find("\"as_of\": \"") + 10;
  body.replace(as_of, 10, "1899-12-31");
  write_file(path, body + ", \"checksum\": \"" + hex64(XXH3_64bits(body.data(), body.size())) + "\"}\n");
  info = read_index_info(tmp_ / "out.index");
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.status().message().find("index descriptor is corrupted (bad as_of)"), std::string::npos)
      << info.status().message();
}

TEST_F(IndexIntegrityTest, DamagedLinksOfAnUnchangedIndexAreLinkedAgainInOneLine) {
  const std::string links = index(info_.links);
  write_file(links, flipped(read_file(links), read_file(links).size() - 1));
  const auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto lines = non_empty_lines(result.output);
  const auto repair = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
    return line.find(info_.links + ": fallback links are corrupted") != std::string::npos;
  });
  ASSERT_NE(repair, lines.end()) << result.output;
  EXPECT_NE(repair->find("; linked again"), std::string::npos) << *repair;
  expect_outputs_as_first_run();
}

}  // namespace
}  // namespace canbao
