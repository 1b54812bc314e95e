// End to end through the CLI: the worked example of SPEC (shared/examples/sample-city) must be
// reproduced exactly; outputs are byte-identical at 1 and 2 threads; summary counts add up
// (SPEC §2 "nothing is lost"); the memory-mapped index is reused when feeds are unchanged.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>

#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::shared_dir;
using testing::TempDir;
namespace fs = std::filesystem;

const char* kCsvOutputs[] = {"registry.csv", "outreach.csv", "duplicates.csv", "actions.csv",
                             "benefits.csv", "plan.csv",     "quarantine.csv"};

using testing::sample_city;

#define REQUIRE_SAMPLE_CITY()                                                              \
  if (!fs::exists(sample_city() + "/manifest.json"))                                      \
    GTEST_SKIP() << "shared/examples/sample-city not found beside the repository";

TEST(EndToEnd, SampleCityMatchesExpectedOutputsExactly) {  // SPEC worked example
  REQUIRE_SAMPLE_CITY();
  TempDir tmp;
  const auto run = run_command(cli() + " run " + sample_city() + "/manifest.json --out " + tmp / "out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto compare = run_command("python3 " + shared_dir() + "/examples/compare.py " + tmp / "out");
  EXPECT_EQ(compare.exit_code, 0) << compare.output;
  for (const char* name : kCsvOutputs)
    EXPECT_EQ(read_file(tmp / ("out/" + std::string(name))), read_file(sample_city() + "/expected/" + name))
        << name << " differs byte for byte";
}

TEST(EndToEnd, OutputsAreByteIdenticalAtOneAndTwoThreads) {  // SPEC §6 determinism
  REQUIRE_SAMPLE_CITY();
  TempDir tmp;
  for (const char* threads : {"1", "2"}) {
    const auto run = run_command(cli() + " run " + sample_city() + "/manifest.json --threads " + threads + " --out " +
                                 tmp / ("out" + std::string(threads)));
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  for (const char* name : kCsvOutputs)
    EXPECT_EQ(read_file(tmp / ("out1/" + std::string(name))), read_file(tmp / ("out2/" + std::string(name)))) << name;
}

TEST(EndToEnd, SummaryCountsAddUp) {  // SPEC §2: per feed read = accepted + linked + quarantined
  REQUIRE_SAMPLE_CITY();
  TempDir tmp;
  const auto run = run_command(cli() + " run " + sample_city() + "/manifest.json --out " + tmp / "out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  simdjson::dom::parser parser;
  simdjson::dom::element summary = parser.load(tmp / "out/summary.json");
  uint64_t quarantined_total = 0, linked_total = 0;
  for (simdjson::dom::element feed : summary["feeds"].get_array()) {
    const uint64_t read = feed["read"].get_uint64();
    const uint64_t accepted = feed["accepted"].get_uint64();
    const uint64_t linked = feed["linked"].get_uint64();
    const uint64_t quarantined = feed["quarantined"].get_uint64();
    EXPECT_EQ(read, accepted + linked + quarantined) << std::string_view(feed["path"].get_string());
    EXPECT_GT(read, 0u);
    quarantined_total += quarantined;
    linked_total += linked;
  }
  const std::string quarantine = read_file(tmp / "out/quarantine.csv");
  EXPECT_EQ(quarantined_total + 1, static_cast<uint64_t>(std::count(quarantine.begin(), quarantine.end(), '\n')));
  EXPECT_EQ(summary["outputs"]["quarantine.csv"].get_uint64().value(), quarantined_total);
  EXPECT_EQ(summary["links"]["checksum_repair"].get_uint64().value() + summary["links"]["name_birth"].get_uint64().value(),
            linked_total);
  EXPECT_GE(linked_total, 2u);  // the sample city plants one link of each method
  const std::string registry = read_file(tmp / "out/registry.csv");
  EXPECT_EQ(summary["outputs"]["registry.csv"].get_uint64().value() + 1,
            static_cast<uint64_t>(std::count(registry.begin(), registry.end(), '\n')));
}

TEST(EndToEnd, IndexIsReusedForUnchangedFeedsAndRebuiltForChangedOnes) {
  REQUIRE_SAMPLE_CITY();
  TempDir tmp;
  fs::copy(sample_city(), tmp / "city", fs::copy_options::recursive);
  const std::string run_cmd = cli() + " run " + tmp / "city/manifest.json" + " --out " + tmp / "out";
  auto first = run_command(run_cmd);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(first.output.find("(index reused)"), std::string::npos);
  const std::string registry_first = read_file(tmp / "out/registry.csv");
  auto second = run_command(run_cmd);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  // Every one of the eight feeds says so.
  size_t reused = 0;
  for (size_t pos = 0; (pos = second.output.find("(index reused)", pos)) != std::string::npos; ++pos) ++reused;
  EXPECT_EQ(reused, 8u) << second.output;
  EXPECT_EQ(read_file(tmp / "out/registry.csv"), registry_first);
  // Change one feed: only that one is re-ingested, and the change shows in the outputs.
  {
    std::string hr = read_file(tmp / "city/hr.ndjson");
    testing::write_file(tmp / "city/hr.ndjson", hr + "{\"id\": \"350203198805208738\", \"type\": \"bogus\", \"region\": \"350203\"}\n");
  }
  auto third = run_command(run_cmd);
  ASSERT_EQ(third.exit_code, 0) << third.output;
  reused = 0;
  for (size_t pos = 0; (pos = third.output.find("(index reused)", pos)) != std::string::npos; ++pos) ++reused;
  EXPECT_EQ(reused, 7u) << third.output;
  EXPECT_NE(read_file(tmp / "out/quarantine.csv").find("hr.ndjson,235,hr,bad_field:type"), std::string::npos);
}

TEST(EndToEnd, LeftoverTemporaryFilesAreNeverUsed) {  // crash safety: a killed run leaves *.tmp
  REQUIRE_SAMPLE_CITY();
  TempDir tmp;
  const std::string run_cmd = cli() + " run " + sample_city() + "/manifest.json --out " + tmp / "out";
  ASSERT_EQ(run_command(run_cmd).exit_code, 0);
  const std::string expected = read_file(tmp / "out/registry.csv");
  // A half-written segment from a killed run and a corrupted current segment.
  testing::write_file(tmp / "out.index/feed-0.g2.seg.tmp", "garbage");
  testing::write_file(tmp / "out.index/feed-2.g1.seg", "CANBSEG1 truncated");
  const auto rerun = run_command(run_cmd);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_FALSE(fs::exists(tmp / "out.index/feed-0.g2.seg.tmp"));
  EXPECT_EQ(read_file(tmp / "out/registry.csv"), expected);
}

TEST(EndToEnd, FileLevelErrorsAreOneClearLine) {
  TempDir tmp;
  testing::write_file(tmp / "m.json", R"({"city": "350200", "as_of": "2026-11-22",
    "feeds": [{"agency": "tax", "path": "missing.ndjson"}]})");
  auto run = run_command(cli() + " run " + tmp / "m.json --out " + tmp / "out");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("canbao: missing.ndjson: cannot open feed: No such file or directory"), std::string::npos)
      << run.output;
  EXPECT_FALSE(fs::exists(tmp / "out"));  // nothing half-written

  testing::write_file(tmp / "t.ndjson", "");
  testing::write_file(tmp / "m2.json", R"({"city": "350200", "feeds": [{"agency": "tax", "path": "t.ndjson", "plugin": "nope.so"}]})");
  run = run_command(cli() + " run " + tmp / "m2.json --out " + tmp / "out");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("plugin not found: " + tmp / "nope.so"), std::string::npos) << run.output;

  testing::write_file(tmp / "m3.json", R"({"city": "350200", "feeds": [{"agency": "taxes", "path": "t.ndjson"}]})");
  run = run_command(cli() + " run " + tmp / "m3.json --out " + tmp / "out");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("m3.json: feeds[0]: unknown agency 'taxes'"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace canbao
