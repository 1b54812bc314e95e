// Data-driven golden multi-run scenarios (SPEC §7): every folder under tests/golden_runs/ holds a small
// hand-written city, a README.md whose first line names the SPEC clause it covers, manifest-run1.json,
// manifest-run2.json, … and expected/run1/, expected/run2/, …. The runs go in order with one state file
// (`canbao run manifest-runK.json --out T/runK --state T/state.db`); every file in expected/runK must
// equal the run's output byte for byte (`feeds.csv`: summary.json's per-feed counts). Two markers:
// - expected/runK/refused.txt: the run must be refused — exit 1, exactly one non-empty stderr line that
//   contains the file's text, T/runK not created, the state file byte-identical to before;
// - expected/runK/same-as-runJ (empty): every output CSV of run K equals run J's.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "golden_util.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;

const fs::path& root() {
  static const fs::path path = fs::path(CANBAO_SOURCE_DIR) / "tests" / "golden_runs";
  return path;
}

std::vector<std::string> scenarios() { return testing::scenario_folders(root(), "manifest-run1.json"); }

// Every *.csv of an output directory, by file name.
std::map<std::string, std::string> output_csvs(const fs::path& out) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(out))
    if (entry.path().extension() == ".csv") files[entry.path().filename()] = testing::read_file(entry.path());
  return files;
}

// The refused run: exit 1, one stderr line containing `expected`, no output directory, the state unchanged.
void expect_refused(const std::string& command, const testing::TempDir& tmp, const std::string& run,
                    const std::string& expected) {
  const std::string state_before = testing::read_file(tmp / "state.db");
  const auto result = testing::run_command("{ " + command + " 2>" + tmp / (run + ".stderr") + "; }");
  const std::string stderr_text = testing::read_file(tmp / (run + ".stderr"));
  EXPECT_EQ(result.exit_code, 1) << result.output << stderr_text;
  const auto lines = testing::non_empty_lines(stderr_text);
  ASSERT_EQ(lines.size(), 1u) << stderr_text;
  EXPECT_NE(lines[0].find(expected), std::string::npos) << lines[0];
  EXPECT_FALSE(fs::exists(tmp / run));
  EXPECT_EQ(testing::read_file(tmp / "state.db"), state_before) << "the refused run changed the state";
}

void expect_same_outputs(const fs::path& out, const fs::path& earlier) {
  const auto now = output_csvs(out), then = output_csvs(earlier);
  EXPECT_EQ(now.size(), then.size());
  for (const auto& [name, text] : then) {
    const auto it = now.find(name);
    EXPECT_EQ(it == now.end() ? "<missing>" : it->second, text) << name << " differs from " << earlier.filename();
  }
}

class GoldenRuns : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenRuns, EveryRunMatchesExpected) {
  const fs::path dir = root() / GetParam();
  const std::string readme = testing::read_file((dir / "README.md").string());
  ASSERT_NE(readme.substr(0, readme.find('\n')).find("SPEC"), std::string::npos)
      << "README.md's first line must name the SPEC clause it covers";
  testing::TempDir tmp;
  size_t compared = 0;
  for (int k = 1; fs::exists(dir / ("manifest-run" + std::to_string(k) + ".json")); ++k) {
    const std::string run = "run" + std::to_string(k);
    const fs::path expected = dir / "expected" / run;
    const fs::path out = tmp / run;
    SCOPED_TRACE(GetParam() + " " + run);
    ASSERT_TRUE(fs::is_directory(expected)) << "every run needs expected/" << run;
    const std::string command = testing::cli() + " run " + (dir / ("manifest-" + run + ".json")).string() + " --out " +
                                out.string() + " --state " + tmp / "state.db";
    if (fs::exists(expected / "refused.txt")) {
      const auto lines = testing::non_empty_lines(testing::read_file(expected / "refused.txt"));
      ASSERT_EQ(lines.size(), 1u) << "refused.txt holds one line";
      expect_refused(command, tmp, run, lines[0]);
      ++compared;
      continue;
    }
    const auto result = testing::run_command(command);
    ASSERT_EQ(result.exit_code, 0) << result.output;
    for (const auto& entry : fs::directory_iterator(expected)) {
      const std::string name = entry.path().filename();
      if (name.rfind("same-as-", 0) == 0) {
        expect_same_outputs(out, tmp / name.substr(std::string("same-as-").size()));
      } else {
        testing::expect_output_file(entry.path(), out, run + " (" + readme.substr(0, readme.find('\n')) + ")");
      }
      ++compared;
    }
  }
  EXPECT_GT(compared, 0u);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, GoldenRuns, ::testing::ValuesIn(scenarios()), testing::scenario_test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenRuns);

}  // namespace
}  // namespace canbao
