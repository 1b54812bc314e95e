// The rules R1–R9 of SPEC §5 applied to one person, and the plan table they add up to.
//
// evaluate_person() is a pure function of (PersonView, RunSettings): it is called once per person,
// concurrently from several workers (each with its own PersonOutcome), and decides that person's
// typed outcome (rules/outcome.h): registry facts, outreach row, cases, actions, benefit rows and
// the R9 plan contribution. It writes no text: output/csv_rows.h formats an outcome as SPEC §6 rows.
// The rule code lives in engine/src/rules/, one file per SPEC rule number.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "canbao/rules/outcome.h"
#include "canbao/records/person_view.h"

namespace canbao {

/// SPEC §9: the home districts of mothers, from their own records (home_district_of), for the
/// last step of the §4 home district of a person under 1 year. Built before the cross-match from
/// the mothers the birth records name (job/health.h); read-only afterwards, shared by every worker.
class MotherDistricts {
 public:
  /// Adds a mother (any order; a key added twice keeps the first district). Then call finish().
  void add(PersonKey mother, Region district) { entries_.emplace_back(mother, district); }
  void finish();
  /// The mother's home district; kNoRegion for an unknown mother or one without a district.
  Region find(PersonKey mother) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<PersonKey, Region>> entries_;  // sorted by key after finish()
};

/// SPEC §7: the case ledger's rows at the previous run ("before"), by (person, case type).
/// Built once before the cross-match from the state; read-only afterwards.
class PreviousCases {
 public:
  struct Entry {
    PersonKey key;
    CaseType type;
    LedgerRow row;
  };
  void add(PersonKey key, CaseType type, const LedgerRow& row);
  void finish();  // sorts; call once after the last add()
  const LedgerRow* find(PersonKey key, CaseType type) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

/// What the rules read besides the person: other persons' facts and earlier runs.
struct EvalContext {
  const MotherDistricts* mothers = nullptr;       // SPEC §9 mother step (none: the step finds nothing)
  const PreviousCases* cases_before = nullptr;    // SPEC §7 ledger (none: a first run)
};

/// Evaluates SPEC §4 facts and R1–R8 for one person, their SPEC §7 ledger rows and their R9 plan
/// contribution, into `out` (cleared first). REQUIRES: person.key is a valid key and the person
/// has at least one record. Thread-safe (per-thread scratch).
void evaluate_person(const PersonView& person, const RunSettings& settings, PersonOutcome& out,
                     const EvalContext& context = {});

/// SPEC §7: the ledger row at d of a case found now; `before` is its row at the previous run (null:
/// none). Exempt resolutions are `exempt`; other cases keep opened_on and deadline while open,
/// escalated or overdue, else are notified at d (deadline d + notice_days; R3b 31 December); past
/// the deadline a case with terminated records is `escalated` (once), one without `overdue`.
LedgerRow ledger_row(const DuplicateCase& found, const LedgerRow* before, Day d, int notice_days);
/// SPEC §7: the row of a case active before and not found now: `resolved` on d, other cells kept.
LedgerRow resolved_row(const LedgerRow& before, Day d);

/// SPEC §4 home district from the person's own records: every step but §9's mother step.
Region home_district_of(const PersonView& person, const RunSettings& settings);

/// SPEC §9: the mother whose home district a person under 1 year at as_of takes: the valid
/// `mother_id` of the person's first health birth record that carries one; kNoPerson otherwise
/// (older person, no such record, or an ID SPEC §2 rejects).
PersonKey mother_key(const PersonView& person, const RunSettings& settings);

/// SPEC §9: the person is under 1 year at d (d < birth + 12 months).
bool under_one_year(PersonKey key, Day d);

/// One row of plan.csv (R9) with its derived cells.
struct PlanRow {
  Region district = kNoRegion;  // kNoRegion for `unassigned` and `total`
  std::string_view label;       // "" for a district row, else `unassigned` / `total`
  PlanTally tally;
  bool has_rate = false;         // false when target is 0 (empty cell)
  int64_t rate_per_10000 = 0;    // insured/target in units of 0.0001, nearest (halves up)
  int64_t gap = 0;               // max(0, ⌈target_rate·target⌉ − insured)
};

/// Sums plan contributions per district (R9). Not thread-safe: one per worker, then merge().
class PlanTable {
 public:
  void add(const PersonOutcome& outcome);
  void merge(const PlanTable& other);
  /// Adds one row's counters (kNoRegion: `unassigned`): a table sent by another rank (issue #17).
  void merge_row(Region district, const PlanTally& tally);
  /// The plan.csv rows: districts ascending, then `unassigned` (always), then `total` (its rate
  /// and gap from its own sums).
  std::vector<PlanRow> rows(const RunSettings& settings) const;
  const std::map<Region, PlanTally>& districts() const { return districts_; }
  const PlanTally& unassigned() const { return unassigned_; }
  /// Sum of every row (the `total` row's counters).
  PlanTally total() const;

 private:
  std::map<Region, PlanTally> districts_;
  PlanTally unassigned_;
};

}  // namespace canbao
