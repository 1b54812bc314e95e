// Internal to engine/src/rules/: the SPEC §4 facts of one person, and the per-evaluation context
// and scratch buffers shared by the rule files. Never installed, never included outside
// engine/src/rules/. The rules fill a typed PersonOutcome (rules/outcome.h); they write no text.
//
// One section per SPEC number:
//   facts.cpp        §4 derived facts, paid/normal, employee continuity, coverage history
//   coverage.cpp     R1 coverage state, R2 outreach list
//   duplicates.cpp   R3/R3b duplicate cases, R4 resolutions, R5 actions
//   benefits.cpp     R6 benefit start
//   suspensions.cpp  R7 benefit suspension, R8 deceased still enrolled
//   plan.cpp         R9 annual plan
//   precheck.cpp     §8 pre-check at the source, P1–P8 (rules/precheck.h)
//   evaluate.cpp     evaluate_person(): §4 and R1–R9 in order, the outcome's token names
//
// Thread safety: every evaluation uses the calling thread's Scratch (thread_local), so
// evaluate_person() may run concurrently on different threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/rules/rules.h"

namespace canbao::rules_internal {

/// SPEC §4 facts of one enrollment record at d.
struct EnrollFacts {
  bool local = false;
  bool paid = false;    // §4 paid
  bool normal = false;  // §4 normal: active, covers d, paid
};

/// An inclusive run of months.
struct MonthSpan {
  Month from;
  Month to;
};

/// SPEC §4 facts of the person at d.
/// The outcome's facts (PersonFacts: target, alive, assisted, student, employed, pensioner, home
/// district, name, address) and those only the rules read.
struct Facts : PersonFacts {
  bool freshman = false;         // enrolled university/graduate student with entry_year = year of d
  const Market* business = nullptr;        // the first such record (manifest feed order, then line)
  Region pension_region = kNoRegion;       // region of the latest pension record (pensioner only)
  const Hr* latest_pension = nullptr;      // latest hr pension record by start, any status
  Region habitual_residence = kNoRegion;   // 常住地
};

/// One R3/R3b case being decided: the outcome's own type (rules/outcome.h), kept in the scratch so
/// its vectors keep their capacity; a case that is found is copied into PersonOutcome::cases.
using DupCase = DuplicateCase;
/// Empties `dup` for a new case of `type`, keeping the vectors' capacity.
inline void reset_case(DupCase& dup, CaseType type) {
  dup.type = type;
  dup.resolution = {};
  dup.rule = {};
  dup.records.clear();
  dup.kept.clear();
  dup.terminated.clear();
}

/// Per-thread buffers reused from person to person (no heap allocation once warmed up).
struct Scratch {
  std::vector<EnrollFacts> enroll;        // parallel to PersonView::enrollment
  std::vector<uint32_t> employments;      // indices of active hr employment records, in order
  std::vector<MonthSpan> spans;           // coverage-history / continuity work area
  std::vector<uint32_t> emp_normal, res_normal, survivors_emp, survivors_res, work;
  DupCase cases[4];
  int case_count = 0;
};
Scratch& thread_scratch();

/// Everything one evaluation reads: the person, the settings, d and the derived facts.
struct Eval {
  const PersonView& person;
  const RunSettings& settings;
  Scratch& scratch;
  PersonOutcome& out;
  const MotherDistricts* mothers = nullptr;  // §9 mother step of the home district
  const PreviousCases* cases_before = nullptr;  // §7 ledger at the previous run
  Day d = kNoDay;
  Month month_d = 0;
  int year_d = 0;
  int plan_year = 0;
  Facts facts;
  CoverageState state = CoverageState::kNever;

  bool is_local(Region region) const { return settings.is_local(region); }
  const Enrollment& rec(uint32_t idx) const { return person.enrollment[idx]; }
  const EnrollFacts& rec_facts(uint32_t idx) const { return scratch.enroll[idx]; }
};

/// Sets d = settings.as_of and the dates derived from it (month, year, plan year).
inline void set_eval_day(Eval& ev) {
  ev.d = ev.settings.as_of;
  ev.month_d = month_of_day(ev.d);
  ev.year_d = ymd_from_day(ev.d).year;
  ev.plan_year = ev.settings.plan_year != 0 ? ev.settings.plan_year : ev.year_d + 1;
}

/// An enrollment index that names no record (r6_benefit_start: exclude none).
inline constexpr uint32_t kNoRecord = ~uint32_t{0};

/// Regions match on their first 4 digits (R4 就业地/学籍地/常住地, §8 P6).
inline bool same_city(Region a, Region b) { return a != kNoRegion && b != kNoRegion && a / 100 == b / 100; }

// ---- §4 derived facts (facts.cpp) -------------------------------------------------------------
/// An enrollment record covers day t: start ≤ t and (end empty or t ≤ end).
inline bool covers(const Enrollment& record, Day t) {
  return record.start != kNoDay && record.start <= t && (record.end == kNoDay || t <= record.end);
}
void compute_facts(Eval& ev);
/// §4 paid / normal of every enrollment record into scratch.enroll.
void compute_enrollment_facts(Eval& ev);
/// §4 employee continuity (months) of employee record `rec_idx`.
int employee_continuity(Eval& ev, uint32_t rec_idx);
/// §4 coverage history without record `exclude_idx`, up to month `last`: the run of consecutive
/// covered months ending at the last covered month ≤ last. Returns false when no month ≤ last is
/// covered; else sets run_months and run_end.
bool coverage_run_before(Eval& ev, uint32_t exclude_idx, Month last, int& run_months, Month& run_end);
/// Sorts spans and merges the ones that overlap or touch.
void merge_spans(std::vector<MonthSpan>& spans);

// ---- R1/R2 (coverage.cpp) ---------------------------------------------------------------------
CoverageState r1_coverage_state(const Eval& ev);
void r2_outreach(Eval& ev);

// ---- R3–R5 (duplicates.cpp) -------------------------------------------------------------------
/// R3/R3b/R4/R5: adds the person's cases to out.cases and their terminate/suspend actions to
/// out.actions, sums subsidy deductions; returns whether there is a case.
bool r3_duplicate_cases(Eval& ev, int64_t& subsidy_yuan);
/// R5 refund of enrollment record `rec_idx` terminated at d: resident → refundable when its R6
/// benefit start is after d or an active employee record covers it from its start to d, else
/// not_refundable (N 六(一)3); employee → account_balance for a pensioner paid by another region,
/// else transfer_account (X 四(二)).
Refund r5_refund(Eval& ev, uint32_t rec_idx);

// ---- R6 (benefits.cpp) ------------------------------------------------------------------------
struct BenefitStart {
  Day paid_on = kNoDay;   // resident records only
  int prior_months = 0;   // C
  int gap_months = -1;    // G; -1 when there is no prior cover
  Day benefit_start = kNoDay;
};
/// R6 benefit start of enrollment record `rec_idx` (any record; R6 rows list only local active
/// records starting in the year of d).
BenefitStart r6_benefit_start(Eval& ev, uint32_t rec_idx);
/// R6 benefit start of a local active record of `scheme` starting on `start` that need not be one
/// of the person's (§8: the record asked for): the coverage history of every record but
/// `exclude_idx` (kNoRecord: all count); for resident, `paid_on` when given, else the earliest
/// paid_on of the local resident tax rows covering the start month (none: `start`).
BenefitStart r6_benefit_start(Eval& ev, Scheme scheme, Day start, uint32_t exclude_idx, Day paid_on = kNoDay);
/// R6 rows into out.benefits.
void r6_benefit_rows(Eval& ev);

// ---- R7/R8 (suspensions.cpp) -----------------------------------------------------------------
/// Add their rows to out.actions.
void r7_benefit_suspension(Eval& ev);
void r8_deceased_still_enrolled(Eval& ev);
/// SPEC §7 X 五: the ledger row of every case found; action deadlines from it (ledger.cpp).
void x5_case_ledger(Eval& ev);

// ---- R9 (plan.cpp) ----------------------------------------------------------------------------
void r9_plan_contribution(Eval& ev, bool has_case, int64_t subsidy_yuan);

/// `local` handler (kNoRegion) for a local region, else the region (R5 handler).
inline Region handler_region(const Eval& ev, Region region) { return ev.is_local(region) ? kNoRegion : region; }

}  // namespace canbao::rules_internal
