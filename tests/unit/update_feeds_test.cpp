// SPEC §7 update feeds on the worked example ../shared/examples/city-over-time: each run's manifest
// lists every delivery so far (update feeds replace by record_id or per person, delete rows), and
// every output that does not depend on the state (the case ledger, issue #13's later part) must be
// exactly the expected one of that run; the per-feed replaced/deleted counts are the README's.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <map>
#include <string>

#include "test_util.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;
using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::TempDir;

std::string example() { return testing::city_over_time(); }

// Outputs of a run that the state does not change (actions.csv carries the ledger's deadlines).
const char* kStatelessOutputs[] = {"registry.csv", "outreach.csv", "duplicates.csv", "benefits.csv",
                                   "quarantine.csv", "newborns.csv", "plan.csv"};

TEST(UpdateFeeds, CityOverTimeRunsMatchOnEveryStatelessOutput) {
  if (!fs::exists(example() + "/manifest-run3.json")) GTEST_SKIP() << "shared/examples/city-over-time not found";
  TempDir tmp;
  for (int run = 1; run <= 3; ++run) {
    const std::string out = tmp / ("run" + std::to_string(run));
    const auto result = run_command(cli() + " run " + example() + "/manifest-run" + std::to_string(run) +
                                    ".json --out " + out + " --threads 2");
    ASSERT_EQ(result.exit_code, 0) << result.output;
    for (const char* name : kStatelessOutputs)
      EXPECT_EQ(read_file(out + "/" + name),
                read_file(example() + "/expected/run" + std::to_string(run) + "/" + name))
          << "run " << run << " " << name;
  }
  // README: replaced / deleted per update feed at run 3.
  const std::map<std::string, std::pair<uint64_t, uint64_t>> expected = {
      {"deliveries/2026-11-12/enrollment.ndjson", {1, 1}},   {"deliveries/2026-11-12/national_platform.jsonl", {2, 0}},
      {"deliveries/2026-11-12/hr.ndjson", {1, 1}},           {"deliveries/2026-11-12/public_security.ndjson", {2, 0}},
      {"deliveries/2026-11-12/market.ndjson", {1, 0}},       {"deliveries/2026-12-12/enrollment.ndjson", {1, 0}},
      {"deliveries/2026-12-12/national_platform.jsonl", {1, 0}}};
  simdjson::padded_string json(read_file(tmp / "run3/summary.json"));
  simdjson::ondemand::parser parser;
  auto doc = parser.iterate(json);
  size_t updates = 0;
  for (auto feed : doc["feeds"].get_array()) {
    const std::string path(std::string_view(feed["path"].get_string()));
    const std::string mode(std::string_view(feed["mode"].get_string()));
    const uint64_t read = feed["read"].get_uint64(), accepted = feed["accepted"].get_uint64(),
                   linked = feed["linked"].get_uint64(), quarantined = feed["quarantined"].get_uint64(),
                   replaced = feed["replaced"].get_uint64(), deleted = feed["deleted"].get_uint64();
    EXPECT_EQ(read, accepted + linked + quarantined) << path;
    const auto want = expected.find(path);
    if (want == expected.end()) {
      EXPECT_EQ(replaced + deleted, 0u) << path;
      continue;
    }
    ++updates;
    EXPECT_EQ(mode, "update") << path;
    EXPECT_EQ(replaced, want->second.first) << path;
    EXPECT_EQ(deleted, want->second.second) << path;
  }
  EXPECT_EQ(updates, expected.size());
}

// Outputs do not depend on the thread count with update feeds either.
TEST(UpdateFeeds, SameBytesAtOneAndTwoThreads) {
  if (!fs::exists(example() + "/manifest-run3.json")) GTEST_SKIP() << "shared/examples/city-over-time not found";
  TempDir tmp;
  for (const char* threads : {"1", "2"})
    ASSERT_EQ(run_command(cli() + " run " + example() + "/manifest-run3.json --out " + tmp / threads +
                          " --threads " + threads).exit_code, 0);
  for (const char* name : kStatelessOutputs) EXPECT_EQ(read_file(tmp / "1/" + name), read_file(tmp / "2/" + name)) << name;
  EXPECT_EQ(read_file(tmp / "1/actions.csv"), read_file(tmp / "2/actions.csv"));
}

}  // namespace
}  // namespace canbao
