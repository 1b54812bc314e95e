// report.html (issue #5): written by every run, self-contained, and rendered in a real browser:
// headless Chromium lays out every chart with a non-zero size and shows the plan table exactly as
// plan.csv. The browser part is skipped, saying so, only where Chromium is not installed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "canbao/core/text.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::shared_dir;
using testing::TempDir;
namespace fs = std::filesystem;

const char* kCharts[] = {"plan-rate",        "uninsured-state", "uninsured-group", "duplicate-type",
                         "duplicate-resolution", "action-type", "action-handler",  "action-refund",
                         "subsidy-district", "benefit-wait",    "quarantine-feed", "quarantine-reason",
                         "link-method",      "timings"};

// plan.csv as rows of cells, header included.
std::vector<std::vector<std::string>> plan_rows(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> cells;
  size_t pos = 0;
  while (next_csv_record(csv, pos, cells)) rows.push_back(cells);
  return rows;
}

// The plan table's rows as shown in an HTML document (header row first).
std::vector<std::vector<std::string>> html_plan_rows(const std::string& html) {
  std::vector<std::vector<std::string>> rows;
  const size_t begin = html.find("<table class=\"plan\">");
  const size_t end = html.find("</table>", begin);
  if (begin == std::string::npos || end == std::string::npos) return rows;
  const std::string table = html.substr(begin, end - begin);
  const std::regex row_re("<tr[^>]*>(.*?)</tr>"), cell_re("<t[hd]>([^<]*)</t[hd]>");
  for (auto row = std::sregex_iterator(table.begin(), table.end(), row_re); row != std::sregex_iterator(); ++row) {
    const std::string inner = (*row)[1];
    std::vector<std::string> cells;
    for (auto cell = std::sregex_iterator(inner.begin(), inner.end(), cell_re); cell != std::sregex_iterator(); ++cell)
      cells.push_back((*cell)[1]);
    rows.push_back(cells);
  }
  return rows;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(testing::sample_city() + "/manifest.json"))
      GTEST_SKIP() << "shared/examples/sample-city not found";
    const auto run = run_command(cli() + " run " + shared_dir() + "/examples/sample-city/manifest.json --out " + tmp_ / "out");
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  TempDir tmp_;
};

TEST_F(ReportTest, IsSelfContainedWithEveryChartAndThePlanTable) {
  const std::string html = read_file(tmp_ / "out/report.html");
  ASSERT_FALSE(html.empty());
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  for (const char* chart : kCharts)
    EXPECT_NE(html.find("<svg class=\"chart\" data-chart=\"" + std::string(chart) + "\""), std::string::npos) << chart;
  // Nothing fetched from anywhere: no external scripts, styles, images or fonts.
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html_plan_rows(html), plan_rows(read_file(tmp_ / "out/plan.csv")));  // R9 as written
  // Quarantine reasons per feed: one table row per (feed, reason) with quarantine.csv's count.
  std::map<std::string, int> counts;
  for (const auto& row : plan_rows(read_file(tmp_ / "out/quarantine.csv")))
    if (row.size() >= 4 && row[0] != "feed") ++counts["<tr><td>" + row[0] + "</td><td>" + row[3] + "</td><td>"];
  ASSERT_FALSE(counts.empty());
  for (const auto& [prefix, count] : counts)
    EXPECT_NE(html.find(prefix + std::to_string(count) + "</td></tr>"), std::string::npos) << prefix << count;
}

TEST_F(ReportTest, RendersInHeadlessChromium) {
  const std::string chromium = testing::find_chromium();
  if (chromium.empty())
    GTEST_SKIP() << "Chromium is not installed (scripts/test.sh installs Debian's `chromium` where it can): "
                    "the report was not rendered in a browser";
  const std::string flags = " --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking ";
  const std::string url = "file://" + fs::absolute(tmp_ / "out/report.html").string();
  const auto dom = run_command(chromium + flags + "--dump-dom " + url + " 2>/dev/null");
  ASSERT_EQ(dom.exit_code, 0) << dom.output.substr(0, 2000);
  EXPECT_NE(dom.output.find("data-ready=\"1\""), std::string::npos) << "the page's load handler did not run";
  for (const char* chart : kCharts) {
    const std::regex sized("data-chart=\"" + std::string(chart) +
                           "\"[^>]*data-rendered-width=\"([1-9][0-9]*)\" data-rendered-height=\"([1-9][0-9]*)\"");
    EXPECT_TRUE(std::regex_search(dom.output, sized)) << chart << " was not laid out with a non-zero size";
  }
  EXPECT_EQ(html_plan_rows(dom.output), plan_rows(read_file(tmp_ / "out/plan.csv")));
  const std::string png = tmp_ / "report.png";
  const auto shot = run_command(chromium + flags + "--window-size=1100,3000 --screenshot=" + png + " " + url);
  ASSERT_EQ(shot.exit_code, 0) << shot.output.substr(0, 2000);
  ASSERT_TRUE(fs::exists(png));
  EXPECT_GT(fs::file_size(png), 20000u);  // a blank page is a few KB
}

}  // namespace
}  // namespace canbao
