// SPEC §7 case ledger (X 五 清理程序): a case's row at this run from its row at the previous run —
// notice and a fixed one-month deadline (X 五(二)), escalation of the terminated records once the
// deadline has passed (X 五(三)), overdue without any, exempt resolutions, resolution — and the
// deadlines of actions.csv taken from the ledger, checked through evaluate_person().
#include <gtest/gtest.h>

#include "rules_test_util.h"

namespace canbao::rules_test {
namespace {

Day D(std::string_view text) { return *parse_date(text); }

DuplicateCase found_case(CaseType type, std::string_view resolution, bool with_terminated) {
  DuplicateCase c;
  c.type = type;
  c.resolution = resolution;
  if (with_terminated) c.terminated = {1};
  return c;
}

LedgerRow row(CaseStatus status, std::string_view opened, std::string_view deadline, std::string_view escalated = "") {
  LedgerRow r;
  r.status = status;
  r.opened_on = D(opened);
  r.deadline = deadline.empty() ? kNoDay : D(deadline);
  r.escalated_on = escalated.empty() ? kNoDay : D(escalated);
  return r;
}

TEST(Ledger, NewCaseIsNotifiedWithAOneMonthDeadline) {  // X 五(二)
  const LedgerRow r = ledger_row(found_case(CaseType::kCrossScheme, "keep_employee", true), nullptr, D("2026-11-02"), 30);
  EXPECT_EQ(r.status, CaseStatus::kOpen);
  EXPECT_EQ(r.opened_on, D("2026-11-02"));
  EXPECT_EQ(r.deadline, D("2026-12-02"));
  EXPECT_EQ(r.escalated_on, kNoDay);
  // R3b: its own deadline, 31 December.
  const LedgerRow r3b = ledger_row(found_case(CaseType::kNextYearResident, "suspend_next_year", false), nullptr,
                                   D("2026-11-02"), 30);
  EXPECT_EQ(r3b.deadline, D("2026-12-31"));
}

TEST(Ledger, OpenCaseKeepsOpenedOnAndDeadlineUntilItPasses) {  // SPEC §7: the deadline does not move
  const LedgerRow before = row(CaseStatus::kOpen, "2026-11-02", "2026-12-02");
  const auto found = found_case(CaseType::kEmployeeEmployee, "keep_employment_region", true);
  LedgerRow r = ledger_row(found, &before, D("2026-12-02"), 30);  // on the deadline: still open
  EXPECT_EQ(r.status, CaseStatus::kOpen);
  EXPECT_EQ(r.opened_on, D("2026-11-02"));
  EXPECT_EQ(r.deadline, D("2026-12-02"));
  r = ledger_row(found, &before, D("2026-12-12"), 30);  // past it: escalated now (X 五(三))
  EXPECT_EQ(r.status, CaseStatus::kEscalated);
  EXPECT_EQ(r.escalated_on, D("2026-12-12"));
  const LedgerRow later = ledger_row(found, &r, D("2027-01-20"), 30);  // stays escalated, date kept
  EXPECT_EQ(later.status, CaseStatus::kEscalated);
  EXPECT_EQ(later.escalated_on, D("2026-12-12"));
  EXPECT_EQ(later.deadline, D("2026-12-02"));
}

TEST(Ledger, PastTheDeadlineWithoutTerminatedRecordsIsOverdue) {  // needs_confirmation
  const LedgerRow before = row(CaseStatus::kOpen, "2026-11-02", "2026-12-02");
  const LedgerRow r = ledger_row(found_case(CaseType::kEmployeeEmployee, "needs_confirmation", false), &before,
                                 D("2026-12-12"), 30);
  EXPECT_EQ(r.status, CaseStatus::kOverdue);
  EXPECT_EQ(r.escalated_on, kNoDay);
  // Overdue, then a resolution with terminated records: escalated (opened_on and deadline kept).
  const LedgerRow next = ledger_row(found_case(CaseType::kEmployeeEmployee, "keep_local", true), &r, D("2026-12-20"), 30);
  EXPECT_EQ(next.status, CaseStatus::kEscalated);
  EXPECT_EQ(next.opened_on, D("2026-11-02"));
  EXPECT_EQ(next.escalated_on, D("2026-12-20"));
}

TEST(Ledger, ExemptCasesHaveNoDeadline) {  // exempt_*: opened_on kept while active
  const auto exempt = found_case(CaseType::kCrossScheme, "exempt_assisted", false);
  LedgerRow r = ledger_row(exempt, nullptr, D("2026-11-02"), 30);
  EXPECT_EQ(r.status, CaseStatus::kExempt);
  EXPECT_EQ(r.opened_on, D("2026-11-02"));
  EXPECT_EQ(r.deadline, kNoDay);
  const LedgerRow again = ledger_row(exempt, &r, D("2026-11-12"), 30);
  EXPECT_EQ(again.opened_on, D("2026-11-02"));
  // Exempt before, now a real case: notified now, a fresh deadline.
  const LedgerRow real = ledger_row(found_case(CaseType::kCrossScheme, "keep_employee", true), &again,
                                    D("2026-12-12"), 30);
  EXPECT_EQ(real.status, CaseStatus::kOpen);
  EXPECT_EQ(real.opened_on, D("2026-12-12"));
  EXPECT_EQ(real.deadline, D("2027-01-11"));
}

TEST(Ledger, ResolvedThenFoundAgainIsANewCase) {
  const LedgerRow before = row(CaseStatus::kEscalated, "2026-11-02", "2026-12-02", "2026-12-12");
  const LedgerRow resolved = resolved_row(before, D("2026-12-20"));
  EXPECT_EQ(resolved.status, CaseStatus::kResolved);
  EXPECT_EQ(resolved.resolved_on, D("2026-12-20"));
  EXPECT_EQ(resolved.opened_on, D("2026-11-02"));  // other cells as at the previous run
  EXPECT_EQ(resolved.escalated_on, D("2026-12-12"));
  const LedgerRow reopened = ledger_row(found_case(CaseType::kCrossScheme, "keep_employee", true), &resolved,
                                        D("2027-01-05"), 30);
  EXPECT_EQ(reopened.status, CaseStatus::kOpen);
  EXPECT_EQ(reopened.opened_on, D("2027-01-05"));
  EXPECT_EQ(reopened.deadline, D("2027-02-04"));
  EXPECT_EQ(reopened.escalated_on, kNoDay);
}

TEST(Ledger, StatusNamesRoundTrip) {
  for (CaseStatus status : {CaseStatus::kOpen, CaseStatus::kEscalated, CaseStatus::kOverdue, CaseStatus::kExempt,
                            CaseStatus::kResolved}) {
    CaseStatus parsed{};
    ASSERT_TRUE(parse_case_status(case_status_name(status), parsed));
    EXPECT_EQ(parsed, status);
  }
  CaseStatus parsed{};
  EXPECT_FALSE(parse_case_status("closed", parsed));
  CaseType type{};
  ASSERT_TRUE(parse_case_type("next_year_resident", type));
  EXPECT_EQ(type, CaseType::kNextYearResident);
  EXPECT_FALSE(parse_case_type("cross-scheme", type));
}

// actions.csv: the deadline of an R5 terminate row is the ledger's, not d + notice_days, for a case
// open since an earlier run (SPEC §7).
TEST(Ledger, ActionDeadlinesComeFromTheLedger) {
  TestPerson p("35020319800101005");
  p.ps(350203);
  insured_employee(p, "XM1");
  p.employee("NP1", 440106, "2019-05-01");   // another region's record
  p.employment("U1", 350203, "2018-01-01");  // R4: keep the record of the employment region, terminate NP1
  const TestOutcome first = p.run();
  ASSERT_EQ(first.typed.cases.size(), 1u);
  ASSERT_FALSE(first.typed.actions.empty());
  EXPECT_EQ(first.typed.actions[0].deadline, D("2026-12-22"));  // d + 30 on a first run
  PreviousCases before;
  before.add(p.view.key, first.typed.cases[0].type, row(CaseStatus::kOpen, "2026-11-02", "2026-12-02"));
  before.finish();
  EvalContext context;
  context.cases_before = &before;
  PersonOutcome again;
  evaluate_person(p.view, xiamen(), again, context);
  ASSERT_EQ(again.cases.size(), 1u);
  EXPECT_EQ(again.cases[0].ledger.opened_on, D("2026-11-02"));
  EXPECT_EQ(again.cases[0].ledger.status, CaseStatus::kOpen);  // d = 2026-11-22 ≤ 2026-12-02
  for (const ActionRow& action : again.actions) {
    if (action.action == ActionKind::kTerminate) {
      EXPECT_EQ(action.deadline, D("2026-12-02"));
    }
  }
}

}  // namespace
}  // namespace canbao::rules_test
