// A third-party adapter loaded by the manifest's `plugin` field goes through the same path as the
// built-in adapters (SPEC §1 `plugin`): its records join the persons of the other feeds, and its
// rejects land in quarantine.csv with the feed path and line.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::run_command;
using testing::TempDir;

std::string pad(std::string text, size_t width) {
  text.resize(width, ' ');
  return text;
}

// One CBLEGACY01 detail line (see plugins/legacy_fixed_width/README.md), ASCII fields only.
std::string detail(const std::string& record_id, const std::string& id, char scheme, const std::string& region,
                   char status, const std::string& start) {
  std::string line = "D";
  line += pad(record_id, 20);
  line += pad(id, 18);
  line += pad("", 30);        // name (absent)
  line += "0";                // sex
  line += "00000000";         // birth
  line += scheme;
  line += region;
  line += status;
  line += start;
  line += "00000000";         // end: open
  line += "00";               // category
  line += pad("", 20);        // unit
  line += "0";                // funded
  return line;
}

TEST(PluginEndToEnd, LegacyFixedWidthFeedJoinsTheCity) {
  const std::string sample = testing::sample_city();
  if (!fs::exists(sample + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  fs::copy(sample, tmp / "city", fs::copy_options::recursive);
  std::string legacy = "HCBLEGACY0120261101350200\n";
  legacy += detail("LEG000001", "350203198805208738", '2', "350203", '3', "20100101") + "\n";  // terminated resident
  legacy += detail("LEG000002", "350203198805208738", '7', "350203", '1', "20100101") + "\n";  // scheme code 7
  legacy += "T0000000002\n";
  testing::write_file(tmp / "city/legacy.dat", legacy);
  std::string manifest = read_file(tmp / "city/manifest.json");
  const size_t feeds_end = manifest.rfind(']');
  manifest.insert(feeds_end, std::string(", {\"agency\": \"enrollment\", \"path\": \"legacy.dat\", \"plugin\": \"") +
                                 CANBAO_LEGACY_PLUGIN + "\"}\n  ");
  testing::write_file(tmp / "city/manifest.json", manifest);

  const auto run = run_command(testing::cli() + " run " + tmp / "city/manifest.json" + " --out " + tmp / "out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("legacy.dat"), std::string::npos);
  const std::string registry = read_file(tmp / "out/registry.csv");
  EXPECT_NE(registry.find("350203198805208738,郭桐娟,M,1988-05-20,350203,true,insured,LEG000001;XM26600169,"),
            std::string::npos);
  const std::string quarantine = read_file(tmp / "out/quarantine.csv");
  EXPECT_NE(quarantine.find("legacy.dat,3,enrollment,bad_field:scheme,350203********8738\n"), std::string::npos)
      << quarantine;
}

TEST(PluginEndToEnd, TruncatedLegacyExportStopsTheRunWithOneLine) {
  TempDir tmp;
  testing::write_file(tmp / "legacy.dat", "HCBLEGACY0120261101350200\n" +
                                              detail("LEG000001", "350203198805208738", '2', "350203", '1', "20100101") + "\n");
  testing::write_file(tmp / "m.json", std::string(R"({"city": "350200", "as_of": "2026-11-22", "feeds": [)") +
                                          R"({"agency": "enrollment", "path": "legacy.dat", "plugin": ")" +
                                          CANBAO_LEGACY_PLUGIN + "\"}]}");
  const auto run = run_command(testing::cli() + " run " + tmp / "m.json --out " + tmp / "out");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("canbao: legacy.dat"), std::string::npos) << run.output;
  EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
  EXPECT_FALSE(fs::exists(tmp / "out"));
}

}  // namespace
}  // namespace canbao
