// The synthetic city end to end: `canbao synth` → `canbao run` → `canbao eval` must find exactly
// what was planted (100% precision and recall in every category: uninsured by state, duplicate
// cases by type, kept/terminated decisions, quarantine reasons, fallback links, R7/R8 actions, the
// SPEC §9 outreach groups and newborns without ID), and
// the run must be byte-identical at 1 and 2 threads on a city large enough to span many partitions.
#include <gtest/gtest.h>

#include "test_util.h"

namespace canbao {
namespace {

using testing::read_file;
using testing::run_command;
using testing::TempDir;

const char* kCsvOutputs[] = {"registry.csv", "outreach.csv", "duplicates.csv", "actions.csv",
                             "benefits.csv", "plan.csv",     "quarantine.csv", "newborns.csv"};

/// Lines of truth.csv of one kind whose cells contain `text`.
size_t truth_rows(const std::string& truth, const std::string& kind, const std::string& text) {
  size_t count = 0, start = 0;
  while (start < truth.size()) {
    size_t end = truth.find('\n', start);
    if (end == std::string::npos) end = truth.size();
    const std::string_view line(truth.data() + start, end - start);
    if (line.substr(0, kind.size() + 1) == kind + "," && line.find(text) != std::string_view::npos) ++count;
    start = end + 1;
  }
  return count;
}

TEST(SynthEndToEnd, EvalIsPerfectOnAHundredThousandPersons) {
  TempDir tmp;
  auto synth = run_command(testing::cli() + " synth --persons 100000 --seed 11 --out " + tmp / "city");
  ASSERT_EQ(synth.exit_code, 0) << synth.output;
  auto run = run_command(testing::cli() + " run " + tmp / "city/manifest.json" + " --threads 2 --out " + tmp / "out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto eval = run_command(testing::cli() + " eval --truth " + tmp / "city/truth.csv" + " --out " + tmp / "out");
  EXPECT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find("eval: 100% precision and recall on every planted category"), std::string::npos)
      << eval.output;
  // Every kind of planted thing was there to be found.
  for (const char* category : {"uninsured:lapsed", "uninsured:never", "duplicate:employee_employee",
                               "duplicate:resident_resident", "duplicate:cross_scheme", "duplicate:next_year_resident",
                               "link:checksum_repair", "link:name_birth", "quarantine:excel_mangled",
                               "quarantine:bad_checksum", "quarantine:missing",
                               // SPEC §9
                               "outreach:self_employed", "outreach:newborn", "newborns:community",
                               "newborns:hospital", "action:terminate_deceased", "quarantine:bad_field:kind",
                               "quarantine:bad_field:birth_cert", "quarantine:bad_field:birth",
                               "quarantine:bad_field:death_date"})
    EXPECT_NE(eval.output.find(category), std::string::npos) << category;
  // ... and the §9 branches behind them are in the truth (eval at 100% found each of them).
  const std::string truth = read_file(tmp / "city/truth.csv");
  EXPECT_GT(truth_rows(truth, "link", "health.ndjson,"), 0u);          // a birth without ID linked by name_birth
  EXPECT_GT(truth_rows(truth, "quarantine", "health.ndjson,"), 0u);    // incl. a death without ID: missing
  EXPECT_GT(truth_rows(truth, "person", ",r8_deceased_health_only,"), 0u);  // R8 from a death only in health
  EXPECT_GT(truth_rows(truth, "person", ",uninsured_newborn_mother_district"), 0u);  // the mother's district
  EXPECT_GT(truth_rows(truth, "person", ",uninsured_self_employed_market_only"), 0u);  // the market's district
  EXPECT_GT(truth_rows(truth, "person", ",uninsured_self_employed_migrant"), 0u);
  // A birth without ID matching two persons by name and birth: a newborn without ID, not ambiguous.
  EXPECT_GT(truth_rows(truth, "person", ",bg_newborn_ambiguous_birth,"), 0u);

  auto run1 = run_command(testing::cli() + " run " + tmp / "city/manifest.json" + " --threads 1 --out " + tmp / "out1");
  ASSERT_EQ(run1.exit_code, 0) << run1.output;
  for (const char* name : kCsvOutputs)
    EXPECT_EQ(read_file(tmp / ("out/" + std::string(name))), read_file(tmp / ("out1/" + std::string(name)))) << name;
}

TEST(SynthEndToEnd, EvalNoticesAWrongOutput) {  // the check itself can fail
  TempDir tmp;
  ASSERT_EQ(run_command(testing::cli() + " synth --persons 5000 --seed 3 --out " + tmp / "city").exit_code, 0);
  ASSERT_EQ(run_command(testing::cli() + " run " + tmp / "city/manifest.json" + " --out " + tmp / "out").exit_code, 0);
  // Drop the last outreach row: recall for its category must fall below 100%.
  std::string outreach = read_file(tmp / "out/outreach.csv");
  outreach.pop_back();
  outreach.erase(outreach.rfind('\n') + 1);
  testing::write_file(tmp / "out/outreach.csv", outreach);
  auto eval = run_command(testing::cli() + " eval --truth " + tmp / "city/truth.csv" + " --out " + tmp / "out");
  EXPECT_NE(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find("NOT perfect"), std::string::npos) << eval.output;
}

}  // namespace
}  // namespace canbao
