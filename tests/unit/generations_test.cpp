// SPEC §7 over time, the index side: segments reused by a later as_of (unless an ID's validity
// changes), index generations (readers see one run or the other, never a mix; old generations'
// files removed; serve's LiveIndex switches under running lookups), `canbao apply` giving the
// worked example's outputs delivery by delivery, and the matcher's merge of many small feeds.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "canbao/core/date.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/index/index_dir.h"
#include "canbao/query/person_index.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

constexpr const char* kCsvs[] = {"registry.csv", "outreach.csv", "duplicates.csv", "actions.csv", "benefits.csv",
                                 "plan.csv",     "quarantine.csv", "newborns.csv", "cases.csv",  "escalations.csv",
                                 "changes.csv",  "history.csv"};

std::string manifest(const std::string& as_of, const std::vector<std::pair<std::string, std::string>>& feeds) {
  std::string json = R"({"city": "350200", "as_of": ")" + as_of + R"(", "feeds": [)";
  for (size_t idx = 0; idx < feeds.size(); ++idx) {
    if (idx) json += ", ";
    json += R"({"agency": ")" + feeds[idx].first + R"(", "path": ")" + feeds[idx].second + R"("})";
  }
  return json + "]}";
}

// 17 digits + their check character.
std::string valid_id(const std::string& digits17) {
  return digits17 + id_check_char(static_cast<PersonKey>(std::stoull(digits17)));
}

// The n-th of a run of valid IDs (born 1970-01-01 + n days).
std::string numbered_id(int n) {
  const Ymd ymd = ymd_from_day(day_from_ymd(1970, 1, 1) + n);
  char digits[18];
  std::snprintf(digits, sizeof(digits), "350203%04d%02d%02d001", ymd.year, ymd.month, ymd.day);
  return valid_id(digits);
}

// A small city: two insured persons, one without enrollment, a household register for all.
void write_small_city(const fs::path& dir, const std::string& extra_person_id = "") {
  write_file(dir / "enrollment.ndjson",
             R"({"record_id": "E1", "id": "350206199001111264", "name": "杜娟", "scheme": "employee", "region": "350206", "status": "active", "start": "2017-09-01", "category": "in_service", "unit": "U1"}
{"record_id": "E2", "id": "350211198508082331", "name": "秦川", "scheme": "resident", "region": "350211", "status": "active", "start": "2019-01-01"}
)");
  std::string ps =
      R"({"id": "350206199001111264", "name": "杜娟", "hukou_region": "350206", "residence_region": "350206", "address": "湖里区仙岳路2号"}
{"id": "350211198508082331", "name": "秦川", "hukou_region": "350211", "residence_region": "350211", "address": "海沧区1号"}
{"id": "350203198001010152", "name": "冯雷", "hukou_region": "350203", "residence_region": "350203", "address": "思明区湖滨南路1号"}
)";
  if (!extra_person_id.empty())
    ps += R"({"id": ")" + extra_person_id +
          R"(", "name": "新生", "hukou_region": "350203", "residence_region": "350203", "address": "思明区2号"})" + "\n";
  write_file(dir / "public_security.ndjson", ps);
}

const std::vector<std::pair<std::string, std::string>> kSmallFeeds = {{"enrollment", "enrollment.ndjson"},
                                                                      {"public_security", "public_security.ndjson"}};

// "index_reused" of every feed of a summary.json, in order.
std::vector<bool> reused_flags(const std::string& summary_path) {
  simdjson::padded_string json(read_file(summary_path));
  simdjson::ondemand::parser parser;
  auto doc = parser.iterate(json);
  std::vector<bool> flags;
  for (auto feed : doc["feeds"].get_array()) flags.push_back(bool(feed["index_reused"]));
  return flags;
}

void expect_same_outputs(const fs::path& a, const fs::path& b, const std::set<std::string>& skip = {}) {
  for (const char* name : kCsvs) {
    if (skip.count(name)) continue;
    EXPECT_EQ(read_file(a / name), read_file(b / name)) << name;
  }
}

TEST(IndexReuse, ALaterAsOfReusesEverySegment) {
  TempDir tmp;
  write_small_city(tmp.path());
  write_file(tmp / "a.json", manifest("2026-11-02", kSmallFeeds));
  write_file(tmp / "b.json", manifest("2026-11-20", kSmallFeeds));
  ASSERT_EQ(run_command(cli() + " run " + tmp / "a.json --out " + tmp / "out").exit_code, 0);
  const auto run = run_command(cli() + " run " + tmp / "b.json --out " + tmp / "out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(reused_flags(tmp / "out/summary.json"), std::vector<bool>({true, true}));
  ASSERT_EQ(run_command(cli() + " run " + tmp / "b.json --out " + tmp / "fresh --rebuild-index").exit_code, 0);
  expect_same_outputs(tmp / "out", tmp / "fresh", {"changes.csv", "history.csv", "cases.csv"});
}

// SPEC §2: a birth date after as_of is bad_birthdate. A person born between two runs is
// quarantined at the first and accepted at the second, without reading the feed again: the ID
// waits with the pending records and the linker accepts it once as_of reaches the birth date
// (index/format.h pending_valid_on). The outputs are those of an index built at the second as_of.
TEST(IndexReuse, AnIdBornBetweenTheRunsIsAcceptedWithoutReadingItsFeedAgain) {
  TempDir tmp;
  const std::string newborn = valid_id("35020320261110002");
  write_small_city(tmp.path(), newborn);
  write_file(tmp / "a.json", manifest("2026-11-02", kSmallFeeds));
  write_file(tmp / "b.json", manifest("2026-11-20", kSmallFeeds));
  ASSERT_EQ(run_command(cli() + " run " + tmp / "a.json --out " + tmp / "out").exit_code, 0);
  EXPECT_NE(read_file(tmp / "out/quarantine.csv").find("public_security,bad_birthdate"), std::string::npos);
  ASSERT_EQ(run_command(cli() + " run " + tmp / "b.json --out " + tmp / "out").exit_code, 0);
  EXPECT_EQ(reused_flags(tmp / "out/summary.json"), std::vector<bool>({true, true}));
  EXPECT_EQ(read_file(tmp / "out/quarantine.csv").find("bad_birthdate"), std::string::npos);
  EXPECT_NE(read_file(tmp / "out/registry.csv").find(newborn), std::string::npos);
  ASSERT_EQ(run_command(cli() + " run " + tmp / "b.json --out " + tmp / "fresh --rebuild-index").exit_code, 0);
  expect_same_outputs(tmp / "out", tmp / "fresh", {"changes.csv", "history.csv", "cases.csv"});
  EXPECT_EQ(read_file(tmp / "out/summary.json").find("\"linked\": 1"), std::string::npos);  // accepted, not linked
  // And back: a segment that accepted the ID (built at the later as_of) is not reused for an
  // earlier one (ingest only: the state would refuse the earlier run).
  const auto ingest = run_command(cli() + " ingest " + tmp / "a.json --index " + tmp / "fresh.index");
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  EXPECT_NE(ingest.output.find("public_security.ndjson"), std::string::npos);
}

// Two versions of one person's enrollment, into the same index and state-less (the reader sees no
// state): X has record EX, Y record EY. Every run switches the index to a new generation.
struct Alternating {
  TempDir tmp;
  Alternating() {
    write_small_city(tmp.path());
    write_file(tmp / "x.ndjson",
               R"({"record_id": "EX", "id": "350203198001010152", "name": "冯雷", "scheme": "resident", "region": "350203", "status": "active", "start": "2020-01-01"})"
               "\n");
    write_file(tmp / "y.ndjson",
               R"({"record_id": "EY", "id": "350203198001010152", "name": "冯雷", "scheme": "resident", "region": "350205", "status": "active", "start": "2021-01-01"})"
               "\n");
    for (const char* which : {"x", "y"})
      write_file(tmp / (std::string(which) + ".json"),
                 manifest("2026-11-02", {{"enrollment", "enrollment.ndjson"},
                                         {"enrollment", std::string(which) + ".ndjson"},
                                         {"public_security", "public_security.ndjson"}}));
  }
  testing::CommandResult run(const char* which) {
    return run_command(cli() + " run " + tmp / (std::string(which) + ".json") + " --out " + tmp / "out --index " +
                       tmp / "idx --state " + tmp / "state.db");
  }
};

TEST(Generations, OnlyTheLiveAndThePreviousGenerationsFilesStay) {
  Alternating city;
  for (const char* which : {"x", "y", "x", "y"}) ASSERT_EQ(city.run(which).exit_code, 0);
  auto info = read_index_info(city.tmp / "idx");
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->generation, 4u);
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(city.tmp / "idx")) files.insert(entry.path().filename());
  // Every run rebuilt feed 1 (x.ndjson and y.ndjson take turns) and the links; feeds 0 and 2 are
  // generation 1's. Generation 3's files stay while generation 4 is live (its readers may still
  // be opening them); generation 2's are gone.
  for (const IndexFeedInfo& feed : info->feeds) EXPECT_TRUE(files.count(feed.segment)) << feed.segment;
  EXPECT_TRUE(files.count(info->links));
  EXPECT_EQ(files.count("feed-1.g2.seg"), 0u);  // named by generation 2 only: removed
  EXPECT_EQ(files.count("feed-1.g3.seg"), 1u);  // the previous generation's
  EXPECT_EQ(files.count("feed-1.g4.seg"), 1u);
  EXPECT_EQ(files.count("feed-0.g1.seg"), 1u);  // unchanged since generation 1
  EXPECT_EQ(files.size(), 1u + 3u + 1u + 2u) << ::testing::PrintToString(files);  // index.json, 3 + 1 segments, 2 links
}

TEST(Generations, QueryInALoopSeesOneRunOrTheOtherNeverAMix) {
  Alternating city;
  ASSERT_EQ(city.run("x").exit_code, 0);
  const std::string query = cli() + " query --index " + city.tmp / "idx" + " 350203198001010152";
  const std::string answer_x = run_command(query).output;
  ASSERT_EQ(city.run("y").exit_code, 0);
  const std::string answer_y = run_command(query).output;
  ASSERT_NE(answer_x, answer_y);
  ASSERT_NE(answer_x.find("\"EX\""), std::string::npos) << answer_x;
  std::atomic<bool> done{false};
  std::atomic<int> failed_runs{0};
  std::thread runs([&] {
    for (int round = 0; round < 6; ++round)
      if (city.run(round % 2 ? "y" : "x").exit_code != 0) ++failed_runs;
    done = true;
  });
  size_t queries = 0, seen_x = 0, seen_y = 0;
  while (!done || queries < 10) {
    const std::string answer = run_command(query).output;
    ++queries;
    if (answer == answer_x) {
      ++seen_x;
    } else if (answer == answer_y) {
      ++seen_y;
    } else {
      ADD_FAILURE() << "an answer of neither run: " << answer;
      break;
    }
  }
  runs.join();
  EXPECT_EQ(failed_runs, 0);
  EXPECT_EQ(seen_x + seen_y, queries);
}

TEST(Generations, LiveIndexSwitchesUnderRunningLookups) {
  Alternating city;
  ASSERT_EQ(city.run("x").exit_code, 0);
  auto opened = LiveIndex::Open(city.tmp / "idx");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  const std::unique_ptr<LiveIndex> live = std::move(opened).value();
  const std::string id = "350203198001010152";
  const std::string answer_x = live->current()->lookup(id).json;
  const uint64_t generation_x = live->current()->generation();
  auto unchanged = live->refresh();
  ASSERT_TRUE(unchanged.ok());
  EXPECT_FALSE(*unchanged);
  std::atomic<bool> stop{false};
  std::atomic<size_t> lookups{0}, strange{0};
  std::string answer_y;
  std::vector<std::thread> readers;
  std::mutex answer_mutex;
  for (int reader = 0; reader < 2; ++reader) {
    readers.emplace_back([&] {
      while (!stop) {
        const std::string answer = live->current()->lookup(id).json;
        ++lookups;
        if (answer == answer_x) continue;
        const std::lock_guard<std::mutex> lock(answer_mutex);
        if (answer_y.empty()) answer_y = answer;
        if (answer != answer_y) ++strange;
      }
    });
  }
  ASSERT_EQ(city.run("y").exit_code, 0);
  auto switched = live->refresh();
  ASSERT_TRUE(switched.ok()) << switched.status().message();
  EXPECT_TRUE(*switched);
  EXPECT_EQ(live->current()->generation(), generation_x + 1);
  const std::string now = live->current()->lookup(id).json;
  EXPECT_NE(now, answer_x);
  EXPECT_NE(now.find("\"EY\""), std::string::npos) << now;
  while (lookups < 1000) std::this_thread::yield();
  stop = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(strange, 0u);
  if (!answer_y.empty()) {
    EXPECT_EQ(answer_y, now);
  }
}

// SPEC §7 "the same feeds give the same outputs whether they are run in one manifest or applied
// … one delivery at a time": the worked example, its deliveries applied with `canbao apply`.
TEST(Apply, TheWorkedExampleDeliveryByDeliveryGivesEveryExpectedFile) {
  if (!fs::exists(testing::city_over_time() + "/manifest-run1.json")) GTEST_SKIP() << "city-over-time not found";
  TempDir tmp;
  fs::copy(testing::city_over_time(), tmp / "city", fs::copy_options::recursive);
  // Delivery manifests beside the run manifests, listing each run's new feeds (paths as written there).
  const auto feeds_of = [&](const std::string& manifest_path) {
    simdjson::padded_string json(read_file(manifest_path));
    simdjson::ondemand::parser parser;
    auto doc = parser.iterate(json);
    std::vector<std::string> feeds;
    for (auto feed : doc["feeds"].get_array()) feeds.push_back(std::string(simdjson::to_json_string(feed).value()));
    return feeds;
  };
  const auto run1 = feeds_of(tmp / "city/manifest-run1.json");
  const auto run2 = feeds_of(tmp / "city/manifest-run2.json");
  const auto run3 = feeds_of(tmp / "city/manifest-run3.json");
  const auto delivery = [&](const std::string& as_of, const std::vector<std::string>& all, size_t from) {
    std::string json = R"({"city": "350200", "as_of": ")" + as_of + R"(", "feeds": [)";
    for (size_t idx = from; idx < all.size(); ++idx) json += (idx > from ? ", " : "") + all[idx];
    return json + "]}";
  };
  write_file(tmp / "city/delivery-2.json", delivery("2026-11-12", run2, run1.size()));
  write_file(tmp / "city/delivery-3.json", delivery("2026-12-12", run3, run2.size()));
  const std::string out = " --out " + tmp / "out --state " + tmp / "state.db";
  const std::vector<std::string> commands = {cli() + " run " + tmp / "city/manifest-run1.json" + out,
                                             cli() + " apply " + tmp / "city/delivery-2.json" + out,
                                             cli() + " apply " + tmp / "city/delivery-3.json" + out};
  for (size_t run = 0; run < commands.size(); ++run) {
    const auto result = run_command(commands[run]);
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const fs::path expected = tmp / ("city/expected/run" + std::to_string(run + 1));
    for (const auto& entry : fs::directory_iterator(expected)) {
      const std::string name = entry.path().filename();
      EXPECT_EQ(read_file(tmp / ("out/" + name)), read_file(entry.path().string())) << "run " << run + 1 << ": " << name;
    }
    if (run > 0) {
      const std::vector<bool> reused = reused_flags(tmp / "out/summary.json");
      const size_t before = run == 1 ? run1.size() : run2.size();
      for (size_t feed = 0; feed < reused.size(); ++feed) {
        EXPECT_EQ(reused[feed], feed < before) << "run " << run + 1 << " feed " << feed;
      }
    }
  }
}

// The matcher walks the largest feeds of a partition by cursor and merges the others through one
// sorted list (match/matcher.cpp): the same records split over many feeds give the same persons.
TEST(Matcher, ManySmallFeedsGiveTheSameOutputsAsOne) {
  if (!fs::exists(testing::city_over_time() + "/manifest-run1.json")) GTEST_SKIP() << "city-over-time not found";
  TempDir tmp;
  fs::copy(testing::city_over_time(), tmp / "city", fs::copy_options::recursive);
  simdjson::padded_string json(read_file(tmp / "city/manifest-run1.json"));
  simdjson::ondemand::parser parser;
  auto doc = parser.iterate(json);
  std::vector<std::pair<std::string, std::string>> feeds, split;
  for (auto feed : doc["feeds"].get_array())
    feeds.emplace_back(std::string(std::string_view(feed["agency"].get_string())),
                       std::string(std::string_view(feed["path"].get_string())));
  // Every feed's lines dealt over 3 files, in order (a record's line keeps its relative order).
  for (const auto& [agency, path] : feeds) {
    const std::string text = read_file(tmp / ("city/" + path));
    const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
    std::vector<std::string> parts(3);
    size_t line = 0, pos = 0;
    while (pos < text.size()) {
      const size_t end = text.find('\n', pos);
      const size_t next = end == std::string::npos ? text.size() : end + 1;
      parts[std::min<size_t>(2, line++ * 3 / std::max<size_t>(1, lines))] += text.substr(pos, next - pos);
      pos = next;
    }
    for (size_t part = 0; part < parts.size(); ++part) {
      const std::string name = std::to_string(part) + "-" + path;
      write_file(tmp / ("city/" + name), parts[part]);
      split.emplace_back(agency, name);
    }
  }
  ASSERT_GT(split.size(), 16u);
  write_file(tmp / "city/split.json", manifest("2026-11-02", split));
  write_file(tmp / "city/whole.json", manifest("2026-11-02", feeds));
  ASSERT_EQ(run_command(cli() + " run " + tmp / "city/whole.json --out " + tmp / "whole").exit_code, 0);
  const auto result = run_command(cli() + " run " + tmp / "city/split.json --out " + tmp / "split");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_same_outputs(tmp / "whole", tmp / "split", {"quarantine.csv"});  // quarantine rows name the files
  const std::string duplicates = read_file(tmp / "whole/duplicates.csv");
  EXPECT_GT(std::count(duplicates.begin(), duplicates.end(), '\n'), 3);  // persons with several records
}

// Within a person, records keep (feed, line) order when they come from both kinds of feed: the
// first public-security address (SPEC §6) is the earlier feed's, although that feed is the smallest
// (merged through the list) and the later one the largest (walked by cursor).
TEST(Matcher, ManyFeedsKeepFeedOrderWithinAPerson) {
  TempDir tmp;
  const std::string person = "350203198001010152";
  const auto ps_row = [](const std::string& id, const std::string& address) {
    return R"({"id": ")" + id + R"(", "name": "冯雷", "hukou_region": "350203", "residence_region": "350203", "address": ")" +
           address + "\"}\n";
  };
  std::vector<std::pair<std::string, std::string>> feeds = {{"public_security", "first.ndjson"}};
  write_file(tmp / "first.ndjson", ps_row(person, "第一地址"));
  for (int feed = 0; feed < 10; ++feed) {  // filler feeds of other persons, 5 rows each
    std::string rows;
    for (int row = 0; row < 5; ++row)
      rows += ps_row(numbered_id(feed * 5 + row), "其他");
    write_file(tmp / ("filler-" + std::to_string(feed) + ".ndjson"), rows);
    feeds.emplace_back("public_security", "filler-" + std::to_string(feed) + ".ndjson");
  }
  std::string big = ps_row(person, "第二地址");
  for (int row = 0; row < 30; ++row)
    big += ps_row(numbered_id(100 + row), "大");
  write_file(tmp / "big.ndjson", big);
  feeds.emplace_back("public_security", "big.ndjson");
  write_file(tmp / "m.json", manifest("2026-11-02", feeds));
  const auto result = run_command(cli() + " run " + tmp / "m.json --out " + tmp / "out");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_file(tmp / "out/quarantine.csv"), "feed,line,agency,reason,id_masked\n");
  const std::string outreach = read_file(tmp / "out/outreach.csv");
  const size_t row = outreach.find(person);
  ASSERT_NE(row, std::string::npos) << outreach;
  const std::string line = outreach.substr(row, outreach.find('\n', row) - row);
  EXPECT_NE(line.find("第一地址"), std::string::npos) << line;
}

}  // namespace
}  // namespace canbao
