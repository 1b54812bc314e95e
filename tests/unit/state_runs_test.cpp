// SPEC §7 runs that continue a state: ../shared/examples/city-over-time run 1 → 2 → 3 with one
// --state gives exactly every expected file of each run (the case ledger's cases.csv and
// escalations.csv, changes.csv, history.csv, actions.csv's ledger deadlines), a rerun of the same
// as_of replaces the run (same outputs), and an earlier as_of is refused with nothing written.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
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

testing::CommandResult run_k(const TempDir& tmp, int k, const std::string& out) {
  return run_command(cli() + " run " + example() + "/manifest-run" + std::to_string(k) + ".json --out " + tmp / out +
                     " --state " + tmp / "state.db");
}

void expect_as_expected(const TempDir& tmp, int k, const std::string& out) {
  const std::string expected = example() + "/expected/run" + std::to_string(k);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(expected)) {
    const std::string name = entry.path().filename();
    EXPECT_EQ(read_file(tmp / (out + "/" + name)), read_file(entry.path().string())) << "run " << k << " " << name;
    ++files;
  }
  EXPECT_GE(files, 12u);
}

TEST(StateRuns, CityOverTimeThreeRunsMatchEveryExpectedFile) {
  if (!fs::exists(example() + "/manifest-run3.json")) GTEST_SKIP() << "shared/examples/city-over-time not found";
  TempDir tmp;
  for (int k = 1; k <= 3; ++k) {
    const auto run = run_k(tmp, k, "run" + std::to_string(k));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    expect_as_expected(tmp, k, "run" + std::to_string(k));
  }
  // report.html over time: a rate line per district across the three runs, the ledger per run
  // (2026-12-12: 2 opened, 4 open, 2 escalated, 2 overdue, 1 exempt, 0 resolved = cases.csv of run 3)
  // and outreach conversion (350213: 1 of the 4 on run 2's list is insured now, as changes.csv says).
  const std::string report = read_file(tmp / "run3/report.html");
  EXPECT_NE(report.find("data-chart=\"rate-over-time\""), std::string::npos);
  size_t lines = 0;
  for (size_t at = report.find("class=\"rate-line\""); at != std::string::npos; at = report.find("class=\"rate-line\"", at + 1))
    ++lines;
  EXPECT_EQ(lines, 6u);
  EXPECT_NE(report.find("<tr><td>2026-12-12</td><td>2</td><td>4</td><td>2</td><td>2</td><td>1</td><td>0</td></tr>"),
            std::string::npos);
  EXPECT_NE(report.find("<tr><td>350213</td><td>4</td><td>1</td><td>25.0%</td></tr>"), std::string::npos);

  // query shows a person's active cases at the state's latest run (SPEC §7, issue #13).
  const auto query = run_command(cli() + " query --index " + tmp / "run3.index" + " --state " + tmp / "state.db" +
                                 " 350203197408036982 350213199305226670");
  ASSERT_EQ(query.exit_code, 0) << query.output;
  EXPECT_NE(query.output.find("\"open_cases\": [{\"type\": \"cross_scheme\", \"status\": \"escalated\", \"opened_on\": "
                              "\"2026-11-02\", \"deadline\": \"2026-12-02\", \"escalated_on\": \"2026-12-12\""),
            std::string::npos) << query.output;
  EXPECT_NE(query.output.find("\"open_cases\": []}"), std::string::npos) << query.output;  // no case

  // The same as_of again replaces the run: the same outputs (history.csv holds it once).
  const auto again = run_k(tmp, 3, "again");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  expect_as_expected(tmp, 3, "again");
  // An earlier as_of is refused: one line, exit 1, no output, the state unchanged.
  const std::string state_before = read_file(tmp / "state.db");
  const auto earlier = run_k(tmp, 2, "earlier");
  EXPECT_EQ(earlier.exit_code, 1);
  EXPECT_EQ(std::count(earlier.output.begin(), earlier.output.end(), '\n'), 1) << earlier.output;
  EXPECT_NE(earlier.output.find("as_of 2026-11-12 is earlier than the latest run in the state (2026-12-12)"),
            std::string::npos) << earlier.output;
  EXPECT_FALSE(fs::exists(tmp / "earlier"));
  EXPECT_EQ(read_file(tmp / "state.db"), state_before);
}

// Without --state the state goes beside the outputs (OUT.state.db) and a second run continues it.
TEST(StateRuns, DefaultStateIsBesideTheOutputs) {
  if (!fs::exists(example() + "/manifest-run3.json")) GTEST_SKIP() << "shared/examples/city-over-time not found";
  TempDir tmp;
  for (int k = 1; k <= 2; ++k) {
    const auto run = run_command(cli() + " run " + example() + "/manifest-run" + std::to_string(k) + ".json --out " +
                                 tmp / "out");
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  EXPECT_TRUE(fs::exists(tmp / "out.state.db"));
  EXPECT_EQ(read_file(tmp / "out/cases.csv"), read_file(example() + "/expected/run2/cases.csv"));
  EXPECT_EQ(read_file(tmp / "out/history.csv"), read_file(example() + "/expected/run2/history.csv"));
  // query finds OUT.state.db beside OUT.index by itself.
  const auto query = run_command(cli() + " query --index " + tmp / "out.index" + " 350205196304029698");
  EXPECT_NE(query.output.find("\"open_cases\": [{\"type\": \"employee_employee\", \"status\": \"open\""),
            std::string::npos) << query.output;
}

// A state file that is not canbao's is refused and left alone.
TEST(StateRuns, AForeignStateFileIsRefusedAndUntouched) {
  if (!fs::exists(example() + "/manifest-run1.json")) GTEST_SKIP() << "shared/examples/city-over-time not found";
  TempDir tmp;
  testing::write_file(tmp / "state.db", "not a database, just notes\n");
  const auto run = run_k(tmp, 1, "out");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("not a canbao state file"), std::string::npos) << run.output;
  EXPECT_EQ(read_file(tmp / "state.db"), "not a database, just notes\n");
  EXPECT_FALSE(fs::exists(tmp / "out"));
}

// Everything a run leaves for the next one: the outputs, the index descriptor and the state file.
struct Snapshot {
  std::string state, index, registry, cases;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const TempDir& tmp) {
  return {read_file(tmp / "state.db"), read_file(tmp / "out.index/index.json"), read_file(tmp / "out/registry.csv"),
          read_file(tmp / "out/cases.csv")};
}

size_t lines_of(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

// SPEC §7 "a run killed at any point leaves the previous state intact", for a disk that fills up:
// run 2 under file-size limits from 8 KiB up (writes past the limit fail with EFBIG, like ENOSPC).
// Whatever step fails — opening the state, writing segments or outputs, the state's commit — the
// run says so in one line, exits 1 and leaves run 1's state, index and outputs as they were; then
// run 2 with room gives exactly its expected files.
TEST(StateRuns, AFullDiskLeavesTheEarlierStateIndexAndOutputsIntact) {
  if (!fs::exists(example() + "/manifest-run1.json")) GTEST_SKIP() << "shared/examples/city-over-time not found";
  TempDir tmp;
  ASSERT_EQ(run_k(tmp, 1, "out").exit_code, 0);
  const Snapshot before = snapshot(tmp);
  bool failed_in_commit = false;
  for (int kib = 8; kib <= 256; kib += 8) {
    const auto run = run_command("bash -c \"trap '' XFSZ; ulimit -f " + std::to_string(kib) + "; " + cli() + " run " +
                                 example() + "/manifest-run2.json --out " + tmp / "out --state " + tmp / "state.db\"");
    if (run.exit_code == 0) break;  // room enough
    EXPECT_EQ(run.exit_code, 1) << kib << " KiB: " << run.output;
    EXPECT_EQ(lines_of(run.output), 1u) << kib << " KiB: " << run.output;
    failed_in_commit |= run.output.find("state.db: cannot record the run of 2026-11-12") != std::string::npos;
    EXPECT_TRUE(snapshot(tmp) == before) << kib << " KiB: " << run.output;
  }
  EXPECT_TRUE(failed_in_commit) << "no limit stopped the run in the state's commit";
  ASSERT_EQ(run_k(tmp, 2, "out").exit_code, 0);
  expect_as_expected(tmp, 2, "out");
}

// A damaged state file is one clear line, and is not written: the SQLite header, or any page
// (the tail of a b-tree page holds its cells; SQLite keeps no page checksums, so a run checks the
// file's structure before it builds on it — state_store.cpp, PRAGMA quick_check).
TEST(StateRuns, ACorruptedStateFileIsOneLineAndLeftAsItIs) {
  if (!fs::exists(example() + "/manifest-run1.json")) GTEST_SKIP() << "shared/examples/city-over-time not found";
  TempDir tmp;
  ASSERT_EQ(run_k(tmp, 1, "out").exit_code, 0);
  const std::string bytes = read_file(tmp / "state.db");
  ASSERT_GE(bytes.size(), 4u * 4096);
  for (size_t page = 1; page <= bytes.size() / 4096; ++page) {
    std::string damaged = bytes;
    const size_t from = page == 1 ? 0 : page * 4096 - 600;
    for (size_t idx = from; idx < from + 600; ++idx) damaged[idx] = static_cast<char>(damaged[idx] ^ 0x5a);
    testing::write_file(tmp / "state.db", damaged);
    const auto run = run_k(tmp, 2, "out2");
    EXPECT_EQ(run.exit_code, 1) << "page " << page << ": " << run.output;
    EXPECT_EQ(lines_of(run.output), 1u) << "page " << page << ": " << run.output;
    EXPECT_NE(run.output.find("state.db: "), std::string::npos) << run.output;
    EXPECT_EQ(read_file(tmp / "state.db"), damaged) << "page " << page;
    EXPECT_FALSE(fs::exists(tmp / "out2")) << "page " << page;
  }
}

}  // namespace
}  // namespace canbao
