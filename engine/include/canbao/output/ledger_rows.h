// SPEC §7 outputs of the registry over time, as typed rows and their CSV text: cases.csv (the case
// ledger: cases found now and cases resolved at this run), escalations.csv (the terminated records
// of escalated cases: the tax office's stop list, notices to other regions), changes.csv (persons
// whose R1 state moved) and history.csv (the plan rows of every run). Rows are sorted as SPEC §6
// says (cells left to right as strings).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "canbao/rules/rules.h"

namespace canbao {

extern const char kCasesHeader[];
extern const char kEscalationsHeader[];
extern const char kChangesHeader[];
extern const char kHistoryHeader[];

/// One cases.csv row. Views must outlive the formatting (the mapped index or the loaded state).
struct CaseRow {
  PersonKey key = kNoPerson;
  std::string_view name;
  CaseType type = CaseType::kCrossScheme;
  LedgerRow ledger;
  std::string_view resolution, rule;
};

/// One escalations.csv row: a terminated record of an escalated case found now.
struct EscalationRow {
  PersonKey key = kNoPerson;
  std::string_view record_id;
  CaseType type = CaseType::kCrossScheme;
  Escalation escalation = Escalation::kNone;
  Region handler_region = kNoRegion;  // kNoRegion: `local`
  Day deadline = kNoDay, escalated_on = kNoDay;
};

/// A person's R1 state at one run, for changes.csv: kNotTarget when not in the target population.
enum class RunState : uint8_t { kNotTarget = 0, kInsured, kLapsed, kNever };
struct PersonRunState {
  PersonKey key = kNoPerson;
  RunState state = RunState::kNotTarget;
  Region home_district = kNoRegion;
};
RunState run_state_of(const PersonOutcome& outcome);

/// Appends the person's cases found now (with their ledger rows) and the escalation rows of its
/// escalated cases.
void collect_case_rows(const PersonView& person, const PersonOutcome& outcome, std::vector<CaseRow>& cases,
                       std::vector<EscalationRow>& escalations);

std::string format_cases_csv(std::vector<CaseRow> rows);
std::string format_escalations_csv(std::vector<EscalationRow> rows);
/// changes.csv from the states at the previous run and now (both sorted by key, target persons
/// only): a row per person whose state differs; home district now if a target now, else before.
std::string format_changes_csv(const std::vector<PersonRunState>& before, const std::vector<PersonRunState>& now);
/// history.csv: `as_of` then the plan.csv cells, runs by as_of.
std::string format_history_csv(const std::vector<std::pair<Day, std::vector<std::vector<std::string>>>>& runs);

}  // namespace canbao
