// R7 benefit suspension (with a receiving control) and R8 deceased still enrolled (with the dead who are not).
#include "archetypes_internal.h"

namespace canbao::synth {

void Builder::pension_case(Region home) {
  const Day retired = std::min(retirement_day(), d_ - 400);
  enroll(false, home, Scheme::kEmployee, Category::kRetired, retired);
  tax_row(Scheme::kEmployee, home, month_from_ym(y_, 1), month_from_ym(y_, 12), ymd(y_, 1, 20), false, {});
  home_ps(home);
  set_intent(State::kInsured, "");
  if (rng_.chance(0.7)) {
    pension(home, retired, rng_.chance(0.6) ? PensionStatus::kSuspended : PensionStatus::kTerminated);
    p_.intent_r7 = 1;
    p_.archetype = "r7_pension_suspended";
  } else {
    pension(home, retired, PensionStatus::kSuspended);
    pension(home, between(retired + 200, d_ - 30), PensionStatus::kReceiving);
    p_.archetype = "r7_control_receiving";
  }
}

void Builder::deceased(Region home) {
  if (age_ < 30) return background(home);
  p_.intent_target = false;
  home_ps(home);
  const uint32_t r = rng_.below(100);
  const bool date_only = rng_.chance(0.2);
  if (r < 35) {
    // R8: still enrolled, paid.
    const Day death = between(d_ - 300, d_ - 5);
    die(death, date_only);
    const bool health_only = death_record(death);
    if (age_ >= (p_.male ? 61 : 56) && retirement_day() < death - 60) {
      const Day retired = retirement_day();
      enroll(false, home, Scheme::kEmployee, Category::kRetired, retired);
      pension(home, retired, PensionStatus::kReceiving);
      tax_row(Scheme::kEmployee, home, month_from_ym(y_, 1), month_from_ym(y_, 12), ymd(y_, 1, 20), false, {});
    } else if (rng_.chance(0.5)) {
      const UnitCode u = unit(home);
      const Day start = hire_date(ymd(y_ - 1, 12, 1));
      enroll(false, home, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      pay_emp(home, u, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), emp_to());
    } else {
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 3, 1, 1));
      pay_res_current(home, false);
    }
    p_.intent_r8 = 1;
    return set_intent(State::kInsured, health_only ? "r8_deceased_health_only" : "r8_deceased_enrolled");
  }
  if (r < 65) {
    // Enrollment terminated at death.
    const bool recent = rng_.chance(0.5);
    const Day death = recent ? between(d_ - 330, d_ - 20) : between(d_ - 3000, d_ - 420);
    die(death, date_only);
    const bool health_only = death_record(death);
    const Day start = std::min(ymd(y_ - 8, 1, 1), death - 100);
    enroll(false, home, Scheme::kResident, Category::kAdult, start, death, EnrollStatus::kTerminated);
    return set_intent(recent ? State::kLapsed : State::kNever,
                      recent ? (health_only ? "dead_recent_health_only" : "dead_recent")
                             : (health_only ? "dead_long_ago_health_only" : "dead_long_ago"));
  }
  const Day death = between(d_ - 3000, d_ - 5);
  die(death, date_only);
  set_intent(State::kNone, death_record(death) ? "dead_no_record_health_only" : "dead_no_record");
}

}  // namespace canbao::synth
