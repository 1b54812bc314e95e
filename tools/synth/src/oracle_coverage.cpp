// R1 coverage state and R2 outreach list (SPEC §5, N 三; the §9 groups) for the oracle.
#include <cstdlib>

#include "oracle_internal.h"

namespace canbao::synth::oracle {

void r1_state(Ctx& c) {
  const Settings& s = c.s;
  const Day d = c.d;
  Outcome& out = c.out;
  bool insured = false, lapsed = false, lapsed_alt = false;
  bool has_local = false, unpaid_elsewhen = false, window_edge = false;
  for (const SEnroll* e : c.enr) {
    if (s.is_local(e->region)) has_local = true;
    if (c.normal(*e)) insured = true;
    if (e->start != kNoDay && e->start <= d) {
      if (e->end == kNoDay || e->end >= d - 364) lapsed = true;
      if (e->end == kNoDay || e->end >= d - 365) lapsed_alt = true;
      if (e->end != kNoDay && e->end >= d - 368 && e->end <= d - 361) window_edge = true;
    }
    if (s.is_local(e->region) && e->status == EnrollStatus::kActive && !c.paid(*e)) {
      lapsed = lapsed_alt = true;
      if (!covers(*e, d)) unpaid_elsewhen = true;
    }
  }
  if (!insured && (lapsed != lapsed_alt || window_edge)) c.flag("record ends at the 365-day edge");
  if (!insured && unpaid_elsewhen) c.flag("unpaid local active record not covering as_of");
  c.insured = insured;
  out.state = insured ? State::kInsured : lapsed ? State::kLapsed : State::kNever;
  out.registry = out.target || has_local;
  if (!out.registry) out.state = State::kNone;
}

void r2_outreach(Ctx& c) {
  Outcome& out = c.out;
  if (!(out.target && (out.state == State::kLapsed || out.state == State::kNever))) return;
  const bool newborn = under_one(c.p.id.birth, c.d);
  if (std::abs(c.p.id.birth - add_months(c.d, -12)) <= 3) c.flag("newborn edge");
  const std::string community = "community:" + std::to_string(out.home);
  if (newborn) {
    out.group = "newborn"; out.suggested_scheme = "resident"; out.channel = community;
  } else if (out.assisted) {
    out.group = "assisted"; out.suggested_scheme = "resident_funded"; out.channel = community;
  } else if (out.student) {
    out.group = "student"; out.suggested_scheme = "resident"; out.channel = "school:" + school_text(c.school->region, c.school->school);
  } else if (out.employed) {
    out.group = "employed"; out.suggested_scheme = "employee";
    if (c.employment->unit.empty()) c.flag("employment without unit");
    out.channel = "unit:" + unit_text(c.employment->unit);
  } else if (out.self_employed) {
    // SPEC §9: 灵活就业 (N 八), reached through the first self-employed market record.
    out.group = "self_employed"; out.suggested_scheme = "employee"; out.channel = "business:" + business_text(c.business->unit);
  } else if (out.pensioner) {
    out.group = "pensioner"; out.suggested_scheme = "employee"; out.channel = community;
  } else {
    out.group = "other"; out.suggested_scheme = "resident"; out.channel = community;
  }
}

}  // namespace canbao::synth::oracle
