// Real-time lookup (issue #5, N 二): `canbao query` answers from the mapped index of a run exactly
// what the run's outputs say about the person (R1 state, home district, R3 cases), and gives the
// SPEC §2 reason for an invalid ID.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "canbao/core/text.h"
#include "canbao/query/person_index.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::shared_dir;
using testing::TempDir;
namespace fs = std::filesystem;

using testing::sample_city;

// Rows of a CSV output (header skipped), cells split.
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  size_t pos = 0;
  std::vector<std::string> cells;
  next_csv_record(text, pos, cells);  // header
  while (next_csv_record(text, pos, cells)) rows.push_back(cells);
  return rows;
}

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(sample_city() + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
    const auto run = run_command(cli() + " run " + sample_city() + "/manifest.json --out " + tmp_ / "out");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    auto opened = PersonIndex::Open(tmp_ / "out.index");
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    index_ = std::move(opened).value();
  }
  TempDir tmp_;
  std::unique_ptr<PersonIndex> index_;
  simdjson::ondemand::parser parser_;
};

TEST_F(QueryTest, AgreesWithTheRunsRegistryForEveryPerson) {  // R1 state, §4 home district
  const auto rows = csv_rows(read_file(tmp_ / "out/registry.csv"));
  ASSERT_GT(rows.size(), 20u);
  for (const auto& row : rows) {
    const PersonAnswer answer = index_->lookup(row[0]);
    ASSERT_TRUE(answer.valid && answer.found) << row[0];
    simdjson::padded_string json(answer.json);
    auto doc = parser_.iterate(json);
    EXPECT_EQ(std::string_view(doc["id"].get_string()), row[0]);
    auto district = doc["home_district"];
    const std::string got_district = district.is_null() ? "" : std::string(std::string_view(district.get_string()));
    EXPECT_EQ(got_district, row[4]) << row[0];
    EXPECT_EQ(bool(doc["alive"]), row[5] == "true") << row[0];
    EXPECT_EQ(std::string_view(doc["state"].get_string()), row[6]) << row[0];
  }
}

TEST_F(QueryTest, ReportsTheDuplicateCasesOfTheRun) {  // R3/R4 as in duplicates.csv
  std::map<std::string, std::vector<std::string>> cases;  // id → "type/kept/terminated/resolution"
  for (const auto& row : csv_rows(read_file(tmp_ / "out/duplicates.csv")))
    cases[row[0]].push_back(row[2] + "/" + row[4] + "/" + row[5] + "/" + row[6]);
  ASSERT_GT(cases.size(), 5u);
  for (const auto& [id, want] : cases) {
    const PersonAnswer answer = index_->lookup(id);
    simdjson::padded_string json(answer.json);
    auto doc = parser_.iterate(json);
    std::vector<std::string> got;
    for (auto item : doc["duplicate_cases"].get_array()) {
      auto join = [](simdjson::ondemand::array list) {
        std::string out;
        for (auto value : list) out += (out.empty() ? "" : ";") + std::string(std::string_view(value.get_string()));
        return out;
      };
      const std::string type(std::string_view(item["type"].get_string()));
      const std::string kept = join(item["kept"].get_array());
      const std::string terminated = join(item["terminated"].get_array());
      const std::string resolution(std::string_view(item["resolution"].get_string()));
      got.push_back(type + "/" + kept + "/" + terminated + "/" + resolution);
    }
    EXPECT_EQ(got, want) << id;
  }
}

TEST_F(QueryTest, InvalidIdsGetTheirSpecReason) {  // SPEC §2 rejects
  const std::map<std::string, std::string> reasons = {
      {"350203198805208739", "bad_checksum"}, {"3502031988052087", "bad_length"},
      {"3.50203E+17", "excel_mangled"},       {"", "missing"},
      {"35020319880520873A", "bad_char"},     {"000203198805208738", "bad_region"}, {"350203198813208738", "bad_birthdate"}};
  for (const auto& [raw, reason] : reasons) {
    const PersonAnswer answer = index_->lookup(raw);
    EXPECT_FALSE(answer.valid) << raw;
    EXPECT_NE(answer.json.find("\"reason\": \"" + reason + "\""), std::string::npos) << raw << " " << answer.json;
    if (raw.size() > 10) {
      EXPECT_EQ(answer.json.find(raw), std::string::npos) << "full invalid ID echoed: " << raw;
    }
  }
}

TEST_F(QueryTest, AValidIdTheIndexDoesNotKnowIsNotFound) {
  const PersonAnswer answer = index_->lookup("110101199003074477");  // valid checksum, not in the city
  EXPECT_TRUE(answer.valid);
  EXPECT_FALSE(answer.found);
  EXPECT_EQ(answer.json, "{\"valid\": true, \"id\": \"110101199003074477\", \"found\": false}");
}

TEST_F(QueryTest, CliPrintsOneJsonLinePerIdAndFailsOnUnknown) {
  const std::string id = csv_rows(read_file(tmp_ / "out/registry.csv")).front()[0];
  const auto ok = run_command(cli() + " query --index " + tmp_ / "out.index" + " " + id);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output.find("{\"valid\": true, \"id\": \"" + id + "\", \"found\": true"), 0u) << ok.output;
  const auto mixed = run_command(cli() + " query --index " + tmp_ / "out.index" + " " + id + " 350203198805208739");
  EXPECT_EQ(mixed.exit_code, 1);
  EXPECT_EQ(std::count(mixed.output.begin(), mixed.output.end(), '\n'), 2);
}

// SPEC §9: a person under 1 year answered by `query` takes the mother's home district as in the
// run (the mother's records are looked up from the same index).
TEST(Query, UnderOneTakesTheMothersDistrictAsTheRunDoes) {
  TempDir tmp;
  const std::string manifest = std::string(CANBAO_SOURCE_DIR) + "/tests/golden/h9_mother_district/manifest.json";
  ASSERT_EQ(run_command(cli() + " run " + manifest + " --out " + tmp / "out").exit_code, 0);
  auto index = PersonIndex::Open(tmp / "out.index");
  ASSERT_TRUE(index.ok()) << index.status().message();
  const auto rows = csv_rows(read_file(tmp / "out/registry.csv"));
  ASSERT_EQ(rows.size(), 5u);
  simdjson::ondemand::parser parser;
  for (const auto& row : rows) {
    const PersonAnswer answer = index.value()->lookup(row[0]);
    ASSERT_TRUE(answer.found) << row[0];
    simdjson::padded_string json(answer.json);
    auto doc = parser.iterate(json);
    EXPECT_EQ(std::string_view(doc["home_district"].get_string()), row[4]) << row[0];
  }
  // 彭芳敏 (only a birth record naming 林芳 of 350205) is one of them.
  EXPECT_NE(index.value()->lookup("350206202606100669").json.find("\"home_district\": \"350205\""), std::string::npos);
}

TEST(Query, AnIndexWithoutIndexJsonIsAClearError) {
  TempDir tmp;
  auto opened = PersonIndex::Open(tmp.path());
  const Status status = opened.status();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("index.json"), std::string::npos) << status.message();
  const auto run = run_command(cli() + " query --index " + tmp.path() + " 110101199003074477");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("index.json"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace canbao
