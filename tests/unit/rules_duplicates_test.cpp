// R3 duplicate cases, R3b next-year resident, R4 resolutions and R5 actions.
#include "rules_test_util.h"

namespace canbao::rules_test {
namespace {

// duplicates.csv: id,name,type,records,kept,terminated,resolution,rule
std::string dup_row(const TestPerson& p, std::string_view type, std::string_view records, std::string_view kept,
                    std::string_view terminated, std::string_view resolution, std::string_view rule) {
  std::string row = p.id + ",张三,";
  for (std::string_view cell : {type, records, kept, terminated, resolution}) row.append(cell).append(",");
  return row.append(rule).append("\n");
}

// actions.csv: id,record_id,action,handler,deadline,escalation,refund,subsidy_deduction_yuan,rule
std::string action_row(const TestPerson& p, std::string_view record_id, std::string_view handler,
                       std::string_view refund, std::string_view subsidy, std::string_view rule) {
  const bool local = handler == "local";
  std::string row = p.id + ",";
  row.append(record_id).append(",terminate,").append(handler).append(",2026-12-22,");
  row.append(local ? "tax_stop" : "notify_region").append(",").append(refund).append(",");
  return row.append(subsidy).append(",").append(rule).append("\n");
}

TestPerson person() {
  TestPerson p("35020319800101123");
  p.ps(350203, "思明区1号");
  return p;
}

/// Local employee-scheme premiums paid from `from` through November 2026.
void employee_paid(TestPerson& p, std::string_view from = "2018-01") { p.employee_tax(350203, from, "2026-11"); }

/// Local resident-scheme premium for 2026, paid in the 集中缴费期.
void resident_paid_2026(TestPerson& p) { p.tax(Scheme::kResident, 350203, "2026-01", "2026-12", "2025-10-20"); }

// ---- R3 gate ---------------------------------------------------------------------------------

TEST(RulesR3, TwoOtherRegionRecordsMakeNoCase) {  // R3: at least one local normal record
  TestPerson p = person();
  p.employee("NP1", 440106, "2019-01-01");
  p.employee("NP2", 310115, "2020-01-01");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, "");
  EXPECT_EQ(out.actions, "");
  EXPECT_EQ(out.plan.duplicates, 0);
}

TEST(RulesR3, NonNormalRecordMakesNoCase) {  // R3: two or more *normal* records
  TestPerson p = person();
  p.employee("XM1", 350203, "2019-01-01");
  employee_paid(p);
  p.enroll("NP1", Scheme::kEmployee, 440106, "2019-01-01", "", EnrollStatus::kSuspended);
  p.resident("XM2", 350203, "2026-01-01", "2026-12-31");  // active but unpaid: not normal
  EXPECT_EQ(p.run().duplicates, "");
}

// ---- R4 employee_employee --------------------------------------------------------------------

TEST(RulesR4, EmployeeEmployeePensionElsewhere) {  // R4 X三(一)3 → pension_elsewhere; R5 account_balance
  TestPerson p = person();
  p.employee("XM1", 350203, "2023-03-01");
  employee_paid(p, "2023-03");
  p.employee("NP1", 440106, "2022-07-01", "", Category::kRetired);
  p.pension(440106, "2022-07-01", PensionStatus::kReceiving);
  p.employment("U1", 350203, "2023-03-01");  // precedes 就业地
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "employee_employee", "NP1;XM1", "NP1", "XM1", "pension_elsewhere", "X3.1.3"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "account_balance", "0", "X3.1.3"));
  EXPECT_EQ(out.plan.duplicates, 1);
}

TEST(RulesR4, EmployeeEmployeeTwoRetirees) {  // R4 X三(一)2 → needs_confirmation, nothing terminated
  TestPerson p = person();
  p.employee("XM1", 350203, "2016-05-01", "", Category::kRetired);
  employee_paid(p);
  p.employee("NP1", 310104, "2016-05-01", "", Category::kRetired);
  p.pension(350203, "2016-05-01", PensionStatus::kReceiving);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "employee_employee", "NP1;XM1", "NP1;XM1", "", "needs_confirmation", "X3.1.2"));
  EXPECT_EQ(out.actions, "");
}

TEST(RulesR4, EmployeeEmployeeFlexible) {  // R4 X三(一)1: flexible → needs_confirmation even with a match
  TestPerson p = person();
  p.employee("XM1", 350203, "2022-06-01", "", Category::kFlexible);
  employee_paid(p);
  p.employee("NP1", 440106, "2023-01-01");
  p.employment("U1", 440106, "2023-01-01");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "employee_employee", "NP1;XM1", "NP1;XM1", "", "needs_confirmation", "X3.1.1"));
  EXPECT_EQ(out.actions, "");
}

TEST(RulesR4, EmployeeEmployeeKeepLocalEmploymentRegion) {  // R4 就业地 (N五); R5 notify_region, transfer_account
  TestPerson p = person();
  p.employee("XM1", 350206, "2024-02-01");
  employee_paid(p);
  p.employee("NP1", 440106, "2019-05-01");
  p.employment("U1", 350203, "2024-02-01");  // 3502 matches XM1's 350206 on the first 4 digits
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "employee_employee", "NP1;XM1", "XM1", "NP1", "keep_employment_region", "N5"));
  EXPECT_EQ(out.actions, action_row(p, "NP1", "region:440106", "transfer_account", "0", "N5"));
}

TEST(RulesR4, EmployeeEmployeeKeepOtherEmploymentRegion) {  // R4 就业地 elsewhere: terminate the local record
  TestPerson p = person();
  p.employee("XM1", 350203, "2021-01-01");
  employee_paid(p);
  p.employee("NP1", 310115, "2025-03-01");
  p.employment("U9", 310115, "2025-03-01");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "employee_employee", "NP1;XM1", "NP1", "XM1", "keep_employment_region", "N5"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "transfer_account", "0", "N5"));
}

TEST(RulesR4, EmployeeEmployeeUnitTieBreak) {  // R4: several regions match → the employment's unit
  TestPerson p = person();
  p.employee("XM1", 350203, "2020-01-01").unit = "UA";
  p.employee("XM2", 350206, "2021-01-01").unit = "UB";
  employee_paid(p);
  p.employment("UB", 350206, "2021-01-01");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "employee_employee", "XM1;XM2", "XM2", "XM1", "keep_employment_region", "N5"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "transfer_account", "0", "N5"));
}

TEST(RulesR4, EmployeeEmployeeUnitTieUnresolved) {  // R4: several match, no unit match → needs_confirmation
  TestPerson p = person();
  p.employee("XM1", 350203, "2020-01-01").unit = "UA";
  p.employee("XM2", 350206, "2021-01-01").unit = "UB";
  employee_paid(p);
  p.employment("UC", 350206, "2021-01-01");
  EXPECT_EQ(p.run().duplicates,
            dup_row(p, "employee_employee", "XM1;XM2", "XM1;XM2", "", "needs_confirmation", "X3.1.1"));
}

TEST(RulesR4, EmployeeEmployeeNoMatch) {  // R4: employment region matches neither → needs_confirmation
  TestPerson p = person();
  p.employee("XM1", 350203, "2020-08-01");
  employee_paid(p);
  p.employee("NP1", 440105, "2021-08-01");
  p.employment("U1", 110108, "2025-01-01");
  EXPECT_EQ(p.run().duplicates,
            dup_row(p, "employee_employee", "NP1;XM1", "NP1;XM1", "", "needs_confirmation", "X3.1.1"));
}

TEST(RulesR4, EmployeeEmployeeNoEmployment) {  // R4: no active employment → no single match
  TestPerson p = person();
  p.employee("XM1", 350203, "2020-08-01");
  employee_paid(p);
  p.employee("NP1", 440105, "2021-08-01");
  p.employment("U1", 350203, "2010-01-01", "2019-12-31");  // ended
  EXPECT_EQ(p.run().duplicates,
            dup_row(p, "employee_employee", "NP1;XM1", "NP1;XM1", "", "needs_confirmation", "X3.1.1"));
}

// ---- R4 resident_resident --------------------------------------------------------------------

TEST(RulesR4, ResidentResidentExemptFreshman) {  // R4 N七: university freshman in the entry year
  TestPerson p = person();
  p.resident("XM1", 350203, "2026-09-01");
  p.tax(Scheme::kResident, 350203, "2026-09", "2026-12", "2026-09-10");
  p.resident("NP1", 110108, "2010-01-01");
  p.school("S1", 350203, EduLevel::kGraduate, 2026);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "resident_resident", "NP1;XM1", "NP1;XM1", "", "exempt_freshman", "N7"));
  EXPECT_EQ(out.actions, "");
}

TEST(RulesR4, ResidentResidentKeepSchoolRegionLocal) {  // R4 学籍地 (N五); benefits began → not_refundable
  TestPerson p = person();
  p.resident("XM1", 350206, "2026-01-01");
  resident_paid_2026(p);
  p.resident("NP1", 350102, "2026-01-01", "2026-12-31");
  p.school("S1", 350206, EduLevel::kPrimary, 2022);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "resident_resident", "NP1;XM1", "XM1", "NP1", "keep_school_region", "N5"));
  // Not local: no subsidy deduction (N七 deducts the city's own subsidy).
  EXPECT_EQ(out.actions, action_row(p, "NP1", "region:350102", "not_refundable", "0", "N5"));
}

TEST(RulesR4, ResidentResidentKeepSchoolRegionElsewhere) {  // R4 学籍地 in Fuzhou; R5 subsidy 700 (N七)
  TestPerson p = person();
  p.resident("XM1", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(p);
  p.resident("NP1", 350103, "2026-01-01", "2026-12-31");
  p.school("S1", 350102, EduLevel::kUniversity, 2024);  // 3501 matches NP1's 350103
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "resident_resident", "NP1;XM1", "NP1", "XM1", "keep_school_region", "N5"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "not_refundable", "700", "N5"));
  EXPECT_EQ(out.plan.subsidy_deduction_yuan, 700);
}

TEST(RulesR4, ResidentResidentStudentNoSchoolMatch) {  // R4: student, no single match → needs_confirmation
  TestPerson p = person();
  p.resident("XM1", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(p);
  p.resident("NP1", 350103, "2026-01-01", "2026-12-31");
  p.school("S1", 440106, EduLevel::kSecondary, 2024);
  EXPECT_EQ(p.run().duplicates,
            dup_row(p, "resident_resident", "NP1;XM1", "NP1;XM1", "", "needs_confirmation", "X3.2"));
}

TEST(RulesR4, ResidentResidentKeepResidence) {  // R4 常住地 (N五): keep_residence, terminate the other
  TestPerson p = person();
  p.resident("XM1", 350203, "2021-01-01");
  p.tax(Scheme::kResident, 350203, "2021-01", "2026-12", "2020-10-10");
  p.resident("NP1", 440106, "2026-01-01", "2026-12-31");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "resident_resident", "NP1;XM1", "XM1", "NP1", "keep_residence", "N5"));
  EXPECT_EQ(out.actions, action_row(p, "NP1", "region:440106", "not_refundable", "0", "N5"));
}

TEST(RulesR4, ResidentResidentKeepResidenceViaHukou) {  // R4 常住地: no residence, no permit → hukou
  TestPerson p = person();
  p.view.public_security[0].residence_region = kNoRegion;
  p.view.public_security[0].hukou_region = 440106;
  p.employment("U1", 350203, "2020-01-01");  // home district from employment
  p.resident("XM1", 350203, "2021-01-01");
  p.tax(Scheme::kResident, 350203, "2021-01", "2026-12", "2020-10-10");
  p.resident("NP1", 440106, "2026-01-01", "2026-12-31");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "resident_resident", "NP1;XM1", "NP1", "XM1", "keep_residence", "N5"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "not_refundable", "700", "N5"));
}

TEST(RulesR4, ResidentResidentNoResidenceMatch) {  // R4: no single match → needs_confirmation
  TestPerson p("11010519800101123");
  p.ps(110105);
  p.resident("XM1", 350203, "2021-01-01");
  p.tax(Scheme::kResident, 350203, "2021-01", "2026-12", "2020-10-10");
  p.resident("NP1", 440106, "2026-01-01", "2026-12-31");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "resident_resident", "NP1;XM1", "NP1;XM1", "", "needs_confirmation", "X3.2"));
  // R9: a case of a person without a home district goes to `unassigned`.
  EXPECT_TRUE(out.in_plan);
  EXPECT_EQ(out.plan_district, kNoRegion);
  EXPECT_EQ(out.plan.target, 0);
  EXPECT_EQ(out.plan.duplicates, 1);
}

TEST(RulesR5, ResidentRefundableBeforeBenefitStart) {  // R5 N六(一)3: benefit start (R6) after d
  TestPerson p = person();
  p.resident("XM1", 350203, "2026-09-01");
  p.tax(Scheme::kResident, 350203, "2026-09", "2026-12", "2026-09-05");  // R6: C=8 → 2027-03-05
  p.resident("NP1", 350102, "2026-01-01", "2026-12-31");
  p.school("S1", 350102, EduLevel::kUniversity, 2025);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "resident_resident", "NP1;XM1", "NP1", "XM1", "keep_school_region", "N5"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "refundable", "700", "N5"));
}

// ---- R4 cross_scheme -------------------------------------------------------------------------

TEST(RulesR4, CrossSchemeSeveralSurvivorsNeedConfirmation) {  // R4 X三: a scheme still holding several records
  TestPerson p = person();
  p.resident("XM1", 350203, "2026-09-01");
  p.tax(Scheme::kResident, 350203, "2026-09", "2026-12", "2026-09-10");
  p.resident("NP1", 110108, "2010-01-01");
  p.school("S1", 350203, EduLevel::kUniversity, 2026);  // freshman: both resident records survive
  p.employee("XM2", 350203, "2026-07-01");
  employee_paid(p, "2026-07");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates,
            dup_row(p, "cross_scheme", "NP1;XM1;XM2", "NP1;XM1;XM2", "", "needs_confirmation", "X3") +
                dup_row(p, "resident_resident", "NP1;XM1", "NP1;XM1", "", "exempt_freshman", "N7"));
  EXPECT_EQ(out.actions, "");
  EXPECT_EQ(out.plan.duplicates, 1);  // one person, however many cases
}

TEST(RulesR4, CrossSchemeExemptAssisted) {  // R4 N五: funded resident record → exempt_assisted first
  TestPerson p = person();
  p.employee("XM1", 350203, "2015-01-01");
  employee_paid(p, "2015-01");  // continuity far above 12
  p.resident("XM2", 350203, "2026-01-01", "2026-12-31").funded = Funded::kDibao;
  resident_paid_2026(p);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "cross_scheme", "XM1;XM2", "XM1;XM2", "", "exempt_assisted", "N5"));
  EXPECT_EQ(out.actions, "");
}

TEST(RulesR4, CrossSchemePensionElsewhere) {  // R4 X三(三)2; R5 refundable (employee cover over the span)
  TestPerson p = person();
  p.employee("NP1", 110105, "2016-04-01", "", Category::kRetired);
  p.pension(110105, "2016-04-01", PensionStatus::kReceiving);
  p.resident("XM1", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(p);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "cross_scheme", "NP1;XM1", "NP1", "XM1", "pension_elsewhere", "X3.3.2"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "refundable", "700", "X3.3.2"));
}

TEST(RulesR4, CrossSchemePensionElsewhereNeedsLocalResident) {  // R4 X三(三)2 only for a local resident record
  TestPerson p = person();
  p.employee("XM1", 350203, "2026-09-01", "", Category::kRetired);
  employee_paid(p, "2026-09");
  p.pension(110105, "2016-04-01", PensionStatus::kReceiving);
  p.resident("NP2", 110105, "2026-01-01", "2026-12-31");
  EXPECT_EQ(p.run().duplicates, dup_row(p, "cross_scheme", "NP2;XM1", "NP2;XM1", "", "exempt_transition", "X2"));
}

TEST(RulesR4, CrossSchemeKeepEmployeeLocal) {  // R4 keep_employee (N五, X三(三)1): local continuity ≥ 12
  TestPerson p = person();
  p.employee("XM1", 350203, "2022-01-01");
  employee_paid(p, "2022-01");
  p.resident("XM2", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(p);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "cross_scheme", "XM1;XM2", "XM1", "XM2", "keep_employee", "X3.3.1"));
  EXPECT_EQ(out.actions, action_row(p, "XM2", "local", "refundable", "700", "X3.3.1"));
  EXPECT_EQ(out.plan.subsidy_deduction_yuan, 700);
}

TEST(RulesR4, CrossSchemeKeepEmployeeOtherRegion) {  // R4 X三(三)1: other region, whole months since start
  TestPerson p = person();
  p.employee("NP1", 440106, "2020-05-01");
  p.resident("XM1", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(p);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "cross_scheme", "NP1;XM1", "NP1", "XM1", "keep_employee", "X3.3.1"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "refundable", "700", "X3.3.1"));
}

TEST(RulesR4, CrossSchemeOtherRegionContinuityBoundary) {  // §4 continuity: whole months from start to d
  for (const auto& [start, resolution] :
       {std::pair{"2025-11-22", "keep_employee"}, std::pair{"2025-11-23", "exempt_transition"}}) {
    TestPerson p = person();
    p.employee("NP1", 440106, start);
    p.resident("XM1", 350203, "2026-01-01", "2026-12-31");
    resident_paid_2026(p);
    const std::string_view res = resolution;
    const std::string out = p.run().duplicates;
    if (res == "keep_employee") {
      EXPECT_EQ(out, dup_row(p, "cross_scheme", "NP1;XM1", "NP1", "XM1", "keep_employee", "X3.3.1")) << start;
    } else {
      EXPECT_EQ(out, dup_row(p, "cross_scheme", "NP1;XM1", "NP1;XM1", "", "exempt_transition", "X2")) << start;
    }
  }
}

TEST(RulesR4, CrossSchemeExemptTransition) {  // R4 X二: continuity under 12 months → exempt_transition
  TestPerson p = person();
  p.employee("XM1", 350203, "2026-06-01");
  employee_paid(p, "2026-06");
  p.resident("XM2", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(p);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "cross_scheme", "XM1;XM2", "XM1;XM2", "", "exempt_transition", "X2"));
  EXPECT_EQ(out.actions, "");
  EXPECT_EQ(out.plan.subsidy_deduction_yuan, 0);
}

TEST(RulesR4, CrossSchemeBackPayExcludedFromContinuity) {  // §4 continuity excludes back_pay (不含补缴)
  TestPerson p = person();
  p.employee("XM1", 350203, "2023-01-01");
  p.employee_tax(350203, "2023-01", "2026-02");
  p.employee_tax(350203, "2026-03", "2026-05", /*back_pay=*/true);
  p.employee_tax(350203, "2026-06", "2026-11");
  p.resident("XM2", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(p);
  EXPECT_EQ(p.run().duplicates, dup_row(p, "cross_scheme", "XM1;XM2", "XM1;XM2", "", "exempt_transition", "X2"));
}

TEST(RulesR4, CrossSchemeContinuityEndsAtTheMonthBefore) {  // §4 continuity: run may end in the month before d
  TestPerson p = person();
  p.employee("XM1", 350203, "2025-11-01");
  p.employee_tax(350203, "2025-11", "2026-10");  // 12 months ending in October
  p.resident("XM2", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(p);
  EXPECT_EQ(p.run().duplicates, dup_row(p, "cross_scheme", "XM1;XM2", "XM1", "XM2", "keep_employee", "X3.3.1"));
  TestPerson q = person();
  q.employee("XM1", 350203, "2025-12-01");
  q.employee_tax(350203, "2025-12", "2026-10");  // 11 months
  q.resident("XM2", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(q);
  EXPECT_EQ(q.run().duplicates, dup_row(q, "cross_scheme", "XM1;XM2", "XM1;XM2", "", "exempt_transition", "X2"));
}

TEST(RulesR4, SameSchemeThenCrossSchemeOnSurvivors) {  // R3: cross_scheme decided on the survivors
  TestPerson p = person();
  p.employee("XM1", 350203, "2020-01-01");
  employee_paid(p, "2020-01");
  p.employee("NP1", 440106, "2019-05-01");
  p.employment("U1", 350203, "2020-01-01");
  p.resident("XM2", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(p);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates,
            dup_row(p, "cross_scheme", "XM1;XM2", "XM1", "XM2", "keep_employee", "X3.3.1") +
                dup_row(p, "employee_employee", "NP1;XM1", "XM1", "NP1", "keep_employment_region", "N5"));
  EXPECT_EQ(out.actions, action_row(p, "NP1", "region:440106", "transfer_account", "0", "N5") +
                             action_row(p, "XM2", "local", "refundable", "700", "X3.3.1"));
}

TEST(RulesR4, NoCrossCaseWhenSameSchemeTerminatedTheScheme) {  // decision: no survivor → no cross case
  TestPerson p = person();
  p.employee("XM1", 350203, "2023-03-01");
  p.employee("XM2", 350206, "2024-03-01");
  employee_paid(p, "2023-03");
  p.pension(440106, "2022-07-01", PensionStatus::kReceiving);
  p.resident("XM3", 350203, "2026-01-01", "2026-12-31");
  resident_paid_2026(p);
  const auto out = p.run();
  EXPECT_EQ(out.duplicates,
            dup_row(p, "employee_employee", "XM1;XM2", "", "XM1;XM2", "pension_elsewhere", "X3.1.3"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "account_balance", "0", "X3.1.3") +
                             action_row(p, "XM2", "local", "account_balance", "0", "X3.1.3"));
}

// ---- R5 refund classes -------------------------------------------------------------------------

TEST(RulesR5, ResidentRefundableUnderChainedEmployeeCover) {  // R5: every day start..d under active employee records
  TestPerson p = person();
  p.employee("NP1", 440106, "2015-01-01", "2025-10-31");  // ended, still status active
  p.employee("NP2", 440106, "2025-11-01");                // 12 whole months at d
  p.resident("XM1", 350203, "2025-06-01");
  p.tax(Scheme::kResident, 350203, "2025-06", "2026-12", "2025-05-20");  // R6: 2025-05-21, began
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "cross_scheme", "NP2;XM1", "NP2", "XM1", "keep_employee", "X3.3.1"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "refundable", "700", "X3.3.1"));
}

TEST(RulesR5, ResidentNotRefundableWithAGapInEmployeeCover) {  // R5 not_refundable: benefits began, cover has a gap
  TestPerson p = person();
  p.employee("NP1", 440106, "2015-01-01", "2025-09-30");
  p.enroll("NP0", Scheme::kEmployee, 440105, "2025-10-01", "2025-10-31", EnrollStatus::kSuspended);  // not active
  p.employee("NP2", 440106, "2025-11-01");
  p.resident("XM1", 350203, "2025-06-01");
  p.tax(Scheme::kResident, 350203, "2025-06", "2026-12", "2025-05-20");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "cross_scheme", "NP2;XM1", "NP2", "XM1", "keep_employee", "X3.3.1"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "not_refundable", "700", "X3.3.1"));
}

TEST(RulesR5, ResidentNotRefundableWhenCoverStartsLate) {  // R5 not_refundable
  TestPerson p = person();
  p.employee("NP1", 440106, "2025-02-01");
  p.resident("XM1", 350203, "2025-01-01");  // starts before any employee cover
  p.tax(Scheme::kResident, 350203, "2025-01", "2026-12", "2024-10-20");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "cross_scheme", "NP1;XM1", "NP1", "XM1", "keep_employee", "X3.3.1"));
  EXPECT_EQ(out.actions, action_row(p, "XM1", "local", "not_refundable", "700", "X3.3.1"));
}

TEST(RulesR5, DeadlineFollowsNoticeDays) {  // R5 deadline = d + notice_days (X五(二))
  TestPerson p = person();
  p.employee("XM1", 350203, "2021-01-01");
  employee_paid(p);
  p.employee("NP1", 310115, "2025-03-01");
  p.employment("U9", 310115, "2025-03-01");
  RunSettings settings = xiamen();
  settings.notice_days = 45;
  EXPECT_EQ(p.run(settings).actions,
            p.id + ",XM1,terminate,local,2027-01-06,tax_stop,transfer_account,0,N5\n");
}

// ---- R3b -------------------------------------------------------------------------------------

TEST(RulesR3b, NextYearResidentSuspended) {  // R3b N五(二): suspend, refundable, deadline 31 December
  TestPerson p = person();
  p.employee("XM1", 350203, "2019-03-01");
  employee_paid(p, "2019-03");
  p.resident("XM2", 350203, "2027-01-01", "2027-12-31");
  p.tax(Scheme::kResident, 350203, "2027-01", "2027-12", "2026-10-20");
  const auto out = p.run();
  EXPECT_EQ(out.duplicates, dup_row(p, "next_year_resident", "XM1;XM2", "XM1", "", "suspend_next_year", "N5.2"));
  EXPECT_EQ(out.actions, p.id + ",XM2,suspend,local,2026-12-31,,refundable,0,N5.2\n");
  EXPECT_EQ(out.plan.duplicates, 1);
  EXPECT_EQ(out.plan.subsidy_deduction_yuan, 0);
}

TEST(RulesR3b, OtherRegionResidentHandler) {  // R3b: the suspend has its record's handler (as R5)
  TestPerson p = person();
  p.employee("XM1", 350203, "2019-03-01");
  employee_paid(p, "2019-03");
  p.resident("NP1", 440106, "2027-01-01", "2027-12-31");
  EXPECT_EQ(p.run().actions, p.id + ",NP1,suspend,region:440106,2026-12-31,,refundable,0,N5.2\n");
}

TEST(RulesR3b, NeedsOpenEndedNormalEmployeeAndFirstJanuary) {  // R3b conditions
  TestPerson p = person();  // employee record with an end date
  p.employee("XM1", 350203, "2019-03-01", "2026-12-31");
  employee_paid(p, "2019-03");
  p.resident("XM2", 350203, "2027-01-01", "2027-12-31");
  EXPECT_EQ(p.run().duplicates, "");
  TestPerson q = person();  // resident record not starting 1 January of plan_year
  q.employee("XM1", 350203, "2019-03-01");
  employee_paid(q, "2019-03");
  q.resident("XM2", 350203, "2027-02-01", "2027-12-31");
  EXPECT_EQ(q.run().duplicates, "");
  TestPerson r = person();  // employee record not normal (unpaid)
  r.employee("XM1", 350203, "2019-03-01");
  r.employee_tax(350203, "2019-03", "2026-06");
  r.resident("XM2", 350203, "2027-01-01", "2027-12-31");
  EXPECT_EQ(r.run().duplicates, "");
}

}  // namespace
}  // namespace canbao::rules_test
