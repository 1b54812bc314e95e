// SPEC §7 case ledger (X 五 清理程序: notice, a one-month deadline, escalation to the tax office or
// the other region, resolution): each case's row at this run from its row at the previous run.
#include <algorithm>
#include <tuple>

#include "rules_internal.h"

namespace canbao {

namespace {

bool exempt(const DuplicateCase& found) { return found.resolution.rfind("exempt_", 0) == 0; }

}  // namespace

LedgerRow ledger_row(const DuplicateCase& found, const LedgerRow* before, Day d, int notice_days) {
  LedgerRow row;
  const bool was_active = before != nullptr && before->active();
  if (exempt(found)) {  // exempt_*: no deadline, no escalation; opened_on kept while active
    row.status = CaseStatus::kExempt;
    row.opened_on = was_active ? before->opened_on : d;
    return row;
  }
  if (was_active && before->status != CaseStatus::kExempt) {  // open, escalated or overdue before
    row.opened_on = before->opened_on;
    row.deadline = before->deadline;
  } else {  // new, resolved or exempt before: notified now (X 五(二): one month; R3b: 31 December)
    row.opened_on = d;
    row.deadline = found.type == CaseType::kNextYearResident ? day_from_ymd(ymd_from_day(d).year, 12, 31)
                                                             : d + notice_days;
  }
  if (was_active && before->status == CaseStatus::kEscalated) {
    row.status = CaseStatus::kEscalated;
    row.escalated_on = before->escalated_on;
  } else if (d > row.deadline) {  // X 五(三): each terminated record is handed on
    row.status = found.terminated.empty() ? CaseStatus::kOverdue : CaseStatus::kEscalated;
    if (row.status == CaseStatus::kEscalated) row.escalated_on = d;
  } else {
    row.status = CaseStatus::kOpen;
  }
  return row;
}

LedgerRow resolved_row(const LedgerRow& before, Day d) {
  LedgerRow row = before;
  row.status = CaseStatus::kResolved;
  row.resolved_on = d;
  return row;
}

void PreviousCases::add(PersonKey key, CaseType type, const LedgerRow& row) { entries_.push_back({key, type, row}); }

void PreviousCases::finish() {
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.key, a.type) < std::tie(b.key, b.type);
  });
}

const LedgerRow* PreviousCases::find(PersonKey key, CaseType type) const {
  const auto found = std::lower_bound(entries_.begin(), entries_.end(), std::make_pair(key, type),
                                      [](const Entry& entry, const std::pair<PersonKey, CaseType>& wanted) {
                                        return std::tie(entry.key, entry.type) < std::tie(wanted.first, wanted.second);
                                      });
  return found != entries_.end() && found->key == key && found->type == type ? &found->row : nullptr;
}

namespace rules_internal {

// Every case found now gets its ledger row; the deadline of its R5 terminate and R3b suspend
// actions is the ledger's, so it does not move from run to run.
void x5_case_ledger(Eval& ev) {
  for (DuplicateCase& found : ev.out.cases) {
    const LedgerRow* before = ev.cases_before ? ev.cases_before->find(ev.person.key, found.type) : nullptr;
    found.ledger = ledger_row(found, before, ev.d, ev.settings.notice_days);
  }
  for (ActionRow& action : ev.out.actions)
    if (action.case_index >= 0) action.deadline = ev.out.cases[action.case_index].ledger.deadline;
}

}  // namespace rules_internal

}  // namespace canbao
