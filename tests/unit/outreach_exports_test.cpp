// Outreach exports for community workers (issue #5): outreach/<district>.csv per home district,
// IDs masked as SPEC §6 id_masked (first 6 + last 4), names masked to the surname; the bureau's
// own outreach.csv keeps full IDs.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "canbao/core/text.h"
#include "canbao/output/outreach_exports.h"
#include "rules_test_util.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::shared_dir;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

TEST(OutreachExports, MaskNameKeepsTheSurnameOnly) {
  EXPECT_EQ(mask_name("陈晓明"), "陈**");
  EXPECT_EQ(mask_name("张三"), "张*");
  EXPECT_EQ(mask_name(" 欧阳娜娜 "), "欧***");
  EXPECT_EQ(mask_name("迪丽热巴·迪力木拉提"), "迪*********");
  EXPECT_EQ(mask_name("陈"), "*");  // shown whole otherwise
  EXPECT_EQ(mask_name("Li Lei"), "L*****");
  EXPECT_EQ(mask_name(""), "");
}

// Three uninsured persons in two districts, evaluated by the rules and exported as typed outcomes.
struct ExportFixture {
  ExportFixture() {
    // 350203: never insured, address with a comma (RFC 4180 quoting)
    people.emplace_back("35020319880520873").named("陈晓明").ps(350203, "思明区, 湖滨南路 1 号");
    // 350205: a name with a quote, employed (unit channel)
    auto& b = people.emplace_back("35020519740714845").named("张\"三");
    b.ps(350205);
    b.employment("913502", 350205, "2020-01-01");
    // 350203 too, a student (school channel)
    auto& c = people.emplace_back("35021119920815492").named("李四");
    c.ps(350203);
    c.school("S1", 350203, EduLevel::kUniversity, 2024);
  }
  /// What the writer puts in each file for these persons, in key order.
  Status write(const std::string& dir, const OutreachExportOptions& options, std::map<std::string, uint64_t>& rows) {
    OutreachExportWriter writer;
    CANBAO_RETURN_IF_ERROR(writer.open(dir));
    CsvFormatter formatter;
    DistrictRows partition;
    for (const rules_test::TestPerson& person : people) {
      PersonOutcome outcome;
      evaluate_person(person.view, rules_test::xiamen(), outcome);
      if (outcome.in_outreach) partition.add(formatter, person.view, outcome, options);
    }
    CANBAO_RETURN_IF_ERROR(writer.write(partition));
    return writer.close(rows);
  }
  std::vector<rules_test::TestPerson> people;
};

TEST(OutreachExports, SplitsByDistrictKeepingHeaderOrderAndQuoting) {
  TempDir tmp;
  ExportFixture city;
  OutreachExportOptions options;
  options.split_by_district = true;
  std::map<std::string, uint64_t> rows;
  ASSERT_TRUE(city.write(tmp.path(), options, rows).ok());
  EXPECT_EQ(rows, (std::map<std::string, uint64_t>{{"350203", 2}, {"350205", 1}}));
  EXPECT_EQ(read_file(tmp / "outreach/350203.csv"),
            "id,name,home_district,address,state,group,suggested_scheme,channel\n"
            "350203198805208738,陈晓明,350203,\"思明区, 湖滨南路 1 号\",never,other,resident,community:350203\n"
            "350211199208154924,李四,350203,,never,student,resident,school:S1\n");
  EXPECT_EQ(read_file(tmp / "outreach/350205.csv"),
            "id,name,home_district,address,state,group,suggested_scheme,channel\n"
            "350205197407148459,\"张\"\"三\",350205,,never,employed,employee,unit:913502\n");
}

TEST(OutreachExports, MasksIdsAndNamesWhenAsked) {
  TempDir tmp;
  ExportFixture city;
  OutreachExportOptions options;
  options.split_by_district = true;
  options.mask_ids = true;
  options.mask_names = true;
  std::map<std::string, uint64_t> rows;
  ASSERT_TRUE(city.write(tmp.path(), options, rows).ok());
  const std::string text = read_file(tmp / "outreach/350203.csv");
  EXPECT_NE(text.find("350203********8738,陈**,350203,"), std::string::npos) << text;
  EXPECT_NE(text.find("350211********4924,李*,350203,"), std::string::npos) << text;
  EXPECT_EQ(text.find("350203198805208738"), std::string::npos);  // no full ID leaves the bureau
  EXPECT_NE(read_file(tmp / "outreach/350205.csv").find("350205********8459,张**,"), std::string::npos);
}

TEST(OutreachExports, AnUnwritableFolderIsAnErrorNamingIt) {
  TempDir tmp;
  write_file(tmp / "outreach", "a file where the folder would go");
  OutreachExportWriter writer;
  const Status status = writer.open(tmp.path());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(tmp / "outreach"), std::string::npos) << status.message();
}

using testing::sample_city;

std::set<std::string> lines_without_header(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) lines.insert(line);
  return lines;
}

// Through the CLI on the worked example: every outreach row lands in exactly its district's file,
// outreach.csv itself is unchanged, and the masked lists carry no full ID.
TEST(OutreachExports, SampleCitySplitCoversOutreachExactly) {
  if (!fs::exists(sample_city() + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  const std::string manifest = sample_city() + "/manifest.json";
  ASSERT_EQ(run_command(cli() + " run " + manifest + " --out " + tmp / "plain").exit_code, 0);
  const auto split = run_command(cli() + " run " + manifest + " --out " + tmp / "split" + " --split-by district");
  ASSERT_EQ(split.exit_code, 0) << split.output;
  const auto masked =
      run_command(cli() + " run " + manifest + " --out " + tmp / "masked" + " --split-by district --mask-ids --mask-names");
  ASSERT_EQ(masked.exit_code, 0) << masked.output;
  const std::string outreach = read_file(tmp / "plain/outreach.csv");
  EXPECT_EQ(read_file(tmp / "split/outreach.csv"), outreach);
  EXPECT_EQ(read_file(tmp / "masked/outreach.csv"), outreach);

  std::set<std::string> from_files;
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(tmp / "split/outreach")) {
    ++files;
    const std::string district = entry.path().stem().string();
    for (const std::string& line : lines_without_header(read_file(entry.path().string()))) {
      EXPECT_NE(line.find("," + district + ","), std::string::npos) << line;  // home_district column
      EXPECT_TRUE(from_files.insert(line).second) << "row in two files: " << line;
    }
  }
  EXPECT_GE(files, 2u);
  EXPECT_EQ(from_files, lines_without_header(outreach));

  for (const std::string& row : lines_without_header(outreach)) {
    const std::string id = row.substr(0, row.find(','));
    for (const auto& entry : fs::directory_iterator(tmp / "masked/outreach"))
      EXPECT_EQ(read_file(entry.path().string()).find(id), std::string::npos) << id;
  }
  EXPECT_NE(read_file(tmp / "masked/summary.json").find("\"ids_masked\": true"), std::string::npos);
}

TEST(OutreachExports, MaskingWithoutSplitIsRefused) {
  if (!fs::exists(sample_city() + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  const auto run = run_command(cli() + " run " + sample_city() + "/manifest.json --out " + tmp / "out" + " --mask-ids");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("--split-by district"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(tmp / "out"));
}

}  // namespace
}  // namespace canbao
