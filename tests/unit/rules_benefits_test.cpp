// R6 benefit start (with the §4 coverage history it reads), R7 benefit suspension, R8 deceased.
#include "rules_test_util.h"

namespace canbao::rules_test {
namespace {

TestPerson person() {
  TestPerson p("35020319680110718");
  p.ps(350203);
  return p;
}

// benefits.csv: id,record_id,scheme,start,paid_on,prior_months,gap_months,benefit_start
std::string benefit_row(const TestPerson& p, std::string_view record_id, std::string_view scheme,
                        std::string_view start, std::string_view paid_on, std::string_view prior,
                        std::string_view gap, std::string_view benefit_start) {
  std::string row = p.id;
  for (std::string_view cell : {record_id, scheme, start, paid_on, prior, gap, benefit_start})
    row.append(",").append(cell);
  return row.append("\n");
}

// ---- R6 employee (N四(一)) ---------------------------------------------------------------------

TEST(RulesR6, EmployeeContinuousWithOneMonthGap) {  // R6 employee: C ≥ 24 and G ≤ 3 → first day of the start month
  TestPerson p = person();
  p.enroll("XM1", Scheme::kEmployee, 350203, "2019-03-01", "2026-02-28", EnrollStatus::kTerminated);
  p.employee("XM2", 350203, "2026-04-01");
  p.employee_tax(350203, "2019-03", "2026-02");
  p.employee_tax(350203, "2026-04", "2026-11");
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM2", "employee", "2026-04-01", "", "84", "1", "2026-04-01"));
}

TEST(RulesR6, EmployeeMidMonthStartBenefitsFromTheFirst) {  // R6 employee: the first day of the start month
  TestPerson p = person();
  p.enroll("NP1", Scheme::kEmployee, 440106, "2020-01-01", "2025-12-31", EnrollStatus::kTerminated);
  p.employee("XM2", 350203, "2026-04-15");
  p.employee_tax(350203, "2026-04", "2026-11");
  // Other-region cover counts whole (no tax rows needed): 2020-01..2025-12 = 72, G = 3.
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM2", "employee", "2026-04-15", "", "72", "3", "2026-04-01"));
}

TEST(RulesR6, EmployeeGapOverThreeMonths) {  // R6 employee: G > 3 → start + 6 months
  TestPerson p = person();
  p.enroll("NP1", Scheme::kEmployee, 440106, "2020-01-01", "2025-11-30", EnrollStatus::kTerminated);
  p.employee("XM2", 350203, "2026-04-15");
  p.employee_tax(350203, "2026-04", "2026-11");
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM2", "employee", "2026-04-15", "", "71", "4", "2026-10-15"));
}

TEST(RulesR6, EmployeeShortHistory) {  // R6 employee: C < 24 → start + 6 months
  TestPerson p = person();
  p.enroll("NP1", Scheme::kEmployee, 440106, "2024-04-01", "2026-02-28", EnrollStatus::kTerminated);  // 23 months
  p.employee("XM2", 350203, "2026-03-01");
  p.employee_tax(350203, "2026-03", "2026-11");
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM2", "employee", "2026-03-01", "", "23", "0", "2026-09-01"));
}

TEST(RulesR6, EmployeeFirstJobNoPriorCover) {  // §6: no prior cover → prior_months 0, gap_months empty
  TestPerson p = person();
  p.employee("XM1", 350203, "2026-08-31");
  p.employee_tax(350203, "2026-08", "2026-11");
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM1", "employee", "2026-08-31", "", "0", "", "2027-02-28"));
}

TEST(RulesR6, LocalMonthsCountOnlyWithNonBackPayTax) {  // §4 coverage history: local months need a tax row
  TestPerson p = person();
  p.enroll("XM1", Scheme::kEmployee, 350203, "2018-01-01", "2026-03-31", EnrollStatus::kTerminated);
  p.employee_tax(350203, "2018-01", "2024-12");
  p.employee_tax(350203, "2025-01", "2026-03", /*back_pay=*/true);  // 补缴: not counted
  p.employee("XM2", 350203, "2026-05-01");
  p.employee_tax(350203, "2026-05", "2026-11");
  // The run ends in 2024-12 (84 months); G = 2025-01..2026-04 = 16 → waiting period.
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM2", "employee", "2026-05-01", "", "84", "16", "2026-11-01"));
}

TEST(RulesR6, RecordItselfExcluded) {  // R6: C excludes the record itself
  TestPerson p = person();
  p.employee("XM1", 350203, "2026-01-01");
  p.employee_tax(350203, "2025-01", "2026-11");  // tax before the record: no record covers 2025
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM1", "employee", "2026-01-01", "", "0", "", "2026-07-01"));
}

// ---- R6 resident (N四(二)) ---------------------------------------------------------------------

TEST(RulesR6, ResidentCentralPaymentPeriod) {  // R6 resident: 1 January start, paid Sep–Dec of the year before
  for (const char* paid : {"2025-09-01", "2025-10-15", "2025-12-31"}) {
    TestPerson p = person();
    p.resident("XM1", 350203, "2026-01-01", "2026-12-31");
    p.tax(Scheme::kResident, 350203, "2026-01", "2026-12", paid);
    EXPECT_EQ(p.run().benefits, benefit_row(p, "XM1", "resident", "2026-01-01", paid, "0", "", "2026-01-01")) << paid;
  }
}

TEST(RulesR6, ResidentPaidBeforeCentralPeriod) {  // R6 resident: paid 31 August is outside the 集中缴费期
  TestPerson p = person();
  p.resident("XM1", 350203, "2026-01-01", "2026-12-31");
  p.tax(Scheme::kResident, 350203, "2026-01", "2026-12", "2025-08-31");
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM1", "resident", "2026-01-01", "2025-08-31", "0", "", "2026-02-28"));
}

TEST(RulesR6, ResidentJanuaryPaidLateWithContinuity) {  // R6 resident: paid after the period, C ≥ 24, G ≤ 3 → paid_on + 1
  TestPerson p = person();
  p.enroll("XM0", Scheme::kResident, 350203, "2023-01-01", "2025-12-31", EnrollStatus::kTerminated);
  p.tax(Scheme::kResident, 350203, "2023-01", "2025-12", "2022-10-10");
  p.resident("XM1", 350203, "2026-01-01", "2026-12-31");
  p.tax(Scheme::kResident, 350203, "2026-01", "2026-12", "2026-02-10");
  EXPECT_EQ(p.run().benefits,
            benefit_row(p, "XM1", "resident", "2026-01-01", "2026-02-10", "36", "0", "2026-02-11"));
}

TEST(RulesR6, ResidentInYearAfterEmployeeCover) {  // R6 resident: C = 99, G = 1 → paid_on + 1 day
  TestPerson p = person();
  p.enroll("XM0", Scheme::kEmployee, 350203, "2018-01-01", "2026-03-31", EnrollStatus::kTerminated);
  p.employee_tax(350203, "2018-01", "2026-03");
  p.resident("XM1", 350203, "2026-05-01");
  p.tax(Scheme::kResident, 350203, "2026-05", "2026-12", "2026-05-06");
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM1", "resident", "2026-05-01", "2026-05-06", "99", "1", "2026-05-07"));
}

TEST(RulesR6, ResidentBackPayBreaksContinuity) {  // R6 / §4: back-paid months do not count (不含补缴)
  TestPerson p = person();
  p.enroll("XM0", Scheme::kEmployee, 350203, "2022-01-01", "2026-03-31", EnrollStatus::kTerminated);
  p.employee_tax(350203, "2022-01", "2025-08");
  p.employee_tax(350203, "2025-09", "2025-12", /*back_pay=*/true);
  p.employee_tax(350203, "2026-01", "2026-03");
  p.resident("XM1", 350203, "2026-05-01");
  p.tax(Scheme::kResident, 350203, "2026-05", "2026-12", "2026-05-08");
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM1", "resident", "2026-05-01", "2026-05-08", "3", "1", "2026-11-08"));
}

TEST(RulesR6, ResidentNoPriorCover) {  // R6 resident: no continuity → paid_on + 6 months
  TestPerson p = person();
  p.resident("XM1", 350203, "2026-07-01");
  p.tax(Scheme::kResident, 350203, "2026-07", "2026-12", "2026-07-03");
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM1", "resident", "2026-07-01", "2026-07-03", "0", "", "2027-01-03"));
}

TEST(RulesR6, ResidentEarliestPaidOnCoveringTheStartMonth) {  // R6 resident paid_on: earliest covering row
  TestPerson p = person();
  p.resident("XM1", 350203, "2026-07-01");
  p.tax(Scheme::kResident, 350203, "2026-08", "2026-12", "2026-06-01");  // does not cover July
  p.tax(Scheme::kResident, 350203, "2026-07", "2026-12", "2026-07-20");
  p.tax(Scheme::kResident, 350203, "2026-07", "2026-07", "2026-07-10");
  p.tax(Scheme::kEmployee, 350203, "2026-07", "2026-07", "2026-07-01");  // other scheme
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM1", "resident", "2026-07-01", "2026-07-10", "0", "", "2027-01-10"));
}

TEST(RulesR6, ResidentWithoutTaxUsesStart) {  // R6 resident: no covering tax row → paid_on = start
  TestPerson p = person();
  p.resident("XM1", 350203, "2026-03-15");
  EXPECT_EQ(p.run().benefits, benefit_row(p, "XM1", "resident", "2026-03-15", "2026-03-15", "0", "", "2026-09-15"));
}

TEST(RulesR6, OnlyLocalActiveRecordsStartingInTheYearOfD) {  // R6 scope
  TestPerson p = person();
  p.resident("NP1", 440106, "2026-01-01", "2026-12-31");                                   // not local
  p.enroll("XM1", Scheme::kResident, 350203, "2026-02-01", "", EnrollStatus::kSuspended);  // not active
  p.resident("XM2", 350203, "2025-12-01");                                                 // 2025
  p.resident("XM3", 350203, "2027-01-01", "2027-12-31");                                   // 2027
  EXPECT_EQ(p.run().benefits, "");
}

TEST(RulesR6, RowsSortedByRecordId) {  // §6 sort order within a person
  TestPerson p = person();
  p.resident("XM9", 350203, "2026-01-01", "2026-05-31");
  p.tax(Scheme::kResident, 350203, "2026-01", "2026-12", "2025-10-10");
  p.employee("XM10", 350203, "2026-06-01");
  p.employee_tax(350203, "2026-06", "2026-11");
  // XM10: the resident months 2026-01..05 are prior cover (C = 5).
  EXPECT_EQ(p.run().benefits,
            benefit_row(p, "XM10", "employee", "2026-06-01", "", "5", "0", "2026-12-01") +
                benefit_row(p, "XM9", "resident", "2026-01-01", "2025-10-10", "0", "", "2026-01-01"));
}

// ---- R7 (N四(四)) --------------------------------------------------------------------------------

TEST(RulesR7, SuspendedPensionSuspendsRetiredBenefits) {  // R7: latest pension suspended/terminated
  for (PensionStatus status : {PensionStatus::kSuspended, PensionStatus::kTerminated}) {
    TestPerson p = person();
    p.employee("XM1", 350203, "2014-06-01", "", Category::kRetired);
    p.employee_tax(350203, "2014-06", "2026-11");
    p.pension(350203, "2014-06-01", status);
    EXPECT_EQ(p.run().actions, p.id + ",XM1,suspend_benefits,local,,,,0,N4.4\n");
  }
}

TEST(RulesR7, LatestPensionReceivingNoSuspension) {  // R7 control: an older suspension does not count
  TestPerson p = person();
  p.employee("XM1", 350203, "2014-06-01", "", Category::kRetired);
  p.employee_tax(350203, "2014-06", "2026-11");
  p.pension(350203, "2020-01-01", PensionStatus::kReceiving);
  p.pension(350203, "2014-06-01", PensionStatus::kSuspended);
  EXPECT_EQ(p.run().actions, "");
}

TEST(RulesR7, NeedsANormalLocalRetiredRecord) {  // R7: normal, local, employee, category retired
  TestPerson p = person();
  p.employee("XM1", 350203, "2014-06-01", "", Category::kInService);  // not retired
  p.employee("NP1", 440106, "2014-06-01", "", Category::kRetired);    // not local
  p.employee_tax(350203, "2014-06", "2026-11");
  p.enroll("XM2", Scheme::kEmployee, 350203, "2014-06-01", "", EnrollStatus::kSuspended).category =
      Category::kRetired;  // not normal
  p.pension(350203, "2014-06-01", PensionStatus::kSuspended);
  const auto out = p.run();
  EXPECT_EQ(out.actions.find("suspend_benefits"), std::string::npos) << out.actions;
}

// ---- R8 --------------------------------------------------------------------------------------

TEST(RulesR8, DeceasedWithNormalLocalRecord) {  // R8: not alive + normal local record → terminate_deceased
  TestPerson p("35020519701013398");
  p.ps(350205).status = PsStatus::kDead;
  p.employee("XM1", 350205, "2010-01-01");
  p.employee_tax(350205, "2010-01", "2026-11");
  p.employee("NP1", 440106, "2010-01-01");  // other region: not ours to terminate
  const auto out = p.run();
  EXPECT_EQ(out.registry.substr(out.registry.find(",false,")), ",false,insured,NP1;XM1,false,false,false,false\n");
  EXPECT_EQ(out.actions.find(p.id + ",XM1,terminate_deceased,local,,,,0,R8\n"), 0u) << out.actions;
}

TEST(RulesR8, DeceasedByDeathDateOnly) {  // R8 with §4 alive by death_date
  TestPerson p("35021319450606011");
  p.ps(350213).death_date = D("2026-02-01");
  p.employee("XM1", 350213, "2005-07-01", "", Category::kRetired);
  p.employee_tax(350213, "2005-07", "2026-11");
  EXPECT_EQ(p.run().actions, p.id + ",XM1,terminate_deceased,local,,,,0,R8\n");
}

TEST(RulesR8, AliveOrNotNormalNoAction) {  // R8 only for the dead, only normal local records
  TestPerson p = person();
  insured_employee(p);
  EXPECT_EQ(p.run().actions, "");
  TestPerson q = person();
  q.view.public_security[0].status = PsStatus::kDead;
  q.enroll("XM1", Scheme::kEmployee, 350203, "2010-01-01", "2026-03-10", EnrollStatus::kTerminated);
  q.employee_tax(350203, "2010-01", "2026-11");
  EXPECT_EQ(q.run().actions, "");
}

}  // namespace
}  // namespace canbao::rules_test
