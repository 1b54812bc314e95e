// Data-driven golden scenarios: every folder under tests/golden/ holds a small hand-written city
// (manifest.json + feeds), a README.md whose first line names the SPEC clause it covers, and
// expected/*.csv. The run's CSVs must equal the expected ones byte for byte (only the files
// present in expected/ are compared).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "test_util.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> scenarios() {
  std::vector<std::string> names;
  const fs::path root = fs::path(CANBAO_SOURCE_DIR) / "tests" / "golden";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec))
    if (entry.is_directory() && fs::exists(entry.path() / "manifest.json")) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// summary.json's feeds as `path,mode,read,accepted,linked,quarantined,replaced,deleted` lines.
std::string feed_counts_csv(const std::string& summary_path) {
  simdjson::padded_string json(testing::read_file(summary_path));
  simdjson::ondemand::parser parser;
  auto doc = parser.iterate(json);
  std::string out = "path,mode,read,accepted,linked,quarantined,replaced,deleted\n";
  for (auto feed : doc["feeds"].get_array()) {
    out += std::string(std::string_view(feed["path"].get_string()));
    out += "," + std::string(std::string_view(feed["mode"].get_string()));
    for (const char* key : {"read", "accepted", "linked", "quarantined", "replaced", "deleted"})
      out += "," + std::to_string(uint64_t(feed[key].get_uint64()));
    out += "\n";
  }
  return out;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, OutputsMatchExpected) {
  const fs::path dir = fs::path(CANBAO_SOURCE_DIR) / "tests" / "golden" / GetParam();
  const std::string readme = testing::read_file((dir / "README.md").string());
  ASSERT_NE(readme.find("SPEC"), std::string::npos) << "README.md must name the SPEC clause it covers";
  testing::TempDir tmp;
  const auto run = testing::run_command(testing::cli() + " run " + (dir / "manifest.json").string() + " --out " + tmp / "out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  size_t compared = 0;
  for (const auto& entry : fs::directory_iterator(dir / "expected")) {
    const std::string name = entry.path().filename();
    if (name == "feeds.csv") {  // the per-feed counts of summary.json (SPEC §2 read = …, §7 replaced/deleted)
      EXPECT_EQ(feed_counts_csv(tmp / "out/summary.json"), testing::read_file(entry.path().string())) << GetParam();
      ++compared;
      continue;
    }
    EXPECT_EQ(testing::read_file(tmp / ("out/" + name)), testing::read_file(entry.path().string()))
        << GetParam() << "/" << name << " differs; " << readme.substr(0, readme.find('\n'));
    ++compared;
  }
  EXPECT_GT(compared, 0u);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Golden, ::testing::ValuesIn(scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Golden);

}  // namespace
}  // namespace canbao
