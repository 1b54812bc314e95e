// The reference oracle: SPEC §4 facts and rules R1–R8 applied to one synthetic person, from the
// records the engine should accept (clean ones and those linked by fallback). It is an independent
// reading of the SPEC, written for small per-person data; where the SPEC leaves a corner open the
// person is flagged (Outcome::ambiguity) so the generator never plants it. evaluate() runs the
// steps of oracle_facts.cpp, oracle_coverage.cpp, oracle_benefits.cpp, oracle_duplicates.cpp and
// oracle_suspensions.cpp in order (oracle_internal.h).
#include "oracle_internal.h"

namespace canbao::synth {

std::string_view state_name(State state) {
  switch (state) {
    case State::kInsured: return "insured";
    case State::kLapsed: return "lapsed";
    case State::kNever: return "never";
    default: return "";
  }
}

void SPerson::clear() {
  index = 0;
  id = IdInfo{};
  male = false;
  name.clear();
  archetype = "";
  intent_state = State::kNone;
  intent_target = true;
  intent_cases.clear();
  intent_group = nullptr;
  intent_r7 = intent_r8 = 0;
  intent_benefit = kNoDay;
  intent_benefit_rid = 0;
  intent_newborns = 0;
  enr.clear();
  tax.clear();
  hr.clear();
  ps.clear();
  edu.clear();
  dis.clear();
  civ.clear();
  market.clear();
  health.clear();
  dirty.clear();
  next_rid = 0;
  back_pay.clear();
}

std::string SPerson::record_id(const SEnroll& e) const {
  // Unique over the city: the person index and the person's record number.
  const uint64_t serial = index * 16 + e.rid;
  if (e.np) return "NP" + std::to_string(e.region) + std::to_string(900000000000ULL + serial);
  return "XM" + std::to_string(3000000000000ULL + serial);
}

void Outcome::clear() { *this = Outcome{}; }


void evaluate(const SPerson& p, const Settings& s, Outcome& out) {
  out.clear();
  oracle::Ctx c{p, s, s.as_of, month_of_day(s.as_of), ymd_from_day(s.as_of).year, out};
  out.known = oracle::collect_records(c);
  if (!out.known) return oracle::newborns_without_id(c);
  oracle::derive_facts(c);
  oracle::r1_state(c);
  oracle::r2_outreach(c);
  oracle::r6_benefits(c);  // before R3–R5: R5 refunds read the benefit starts
  oracle::r3_r5_duplicates(c);
  oracle::r3b_next_year_resident(c);
  oracle::r7_suspend_benefits(c);
  oracle::r8_deceased(c);
  for (const OAction& a : out.actions) out.subsidy += a.subsidy;
  oracle::newborns_without_id(c);
}

}  // namespace canbao::synth
