// Kill and rerun (issue #6): a run killed with SIGKILL while writing the index, while matching, or
// while moving its outputs into place never leaves a partial output directory, and the next run
// ignores the leftovers (a half-written segment, staging directories), removes them, and writes
// outputs byte-identical to an uninterrupted run. Kills come from the CANBAO_FAILPOINT hook
// (engine/include/canbao/core/failpoint.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
namespace fs = std::filesystem;

const char* kOutputs[] = {"registry.csv", "outreach.csv", "duplicates.csv", "actions.csv",
                          "benefits.csv", "plan.csv",     "quarantine.csv"};

class KillRerun : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto synth = run_command(cli() + " synth --persons 20000 --seed 5 --out " + tmp_ / "city");
    ASSERT_EQ(synth.exit_code, 0) << synth.output;
    const auto reference = run_command(cli() + " run " + manifest() + " --out " + tmp_ / "reference");
    ASSERT_EQ(reference.exit_code, 0) << reference.output;
  }
  std::string manifest() const { return tmp_ / "city/manifest.json"; }
  // Every sibling of `dir` whose name starts with dir's name + suffix.
  int leftovers(const std::string& dir, const std::string& suffix) const {
    int count = 0;
    const std::string prefix = fs::path(dir).filename().string() + suffix;
    for (const auto& entry : fs::directory_iterator(tmp_.path()))
      if (entry.path().filename().string().rfind(prefix, 0) == 0) ++count;
    return count;
  }
  void expect_same_as_reference(const std::string& dir) const {
    for (const char* name : kOutputs)
      EXPECT_EQ(read_file(dir + "/" + name), read_file(tmp_ / ("reference/" + std::string(name)))) << name;
  }
  // Runs with the failpoint armed: the process must die of the kill, not exit.
  void killed_run(const std::string& failpoint, const std::string& out, const std::string& extra = "") const {
    const auto run = run_command("CANBAO_FAILPOINT=" + failpoint + " " + cli() + " run " + manifest() + " --out " + out +
                                 " --threads 2 " + extra);
    // Killed by SIGKILL: seen directly (-1) or through the shell that ran it (128 + 9).
    ASSERT_TRUE(run.exit_code == -1 || run.exit_code == 137) << failpoint << " did not kill the run: " << run.output;
  }
  TempDir tmp_{"canbao-kill"};
};

TEST_F(KillRerun, KilledWhileWritingTheIndex) {
  const std::string out = tmp_ / "out";
  killed_run("ingest.segment_half_written", out);
  EXPECT_FALSE(fs::exists(out));
  bool half_written = false;
  for (const auto& entry : fs::directory_iterator(out + ".index")) half_written |= entry.path().extension() == ".tmp";
  EXPECT_TRUE(half_written) << "the failpoint should leave a segment without its header";
  const auto rerun = run_command(cli() + " run " + manifest() + " --out " + out);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  expect_same_as_reference(out);
  for (const auto& entry : fs::directory_iterator(out + ".index")) EXPECT_NE(entry.path().extension(), ".tmp");
  EXPECT_EQ(leftovers(out, ".tmp-"), 0);
}

TEST_F(KillRerun, KilledWhileMatching) {
  const std::string out = tmp_ / "out";
  killed_run("match.partition_written", out);
  EXPECT_FALSE(fs::exists(out));             // never a partial set
  EXPECT_EQ(leftovers(out, ".tmp-"), 1);      // the staging directory of the killed run
  const auto rerun = run_command(cli() + " run " + manifest() + " --out " + out);  // index reused
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("(index reused)"), std::string::npos);
  expect_same_as_reference(out);
  EXPECT_EQ(leftovers(out, ".tmp-"), 0);
}

TEST_F(KillRerun, KilledBeforeAndWhileReplacingEarlierOutputs) {
  const std::string out = tmp_ / "out";
  ASSERT_EQ(run_command(cli() + " run " + manifest() + " --out " + out).exit_code, 0);
  killed_run("output.before_rename", out);
  expect_same_as_reference(out);  // the earlier outputs, untouched
  killed_run("output.between_renames", out);
  // The earlier outputs were moved aside and the new ones not yet in place: no OUT at all, never
  // a mixture.
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(leftovers(out, ".old-"), 1);
  const auto rerun = run_command(cli() + " run " + manifest() + " --out " + out);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  expect_same_as_reference(out);
  EXPECT_EQ(leftovers(out, ".tmp-"), 0);
  EXPECT_EQ(leftovers(out, ".old-"), 0);
}

}  // namespace
}  // namespace canbao
