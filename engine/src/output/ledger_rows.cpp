#include "canbao/output/ledger_rows.h"

#include <algorithm>

#include "canbao/core/text.h"
#include "canbao/output/csv_rows.h"

namespace canbao {

const char kCasesHeader[] = "id,name,type,status,opened_on,deadline,escalated_on,resolved_on,resolution,rule\n";
const char kEscalationsHeader[] = "id,record_id,type,escalation,handler,deadline,escalated_on\n";
const char kChangesHeader[] = "id,home_district,before,after\n";
const char kHistoryHeader[] =
    "as_of,district,target,insured,lapsed,never,rate,target_rate,gap,duplicates,subsidy_deduction_yuan\n";

namespace {

std::string date_cell(Day day) { return day == kNoDay ? std::string() : format_date(day); }

// Rows as cell vectors, sorted left to right, written as RFC 4180 lines after `header`.
std::string sorted_csv(const char* header, std::vector<std::vector<std::string>>& rows) {
  std::sort(rows.begin(), rows.end());
  std::string out = header;
  for (const auto& row : rows) {
    for (size_t idx = 0; idx < row.size(); ++idx) {
      if (idx) out += ',';
      append_csv_cell(out, row[idx]);
    }
    out += '\n';
  }
  return out;
}

std::string_view state_cell(RunState state) {
  switch (state) {
    case RunState::kInsured: return "insured";
    case RunState::kLapsed: return "lapsed";
    case RunState::kNever: return "never";
    case RunState::kNotTarget: break;
  }
  return "";
}

std::string region_cell(Region region) { return region == kNoRegion ? std::string() : std::to_string(region); }

}  // namespace

RunState run_state_of(const PersonOutcome& outcome) {
  if (!outcome.target) return RunState::kNotTarget;
  switch (outcome.state) {
    case CoverageState::kInsured: return RunState::kInsured;
    case CoverageState::kLapsed: return RunState::kLapsed;
    case CoverageState::kNever: return RunState::kNever;
  }
  return RunState::kNotTarget;
}

void collect_case_rows(const PersonView& person, const PersonOutcome& outcome, std::vector<CaseRow>& cases,
                       std::vector<EscalationRow>& escalations) {
  for (size_t idx = 0; idx < outcome.cases.size(); ++idx) {
    const DuplicateCase& found = outcome.cases[idx];
    cases.push_back({person.key, outcome.name, found.type, found.ledger, found.resolution, found.rule});
    if (found.ledger.status != CaseStatus::kEscalated) continue;
    for (const ActionRow& action : outcome.actions) {  // X 五(三): each terminated record is handed on
      if (action.case_index != static_cast<int>(idx) || action.action != ActionKind::kTerminate) continue;
      escalations.push_back({person.key, person.enrollment[action.record].record_id, found.type, action.escalation,
                             action.handler_region, found.ledger.deadline, found.ledger.escalated_on});
    }
  }
}

std::string format_cases_csv(std::vector<CaseRow> rows) {
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size());
  for (const CaseRow& row : rows)
    cells.push_back({format_citizen_id(row.key), std::string(row.name), std::string(case_type_name(row.type)),
                     std::string(case_status_name(row.ledger.status)), date_cell(row.ledger.opened_on),
                     date_cell(row.ledger.deadline), date_cell(row.ledger.escalated_on), date_cell(row.ledger.resolved_on),
                     std::string(row.resolution), std::string(row.rule)});
  return sorted_csv(kCasesHeader, cells);
}

std::string format_escalations_csv(std::vector<EscalationRow> rows) {
  std::vector<std::vector<std::string>> cells;
  std::string handler;
  for (const EscalationRow& row : rows) {
    format_handler(row.handler_region, handler);
    cells.push_back({format_citizen_id(row.key), std::string(row.record_id), std::string(case_type_name(row.type)),
                     std::string(escalation_name(row.escalation)), handler, date_cell(row.deadline),
                     date_cell(row.escalated_on)});
  }
  return sorted_csv(kEscalationsHeader, cells);
}

std::string format_changes_csv(const std::vector<PersonRunState>& before, const std::vector<PersonRunState>& now) {
  std::vector<std::vector<std::string>> cells;
  size_t b = 0, n = 0;
  const PersonRunState none{};
  while (b < before.size() || n < now.size()) {
    const PersonKey key = std::min(b < before.size() ? before[b].key : kNoPerson, n < now.size() ? now[n].key : kNoPerson);
    const PersonRunState& was = b < before.size() && before[b].key == key ? before[b++] : none;
    const PersonRunState& is = n < now.size() && now[n].key == key ? now[n++] : none;
    if (was.state == is.state) continue;
    const Region district = is.state != RunState::kNotTarget ? is.home_district : was.home_district;
    cells.push_back({format_citizen_id(key), region_cell(district), std::string(state_cell(was.state)),
                     std::string(state_cell(is.state))});
  }
  return sorted_csv(kChangesHeader, cells);
}

std::string format_history_csv(const std::vector<std::pair<Day, std::vector<std::vector<std::string>>>>& runs) {
  std::string out = kHistoryHeader;
  for (const auto& [as_of, plan_rows] : runs)  // runs by as_of, rows as in plan.csv (not re-sorted)
    for (const auto& row : plan_rows) {
      out += format_date(as_of);
      for (const std::string& cell : row) {
        out += ',';
        append_csv_cell(out, cell);
      }
      out += '\n';
    }
  return out;
}

}  // namespace canbao
