// Faults (issue #6): an output or index directory that cannot be written, or a disk that fills up,
// is one clear line and a non-zero exit, never a crash, and nothing half-written is left behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::run_command;
using testing::shared_dir;
using testing::TempDir;
namespace fs = std::filesystem;

std::string sample_manifest() { return testing::sample_city() + "/manifest.json"; }

// /proc refuses new directories even to root, so this holds in CI containers too.
TEST(Faults, UnwritableOutputDirectoryIsOneClearLine) {
  if (!fs::exists(sample_manifest())) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  const auto run = run_command(cli() + " run " + sample_manifest() + " --out /proc/canbao-out --index " + tmp / "idx" +
                               " --state " + tmp / "state.db");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
  EXPECT_NE(run.output.find("/proc/canbao-out"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("cannot create output directory"), std::string::npos) << run.output;
  // The default state file goes beside the outputs (SPEC §7: OUT.state.db): there it is the first
  // thing that cannot be written, before anything else is.
  const auto default_state = run_command(cli() + " run " + sample_manifest() + " --out /proc/canbao-out --index " + tmp / "idx");
  EXPECT_EQ(default_state.exit_code, 1);
  EXPECT_EQ(std::count(default_state.output.begin(), default_state.output.end(), '\n'), 1) << default_state.output;
  EXPECT_NE(default_state.output.find("/proc/canbao-out.state.db: cannot open the state file"), std::string::npos)
      << default_state.output;
}

TEST(Faults, UnwritableIndexDirectoryIsOneClearLine) {
  if (!fs::exists(sample_manifest())) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  const auto run = run_command(cli() + " run " + sample_manifest() + " --out " + tmp / "out" + " --index /proc/canbao.index");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
  EXPECT_NE(run.output.find("/proc/canbao.index: cannot create index directory"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(tmp / "out"));
}

// A full disk: a tmpfs of a few hundred KiB mounted in a private mount namespace (`unshare -rm`,
// so no mount is left behind). The script runs inside it and reports through files in `tmp`.
// Returns false (and the reason) when this machine cannot make one.
bool run_on_small_disk(const TempDir& tmp, const std::string& size, const std::string& script, std::string& why) {
  fs::create_directories(tmp / "disk");
  testing::write_file(tmp / "script.sh", "set -u\nmount -t tmpfs -o size=" + size + " tmpfs " + tmp / "disk" +
                                             " || exit 97\n" + script);
  const auto run = run_command("unshare -rm sh " + tmp / "script.sh");
  if (run.exit_code == 97 || run.output.find("unshare:") != std::string::npos) {
    why = "cannot mount a small tmpfs here (unshare -rm + mount): " + run.output;
    return false;
  }
  return true;
}

// The second run of the sample city does not fit: one line naming the file and ENOSPC, exit 1,
// the staging directory removed at once (the space is given back), the first run's outputs intact.
TEST(Faults, DiskFullWhileWritingOutputsKeepsTheEarlierOutputs) {
  if (!fs::exists(sample_manifest())) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  const std::string run_cmd = cli() + " run " + sample_manifest() + " --out " + tmp / "disk/out" + " --index " + tmp / "idx" +
                              " --state " + tmp / "state.db";
  std::string why;
  if (!run_on_small_disk(tmp, "150k",
                         run_cmd + " > " + tmp / "first.log" + " 2>&1; echo $? > " + tmp / "first.rc" + "\n" + run_cmd +
                             " > " + tmp / "second.log" + " 2>&1; echo $? > " + tmp / "second.rc" + "\n" + "ls -A " +
                             tmp / "disk" + " > " + tmp / "listing\n" + "cmp " + tmp / "disk/out/registry.csv " +
                             testing::sample_city() + "/expected/registry.csv > " + tmp / "cmp.log" +
                             " 2>&1; echo $? > " + tmp / "cmp.rc\n",
                         why))
    GTEST_SKIP() << why;
  ASSERT_EQ(testing::read_file(tmp / "first.rc"), "0\n") << testing::read_file(tmp / "first.log");
  EXPECT_EQ(testing::read_file(tmp / "second.rc"), "1\n");
  const std::string second = testing::read_file(tmp / "second.log");
  EXPECT_EQ(std::count(second.begin(), second.end(), '\n'), 1) << second;
  EXPECT_NE(second.find("cannot write output: No space left on device"), std::string::npos) << second;
  EXPECT_EQ(testing::read_file(tmp / "listing"), "out\n");  // no out.tmp-<pid> left
  EXPECT_EQ(testing::read_file(tmp / "cmp.rc"), "0\n") << testing::read_file(tmp / "cmp.log");
}

// The index does not fit: one line naming the segment and ENOSPC, exit 1, no half-written
// segment (*.tmp) left, no output directory.
TEST(Faults, DiskFullWhileWritingTheIndexIsOneClearLine) {
  if (!fs::exists(sample_manifest())) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  std::string why;
  if (!run_on_small_disk(tmp, "40k",
                         cli() + " run " + sample_manifest() + " --out " + tmp / "out" + " --index " + tmp / "disk/idx" +
                             " > " + tmp / "run.log" + " 2>&1; echo $? > " + tmp / "run.rc\n" + "ls -A " +
                             tmp / "disk/idx" + " > " + tmp / "listing\n",
                         why))
    GTEST_SKIP() << why;
  EXPECT_EQ(testing::read_file(tmp / "run.rc"), "1\n");
  const std::string log = testing::read_file(tmp / "run.log");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  EXPECT_NE(log.find("cannot write index segment: No space left on device"), std::string::npos) << log;
  EXPECT_EQ(testing::read_file(tmp / "listing").find(".tmp"), std::string::npos) << testing::read_file(tmp / "listing");
  EXPECT_FALSE(fs::exists(tmp / "out"));
}

}  // namespace
}  // namespace canbao
