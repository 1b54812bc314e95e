// R9 annual plan: per-person contributions, PlanTable sums, plan.csv rows.
#include <thread>
#include <vector>

#include "rules_test_util.h"

namespace canbao::rules_test {
namespace {

constexpr const char* kHeader =
    "district,target,insured,lapsed,never,rate,target_rate,gap,duplicates,subsidy_deduction_yuan\n";

std::string plan_csv(const PlanTable& table, const RunSettings& settings) {
  return format_plan_csv(table.rows(settings), settings);
}

PersonOutcome contribution(Region district, int64_t target, int64_t insured, int64_t lapsed, int64_t never,
                           int64_t duplicates = 0, int64_t subsidy = 0) {
  PersonOutcome out;
  out.in_plan = true;
  out.plan_district = district;
  out.plan.target = target;
  out.plan.insured = insured;
  out.plan.lapsed = lapsed;
  out.plan.never = never;
  out.plan.duplicates = duplicates;
  out.plan.subsidy_deduction_yuan = subsidy;
  return out;
}

TEST(RulesR9, HeaderConstantsMatchSpecColumns) {  // SPEC §6 columns
  EXPECT_STREQ(kPlanHeader, kHeader);
  EXPECT_STREQ(kOutputHeaders[kRegistryCsv],
               "id,name,sex,birth,home_district,alive,state,records,assisted,student,employed,pensioner\n");
  EXPECT_STREQ(kOutputHeaders[kOutreachCsv], "id,name,home_district,address,state,group,suggested_scheme,channel\n");
  EXPECT_STREQ(kOutputHeaders[kDuplicatesCsv], "id,name,type,records,kept,terminated,resolution,rule\n");
  EXPECT_STREQ(kOutputHeaders[kActionsCsv],
               "id,record_id,action,handler,deadline,escalation,refund,subsidy_deduction_yuan,rule\n");
  EXPECT_STREQ(kOutputHeaders[kBenefitsCsv], "id,record_id,scheme,start,paid_on,prior_months,gap_months,benefit_start\n");
}

TEST(RulesR9, EmptyTableHasUnassignedAndTotal) {  // R9: `unassigned` always present; rate empty when target 0
  PlanTable table;
  EXPECT_EQ(plan_csv(table, xiamen()), std::string(kHeader) +
                                        "unassigned,0,0,0,0,,0.95,0,0,0\n"
                                        "total,0,0,0,0,,0.95,0,0,0\n");
}

TEST(RulesR9, RateRoundingAndGapCeiling) {  // R9 rate 4 decimals nearest; gap = max(0, ⌈0.95·target⌉ − insured)
  PlanTable table;
  table.add(contribution(350203, 81, 79, 1, 1, 9, 1400));   // 0.975308… → 0.9753, ⌈76.95⌉ = 77 → gap 0
  table.add(contribution(350205, 45, 42, 1, 2, 5, 2100));   // 0.93333… → 0.9333, ⌈42.75⌉ = 43 → gap 1
  table.add(contribution(350213, 61, 37, 9, 15, 4, 700));   // 0.60655… → 0.6066, ⌈57.95⌉ = 58 → gap 21
  EXPECT_EQ(plan_csv(table, xiamen()), std::string(kHeader) +
                                        "350203,81,79,1,1,0.9753,0.95,0,9,1400\n"
                                        "350205,45,42,1,2,0.9333,0.95,1,5,2100\n"
                                        "350213,61,37,9,15,0.6066,0.95,21,4,700\n"
                                        "unassigned,0,0,0,0,,0.95,0,0,0\n"
                                        // total from its own sums: ⌈177.65⌉ = 178 − 158 = 20 (not 22)
                                        "total,187,158,11,18,0.8449,0.95,20,18,4200\n");
}

TEST(RulesR9, GapIsExactForWholeProducts) {  // R9 gap: 0.95·100 is 95, not 95.00000000000001
  PlanTable table;
  table.add(contribution(350203, 100, 90, 5, 5));
  table.add(contribution(350205, 20, 18, 1, 1));
  const std::string csv = plan_csv(table, xiamen());
  EXPECT_NE(csv.find("350203,100,90,5,5,0.9000,0.95,5,0,0\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("350205,20,18,1,1,0.9000,0.95,1,0,0\n"), std::string::npos) << csv;
}

TEST(RulesR9, RateRoundsHalfUpAndFullRate) {  // R9 rate: nearest (half up), 1.0000 when all insured
  PlanTable table;
  table.add(contribution(350203, 32, 1, 0, 31));  // 0.03125 → 0.0313
  table.add(contribution(350205, 3, 3, 0, 0));    // 1.0000, gap 0
  const std::string csv = plan_csv(table, xiamen());
  EXPECT_NE(csv.find("350203,32,1,0,31,0.0313,0.95,30,0,0\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("350205,3,3,0,0,1.0000,0.95,0,0,0\n"), std::string::npos) << csv;
}

TEST(RulesR9, TargetRateAsWritten) {  // §6: target_rate as written in the manifest
  RunSettings settings = xiamen();
  settings.target_rate = 0.9;
  settings.target_rate_text = "0.900";
  PlanTable table;
  table.add(contribution(350203, 10, 8, 1, 1));
  const std::string csv = plan_csv(table, settings);
  EXPECT_NE(csv.find("350203,10,8,1,1,0.8000,0.900,1,0,0\n"), std::string::npos) << csv;
}

TEST(RulesR9, UnassignedRowAndMerge) {  // R9 `unassigned`: cases of persons without a home district
  PlanTable left, right;
  left.add(contribution(350211, 1, 1, 0, 0, 1, 700));
  right.add(contribution(kNoRegion, 0, 0, 0, 0, 1, 700));
  right.add(contribution(350211, 1, 0, 0, 1));
  PersonOutcome not_in_plan = contribution(350203, 1, 1, 0, 0);
  not_in_plan.in_plan = false;
  right.add(not_in_plan);
  left.merge(right);
  EXPECT_EQ(plan_csv(left, xiamen()), std::string(kHeader) +
                                       "350211,2,1,0,1,0.5000,0.95,1,1,700\n"
                                       "unassigned,0,0,0,0,,0.95,0,1,700\n"
                                       "total,2,1,0,1,0.5000,0.95,1,2,1400\n");
}

TEST(RulesR9, DistrictWithoutTargetHasEmptyRate) {  // R9: rate empty when target is 0
  PlanTable table;
  table.add(contribution(350206, 0, 0, 0, 0, 1, 0));  // e.g. a deceased person's duplicate case
  const std::string csv = plan_csv(table, xiamen());
  EXPECT_NE(csv.find("350206,0,0,0,0,,0.95,0,1,0\n"), std::string::npos) << csv;
}

TEST(RulesR9, TallyAddition) {  // PlanTally::operator+=
  PlanTally sum;
  sum += contribution(1, 1, 2, 3, 4, 5, 6).plan;
  sum += contribution(1, 10, 20, 30, 40, 50, 60).plan;
  EXPECT_EQ(sum.target, 11);
  EXPECT_EQ(sum.insured, 22);
  EXPECT_EQ(sum.lapsed, 33);
  EXPECT_EQ(sum.never, 44);
  EXPECT_EQ(sum.duplicates, 55);
  EXPECT_EQ(sum.subsidy_deduction_yuan, 66);
}

// ---- evaluate_person contributions -------------------------------------------------------------

TEST(RulesR9, TargetPersonCountsInHomeDistrict) {  // R9: target persons by home district and R1 state
  TestPerson p("35021119800101123");
  p.ps(350211);
  insured_employee(p, "XM1");
  auto out = p.run();
  EXPECT_TRUE(out.in_plan);
  EXPECT_EQ(out.plan_district, 350211);
  EXPECT_EQ(out.plan.target, 1);
  EXPECT_EQ(out.plan.insured, 1);
  EXPECT_EQ(out.plan.lapsed + out.plan.never + out.plan.duplicates + out.plan.subsidy_deduction_yuan, 0);

  TestPerson q("35021119800101123");
  q.ps(350211);
  out = q.run();
  EXPECT_EQ(out.plan.target, 1);
  EXPECT_EQ(out.plan.never, 1);
}

TEST(RulesR9, DeceasedNotTarget) {  // R9 target: alive only
  TestPerson p("35021119800101123");
  p.ps(350211).status = PsStatus::kDead;
  insured_employee(p, "XM1");
  const auto out = p.run();
  EXPECT_FALSE(out.in_plan);
  EXPECT_EQ(out.plan.target, 0);
}

TEST(RulesR9, OutcomeClearResetsEverything) {  // PersonOutcome::clear keeps nothing of the last person
  TestPerson p("35021119800101123");
  p.ps(350211);
  p.employee("XM1", 350211, "2026-02-01");  // unpaid: lapsed, outreach, a benefit row
  PersonOutcome out = p.run().typed;
  ASSERT_TRUE(out.in_registry && out.in_outreach && out.in_plan && !out.benefits.empty() && !out.name.empty());
  out.clear();
  EXPECT_FALSE(out.in_registry || out.in_outreach || out.target || out.in_plan);
  EXPECT_TRUE(out.cases.empty() && out.actions.empty() && out.benefits.empty() && out.normal.empty());
  EXPECT_TRUE(out.name.empty() && out.address.empty());
  EXPECT_EQ(out.home_district, kNoRegion);
  EXPECT_EQ(out.plan_district, kNoRegion);
  EXPECT_EQ(out.plan.target, 0);
}

TEST(RulesR9, ScratchReuseLeavesNoTrace) {  // per-thread scratch: a person never sees the previous one's rows
  TestPerson busy("35020319800101123");
  busy.ps(350203);
  busy.employee("XM1", 350203, "2022-01-01");
  busy.employee_tax(350203, "2022-01", "2026-11");
  busy.resident("XM2", 350203, "2026-01-01", "2026-12-31");
  busy.tax(Scheme::kResident, 350203, "2026-01", "2026-12", "2025-10-20");
  ASSERT_FALSE(busy.run().duplicates.empty());
  TestPerson quiet("35020319800101123");
  quiet.ps(350203);
  const auto out = quiet.run();
  EXPECT_EQ(out.duplicates, "");
  EXPECT_EQ(out.actions, "");
  EXPECT_EQ(out.benefits, "");
}

TEST(RulesConcurrency, SameRowsOnEveryThread) {  // evaluate_person is pure: per-thread scratch, same bytes
  TestPerson dup("35020319800101123");
  dup.ps(350203);
  dup.employee("XM1", 350203, "2022-01-01");
  dup.employee_tax(350203, "2022-01", "2026-11");
  dup.resident("XM2", 350203, "2026-01-01", "2026-12-31");
  dup.tax(Scheme::kResident, 350203, "2026-01", "2026-12", "2025-10-20");
  TestPerson newborn("35021120260615501");
  newborn.ps(350211, "集美区1号");
  const PersonView* views[] = {&dup.view, &newborn.view};
  const RunSettings settings = xiamen();
  auto render = [&](int rounds) {
    std::string all;
    for (int round = 0; round < rounds; ++round) {
      for (const PersonView* view : views) {
        const TestOutcome out = evaluate_and_format(*view, settings);
        all += out.registry + out.outreach + out.duplicates + out.actions + out.benefits;
      }
    }
    return all;
  };
  const std::string serial = render(200);
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (size_t idx = 0; idx < results.size(); ++idx) threads.emplace_back([&, idx] { results[idx] = render(200); });
  for (std::thread& thread : threads) thread.join();
  for (const std::string& result : results) EXPECT_EQ(result, serial);
}

}  // namespace
}  // namespace canbao::rules_test
