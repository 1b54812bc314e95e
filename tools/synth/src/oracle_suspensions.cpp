// R7 benefit suspension (N 四(四)) and R8 deceased still enrolled (fund supervision) for the oracle.
#include "oracle_internal.h"

namespace canbao::synth::oracle {

void r7_suspend_benefits(Ctx& c) {
  const SHr* pension = c.pension;
  if (!(pension && (pension->pension == PensionStatus::kSuspended || pension->pension == PensionStatus::kTerminated)))
    return;
  for (const SEnroll* e : c.enr)
    if (c.s.is_local(e->region) && e->scheme == Scheme::kEmployee && e->category == Category::kRetired && c.normal(*e)) {
      OAction a;
      a.record_id = c.rid(e);
      a.action = "suspend_benefits";
      a.handler = "local";
      a.rule = "N4.4";
      c.out.actions.push_back(std::move(a));
      if (!c.out.alive) c.flag("R7 for a deceased person");
    }
}

void r8_deceased(Ctx& c) {
  if (c.out.alive) return;
  for (const SEnroll* e : c.enr)
    if (c.s.is_local(e->region) && c.normal(*e)) {
      OAction a;
      a.record_id = c.rid(e);
      a.action = "terminate_deceased";
      a.handler = "local";
      a.rule = "R8";
      c.out.actions.push_back(std::move(a));
    }
  if (!c.out.cases.empty()) c.flag("duplicate case of a deceased person");
}

}  // namespace canbao::synth::oracle
