// Issue #6 "a plugin that crashes or returns garbage" (SPEC §1 `plugin`): a third-party adapter
// that crashes is named in one line (feed, adapter, byte range) and the run leaves no outputs; one
// that breaks the ABI's promises (line numbers outside its chunk, a wrong line count, a reason
// that is not a token, a value with no bytes, a body past the end) stops the run with one line
// `feed: adapter '...' returned garbage: ...`; text that is not UTF-8 quarantines its record.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "test_util.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::run_command;
using testing::TempDir;

// Runs a one-feed city whose tax feed is read by the misbehaving plugin in `mode`.
testing::CommandResult run_mode(const TempDir& tmp, const std::string& mode, int persons = 3) {
  std::string feed = "mode=" + mode + "\n";
  const char* ids[] = {"350203198805208738", "350205197407148459", "350211199208154924"};
  for (int idx = 0; idx < persons; ++idx) feed += std::string(ids[idx % 3]) + "\n";
  testing::write_file(tmp / "tax.dat", feed);
  testing::write_file(tmp / "m.json", std::string(R"({"city": "350200", "as_of": "2026-11-22", "feeds": [)") +
                                          R"({"agency": "tax", "path": "tax.dat", "plugin": ")" +
                                          CANBAO_TEST_MISBEHAVING_PLUGIN + "\"}]}");
  // exec: the shell would add its own "Segmentation fault" line for a crashed child.
  return run_command("exec " + testing::cli() + " run " + tmp / "m.json --out " + tmp / "out");
}

void expect_one_line_and_nothing_written(const TempDir& tmp, const testing::CommandResult& run, const std::string& line) {
  EXPECT_NE(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find(line), std::string::npos) << run.output;
  EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
  EXPECT_FALSE(fs::exists(tmp / "out"));
}

TEST(PluginFaults, AWellBehavedPluginIsTheControl) {
  TempDir tmp;
  const auto run = run_mode(tmp, "ok");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_file(tmp / "out/quarantine.csv"), "feed,line,agency,reason,id_masked\n");
}

TEST(PluginFaults, ACrashInParseIsNamedInOneLine) {
  TempDir tmp;
  const auto run = run_mode(tmp, "crash");
  // The body (line 2 on) is one chunk: bytes 11 to the end of the 68-byte file.
  expect_one_line_and_nothing_written(
      tmp, run, "tax.dat: adapter 'misbehaving' crashed (SIGSEGV) in bytes 11-68; no outputs were written\n");
}

TEST(PluginFaults, ACrashInOpenIsNamedInOneLine) {
  TempDir tmp;
  expect_one_line_and_nothing_written(tmp, run_mode(tmp, "crash_in_open"),
                                      "tax.dat: adapter 'misbehaving' crashed (SIGSEGV) in bytes 0-76");
}

TEST(PluginFaults, AnAbortIsNamedInOneLine) {
  TempDir tmp;
  expect_one_line_and_nothing_written(tmp, run_mode(tmp, "abort"),
                                      "tax.dat: adapter 'misbehaving' crashed (SIGABRT) in bytes 11-68");
}

TEST(PluginFaults, GarbageStopsTheRunWithOneLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"line_out_of_chunk", "canbao: tax.dat: adapter 'misbehaving' returned garbage: a record on line 1002 of a chunk of 3 lines"},
      {"wrong_line_count", "canbao: tax.dat: adapter 'misbehaving' returned garbage: 4 lines for a chunk of 3 lines"},
      {"bad_reason", "canbao: tax.dat: adapter 'misbehaving' returned garbage: a reject reason that is not a short token"},
      {"null_value", "canbao: tax.dat: adapter 'misbehaving' returned garbage: a field value with a size but no bytes"},
      {"body_past_end", "canbao: tax.dat: adapter 'misbehaving' returned garbage: body starts at byte"},
      {"open_fails_silently", "canbao: tax.dat: adapter cannot read it\n"},
  };
  for (const auto& [mode, line] : cases) {
    TempDir tmp;
    const auto run = run_mode(tmp, mode);
    SCOPED_TRACE(mode);
    expect_one_line_and_nothing_written(tmp, run, line);
  }
}

TEST(PluginFaults, TextThatIsNotUtf8QuarantinesItsRecord) {
  TempDir tmp;
  const auto run = run_mode(tmp, "bad_utf8");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_file(tmp / "out/quarantine.csv"),
            "feed,line,agency,reason,id_masked\ntax.dat,3,tax,bad_encoding,\n");
  EXPECT_EQ(read_file(tmp / "out/registry.csv").find("\xff"), std::string::npos);
}

TEST(PluginFaults, UnknownFieldsAndKindsAreIgnoredOrInvalid) {
  TempDir tmp;
  const auto run = run_mode(tmp, "unknown_fields");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_file(tmp / "out/quarantine.csv"), "feed,line,agency,reason,id_masked\n");
}

TEST(PluginFaults, AChunkEndWithoutProgressStillReadsEveryRecord) {
  TempDir tmp;
  const auto run = run_mode(tmp, "chunk_no_progress", 30);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string summary = read_file(tmp / "out/summary.json");
  EXPECT_NE(summary.find("\"read\": 30, \"accepted\": 30"), std::string::npos) << summary;
}

}  // namespace
}  // namespace canbao
