// Faults (issue #6): an output or index directory that cannot be written is one clear line and a
// non-zero exit, never a crash, and nothing half-written is left behind.
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

std::string sample_manifest() { return shared_dir() + "/examples/sample-city/manifest.json"; }

// /proc refuses new directories even to root, so this holds in CI containers too.
TEST(Faults, UnwritableOutputDirectoryIsOneClearLine) {
  if (!fs::exists(sample_manifest())) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  const auto run = run_command(cli() + " run " + sample_manifest() + " --out /proc/canbao-out --index " + tmp / "idx");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
  EXPECT_NE(run.output.find("/proc/canbao-out"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("cannot create output directory"), std::string::npos) << run.output;
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

}  // namespace
}  // namespace canbao
