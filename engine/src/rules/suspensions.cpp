// R7 benefit suspension (N 四(四)) and R8 deceased still enrolled (fund supervision) of SPEC §5.
#include "rules_internal.h"

namespace canbao::rules_internal {

namespace {

/// R7/R8 action rows: handler local, no deadline/escalation/refund, subsidy 0 (SPEC §6).
void local_action(Eval& ev, uint32_t record, ActionKind kind, std::string_view rule) {
  ActionRow& action = ev.out.actions.emplace_back();
  action.record = record;
  action.action = kind;
  action.rule = rule;
}

}  // namespace

// R7 (N 四(四)): the latest hr pension record (by start) is suspended or terminated and the person
// holds a normal local employee record of category retired → suspend_benefits on each such record.
void r7_benefit_suspension(Eval& ev) {
  const Hr* pension = ev.facts.latest_pension;
  if (pension == nullptr) return;
  if (pension->pension_status != PensionStatus::kSuspended && pension->pension_status != PensionStatus::kTerminated)
    return;
  for (uint32_t idx = 0; idx < ev.person.enrollment.size(); ++idx) {
    const Enrollment& record = ev.rec(idx);
    const EnrollFacts& rf = ev.rec_facts(idx);
    if (rf.normal && rf.local && record.scheme == Scheme::kEmployee && record.category == Category::kRetired)
      local_action(ev, idx, ActionKind::kSuspendBenefits, "N4.4");
  }
}

// R8: a person who is not alive with a normal local record → terminate_deceased on each such record.
void r8_deceased_still_enrolled(Eval& ev) {
  if (ev.facts.alive) return;
  for (uint32_t idx = 0; idx < ev.person.enrollment.size(); ++idx) {
    const EnrollFacts& rf = ev.rec_facts(idx);
    if (rf.normal && rf.local) local_action(ev, idx, ActionKind::kTerminateDeceased, "R8");
  }
}

}  // namespace canbao::rules_internal
