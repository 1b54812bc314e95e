// Dates (issue #14): an as_of (a manifest's, synth's --as-of, a pre-check's date and start) outside
// 1900-01-01..2200-12-31 is one error line, and no date canbao derives — a benefit start, a
// waiting period added to a late payment, a deadline or ledger deadline after a late as_of with
// the longest notice — ever leaves the 4-digit year: a tax payment dated after 2200-12-31 is
// quarantined as bad_field:paid_on, and every date written is a real YYYY-MM-DD.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "canbao/core/date.h"
#include "canbao/core/text.h"
#include "canbao/manifest/manifest.h"
#include "canbao/records/records.h"
#include "canbao/rules/precheck.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::non_empty_lines;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

constexpr const char* kOutOfRange[] = {"9999-12-31", "1899-12-31", "2201-01-01"};

TEST(DateRange, BoundsAreTheDatesTheyName) {
  EXPECT_EQ(kFirstAsOf, day_from_ymd(1900, 1, 1));
  EXPECT_EQ(kLastAsOf, day_from_ymd(2200, 12, 31));
  EXPECT_EQ(kLastWritableDay, day_from_ymd(9999, 12, 31));
  EXPECT_EQ(format_date(kLastWritableDay), "9999-12-31");
  EXPECT_TRUE(as_of_in_range(kFirstAsOf));
  EXPECT_TRUE(as_of_in_range(kLastAsOf));
  EXPECT_FALSE(as_of_in_range(kFirstAsOf - 1));
  EXPECT_FALSE(as_of_in_range(kLastAsOf + 1));
  // The latest date a run derives from an as_of: the longest notice (36500 days) after the last
  // as_of, a waiting period after the last payment date canbao accepts; both keep 4 digits.
  EXPECT_EQ(format_date(kLastAsOf + 36500), "2300-12-07");
  EXPECT_EQ(format_date(add_months(kLastAsOf, 6)), "2201-06-30");
}

std::string manifest_text(std::string_view as_of) {
  return R"({"city": "350200", "as_of": ")" + std::string(as_of) + R"(", "feeds": [{"agency": "tax", "path": "t.ndjson"}]})";
}

TEST(DateRange, ManifestAsOfOutsideTheRangeIsAnError) {
  for (const char* as_of : kOutOfRange) {
    Manifest manifest;
    const Status status = parse_manifest(manifest_text(as_of), "m.json", today_local(), manifest);
    ASSERT_FALSE(status.ok()) << as_of;
    EXPECT_EQ(status.message(), std::string("m.json: 'as_of' ") + as_of +
                                    " is outside 1900-01-01..2200-12-31 (the dates canbao evaluates)");
  }
  for (const char* as_of : {"1900-01-01", "2200-12-31", "22001231"}) {
    Manifest manifest;
    const Status status = parse_manifest(manifest_text(as_of), "m.json", today_local(), manifest);
    EXPECT_TRUE(status.ok()) << as_of << ": " << status.message();
  }
}

TEST(DateRange, RunAndSynthRefuseAnAsOfOutsideTheRangeInOneLine) {
  TempDir tmp("canbao-dates");
  write_file(tmp / "t.ndjson", "");
  for (const char* as_of : kOutOfRange) {
    write_file(tmp / "m.json", manifest_text(as_of));
    const auto run = run_command(cli() + " run " + tmp / "m.json --out " + tmp / "out");
    EXPECT_EQ(run.exit_code, 1) << run.output;
    const auto lines = non_empty_lines(run.output);
    ASSERT_EQ(lines.size(), 1u) << run.output;
    EXPECT_NE(lines[0].find("m.json: 'as_of' " + std::string(as_of) + " is outside 1900-01-01..2200-12-31"),
              std::string::npos)
        << lines[0];
    EXPECT_FALSE(fs::exists(tmp / "out"));
    const auto synth =
        run_command(cli() + " synth --persons 10 --out " + tmp / "city" + " --as-of " + std::string(as_of));
    EXPECT_EQ(synth.exit_code, 1) << synth.output;
    ASSERT_EQ(non_empty_lines(synth.output).size(), 1u) << synth.output;
    EXPECT_NE(synth.output.find("is outside 1900-01-01..2200-12-31"), std::string::npos) << synth.output;
  }
}

TEST(DateRange, PrecheckDateOrStartOutsideTheRangeIsAMalformedRequest) {
  for (const char* date : kOutOfRange) {
    for (const bool is_start : {false, true}) {
      PrecheckRequestText text{"350213198303035200", "employee", "350213", is_start ? "2026-11-22" : date,
                               is_start ? date : ""};
      auto request = parse_precheck_request(text);
      ASSERT_FALSE(request.ok()) << date;
      EXPECT_EQ(request.status().message(), std::string("precheck: ") + (is_start ? "start" : "date") + " '" + date +
                                                "' is outside 1900-01-01..2200-12-31");
    }
    // The CLI: exit 2, one line, before any index is opened.
    const auto cli_run = run_command(cli() + " precheck --index /nonexistent 350213198303035200 --scheme resident " +
                                     "--region 350213 --date " + date);
    EXPECT_EQ(cli_run.exit_code, 2) << cli_run.output;
    EXPECT_EQ(non_empty_lines(cli_run.output).size(), 1u) << cli_run.output;
    EXPECT_NE(cli_run.output.find("is outside 1900-01-01..2200-12-31"), std::string::npos) << cli_run.output;
  }
  auto edge = parse_precheck_request({"350213198303035200", "resident", "350213", "1900-01-01", "2200-12-31"});
  ASSERT_TRUE(edge.ok()) << edge.status().message();
  EXPECT_EQ(edge->date, kFirstAsOf);
  EXPECT_EQ(edge->start, kLastAsOf);
}

TEST(DateRange, PaymentDatesAfterTheLastAsOfAreNotPayments) {
  Day day = kNoDay;
  EXPECT_TRUE(parse_payment_day("2200-12-31", day));
  EXPECT_EQ(day, kLastAsOf);
  for (const char* late : {"2201-01-01", "9999-06-30", "9999-12-31", "99991231"}) {
    day = kNoDay;
    EXPECT_FALSE(parse_payment_day(late, day)) << late;
    EXPECT_EQ(day, kNoDay);
  }
  EXPECT_TRUE(parse_day("9999-12-31", day));  // other dates keep the whole 4-digit range
}

// Every cell of every CSV that looks like a date is a real one with a 4-digit year (no year
// 10000 wrapped to 0000, no negative year).
void expect_only_real_dates(const std::string& dir) {
  const std::regex date_like(R"(^[-+]?\d{1,5}-\d{1,2}-\d{1,2}$)");
  size_t dates = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".csv") continue;
    const std::string text = read_file(entry.path().string());
    size_t pos = 0;
    std::vector<std::string> cells;
    while (next_csv_record(text, pos, cells)) {
      for (const std::string& cell : cells) {
        if (!std::regex_match(cell, date_like)) continue;
        ++dates;
        const auto day = parse_date(cell);
        EXPECT_TRUE(day.has_value() && cell.size() == 10 && format_date(*day) == cell)
            << entry.path().filename() << ": '" << cell << "'";
        EXPECT_NE(cell.rfind("0000-", 0), 0u) << cell;
      }
    }
  }
  EXPECT_GE(dates, 10u);
}

// as_of 2200-12-31, notice_days 36500: a local resident record starting in 2200 paid on the last
// accepted payment date (R6: paid_on + 6 months), a record open to 9999-12-31, a duplicate case
// whose deadline lies 100 years on, and a tax row paid on 9999-12-31, quarantined.
TEST(DateRange, ARunAtTheLastAsOfWritesOnlyRealDates) {
  TempDir tmp("canbao-dates");
  const std::string id = "350213198303035200";
  write_file(tmp / "m.json", R"({"city": "350200", "as_of": "2200-12-31",
    "settings": {"target_rate": 0.95, "resident_subsidy_yuan": 700, "notice_days": 36500},
    "feeds": [{"agency": "enrollment", "path": "enrollment.ndjson"}, {"agency": "tax", "path": "tax.ndjson"},
              {"agency": "public_security", "path": "ps.ndjson"}]})");
  write_file(tmp / "enrollment.ndjson",
             R"({"record_id": "E1", "id": ")" + id + R"(", "scheme": "resident", "region": "350213", "status": "active", "start": "2200-01-01"}
{"record_id": "E2", "id": ")" + id + R"(", "scheme": "resident", "region": "440104", "status": "active", "start": "2199-01-01", "end": "9999-12-31"}
)");
  write_file(tmp / "tax.ndjson",
             R"({"id": ")" + id + R"(", "scheme": "resident", "region": "350213", "from": "2200-01", "to": "2200-12", "paid_on": "2200-12-31"}
{"id": ")" + id + R"(", "scheme": "resident", "region": "350213", "from": "2200-01", "to": "2200-12", "paid_on": "9999-12-31"}
)");
  write_file(tmp / "ps.ndjson", R"({"id": ")" + id + R"(", "name": "罗静", "hukou_region": "350213", "residence_region": "350213"})" "\n");
  const auto run = run_command(cli() + " run " + tmp / "m.json --out " + tmp / "out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string out = tmp / "out";
  EXPECT_NE(read_file(out + "/quarantine.csv").find("tax.ndjson,2,tax,bad_field:paid_on,"), std::string::npos)
      << read_file(out + "/quarantine.csv");
  // R6 for E1: 12 covered months before 2200-01 (E2, another region's, in 2199) are under 24 →
  // paid_on + 6 months.
  EXPECT_NE(read_file(out + "/benefits.csv").find(id + ",E1,resident,2200-01-01,2200-12-31,12,0,2201-06-30"),
            std::string::npos)
      << read_file(out + "/benefits.csv");
  // The resident_resident case keeps the habitual residence's record (3502): E2 (Guangzhou, open to
  // 9999-12-31) is terminated, its deadline d + 36500 days, as is the ledger's.
  EXPECT_NE(read_file(out + "/actions.csv").find(id + ",E2,terminate,region:440104,2300-12-07,"), std::string::npos)
      << read_file(out + "/actions.csv");
  EXPECT_NE(read_file(out + "/cases.csv").find("2300-12-07"), std::string::npos) << read_file(out + "/cases.csv");
  expect_only_real_dates(out);
  // A pre-check at t = 2200-12-31 starting then: deadlines and benefit starts keep 4 digits.
  const auto precheck = run_command(cli() + " precheck --index " + tmp / "out.index " + id +
                                    " --scheme employee --region 350213 --date 2200-12-31");
  ASSERT_EQ(precheck.exit_code, 0) << precheck.output;
  EXPECT_NE(precheck.output.find("\"benefit_start\": \"2201-06-30\""), std::string::npos) << precheck.output;
  const std::regex any_date(R"("(\d{4})-\d{2}-\d{2}")");
  for (std::sregex_iterator it(precheck.output.begin(), precheck.output.end(), any_date), end; it != end; ++it)
    EXPECT_LE(std::stoi((*it)[1].str()), 9999) << precheck.output;
}

}  // namespace
}  // namespace canbao
