// Background: plainly insured residents (R1 insured; bg_newborn and freshmen carry an in-year R6 record).
#include "archetypes_internal.h"

namespace canbao::synth {

void Builder::background(Region home) {
  background_archetype(home);
  // SPEC §9: some run an individual business besides (it changes nothing they are insured by).
  if (age_ >= 20 && age_ <= 75 && rng_.chance(m_.options().business_rate)) side_business(home);
}

void Builder::background_archetype(Region home) {
  const uint32_t r = rng_.below(1000);
  if (age_ < 1) return bg_newborn(home);
  if (r < 25) return bg_assisted(home);
  if (r < 45 && age_ >= 20 && age_ <= 59) return bg_other_region(home);
  if (r < 48 && age_ >= 25 && age_ <= 59) return bg_two_other_regions(home);
  if (age_ < 6) return bg_resident(home, Category::kChild);
  if (age_ <= 22) {
    if (age_ >= 19 && r < 300) return bg_employee(home);
    return bg_student(home);
  }
  const bool retired = age_ >= (p_.male ? 61 : 56);
  if (retired) {
    if (r < 700) return bg_retiree(home);
    return bg_resident(home, Category::kAdult);
  }
  if (r < 620) return bg_employee(home);
  if (r < 700) return bg_flexible(home);
  return bg_resident(home, Category::kAdult);
}

void Builder::bg_employee(Region home) {
  set_intent(State::kInsured, "bg_employee");
  Region dw = rng_.chance(0.7) ? home : district();
  const bool no_ps = rng_.chance(0.03);
  if (no_ps) dw = home;
  const UnitCode u = unit(dw);
  const Day start = hire_date(ymd(y_ - 1, 12, 1));
  if (rng_.chance(0.15) && start - 800 > std::max(years_after_birth(19), ymd(y_ - 25, 1, 1))) {
    const Region old_region = district();
    const UnitCode old_unit = unit(old_region);
    const Day old_start = snap(between(std::max(years_after_birth(19), ymd(y_ - 25, 1, 1)), start - 800));
    enroll(false, old_region, Scheme::kEmployee, Category::kInService, old_start, start - 1,
           EnrollStatus::kTerminated, old_unit);
    employ(old_unit, old_start, start - 1);
  }
  enroll(false, dw, Scheme::kEmployee, rng_.chance(0.97) ? Category::kInService : Category::kNone, start, kNoDay,
         EnrollStatus::kActive, u);
  employ(u, start);
  pay_emp(dw, u, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), emp_to());
  if (!no_ps) home_ps(home);
  if (rng_.chance(0.01)) disability(home, static_cast<uint8_t>(3 + rng_.below(2)));
}

void Builder::bg_flexible(Region home) {
  set_intent(State::kInsured, "bg_flexible");
  const Day start = hire_date(ymd(y_ - 1, 12, 1));
  enroll(false, home, Scheme::kEmployee, Category::kFlexible, start);
  pay_emp(home, {}, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), emp_to());
  home_ps(home);
  if (age_ >= 18 && rng_.chance(0.4)) open_business(rng_.chance(0.8) ? home : district());  // 个体户
}

void Builder::bg_retiree(Region home) {
  const Day retired = retirement_day();
  if (retired > d_ - 60) return bg_resident(home, Category::kAdult);
  set_intent(State::kInsured, "bg_retiree");
  enroll(false, home, Scheme::kEmployee, Category::kRetired, retired);
  pension(home, retired, PensionStatus::kReceiving);
  tax_row(Scheme::kEmployee, home, month_from_ym(y_, 1), month_from_ym(y_, 12), ymd(y_, 1, 20), false, {});
  home_ps(home);
}

void Builder::bg_resident(Region home, Category category) {
  set_intent(State::kInsured, category == Category::kChild ? "bg_child" : "bg_resident");
  const int birth_year = ymd_from_day(p_.id.birth).year;
  const int first_year = std::max(birth_year + 1, y_ - 10);
  const int start_year = first_year >= y_ ? y_ : rng_.range(first_year, y_ - 1);
  const Day end = rng_.chance(0.15) ? ymd(y_, 12, 31) : kNoDay;
  enroll(false, home, Scheme::kResident, rng_.chance(0.9) ? category : Category::kNone, ymd(start_year, 1, 1), end);
  pay_res_current(home, end == kNoDay);
  home_ps(home);
}

void Builder::bg_student(Region home) {
  set_intent(State::kInsured, "bg_student");
  EduLevel level;
  int entry;
  Region school_region = rng_.chance(0.8) ? home : district();
  if (age_ < 6) {
    level = EduLevel::kPreschool;
    entry = y_ - (age_ - 3);
  } else if (age_ < 12) {
    level = EduLevel::kPrimary;
    entry = y_ - (age_ - 6);
  } else if (age_ < 15) {
    level = EduLevel::kSecondary;
    entry = y_ - (age_ - 12);
  } else if (age_ < 18) {
    level = rng_.chance(0.3) ? EduLevel::kVocational : EduLevel::kSecondary;
    entry = y_ - (age_ - 15);
  } else {
    level = EduLevel::kUniversity;
    entry = y_ - std::min(age_ - 18, 3);
    school_region = kUniversityDistricts[rng_.below(std::size(kUniversityDistricts))];
  }
  study(school_region, level, entry);
  const int birth_year = ymd_from_day(p_.id.birth).year;
  if (level == EduLevel::kUniversity && entry == y_) {
    // Freshman enrolled locally at entry (September): an in-year record (R6).
    const Day start = ymd(y_, 9, 1);
    enroll(false, school_region, Scheme::kResident, Category::kStudent, start);
    tax_row(Scheme::kResident, school_region, month_from_ym(y_, 9), month_from_ym(y_, 12),
            between(ymd(y_, 9, 1), ymd(y_, 9, 20)), false, {});
  } else {
    const int start_year = std::max(birth_year + 1, y_ - 8);
    enroll(false, school_region, Scheme::kResident, Category::kStudent,
           ymd(start_year >= y_ ? y_ : rng_.range(start_year, y_ - 1), 1, 1));
    pay_res_current(school_region);
  }
  home_ps(home);
}

void Builder::bg_newborn(Region home) {
  set_intent(State::kInsured, "bg_newborn");
  const Day start = p_.id.birth;
  const Day paid_on = std::min(start + rng_.range(1, 25), d_ - 1);
  enroll(false, home, Scheme::kResident, Category::kChild, start);
  const int birth_year = ymd_from_day(start).year;
  tax_row(Scheme::kResident, home, month_of_day(start), month_from_ym(birth_year, 12), paid_on, false, {});
  if (birth_year < y_) pay_res_year(home, y_, std::min(between(ymd(y_ - 1, 12, 1), ymd(y_, 1, 31)), d_ - 1));
  home_ps(home);
  MotherInfo mother;
  const bool with_mother = m_.pick_mother(p_.index, mother) && rng_.chance(0.95);
  birth_records(with_mother ? &mother : nullptr, false, false);
}

void Builder::bg_assisted(Region home) {
  set_intent(State::kInsured, "bg_assisted");
  Funded funded;
  if (rng_.chance(0.7)) {
    const uint32_t r = rng_.below(10);
    const AssistCategory c = r < 5 ? AssistCategory::kDibao : r < 7 ? AssistCategory::kTekun : AssistCategory::kLowIncome;
    civil(home, c);
    funded = c == AssistCategory::kDibao ? Funded::kDibao : c == AssistCategory::kTekun ? Funded::kTekun : Funded::kLowIncome;
  } else {
    disability(home, static_cast<uint8_t>(1 + rng_.below(2)));
    funded = Funded::kDisability;
  }
  enroll(false, home, Scheme::kResident, age_ < 18 ? Category::kChild : Category::kAdult,
         ymd(std::max(ymd_from_day(p_.id.birth).year + 1, y_ - 6) >= y_ ? y_ : rng_.range(std::max(ymd_from_day(p_.id.birth).year + 1, y_ - 6), y_ - 1), 1, 1),
         kNoDay, EnrollStatus::kActive, {}, funded);
  pay_res_current(home);
  home_ps(home);
}

void Builder::bg_other_region(Region home) {
  set_intent(State::kInsured, "bg_other_region");
  const Region elsewhere = other();
  const UnitCode u = unit(elsewhere);
  const Day start = hire_date(ymd(y_ - 1, 6, 1));
  enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
  employ(u, start);
  home_ps(home);
}

void Builder::bg_two_other_regions(Region home) {
  set_intent(State::kInsured, "bg_two_other_regions");
  const Region a = other();
  const Region b = other(a);
  enroll(true, a, Scheme::kEmployee, Category::kInService, hire_date(ymd(y_ - 2, 1, 1)), kNoDay,
         EnrollStatus::kActive, unit(a));
  enroll(true, b, Scheme::kEmployee, Category::kInService, hire_date(ymd(y_ - 1, 6, 1)), kNoDay,
         EnrollStatus::kActive, unit(b));
  home_ps(home);
}

}  // namespace canbao::synth
