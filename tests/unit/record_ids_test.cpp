// SPEC §3 `record_id*` (unique), issue #6 "duplicated record_ids": the first occurrence of an
// enrollment record_id (manifest feed order, then line) keeps it; every later one — in the same
// feed or another enrollment feed, same person or not, ID accepted or pending — is quarantined as
// `duplicate_record_id` and takes no part in linking or matching.
#include <gtest/gtest.h>

#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "canbao/identity/citizen_id.h"
#include "canbao/index/segment_builder.h"
#include "canbao/index/segment_reader.h"
#include "canbao/ingest/adapter_registry.h"
#include "canbao/ingest/ingest.h"
#include "canbao/match/linker.h"
#include "canbao/match/record_ids.h"
#include "segment_test_util.h"
#include "test_util.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;
using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::TempDir;

std::string enrollment_line(const std::string& record_id, const std::string& id) {
  return "{\"record_id\":\"" + record_id + "\",\"id\":\"" + id +
         "\",\"name\":\"张三\",\"scheme\":\"resident\",\"region\":\"350203\",\"status\":\"active\","
         "\"start\":\"2020-01-01\"}\n";
}

std::string id_of(int person) {
  return format_citizen_id((350203ULL * 100000000 + 19800101 + person % 28) * 1000 + person / 28 % 1000);
}

// Ingests NDJSON enrollment feeds (append; feed i = segment i).
void ingest(const TempDir& tmp, const std::vector<std::string>& texts, testing::Segments& out) {
  std::vector<testing::NdjsonFeed> feeds;
  for (const std::string& text : texts) feeds.push_back({Agency::kEnrollment, FeedMode::kAppend, text});
  testing::ingest_ndjson(tmp, feeds, out);
}

TEST(RecordIds, LaterOccurrencesAcrossFeedsAndPersonsAreFound) {  // SPEC §3 record_id unique
  // 30,000 distinct record_ids in feed 0 (many hash buckets), then repeats:
  std::string first, second;
  for (int idx = 0; idx < 30000; ++idx) first += enrollment_line("R" + std::to_string(idx), id_of(idx));
  first += enrollment_line("R17", id_of(17));    // line 30001: the same record again
  first += enrollment_line("R25", id_of(999));   // line 30002: another person, same record_id
  second += enrollment_line("S1", id_of(5));     // line 1: new
  second += enrollment_line("R17", id_of(17));   // line 2: repeats feed 0's R17 (third occurrence)
  std::string pending_id = id_of(40);
  pending_id.back() = pending_id.back() == '0' ? '1' : '0';  // a bad check character: pending
  second += enrollment_line("S1", pending_id);   // line 3: repeats S1, its own ID rejected
  second += enrollment_line("S2", pending_id);   // line 4: pending, new record_id (not a duplicate)
  for (int threads : {1, 2}) {
    tbb::global_control control(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
    TempDir tmp;
    testing::Segments feeds;
    ingest(tmp, {first, second}, feeds);
    const std::vector<DuplicateRecordRef> found = find_duplicate_record_ids(feeds.list);
    ASSERT_EQ(found.size(), 4u) << threads << " thread(s)";
    EXPECT_EQ(found[0].segment, 0u);
    EXPECT_EQ(found[0].line, 30001u);
    EXPECT_FALSE(found[0].pending);
    EXPECT_EQ(format_citizen_id(found[0].key), id_of(17));
    EXPECT_EQ(found[1].line, 30002u);
    EXPECT_EQ(format_citizen_id(found[1].key), id_of(999));
    EXPECT_EQ(found[2].segment, 1u);
    EXPECT_EQ(found[2].line, 2u);
    EXPECT_EQ(found[3].segment, 1u);
    EXPECT_EQ(found[3].line, 3u);
    EXPECT_TRUE(found[3].pending);
    EXPECT_EQ(found[3].key, kNoPerson);

    // Linking skips the pending duplicate; the accepted ones are excluded from matching.
    LinkResult links;
    link_fallback(feeds.list, testing::default_as_of(), links);
    EXPECT_EQ(links.duplicate_ids.size(), 4u);
    ASSERT_EQ(links.excluded.size(), 3u);
    // S2 links to person 40 by checksum_repair; S1's pending copy (the same ID) is not linked.
    EXPECT_TRUE(links.unlinked.empty());
    ASSERT_EQ(links.linked.size(), 1u);
    EXPECT_EQ(feeds.list[1]->pending_info()[links.linked[0].pending].line, 4u);
  }
}

TEST(RecordIds, NoDuplicatesNoneFound) {  // SPEC §3
  TempDir tmp;
  testing::Segments feeds;
  std::string text;
  for (int idx = 0; idx < 5000; ++idx) text += enrollment_line("XM" + std::to_string(idx), id_of(idx % 50));
  ingest(tmp, {text, enrollment_line("XM5000", id_of(1))}, feeds);
  EXPECT_TRUE(find_duplicate_record_ids(feeds.list).empty());
}

// End to end on the sample city: repeated record_ids are quarantined with feed, line, reason and
// masked ID, the counts add up, and every other output is exactly the unmodified city's (a record
// delivered twice is not a duplicate enrollment, R3).
TEST(RecordIds, SampleCityWithRepeatedRecordIds) {  // SPEC §2 nothing is lost, §3, R3
  const std::string city = testing::sample_city();
  if (!fs::exists(city + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  fs::copy(city, tmp / "city", fs::copy_options::recursive);
  const std::string enrollment = read_file(city + "/enrollment.ndjson");
  const std::string first_line = enrollment.substr(0, enrollment.find('\n') + 1);  // XM26600689
  ASSERT_NE(first_line.find("\"XM26600689\""), std::string::npos);
  // line 367: the first record again; line 368: XM26603653 (line 2's) on another person.
  testing::write_file(tmp / "city/enrollment.ndjson",
                      enrollment + first_line + enrollment_line("XM26603653", "350203201503149837"));
  const std::string national = read_file(city + "/national_platform.jsonl");
  // national_platform.jsonl line 33: XM26603120 (enrollment.ndjson line 3) with a bad check character.
  testing::write_file(tmp / "city/national_platform.jsonl", national + enrollment_line("XM26603120", "350203201503149830"));

  const auto run = run_command(cli() + " run " + tmp / "city/manifest.json --out " + tmp / "out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const char* name : {"registry.csv", "outreach.csv", "duplicates.csv", "actions.csv", "benefits.csv", "plan.csv"})
    EXPECT_EQ(read_file(tmp / ("out/" + std::string(name))), read_file(city + "/expected/" + name)) << name;
  const std::string quarantine = read_file(tmp / "out/quarantine.csv");
  const std::string expected_quarantine = read_file(city + "/expected/quarantine.csv");
  for (const char* row : {"enrollment.ndjson,367,enrollment,duplicate_record_id,350213********9633\n",
                          "enrollment.ndjson,368,enrollment,duplicate_record_id,350203********9837\n",
                          "national_platform.jsonl,33,enrollment,duplicate_record_id,350203********9830\n"}) {
    EXPECT_NE(quarantine.find(row), std::string::npos) << row;
    EXPECT_EQ(expected_quarantine.find(row), std::string::npos) << row;
  }
  EXPECT_EQ(std::count(quarantine.begin(), quarantine.end(), '\n'),
            std::count(expected_quarantine.begin(), expected_quarantine.end(), '\n') + 3);
  // summary: the two enrollment feeds read one or two more records, all quarantined.
  const std::string summary = read_file(tmp / "out/summary.json");
  EXPECT_NE(summary.find("\"duplicate_record_id\": 3"), std::string::npos) << summary;
  EXPECT_NE(run.output.find("enrollment.ndjson"), std::string::npos);
}

}  // namespace
}  // namespace canbao
