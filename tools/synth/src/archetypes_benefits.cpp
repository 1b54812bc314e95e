// R6 benefit start: in-year records with and without continuous prior cover.
#include "archetypes_internal.h"

namespace canbao::synth {

bool Builder::benefit_case(Region home) {
  if (age_ < 22 || age_ > 58) return false;
  const Month year_start = month_from_ym(y_, 1);
  if (md_ - year_start < 3) return false;
  const uint32_t kind = rng_.below(8);
  set_intent(State::kInsured, "");
  no_enr_dirt_ = true;
  const Month start_month = year_start + static_cast<Month>(rng_.below(static_cast<uint32_t>(md_ - year_start - 1)));
  // Prior local employee cover ending `gap` months before the start month, `prior` months long.
  auto prior_cover = [&](int prior, int gap, bool back_pay_hole) {
    const Month last = start_month - gap - 1;
    const Month first = last - prior + 1;
    const Region dw = district();
    const UnitCode u = unit(dw);
    enroll(false, dw, Scheme::kEmployee, Category::kInService, first_day_of_month(first), last_day_of_month(last),
           EnrollStatus::kTerminated, u);
    employ(u, first_day_of_month(first), last_day_of_month(last));
    if (back_pay_hole) {
      // Months [last-7, last-4] only back-paid: the run before the start is 3 months.
      pay_emp(dw, u, first, last - 8);
      pay_back(dw, u, last - 7, last - 4, pay_day(last));
      pay_emp(dw, u, last - 3, last);
    } else {
      pay_emp(dw, u, first, last);
    }
  };
  Day start = first_day_of_month(start_month);
  switch (kind) {
    case 0:
    case 1: {  // employee: continuous → from the start month; or not → start + 6 months
      const bool continuous = kind == 0;
      const int gap = continuous ? rng_.range(0, 3) : rng_.range(5, 9);
      const int prior = continuous ? rng_.range(24, 96) : rng_.range(3, 60);
      if (start_month - gap - 1 - prior < month_of_day(years_after_birth(18))) return set_intent(State::kNone, ""), no_enr_dirt_ = false, false;
      prior_cover(prior, gap, false);
      if (!continuous && rng_.chance(0.5)) start += rng_.range(1, 20);
      p_.archetype = continuous ? "b_employee_continuous" : "b_employee_waiting";
      p_.intent_benefit = continuous ? start : add_months(start, 6);
      break;
    }
    case 2: {  // first job
      p_.archetype = "b_employee_first_job";
      start += rng_.range(0, 15);
      p_.intent_benefit = add_months(start, 6);
      break;
    }
    case 3: {  // resident starting 1 January, paid in the central period
      p_.archetype = "b_resident_central";
      start = ymd(y_, 1, 1);
      p_.intent_benefit = start;
      break;
    }
    case 4:
    case 5: {  // resident in-year with continuous prior cover / without
      const bool continuous = kind == 4;
      if (continuous) {
        const int prior = rng_.range(24, 96);
        const int gap = rng_.range(0, 3);
        if (start_month - gap - 1 - prior < month_of_day(years_after_birth(18))) return set_intent(State::kNone, ""), no_enr_dirt_ = false, false;
        prior_cover(prior, gap, false);
      }
      p_.archetype = continuous ? "b_resident_in_year_continuous" : "b_resident_in_year_new";
      break;
    }
    case 6: {  // resident on 1 January paid late, prior resident cover of three years
      p_.archetype = "b_resident_jan1_paid_late";
      start = ymd(y_, 1, 1);
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 3, 1, 1), ymd(y_ - 1, 12, 31),
             EnrollStatus::kTerminated);
      for (int year = y_ - 3; year < y_; ++year) pay_res_year(home, year, central_paid_on(year));
      break;
    }
    default: {  // resident in-year whose prior cover is broken by back pay
      p_.archetype = "b_resident_back_pay_breaks";
      if (start_month - 1 - 40 < month_of_day(years_after_birth(18))) return set_intent(State::kNone, ""), no_enr_dirt_ = false, false;
      prior_cover(40, 1, true);
      break;
    }
  }
  const bool employee = kind <= 2;
  if (employee) {
    const Region dw = rng_.chance(0.7) ? home : district();
    const UnitCode u = unit(dw);
    const size_t idx = enroll(false, dw, Scheme::kEmployee, Category::kInService, start, kNoDay,
                              EnrollStatus::kActive, u);
    p_.intent_benefit_rid = p_.enr[idx].rid;
    employ(u, start);
    pay_emp(dw, u, month_of_day(start), emp_to());
  } else {
    const size_t idx = enroll(false, home, Scheme::kResident, Category::kAdult, start);
    p_.intent_benefit_rid = p_.enr[idx].rid;
    Day paid_on;
    if (kind == 3) paid_on = central_paid_on(y_);
    else if (kind == 6) paid_on = between(ymd(y_, 2, 1), ymd(y_, 3, 31));
    else paid_on = std::min(start + rng_.range(0, 9), d_ - 1);
    tax_row(Scheme::kResident, home, month_of_day(start), month_from_ym(y_, 12), paid_on, false, {});
    if (kind == 4 || kind == 6) p_.intent_benefit = paid_on + 1;
    if (kind == 5 || kind == 7) p_.intent_benefit = add_months(paid_on, 6);
  }
  home_ps(home);
  return true;
}

}  // namespace canbao::synth
