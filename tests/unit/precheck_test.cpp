// SPEC §8 pre-check at the source (X 六(二); N 五(一)–(三); N 四): P1–P8 on hand-built persons,
// one golden answer per case, each worked out by hand from §8 (the comment above it says how); the
// §8 JSON answer object; malformed requests; `canbao precheck` on a small city and on the worked
// example's request table (city-over-time/precheck.csv).
//
// Unless a test says otherwise: Xiamen (city 350200, notice_days 30), t = 2026-11-22, start = t,
// so t + notice_days = 2026-12-22 and a plain waiting period ends t + 6 months = 2027-05-22.
// Answers are compared in precheck.csv's form:
//   decision,reason,rule,conflicts,actions,benefit_start,resident_benefits_until
// with conflicts `;`-joined and actions `record_id:action:handler:refund:deadline`, `;`-joined.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "canbao/core/text.h"
#include "canbao/query/person_index.h"
#include "canbao/rules/precheck.h"
#include "rules_test_util.h"
#include "test_util.h"

namespace canbao {
namespace {

using rules_test::D;
using rules_test::make_id;
using rules_test::TestPerson;
using rules_test::xiamen;
namespace fs = std::filesystem;

constexpr Region kSiming = 350203, kHaicang = 350205, kHuli = 350206, kJimei = 350211, kTongan = 350212;
constexpr Region kFuzhou = 350102, kGuangzhou = 440104;
constexpr std::string_view kT = "2026-11-22";

std::string date_cell(Day day) { return day == kNoDay ? "" : format_date(day); }

/// An answer in precheck.csv's form.
std::string row(const PrecheckAnswer& answer) {
  std::string out = std::string(precheck_decision_name(answer.decision)) + "," + std::string(answer.reason) + "," +
                    std::string(answer.rule) + ",";
  for (size_t pos = 0; pos < answer.conflicts.size(); ++pos) out += (pos ? ";" : "") + answer.conflicts[pos];
  out += ",";
  std::string handler;
  for (size_t pos = 0; pos < answer.actions.size(); ++pos) {
    const PrecheckAction& action = answer.actions[pos];
    format_handler(action.handler_region, handler);
    out += (pos ? ";" : "") + action.record_id + ":" + std::string(action_kind_name(action.action)) + ":" + handler +
           ":" + std::string(refund_name(action.refund)) + ":" + date_cell(action.deadline);
  }
  return out + "," + date_cell(answer.benefit_start) + "," + date_cell(answer.resident_benefits_until);
}

PrecheckRequest request(std::string_view id, Scheme scheme, Region region, std::string_view date = kT,
                        std::string_view start = "") {
  PrecheckRequest req;
  req.id = std::string(id);
  req.scheme = scheme;
  req.region = region;
  req.date = D(date);
  req.start = start.empty() ? kNoDay : D(start);
  return req;
}

/// The pre-check of a hand-built person (settings as of 2026-11-22; P1–P8 take their facts at t).
PrecheckAnswer ask(const TestPerson& person, Scheme scheme, Region region, std::string_view date = kT,
                   std::string_view start = "") {
  return precheck(person.view, xiamen(), request(person.id, scheme, region, date, start));
}

/// The pre-check of an ID the index does not know (no records, alive).
PrecheckAnswer ask_unknown(std::string_view id, Scheme scheme, Region region, std::string_view date = kT,
                           std::string_view start = "") {
  const PersonView nobody;
  return precheck(nobody, xiamen(), request(id, scheme, region, date, start));
}

/// A local resident record for 2026 with its premium (2026-01..2026-12, paid in the 集中缴费期):
/// normal at t, covered Jan–Oct 2026 in the coverage history before November.
void resident_2026(TestPerson& p, std::string_view record_id = "XM1", Region region = kSiming) {
  p.resident(record_id, region, "2026-01-01", "2026-12-31");
  p.tax(Scheme::kResident, region, "2026-01", "2026-12", "2025-11-20");
}

// ---- P1 ---------------------------------------------------------------------------------------

// P1: the ID is rejected (§2) → invalid, reason = the §2 reason, rule null; validity is taken at
// t: an ID whose birth date is after t is `bad_birthdate` (and valid from that birth date on).
TEST(PrecheckP1, RejectedIdIsInvalidWithItsSection2Reason) {
  EXPECT_EQ(row(ask_unknown("350203199001011230", Scheme::kResident, kSiming)), "invalid,bad_checksum,,,,,");
  EXPECT_EQ(row(ask_unknown("", Scheme::kResident, kSiming)), "invalid,missing,,,,,");
  EXPECT_EQ(row(ask_unknown("3.50203E+17", Scheme::kEmployee, kSiming)), "invalid,excel_mangled,,,,,");
  const std::string born_dec1 = make_id("35020320261201001");  // born 2026-12-01
  EXPECT_EQ(row(ask_unknown(born_dec1, Scheme::kResident, kSiming)), "invalid,bad_birthdate,,,,,");
  // From 2026-12-01 on the ID is valid; an unknown person holds no records: plain allow, R6 with
  // paid_on = t and no history → t + 6 months.
  EXPECT_EQ(row(ask_unknown(born_dec1, Scheme::kResident, kSiming, "2026-12-01")), "allow,,,,,2027-06-01,");
}

// P1: else `region` not local (first 4 digits ≠ the city's) → invalid, region_not_local; the ID
// is checked first.
TEST(PrecheckP1, RegionNotLocalIsInvalid) {
  TestPerson p("35020319800101001");
  resident_2026(p);
  EXPECT_EQ(row(ask(p, Scheme::kResident, kGuangzhou)), "invalid,region_not_local,,,,,");
  EXPECT_EQ(row(ask(p, Scheme::kEmployee, kFuzhou)), "invalid,region_not_local,,,,,");  // 3501 ≠ 3502
  EXPECT_EQ(row(ask_unknown("350203199001011230", Scheme::kResident, kGuangzhou)), "invalid,bad_checksum,,,,,");
}

// ---- P2 ---------------------------------------------------------------------------------------

// P2: not alive at t (§4 at d = t) → deny, deceased, R8, no conflicts — even with a normal local
// record; a death_date after t leaves the person alive at t (here P3 then decides).
TEST(PrecheckP2, NotAliveAtTIsDenied) {
  TestPerson p("35020619400101001");
  resident_2026(p);
  p.ps(kHuli).death_date = D("2026-12-01");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kHuli, "2026-12-01")), "deny,deceased,R8,,,,");
  EXPECT_EQ(row(ask(p, Scheme::kEmployee, kHuli, "2026-12-05")), "deny,deceased,R8,,,,");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kHuli)), "deny,already_enrolled,N5,XM1,,,");  // alive on 2026-11-22

  TestPerson dead("35020619400101002");
  dead.ps(kHuli).status = PsStatus::kDead;
  EXPECT_EQ(row(ask(dead, Scheme::kEmployee, kHuli)), "deny,deceased,R8,,,,");
}

// ---- P3 ---------------------------------------------------------------------------------------

// P3: deciding local records of the scheme asked for → deny, already_enrolled, N5; conflicts:
// those records. Deciding = normal at t (active, covers t, paid) and end absent or ≥ start.
TEST(PrecheckP3, DecidingLocalRecordOfTheSchemeIsAlreadyEnrolled) {
  TestPerson p("35020319800101001");
  resident_2026(p);
  EXPECT_EQ(row(ask(p, Scheme::kResident, kHuli)), "deny,already_enrolled,N5,XM1,,,");

  TestPerson worker("35020319800101002");
  rules_test::insured_employee(worker, "XM2");  // local employee since 2018, premiums through 2026-11
  EXPECT_EQ(row(ask(worker, Scheme::kEmployee, kSiming)), "deny,already_enrolled,N5,XM2,,,");
}

// A local active record that is not paid at t is not normal, so it does not decide: resident asks
// → allow; its unpaid months are no coverage history → R6 paid_on = t, t + 6 months.
TEST(PrecheckP3, UnpaidRecordDoesNotDecide) {
  TestPerson p("35020319800101001");
  p.resident("XM1", kSiming, "2026-01-01", "2026-12-31");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kSiming)), "allow,,,,,2027-05-22,");
}

// A renewal for next year: this year's record (normal at t = 2026-12-01) ends 2026-12-31, before
// start = 2027-01-01 → not deciding → allow; R6 resident: start on 1 January and paid_on = t in
// 1 September–31 December of the year before → 1 January.
TEST(PrecheckP3, RenewalForNextYearDoesNotConflict) {
  TestPerson p("35020319800101001");
  resident_2026(p);
  EXPECT_EQ(row(ask(p, Scheme::kResident, kSiming, "2026-12-01", "2027-01-01")), "allow,,,,,2027-01-01,");
}

// ---- P4 ---------------------------------------------------------------------------------------

// P4: assisted (§4 at d = t) → allow, assisted, N5, before P5/P6 (the Guangzhou resident record
// would otherwise be P6's); no conflicts. R6: paid_on = t, history Jan–Oct 2026 (10 months) →
// t + 6 months. On 2027-02-01 the assistance (to 2026-12-31) and the record have ended: plain
// allow; history Jan–Dec 2026 = 12 < 24 → 2027-02-01 + 6 months.
TEST(PrecheckP4, AssistedMayEnrolAsResident) {
  TestPerson p("44010419800101001");
  p.ps(kGuangzhou);
  p.resident("NP1", kGuangzhou, "2026-01-01", "2026-12-31");
  p.assistance("2026-01-01", "2026-12-31");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kSiming)), "allow,assisted,N5,,,2027-05-22,");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kSiming, "2027-02-01")), "allow,,,,,2027-08-01,");

  TestPerson severe("35021319940121001");
  severe.disability(1);
  EXPECT_EQ(row(ask(severe, Scheme::kResident, 350213)), "allow,assisted,N5,,,2027-05-22,");
}

// ---- P5 ---------------------------------------------------------------------------------------

// P5: deciding local employee records → deny, suspend_employee_first, N5.1 (N 五(一)).
TEST(PrecheckP5, LocalEmployeeRelationshipIsSuspendedFirst) {
  TestPerson p("35020519980511001");
  rules_test::insured_employee(p, "XM2");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kHaicang)), "deny,suspend_employee_first,N5.1,XM2,,,");
}

// P5: deciding employee records of another region with continuity (§4: whole months from start to
// t) ≥ 12 → deny, keep_employee, X3.3.1. Started 2025-11-22: 12 months on 2026-11-22. Started
// 2025-11-23: 11 months → no P5, nothing else applies → allow; history Nov 2025–Oct 2026 = 12 < 24
// → t + 6 months.
TEST(PrecheckP5, EmployeeElsewhereWithTwelveMonthsIsKept) {
  TestPerson twelve("44010419841004001");
  twelve.employee("NP3", kGuangzhou, "2025-11-22");
  EXPECT_EQ(row(ask(twelve, Scheme::kResident, kHuli)), "deny,keep_employee,X3.3.1,NP3,,,");
  TestPerson eleven("44010419841004002");
  eleven.employee("NP3", kGuangzhou, "2025-11-23");
  EXPECT_EQ(row(ask(eleven, Scheme::kResident, kHuli)), "allow,,,,,2027-05-22,");
}

// P5: else a pensioner whose pension region is not local → deny, pension_elsewhere, X3.3.2 (no
// conflicts). A pension paid by the city itself does not deny.
TEST(PrecheckP5, PensionerPaidElsewhereIsDenied) {
  TestPerson p("44010419600202001");
  p.pension(kGuangzhou, "2020-03-01", PensionStatus::kReceiving);
  EXPECT_EQ(row(ask(p, Scheme::kResident, kTongan)), "deny,pension_elsewhere,X3.3.2,,,,");
  TestPerson local("35021219600202001");
  local.pension(kTongan, "2020-03-01", PensionStatus::kReceiving);
  EXPECT_EQ(row(ask(local, Scheme::kResident, kTongan)), "allow,,,,,2027-05-22,");
}

// ---- P6 ---------------------------------------------------------------------------------------

// P6 allow_with_actions: a Fuzhou resident record, habitual residence Siming; `region` Huli
// matches it on the first 4 digits (3502) → keep_residence, N5: terminate the Fuzhou record
// (handler region:350102), deadline t + 30; refund as R5 at d = t: its R6 benefit start (no local
// premium → paid_on = start 2026-01-01, no history) is 2026-07-01 ≤ t and no employee record
// covers it → not_refundable. benefit_start: history Jan–Oct 2026 → t + 6 months.
TEST(PrecheckP6, KeepResidenceAllowsAndTerminatesTheOtherRecord) {
  TestPerson p("35010219800927001");
  p.ps(kSiming).hukou_region = kFuzhou;
  p.resident("NP1", kFuzhou, "2026-01-01", "2026-12-31");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kHuli)),
            "allow_with_actions,keep_residence,N5,NP1,NP1:terminate:region:350102:not_refundable:2026-12-22,"
            "2027-05-22,");
}

// P6 deny: the habitual residence is Fuzhou, so no local `region` matches it → deny with the same
// token and rule, conflicts the Fuzhou record, no actions, no benefit start. Without a habitual
// residence nothing matches either.
TEST(PrecheckP6, KeepResidenceDeniesWhenTheRegionDoesNotMatch) {
  TestPerson p("35010219811120001");
  p.ps(kFuzhou);
  p.resident("NP1", kFuzhou, "2026-01-01", "2026-12-31");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kSiming)), "deny,keep_residence,N5,NP1,,,");
  TestPerson nowhere("35010219811120002");
  nowhere.resident("NP1", kFuzhou, "2026-01-01", "2026-12-31");
  EXPECT_EQ(row(ask(nowhere, Scheme::kResident, kSiming)), "deny,keep_residence,N5,NP1,,,");
}

// P6 keep_school_region: an enrolled student (not a freshman) keeps the school region (Jimei)
// before the habitual residence (Guangzhou) → allow_with_actions. The Guangzhou record began
// 2026-09-01: its R6 benefit start (paid_on = start, no history) is 2027-03-01, after t → R5
// refundable. benefit_start: history Sep–Oct 2026 (2 months) → t + 6 months.
TEST(PrecheckP6, KeepSchoolRegionAllowsWithARefundableRecord) {
  TestPerson p("44010420060909001");
  p.ps(kGuangzhou);
  p.school("S1", kJimei, EduLevel::kUniversity, 2024);
  p.resident("NP1", kGuangzhou, "2026-09-01", "2027-08-31");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kJimei)),
            "allow_with_actions,keep_school_region,N5,NP1,NP1:terminate:region:440104:refundable:2026-12-22,"
            "2027-05-22,");
}

// P6 keep_school_region, deny: the first enrolled education record (the graduated one before it
// does not count) is in Guangzhou, so the school region is not local even though the person lives
// in Siming.
TEST(PrecheckP6, KeepSchoolRegionDeniesForASchoolElsewhere) {
  TestPerson p("44010420060909002");
  p.ps(kSiming);
  p.school("S0", kJimei, EduLevel::kSecondary, 2021, EduStatus::kGraduated);
  p.school("S1", kGuangzhou, EduLevel::kUniversity, 2024);
  p.resident("NP1", kGuangzhou, "2026-01-01", "2026-12-31");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kSiming)), "deny,keep_school_region,N5,NP1,,,");
}

// P6 refund as R5 at d = t, the employee-cover branch: an active employee record (Guangzhou, since
// 2026-01-01: 10 months, so P5 does not deny) covers the Fuzhou resident record every day from its
// start to t → refundable. Only the resident record conflicts.
TEST(PrecheckP6, RefundableWhenAnEmployeeRecordCoversTheRecord) {
  TestPerson p("35010219800927002");
  p.ps(kSiming);
  p.resident("NP1", kFuzhou, "2026-01-01", "2026-12-31");
  p.employee("NP4", kGuangzhou, "2026-01-01");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kSiming)),
            "allow_with_actions,keep_residence,N5,NP1,NP1:terminate:region:350102:refundable:2026-12-22,"
            "2027-05-22,");
}

// P6: a university freshman (entry_year = year of t) → allow, exempt_freshman, N7; nothing to
// terminate, no conflicts.
TEST(PrecheckP6, FreshmanIsExempt) {
  TestPerson p("44010420080606001");
  p.ps(kGuangzhou);
  p.school("S2", kHuli, EduLevel::kUniversity, 2026);
  p.resident("NP1", kGuangzhou, "2026-01-01", "2026-12-31");
  EXPECT_EQ(row(ask(p, Scheme::kResident, kHuli)), "allow,exempt_freshman,N7,,,2027-05-22,");
}

// ---- P7 ---------------------------------------------------------------------------------------

// P7: a pensioner paid by another region asking for employee → deny, pension_elsewhere, X3.1.3,
// before P8 would transfer their Guangzhou employee record.
TEST(PrecheckP7, PensionerPaidElsewhereMayNotEnrolAsEmployee) {
  TestPerson p("44010419600202002");
  p.pension(kGuangzhou, "2020-03-01", PensionStatus::kReceiving);
  p.employee("NP1", kGuangzhou, "2019-01-01", "", Category::kRetired);
  EXPECT_EQ(row(ask(p, Scheme::kEmployee, kTongan)), "deny,pension_elsewhere,X3.1.3,,,,");
}

// ---- P8 ---------------------------------------------------------------------------------------

// P8 nothing applies → allow, reason and rule null. R6 employee without history → start + 6
// months (start 2027-01-01 → 2027-07-01).
TEST(PrecheckP8, NoActionIsAPlainAllow) {
  EXPECT_EQ(row(ask_unknown(make_id("35021319780419001"), Scheme::kEmployee, 350213, kT, "2027-01-01")),
            "allow,,,,,2027-07-01,");
}

// P8.1 alone: a Guangzhou employee record → transfer, X3.1.1: terminate, transfer_account,
// deadline t + 30, handler region:440104. R6 employee: Guangzhou cover Jan 2019–Oct 2026 (C = 94 ≥
// 24, G = 0) → first day of the start month, 2026-11-01.
TEST(PrecheckP8, TransferAnEmployeeRecordElsewhere) {
  TestPerson p("44010419841004003");
  p.employee("NP1", kGuangzhou, "2019-01-01");
  EXPECT_EQ(row(ask(p, Scheme::kEmployee, kHuli)),
            "allow_with_actions,transfer,X3.1.1,NP1,NP1:terminate:region:440104:transfer_account:2026-12-22,"
            "2026-11-01,");
}

// P8.2 alone: a Fuzhou resident record → resident_elsewhere, X3.3.1: terminate, handler
// region:350102, refund as P6 (benefit start 2026-07-01 ≤ t, no employee cover → not_refundable).
// R6 employee: history Jan–Oct 2026 (10) → start + 6 months.
TEST(PrecheckP8, TerminateAResidentRecordElsewhere) {
  TestPerson p("35010219800927003");
  p.ps(kSiming);
  p.resident("NP2", kFuzhou, "2026-01-01", "2026-12-31");
  EXPECT_EQ(row(ask(p, Scheme::kEmployee, kSiming)),
            "allow_with_actions,resident_elsewhere,X3.3.1,NP2,NP2:terminate:region:350102:not_refundable:"
            "2026-12-22,2027-05-22,");
}

// P8.3 alone: an active local resident record starting 2027-01-01 (unpaid: "paid or not") →
// suspend_next_year, N5.2: suspend, refundable, deadline 2026-12-31. Not a deciding record (it does
// not cover t), named by step 3 itself. R6: no history before November → start + 6 months. A
// suspended next-year record, or one of another region, is not suspended again.
TEST(PrecheckP8, SuspendNextYearsResidentRecord) {
  TestPerson p("35021219750313001");
  p.resident("XM9", kTongan, "2027-01-01", "2027-12-31");
  EXPECT_EQ(row(ask(p, Scheme::kEmployee, kTongan)),
            "allow_with_actions,suspend_next_year,N5.2,XM9,XM9:suspend:local:refundable:2026-12-31,2027-05-22,");
  TestPerson q("35021219750313002");
  q.enroll("XM9", Scheme::kResident, kTongan, "2027-01-01", "2027-12-31", EnrollStatus::kSuspended);
  q.resident("NP9", kFuzhou, "2027-01-01", "2027-12-31");
  EXPECT_EQ(row(ask(q, Scheme::kEmployee, kTongan)), "allow,,,,,2027-05-22,");
}

// P8.4 alone: a deciding local resident record → suspend_resident, N5.3: suspend, not_refundable,
// deadline t. benefit_start: history Jan–Oct 2026 (10) → 2027-05-22; resident_benefits_until = the
// later of t and 2027-05-21, not after the record's end 2026-12-31 → 2026-12-31.
TEST(PrecheckP8, SuspendTheLocalResidentRecord) {
  TestPerson p("35020319680228001");
  resident_2026(p);
  EXPECT_EQ(row(ask(p, Scheme::kEmployee, kSiming)),
            "allow_with_actions,suspend_resident,N5.3,XM1,XM1:suspend:local:not_refundable:2026-11-22,2027-05-22,"
            "2026-12-31");
}

// resident_benefits_until without an end to cap it: an open-ended local resident record since
// 2026-03-01 (premiums 2026-03..2026-12: history Mar–Oct = 8) → benefit_start 2027-05-22, until
// 2027-05-21. Since 2023-01-01 (history Jan 2023–Oct 2026 = 46 ≥ 24, G = 0) → benefit_start
// 2026-11-01, and benefit_start − 1 = 2026-10-31 is before t → until = t.
TEST(PrecheckP8, ResidentBenefitsUntilTheWaitingPeriodOrT) {
  TestPerson recent("35020319680228002");
  recent.resident("XM1", kSiming, "2026-03-01");
  recent.tax(Scheme::kResident, kSiming, "2026-03", "2026-12", "2026-02-20");
  EXPECT_EQ(row(ask(recent, Scheme::kEmployee, kSiming)),
            "allow_with_actions,suspend_resident,N5.3,XM1,XM1:suspend:local:not_refundable:2026-11-22,2027-05-22,"
            "2027-05-21");
  TestPerson long_time("35020319680228003");
  long_time.resident("XM1", kSiming, "2023-01-01");
  long_time.tax(Scheme::kResident, kSiming, "2023-01", "2026-12", "2022-11-20");
  EXPECT_EQ(row(ask(long_time, Scheme::kEmployee, kSiming)),
            "allow_with_actions,suspend_resident,N5.3,XM1,XM1:suspend:local:not_refundable:2026-11-22,2026-11-01,"
            "2026-11-22");
}

// resident_benefits_until with two deciding local resident records that both end: capped at the
// later end (2027-02-28), since benefits continue while either runs. History Jan–Oct 2026 → 2027-05-22.
TEST(PrecheckP8, ResidentBenefitsUntilTheLatestEnd) {
  TestPerson p("35020319680228004");
  resident_2026(p, "XM1");
  p.resident("XM5", kSiming, "2026-03-01", "2027-02-28");
  EXPECT_EQ(row(ask(p, Scheme::kEmployee, kSiming)),
            "allow_with_actions,suspend_resident,N5.3,XM1;XM5,XM1:suspend:local:not_refundable:2026-11-22;"
            "XM5:suspend:local:not_refundable:2026-11-22,2027-05-22,2027-02-28");
}

// P8 all four steps together: reason and rule of the first (transfer, X3.1.1); conflicts every
// record with an action; actions by record_id. The Fuzhou resident record is now refundable: the
// open Guangzhou employee record (active) covers it every day from 2026-01-01 to t (R5).
// benefit_start: Guangzhou cover Jan 2019–Oct 2026 → 2026-11-01; until = the later of t and
// 2026-10-31 = t (before XM1's end).
TEST(PrecheckP8, EveryActionTogether) {
  TestPerson p("35020319800101009");
  p.ps(kSiming);
  p.employee("NP1", kGuangzhou, "2019-01-01");
  p.resident("NP2", kFuzhou, "2026-01-01", "2026-12-31");
  resident_2026(p, "XM1");
  p.resident("XM9", kSiming, "2027-01-01", "2027-12-31");
  EXPECT_EQ(row(ask(p, Scheme::kEmployee, kSiming)),
            "allow_with_actions,transfer,X3.1.1,NP1;NP2;XM1;XM9,"
            "NP1:terminate:region:440104:transfer_account:2026-12-22;"
            "NP2:terminate:region:350102:refundable:2026-12-22;"
            "XM1:suspend:local:not_refundable:2026-11-22;"
            "XM9:suspend:local:refundable:2026-12-31,"
            "2026-11-01,2026-11-22");
}

// P8 steps 3 and 4 without 1 and 2 (this year's record and next year's renewal): the reason is
// step 3's, suspend_next_year, N5.2.
TEST(PrecheckP8, NextYearBeforeThisYear) {
  TestPerson p("35020319680228005");
  resident_2026(p, "XM1");
  p.resident("XM9", kSiming, "2027-01-01", "2027-12-31");
  EXPECT_EQ(row(ask(p, Scheme::kEmployee, kSiming)),
            "allow_with_actions,suspend_next_year,N5.2,XM1;XM9,XM1:suspend:local:not_refundable:2026-11-22;"
            "XM9:suspend:local:refundable:2026-12-31,2027-05-22,2026-12-31");
}

// ---- benefit_start (R6 at t) ------------------------------------------------------------------

// Employee: C ≥ 24 and G ≤ 3 → the first day of the start month. A local employee record ended
// 2026-07-31 (premiums 2019-01..2026-07; terminated, still coverage history: every record counts):
// G = Aug, Sep, Oct = 3 → 2026-11-01. Premiums only to 2026-06 → G = 4 → start + 6 months.
// Resident with G = 3: paid_on (t) + 1 day.
TEST(PrecheckBenefitStart, EmployeeAndResidentContinuity) {
  TestPerson gap3("35020619751019001");
  gap3.enroll("XM7", Scheme::kEmployee, kHuli, "2019-01-01", "2026-07-31", EnrollStatus::kTerminated);
  gap3.employee_tax(kHuli, "2019-01", "2026-07");
  EXPECT_EQ(row(ask(gap3, Scheme::kEmployee, kHuli)), "allow,,,,,2026-11-01,");
  EXPECT_EQ(row(ask(gap3, Scheme::kResident, kHuli)), "allow,,,,,2026-11-23,");
  TestPerson gap4("35020619751019002");
  gap4.enroll("XM7", Scheme::kEmployee, kHuli, "2019-01-01", "2026-06-30", EnrollStatus::kTerminated);
  gap4.employee_tax(kHuli, "2019-01", "2026-06");
  EXPECT_EQ(row(ask(gap4, Scheme::kEmployee, kHuli)), "allow,,,,,2027-05-22,");
}

// Resident starting 1 January with paid_on = t in 1 September–31 December of the year before
// (集中缴费期) → 1 January; t = 2026-08-31 is outside it → paid_on + 6 months (2027-02-28, the end of
// February). Employee has no such rule: start + 6 months.
TEST(PrecheckBenefitStart, CentralPaymentPeriod) {
  const std::string id = make_id("35021319810101001");
  EXPECT_EQ(row(ask_unknown(id, Scheme::kResident, 350213, "2026-09-01", "2027-01-01")), "allow,,,,,2027-01-01,");
  EXPECT_EQ(row(ask_unknown(id, Scheme::kResident, 350213, "2026-08-31", "2027-01-01")), "allow,,,,,2027-02-28,");
  EXPECT_EQ(row(ask_unknown(id, Scheme::kEmployee, 350213, "2026-09-01", "2027-01-01")), "allow,,,,,2027-07-01,");
}

// ---- the §4 facts are taken at t ---------------------------------------------------------------

// The settings' as_of (the latest run's) does not matter, t does: the same person asked with the
// index as of 2026-11-22 or 2027-03-01 gets the same answer for t = 2026-11-22.
TEST(PrecheckFacts, TakenAtTNotAtTheRunsAsOf) {
  TestPerson p("35020319680228006");
  resident_2026(p);
  const PrecheckRequest req = request(p.id, Scheme::kEmployee, kSiming);
  EXPECT_EQ(row(precheck(p.view, xiamen("2027-03-01"), req)), row(precheck(p.view, xiamen(), req)));
  EXPECT_EQ(row(precheck(p.view, xiamen("2027-03-01"), req)),
            "allow_with_actions,suspend_resident,N5.3,XM1,XM1:suspend:local:not_refundable:2026-11-22,2027-05-22,"
            "2026-12-31");
}

// ---- the §8 answer object ------------------------------------------------------------------------

// Absent values are null, empty lists [], dates YYYY-MM-DD strings, fields in §8 order.
TEST(PrecheckJson, AnswerObject) {
  EXPECT_EQ(format_precheck_json(ask_unknown("350203199001011230", Scheme::kResident, kSiming)),
            R"({"decision": "invalid", "reason": "bad_checksum", "rule": null, "conflicts": [], "actions": [], )"
            R"("benefit_start": null, "resident_benefits_until": null})");
  EXPECT_EQ(format_precheck_json(ask_unknown(make_id("35020319930208001"), Scheme::kResident, kSiming)),
            R"({"decision": "allow", "reason": null, "rule": null, "conflicts": [], "actions": [], )"
            R"("benefit_start": "2027-05-22", "resident_benefits_until": null})");
  TestPerson p("35020319680228007");
  resident_2026(p);
  EXPECT_EQ(format_precheck_json(ask(p, Scheme::kEmployee, kSiming)),
            R"({"decision": "allow_with_actions", "reason": "suspend_resident", "rule": "N5.3", )"
            R"("conflicts": ["XM1"], "actions": [{"record_id": "XM1", "action": "suspend", "handler": "local", )"
            R"("refund": "not_refundable", "deadline": "2026-11-22"}], "benefit_start": "2027-05-22", )"
            R"("resident_benefits_until": "2026-12-31"})");
  EXPECT_EQ(format_precheck_json(ask(p, Scheme::kResident, kSiming)),
            R"({"decision": "deny", "reason": "already_enrolled", "rule": "N5", "conflicts": ["XM1"], )"
            R"("actions": [], "benefit_start": null, "resident_benefits_until": null})");
}

// ---- malformed requests ----------------------------------------------------------------------------

// §8: unknown scheme, region not 6 digits, unparsable date → an error (one line naming the field),
// not an answer. Dates take the SPEC §1 spellings; empty date/start are the defaults.
TEST(PrecheckMalformed, MalformedRequestIsAnError) {
  const auto parse = [](std::string_view scheme, std::string_view region, std::string_view date = "",
                        std::string_view start = "") {
    return parse_precheck_request({"350203196802284306", scheme, region, date, start});
  };
  for (const auto& bad : {parse("职工", "350203"), parse("Employee", "350203"), parse("", "350203"),
                          parse("resident", "35020"), parse("resident", "3502030"), parse("resident", "35020a"),
                          parse("resident", ""), parse("resident", "350203", "2026-02-30"),
                          parse("resident", "350203", "tomorrow"), parse("resident", "350203", "", "2027-13-01")}) {
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().message().find('\n'), std::string::npos);
    EXPECT_EQ(bad.status().message().rfind("precheck: ", 0), 0u) << bad.status().message();
  }
  EXPECT_NE(parse("x", "350203").status().message().find("scheme"), std::string::npos);
  EXPECT_NE(parse("resident", "35020").status().message().find("region"), std::string::npos);
  EXPECT_NE(parse("resident", "350203", "", "x").status().message().find("start"), std::string::npos);

  const auto good = parse("employee", "440104", "20261122", "2027/01/01");
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(good->scheme, Scheme::kEmployee);
  EXPECT_EQ(good->region, kGuangzhou);  // well-formed; P1 answers region_not_local
  EXPECT_EQ(good->date, D("2026-11-22"));
  EXPECT_EQ(good->start, D("2027-01-01"));
  const auto defaults = parse("resident", "350203");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->date, kNoDay);
  EXPECT_EQ(defaults->start, kNoDay);
}

// ---- `canbao precheck` ------------------------------------------------------------------------------

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

/// A command's stdout alone (stderr dropped), and its stderr alone.
testing::CommandResult stdout_of(const std::string& command) { return run_command("(" + command + " 2>/dev/null)"); }
testing::CommandResult stderr_of(const std::string& command) {
  return run_command("(" + command + " 2>&1 >/dev/null)");
}

// A small city as of 2026-11-22: a Siming resident insured for 2026 (A) and a person known only to
// public security (B).
class PrecheckCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = make_id("35020319680228001");
    b_ = make_id("35020319930208001");
    const std::string dir = tmp_ / "city";
    write_file(dir + "/enrollment.ndjson",
               R"({"record_id": "XM1", "id": ")" + a_ +
                   R"(", "scheme": "resident", "region": "350203", "status": "active", "start": "2026-01-01", "end": "2026-12-31"})"
                   "\n");
    write_file(dir + "/tax.ndjson",
               R"({"id": ")" + a_ +
                   R"(", "scheme": "resident", "region": "350203", "from": "2026-01", "to": "2026-12", "paid_on": "2025-11-20"})"
                   "\n");
    write_file(dir + "/public_security.ndjson",
               R"({"id": ")" + a_ + R"(", "name": "柯怡", "hukou_region": "350203", "residence_region": "350203"})" +
                   "\n" + R"({"id": ")" + b_ +
                   R"(", "name": "冯雷", "hukou_region": "350203", "residence_region": "350203"})" + "\n");
    write_file(dir + "/manifest.json",
               R"({"city": "350200", "as_of": "2026-11-22", "feeds": [{"agency": "enrollment", "path": "enrollment.ndjson"},
                  {"agency": "tax", "path": "tax.ndjson"}, {"agency": "public_security", "path": "public_security.ndjson"}]})");
    const auto run = run_command(cli() + " run " + dir + "/manifest.json --out " + tmp_ / "out");
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  /// `canbao precheck --index OUT.index ARGS`.
  std::string command(const std::string& args) const {
    return cli() + " precheck --index " + tmp_ / "out.index" + " " + args;
  }
  TempDir tmp_;
  std::string a_, b_;
};

// The answer on stdout, exit 0, for every decision; date defaults to the index's as_of (the
// deadline t = 2026-11-22 of A's suspension shows it).
TEST_F(PrecheckCliTest, PrintsTheAnswer) {
  auto got = stdout_of(command(a_ + " --scheme employee --region 350203"));
  EXPECT_EQ(got.exit_code, 0);
  EXPECT_EQ(got.output,
            R"({"decision": "allow_with_actions", "reason": "suspend_resident", "rule": "N5.3", )"
            R"("conflicts": ["XM1"], "actions": [{"record_id": "XM1", "action": "suspend", "handler": "local", )"
            R"("refund": "not_refundable", "deadline": "2026-11-22"}], "benefit_start": "2027-05-22", )"
            R"("resident_benefits_until": "2026-12-31"})"
            "\n");
  got = stdout_of(command(a_ + " --scheme resident --region 350206"));  // P3
  EXPECT_EQ(got.exit_code, 0);
  EXPECT_NE(got.output.find(R"("decision": "deny", "reason": "already_enrolled")"), std::string::npos) << got.output;
  // The renewal (P3 does not apply: A's record ends before start), R6 集中缴费期 → 1 January.
  got = stdout_of(command(a_ + " --scheme resident --region 350203 --date 2026-12-01 --start 2027-01-01"));
  EXPECT_EQ(got.exit_code, 0);
  EXPECT_NE(got.output.find(R"("decision": "allow", "reason": null, "rule": null, "conflicts": [], "actions": [], )"
                            R"("benefit_start": "2027-01-01")"),
            std::string::npos)
      << got.output;
  // Known without enrollment, and unknown to the index: allow, t + 6 months.
  for (const std::string& id : {b_, make_id("35020319900101005")}) {
    got = stdout_of(command(id + " --scheme resident --region 350203"));
    EXPECT_EQ(got.exit_code, 0);
    EXPECT_NE(got.output.find(R"("benefit_start": "2027-05-22")"), std::string::npos) << got.output;
  }
  // An invalid answer is still an answer.
  got = stdout_of(command("350203199001011230 --scheme resident --region 350203"));
  EXPECT_EQ(got.exit_code, 0);
  EXPECT_NE(got.output.find(R"("decision": "invalid", "reason": "bad_checksum")"), std::string::npos) << got.output;
}

// A malformed request: one line on stderr, nothing on stdout, exit status non-zero.
TEST_F(PrecheckCliTest, MalformedRequestIsOneLineOnStderr) {
  for (const std::string& args : {a_ + " --scheme 职工 --region 350203", a_ + " --scheme resident --region 35020",
                                  a_ + " --scheme resident --region 350203 --date 2026-13-01",
                                  a_ + " --scheme employee --region 350203 --start someday"}) {
    const auto out = stdout_of(command(args));
    EXPECT_NE(out.exit_code, 0) << args;
    EXPECT_EQ(out.output, "") << args;
    const auto err = stderr_of(command(args));
    EXPECT_NE(err.exit_code, 0) << args;
    ASSERT_FALSE(err.output.empty()) << args;
    EXPECT_EQ(err.output.find('\n'), err.output.size() - 1) << err.output;  // exactly one line
  }
}

// The worked example's request table (city-over-time/precheck.csv, against run 3's index): every
// answer as the table has it. Run 3's manifest lists every delivery, so running it alone gives run
// 3's index.
TEST(PrecheckExample, CityOverTimeRequestTable) {
  const std::string example = testing::city_over_time();
  if (!fs::exists(example + "/precheck.csv")) GTEST_SKIP() << "city-over-time not found";
  TempDir tmp;
  const auto run = run_command(cli() + " run " + example + "/manifest-run3.json --out " + tmp / "run3");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto opened = PersonIndex::Open(tmp / "run3.index");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  const std::string table = read_file(example + "/precheck.csv");
  size_t pos = 0;
  std::vector<std::string> header, cells;
  ASSERT_TRUE(next_csv_record(table, pos, header));
  ASSERT_EQ(header.size(), 13u);
  int rows = 0;
  while (next_csv_record(table, pos, cells)) {
    ++rows;
    auto req = parse_precheck_request({cells[1], cells[2], cells[3], cells[4], cells[5]});
    ASSERT_TRUE(req.ok()) << cells[0];
    const std::string want = cells[6] + "," + cells[7] + "," + cells[8] + "," + cells[9] + "," + cells[10] + "," +
                             cells[11] + "," + cells[12];
    EXPECT_EQ(row((*opened)->precheck(*req)), want) << cells[0];
  }
  EXPECT_GE(rows, 20);
}

}  // namespace
}  // namespace canbao
