// Helpers shared by the data-driven golden tests (golden_test.cpp, golden_runs_test.cpp).
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "test_util.h"

namespace canbao::testing {

/// The scenario folders under `root` (those holding `first_manifest`), sorted by name.
inline std::vector<std::string> scenario_folders(const std::filesystem::path& root, const std::string& first_manifest) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec))
    if (entry.is_directory() && std::filesystem::exists(entry.path() / first_manifest))
      names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

/// summary.json's feeds as `path,mode,read,accepted,linked,quarantined,replaced,deleted` lines (SPEC §2
/// read = accepted + linked + quarantined, §7 replaced/deleted): what an expected `feeds.csv` holds.
inline std::string feed_counts_csv(const std::string& summary_path) {
  simdjson::padded_string json(read_file(summary_path));
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

/// Compares one expected file with the run's output directory `out`: `feeds.csv` with summary.json's feed
/// counts, any other file with the output of that name, byte for byte; `context` opens the failure message.
inline void expect_output_file(const std::filesystem::path& expected, const std::filesystem::path& out,
                               const std::string& context) {
  const std::string name = expected.filename();
  if (name == "feeds.csv") {
    EXPECT_EQ(feed_counts_csv(out / "summary.json"), read_file(expected)) << context << ": summary.json's feeds differ";
  } else {
    EXPECT_EQ(read_file(out / name), read_file(expected)) << context << ": " << name << " differs";
  }
}

/// A scenario folder's name as a gtest parameter name: every character but letters and digits becomes `_`.
inline std::string scenario_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return name;
}

}  // namespace canbao::testing
