// Not target persons (SPEC §4 target population): moved away, still holding a local record.
#include "archetypes_internal.h"

namespace canbao::synth {

void Builder::nontarget() {
  p_.intent_target = false;
  if (age_ < 20) {
    // Too young to have worked here: a child who moved away with a local record ended long ago.
    away_ps();
    if (age_ >= 3) {
      const Day start = ymd(ymd_from_day(p_.id.birth).year + 1, 1, 1);
      const Day end = std::min(between(start + 200, d_ - 500), d_ - 500);
      if (end > start) {
        enroll(false, district(), Scheme::kResident, Category::kChild, start, end, EnrollStatus::kTerminated);
        return set_intent(State::kNever, "nt_left_never");
      }
    }
    p_.intent_target = true;
    p_.ps.clear();
    return background(district());
  }
  away_ps();
  const uint32_t r = rng_.below(100);
  const Region old_region = district();
  const Day start = hire_date(d_ - 900);
  if (r < 40) {
    enroll(false, old_region, Scheme::kEmployee, Category::kInService, start, between(start + 100, d_ - 420),
           EnrollStatus::kTerminated, unit(old_region));
    set_intent(State::kNever, "nt_left_never");
  } else if (r < 65) {
    enroll(false, old_region, Scheme::kEmployee, Category::kInService, start, between(d_ - 330, d_ - 20),
           EnrollStatus::kTerminated, unit(old_region));
    set_intent(State::kLapsed, "nt_left_lapsed");
  } else if (r < 80) {
    enroll(false, old_region, Scheme::kResident, Category::kAdult, ymd(ymd_from_day(start).year, 1, 1), kNoDay,
           EnrollStatus::kSuspended);
    set_intent(State::kLapsed, "nt_left_suspended");
  } else {
    const Region elsewhere = p_.ps.back().residence;
    enroll(false, old_region, Scheme::kEmployee, Category::kInService, start, between(start + 100, d_ - 420),
           EnrollStatus::kTerminated, unit(old_region));
    enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, between(d_ - 400, d_ - 200), kNoDay,
           EnrollStatus::kActive, unit(elsewhere));
    set_intent(State::kInsured, "nt_left_insured_elsewhere");
  }
}

}  // namespace canbao::synth
