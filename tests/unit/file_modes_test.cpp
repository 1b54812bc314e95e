// File modes (issue #14): the index and the outputs hold every citizen's ID, so every file canbao
// writes — segments, links, index.json, the state and its -wal/-shm, every output CSV, the
// quarantine, report.html, summary.json, the split lists and workbooks — is 0600 and every
// directory it makes 0700, whatever the umask; modes an older canbao left wider are narrowed.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "canbao/core/private_files.h"
#include "canbao/state/state_store.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::sample_city;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 07777;
}

/// Every entry under `root` (and root itself) that is not 0600 (files) or 0700 (directories), with
/// its mode; counts what was looked at.
std::vector<std::string> wider_than_private(const std::string& root, size_t& files, size_t& dirs) {
  std::vector<std::string> wide;
  const auto check = [&](const fs::path& path) {
    const bool dir = fs::is_directory(path);
    const mode_t want = dir ? kPrivateDirMode : kPrivateFileMode;
    (dir ? dirs : files) += 1;
    if (mode_of(path.string()) != want) {
      char text[16];
      std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode_of(path.string())));
      wide.push_back(path.string() + " " + text);
    }
  };
  check(root);
  if (fs::is_directory(root))
    for (const auto& entry : fs::recursive_directory_iterator(root)) check(entry.path());
  return wide;
}

/// A run of the sample city (split lists in CSV and xlsx) under `umask 022`.
testing::CommandResult run_under_umask(const TempDir& tmp, const std::string& umask = "022") {
  return run_command("umask " + umask + " && " + cli() + " run " + tmp / "city/manifest.json --out " + tmp / "out" +
                     " --split-by district --split-format both");
}

class FileModesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(sample_city() + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
    fs::copy(sample_city(), tmp_ / "city", fs::copy_options::recursive);
  }
  void expect_all_private() {
    size_t files = 0, dirs = 0;
    for (const std::string& root : {tmp_ / "out", tmp_ / "out.index"})
      EXPECT_EQ(wider_than_private(root, files, dirs), std::vector<std::string>{}) << root;
    EXPECT_GE(dirs, 3u);    // out, out.index, out/outreach
    EXPECT_GE(files, 30u);  // the outputs, the split lists and workbooks, the segments, links, index.json
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const std::string state = tmp_ / ("out.state.db" + std::string(suffix));
      if (*suffix == '\0') {
        ASSERT_TRUE(fs::exists(state));
      }
      if (fs::exists(state)) {
        EXPECT_EQ(mode_of(state), kPrivateFileMode) << state;
      }
    }
  }
  TempDir tmp_{"canbao-modes"};
};

TEST_F(FileModesTest, EverythingARunWritesIsPrivateUnderUmask022) {
  const auto result = run_under_umask(tmp_);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  bool workbook = false;
  for (const auto& entry : fs::recursive_directory_iterator(tmp_ / "out"))
    workbook = workbook || entry.path().extension() == ".xlsx";
  EXPECT_TRUE(workbook) << "the split lists wrote no workbook";
  expect_all_private();
  // A permissive umask changes nothing either.
  ASSERT_EQ(run_under_umask(tmp_, "000").exit_code, 0);
  expect_all_private();
}

TEST_F(FileModesTest, WiderModesLeftByAnOlderRunAreNarrowed) {
  ASSERT_EQ(run_under_umask(tmp_).exit_code, 0);
  fs::permissions(tmp_ / "out.index", fs::perms(0755));
  for (const auto& entry : fs::directory_iterator(tmp_ / "out.index")) fs::permissions(entry.path(), fs::perms(0644));
  fs::permissions(tmp_ / "out.state.db", fs::perms(0644));
  const auto result = run_under_umask(tmp_);  // reuses every segment
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(read_file(tmp_ / "out/summary.json").find("\"index_reused\": true"), std::string::npos);
  expect_all_private();
}

// `--index` naming a directory that holds other things too: canbao's files in it are 0600, the
// directory and the files that are not canbao's keep their modes.
TEST_F(FileModesTest, AnIndexInTheUsersOwnDirectoryLeavesItsOtherFilesAlone) {
  const std::string dir = tmp_ / "shared";
  write_file(dir + "/notes.txt", "mine");
  fs::permissions(dir, fs::perms(0755));
  fs::permissions(dir + "/notes.txt", fs::perms(0644));
  const auto ingest = run_command("umask 022 && " + cli() + " ingest " + tmp_ / "city/manifest.json --index " + dir);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  EXPECT_EQ(mode_of(dir), 0755u);
  EXPECT_EQ(mode_of(dir + "/notes.txt"), 0644u);
  EXPECT_EQ(mode_of(dir + "/index.json"), kPrivateFileMode);
  size_t segments = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".seg") continue;
    ++segments;
    EXPECT_EQ(mode_of(entry.path().string()), kPrivateFileMode) << entry.path();
  }
  EXPECT_GT(segments, 0u);
}

TEST_F(FileModesTest, IngestAndAStateOfItsOwnArePrivate) {
  const std::string index = tmp_ / "deep/er/idx";
  const auto ingest =
      run_command("umask 022 && " + cli() + " ingest " + tmp_ / "city/manifest.json --index " + index);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  size_t files = 0, dirs = 0;
  EXPECT_EQ(wider_than_private(tmp_ / "deep", files, dirs), std::vector<std::string>{});  // parents it made too
  EXPECT_EQ(dirs, 3u);
  const auto run = run_command("umask 022 && " + cli() + " run " + tmp_ / "city/manifest.json --out " + tmp_ / "o" +
                               " --state " + tmp_ / "ledger.sqlite");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(mode_of(tmp_ / "ledger.sqlite"), kPrivateFileMode);
}

// The helpers themselves, in this process, with a umask that would open everything up.
TEST(PrivateFiles, ModesHoldWhateverTheUmask) {
  TempDir tmp("canbao-private");
  const mode_t saved = ::umask(0);
  const std::string dir = tmp / "a/b/c";
  EXPECT_TRUE(make_private_dir(dir).ok());
  for (const std::string& path : {tmp / "a", tmp / "a/b", dir}) EXPECT_EQ(mode_of(path), kPrivateDirMode) << path;
  fs::permissions(dir, fs::perms(0755));
  EXPECT_TRUE(make_private_dir(dir).ok());  // an existing directory may be the user's: left as it is
  EXPECT_EQ(mode_of(dir), 0755u);
  write_file(dir + "/old.csv", "wide");
  fs::permissions(dir + "/old.csv", fs::perms(0666));
  std::FILE* file = fopen_private(dir + "/old.csv");  // truncated and narrowed
  ASSERT_NE(file, nullptr);
  std::fputs("x", file);
  std::fclose(file);
  EXPECT_EQ(mode_of(dir + "/old.csv"), kPrivateFileMode);
  EXPECT_EQ(read_file(dir + "/old.csv"), "x");
  write_file(tmp / "a/file", "");
  const Status not_a_dir = make_private_dir(tmp / "a/file");
  EXPECT_FALSE(not_a_dir.ok());
  EXPECT_NE(not_a_dir.message().find("a/file: cannot create directory"), std::string::npos) << not_a_dir.message();
  ::umask(saved);
}

// SQLite makes the state's -wal and -shm files while a run holds the state: they take the database
// file's mode, whatever the umask.
TEST(PrivateFiles, StateAndItsWalAndShmAre0600) {
  TempDir tmp("canbao-private");
  const mode_t saved = ::umask(0);
  const std::string path = tmp / "state.db";
  {
    auto store = StateStore::Open(path, StateStore::Access::kReadWrite);
    ASSERT_TRUE(store.ok()) << store.status().message();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const std::string file = path + suffix;
      ASSERT_TRUE(fs::exists(file)) << file;
      EXPECT_EQ(mode_of(file), kPrivateFileMode) << file;
    }
  }
  ::umask(saved);
}

}  // namespace
}  // namespace canbao
