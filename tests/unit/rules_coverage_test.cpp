// R1 coverage state (with the §4 paid / normal facts it rests on) and R2 outreach list.
#include "rules_test_util.h"

namespace canbao::rules_test {
namespace {

// The `state` cell of a person's registry row.
std::string state_of(const TestPerson& p) {
  const std::string row = p.run().registry;
  size_t pos = 0;
  for (int cell = 0; cell < 6; ++cell) pos = row.find(',', pos) + 1;
  return row.substr(pos, row.find(',', pos) - pos);
}

TestPerson local_person() {
  TestPerson p("35021319900120294");
  p.ps(350213, "翔安区1号");
  return p;
}

// ---- R1 --------------------------------------------------------------------------------------

TEST(RulesR1, InsuredByNormalLocalRecord) {  // R1 insured; §4 normal = active, covers d, paid
  TestPerson p = local_person();
  p.employee("XM1", 350213, "2020-01-01");
  p.employee_tax(350213, "2026-11", "2026-11");
  EXPECT_EQ(state_of(p), "insured");
}

TEST(RulesR1, InsuredByOtherRegionRecordTakenAsPaid) {  // R1 any region; §4 other regions taken as paid
  TestPerson p = local_person();
  p.employee("NP1", 440106, "2020-01-01");
  EXPECT_EQ(state_of(p), "insured");
}

TEST(RulesR1, EmployeePaidByTheMonthBefore) {  // §4 paid: employee tax of the month before d
  TestPerson p = local_person();
  p.employee("XM1", 350213, "2020-01-01");
  p.employee_tax(350213, "2020-01", "2026-10");
  EXPECT_EQ(state_of(p), "insured");
}

TEST(RulesR1, ResidentNotPaidByTheMonthBefore) {  // §4 paid: the month before counts for employee only
  TestPerson p = local_person();
  p.resident("XM1", 350213, "2020-01-01");
  p.tax(Scheme::kResident, 350213, "2020-01", "2026-10", "2019-10-10");
  EXPECT_EQ(state_of(p), "lapsed");  // local active record unpaid
}

TEST(RulesR1, TaxOfTheOtherSchemeDoesNotPay) {  // §4 paid: same scheme
  TestPerson p = local_person();
  p.resident("XM1", 350213, "2026-01-01", "2026-12-31");
  p.employee_tax(350213, "2026-01", "2026-12");
  EXPECT_EQ(state_of(p), "lapsed");
}

TEST(RulesR1, NonLocalTaxRowDoesNotPay) {  // §4 paid: a tax row with a local region
  TestPerson p = local_person();
  p.employee("XM1", 350213, "2020-01-01");
  p.employee_tax(440106, "2020-01", "2026-12");
  EXPECT_EQ(state_of(p), "lapsed");
}

TEST(RulesR1, RecordMustCoverD) {  // §4 normal: covers d (end inclusive)
  TestPerson p = local_person();
  p.employee("XM1", 350213, "2020-01-01", "2026-11-22");
  p.employee_tax(350213, "2020-01", "2026-11");
  EXPECT_EQ(state_of(p), "insured");
  TestPerson q = local_person();
  q.employee("XM1", 350213, "2020-01-01", "2026-11-21");
  q.employee_tax(350213, "2020-01", "2026-11");
  EXPECT_EQ(state_of(q), "lapsed");  // ended within the last 365 days
}

TEST(RulesR1, LapsedBySuspendedRecord) {  // R1 lapsed: a suspended local record still covers d
  TestPerson p = local_person();
  p.enroll("XM1", Scheme::kResident, 350213, "2019-01-01", "", EnrollStatus::kSuspended);
  p.tax(Scheme::kResident, 350213, "2026-01", "2026-12", "2025-10-10");
  EXPECT_EQ(state_of(p), "lapsed");
}

TEST(RulesR1, LapsedWindowIs365DaysUpToD) {  // R1 lapsed: covers a day in d-364 .. d
  TestPerson p = local_person();
  p.enroll("NP1", Scheme::kEmployee, 440106, "2010-01-01", "2025-11-23", EnrollStatus::kTerminated);
  EXPECT_EQ(state_of(p), "lapsed");
  TestPerson q = local_person();
  q.enroll("NP1", Scheme::kEmployee, 440106, "2010-01-01", "2025-11-22", EnrollStatus::kTerminated);
  EXPECT_EQ(state_of(q), "never");
}

TEST(RulesR1, LapsedByActiveUnpaidLocalRecord) {  // R1 lapsed: a local active record is unpaid
  TestPerson p = local_person();
  p.employee("XM1", 350213, "2016-10-01");
  p.employee_tax(350213, "2016-10", "2026-07");  // stops in July: neither November nor October
  EXPECT_EQ(state_of(p), "lapsed");
}

TEST(RulesR1, UnpaidActiveLocalRecordOutsideTheWindowStillLapsed) {  // R1: "a local active record is unpaid"
  TestPerson p = local_person();
  p.resident("XM1", 350213, "2015-01-01", "2016-12-31");  // status never closed
  EXPECT_EQ(state_of(p), "lapsed");
}

TEST(RulesR1, OldTerminatedRecordIsNever) {  // R1 never: only record ended long before d
  TestPerson p = local_person();
  p.enroll("XM1", Scheme::kResident, 350213, "2015-01-01", "2023-06-30", EnrollStatus::kTerminated);
  EXPECT_EQ(state_of(p), "never");
}

TEST(RulesR1, NoRecordIsNever) {  // R1 never
  TestPerson p = local_person();
  EXPECT_EQ(state_of(p), "never");
}

TEST(RulesR1, FutureOtherRegionRecordIsNever) {  // R1: a record starting after d covers no day of the window
  TestPerson p = local_person();
  p.resident("NP1", 440106, "2027-01-01", "2027-12-31");
  EXPECT_EQ(state_of(p), "never");
}

// ---- R2 --------------------------------------------------------------------------------------
// outreach.csv: id,name,home_district,address,state,group,suggested_scheme,channel

TEST(RulesR2, OtherGroupCommunityChannel) {  // R2 other → resident, community:<home district>
  TestPerson p = local_person();
  EXPECT_EQ(p.run().outreach, p.id + ",张三,350213,翔安区1号,never,other,resident,community:350213\n");
}

TEST(RulesR2, InsuredPersonHasNoOutreachRow) {  // R2: lapsed or never only
  TestPerson p = local_person();
  insured_employee(p);
  EXPECT_EQ(p.run().outreach, "");
}

TEST(RulesR2, LapsedStateAndQuotedAddress) {  // R2 lapsed; §6 RFC 4180 quoting of the address
  TestPerson p("35021319710913091");
  p.ps(350213, "翔安区中山路339号\"金山\"小区,3单元");
  p.enroll("XM1", Scheme::kEmployee, 350213, "2019-01-01", "2026-05-31", EnrollStatus::kTerminated);
  EXPECT_EQ(p.run().outreach,
            p.id + ",张三,350213,\"翔安区中山路339号\"\"金山\"\"小区,3单元\",lapsed,other,resident,community:350213\n");
}

TEST(RulesR2, NewbornUnderOneYear) {  // R2 newborn: under 1 year at d
  TestPerson p("35021120260615501");
  p.ps(350211, "集美区1号");
  EXPECT_EQ(p.run().outreach, p.id + ",张三,350211,集美区1号,never,newborn,resident,community:350211\n");
}

TEST(RulesR2, NewbornEndsOnFirstBirthday) {  // R2 newborn: one year old on d is no longer a newborn
  TestPerson p("35021120251122501");
  p.ps(350211);
  EXPECT_EQ(p.run().outreach, p.id + ",张三,350211,,never,other,resident,community:350211\n");
  TestPerson q("35021120251123501");
  q.ps(350211);
  EXPECT_EQ(q.run().outreach, q.id + ",张三,350211,,never,newborn,resident,community:350211\n");
}

TEST(RulesR2, NewbornBeforeAssisted) {  // R2 order: newborn first
  TestPerson p("35021220260401374");
  p.ps(350212);
  p.assistance("2026-04-01", "2027-12-31");
  EXPECT_EQ(p.run().outreach, p.id + ",张三,350212,,never,newborn,resident,community:350212\n");
}

TEST(RulesR2, AssistedResidentFunded) {  // R2 assisted → resident_funded, community
  TestPerson p = local_person();
  p.disability(1);
  p.employment("U1", 350213, "2020-01-01");  // assisted comes before employed
  EXPECT_EQ(p.run().outreach, p.id + ",张三,350213,翔安区1号,never,assisted,resident_funded,community:350213\n");
}

TEST(RulesR2, StudentSchoolChannel) {  // R2 student → resident, school:<code>
  TestPerson p("35021320150505701");
  p.ps(350213);
  p.school("S3502130503", 350213, EduLevel::kPrimary, 2021);
  EXPECT_EQ(p.run().outreach, p.id + ",张三,350213,,never,student,resident,school:S3502130503\n");
}

TEST(RulesR2, StudentBeforeEmployed) {  // R2 order: student before employed (part-time job)
  TestPerson p("35021120050606390");
  p.ps(350211);
  p.employment("U1", 350211, "2025-07-01");
  p.school("S2", 350211, EduLevel::kUniversity, 2023);
  EXPECT_EQ(p.run().outreach, p.id + ",张三,350211,,never,student,resident,school:S2\n");
}

TEST(RulesR2, EmployedUnitChannel) {  // R2 employed → employee, unit:<code>
  TestPerson p = local_person();
  p.employment("OLD", 350213, "2010-01-01", "2015-12-31");  // ended: not the channel
  p.employment("91350213KR003836", 350213, "2020-01-01");
  p.pension(350213, "2019-01-01", PensionStatus::kReceiving);  // employed comes before pensioner
  EXPECT_EQ(p.run().outreach, p.id + ",张三,350213,翔安区1号,never,employed,employee,unit:91350213KR003836\n");
}

TEST(RulesR2, EmployedWithoutUnitFallsBackToCommunity) {  // R2 channel; decision: no unit code → community
  TestPerson p = local_person();
  p.employment("", 350213, "2020-01-01");
  EXPECT_EQ(p.run().outreach, p.id + ",张三,350213,翔安区1号,never,employed,employee,community:350213\n");
}

TEST(RulesR2, PensionerEmployeeCommunity) {  // R2 pensioner → employee, community
  TestPerson p("35021219551021135");
  p.ps(350212);
  p.pension(350212, "2015-11-01", PensionStatus::kReceiving);
  p.enroll("XM1", Scheme::kEmployee, 350212, "2015-11-01", "2026-04-30", EnrollStatus::kTerminated).category =
      Category::kRetired;
  EXPECT_EQ(p.run().outreach, p.id + ",张三,350212,,lapsed,pensioner,employee,community:350212\n");
}

TEST(RulesR2, NonTargetNotListed) {  // R2 lists target persons only: the dead are not
  TestPerson p = local_person();
  p.view.public_security[0].status = PsStatus::kDead;
  EXPECT_EQ(p.run().outreach, "");
}

}  // namespace
}  // namespace canbao::rules_test
