// Data-driven golden scenarios: every folder under tests/golden/ holds a small hand-written city
// (manifest.json + feeds), a README.md whose first line names the SPEC clause it covers, and
// expected/*.csv. The run's CSVs must equal the expected ones byte for byte (only the files
// present in expected/ are compared).
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "golden_util.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> scenarios() {
  return testing::scenario_folders(fs::path(CANBAO_SOURCE_DIR) / "tests" / "golden", "manifest.json");
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
    testing::expect_output_file(entry.path(), tmp / "out", GetParam() + " (" + readme.substr(0, readme.find('\n')) + ")");
    ++compared;
  }
  EXPECT_GT(compared, 0u);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Golden, ::testing::ValuesIn(scenarios()), testing::scenario_test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Golden);

}  // namespace
}  // namespace canbao
