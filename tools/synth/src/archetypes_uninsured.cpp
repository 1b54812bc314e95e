// Uninsured target persons: R1 lapsed/never, R2 outreach groups.
#include "archetypes_internal.h"

namespace canbao::synth {

void Builder::uninsured(Region home) {
  const bool lapsed = rng_.chance(0.45);
  const char* group = "other";
  if (std::abs(p_.id.birth - add_months(d_, -12)) <= 6) return background(home);  // not at the newborn edge
  if (age_ < 1) {
    if (p_.id.birth <= add_months(d_, -12) + 5) return background(home);
    group = "newborn";
  } else {
    struct Option {
      const char* group;
      int weight;
    };
    const bool pension_age = age_ >= (p_.male ? 61 : 56);
    const Option options[] = {
        {"assisted", 8},
        {"student", age_ >= 6 && age_ <= 22 ? 20 : 0},
        {"employed", age_ >= 18 && age_ <= 59 ? 30 : 0},
        {"self_employed", age_ >= 20 && age_ <= 70 ? 14 : 0},
        {"pensioner", pension_age && age_ <= 90 ? 15 : 0},
        {"other", 30},
    };
    int total = 0;
    for (const auto& op : options) total += op.weight;
    int r = static_cast<int>(rng_.below(static_cast<uint32_t>(total)));
    for (const auto& op : options) {
      if (r < op.weight) {
        group = op.group;
        break;
      }
      r -= op.weight;
    }
  }
  p_.intent_group = group;
  const std::string_view g = group;
  bool with_ps = true;
  Region ps_home = home;
  if (g == "newborn") {
    // Lapsed newborn: a record suspended right after birth (an unpaid in-year record would make
    // R6 read a payment date that does not exist).
    MotherInfo mother;
    const bool with_mother = m_.pick_mother(p_.index, mother);
    const uint32_t v = rng_.below(100);
    if (with_mother && v < 30) {
      // Known only by the birth record (with the ID): the mother's home district (SPEC §9).
      with_ps = false;
      birth_records(&mother, true, true);
      p_.archetype = lapsed ? "uninsured_newborn_mother_district_suspended" : "uninsured_newborn_mother_district";
    } else if (with_mother && v < 45) {
      // Registered with public security where the parents come from: still the mother's district.
      with_ps = false;
      migrant_ps();
      birth_records(&mother, true, false);
      p_.archetype = lapsed ? "uninsured_newborn_migrant_suspended" : "uninsured_newborn_migrant";
    } else {
      birth_records(with_mother && rng_.chance(0.95) ? &mother : nullptr, false, false);
      p_.archetype = lapsed ? "uninsured_newborn_suspended" : "uninsured_newborn";
    }
    if (lapsed) enroll(false, home, Scheme::kResident, Category::kChild, p_.id.birth, kNoDay, EnrollStatus::kSuspended);
  } else if (g == "assisted") {
    if (rng_.chance(0.65)) civil(home, rng_.chance(0.6) ? AssistCategory::kDibao : AssistCategory::kTekun);
    else disability(home, static_cast<uint8_t>(1 + rng_.below(2)));
    if (age_ >= 20 && rng_.chance(0.08)) open_business(home);  // assisted comes before self_employed
    p_.archetype = lapsed ? "uninsured_assisted_suspended" : "uninsured_assisted";
    if (lapsed)
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 2, 1, 1), kNoDay, EnrollStatus::kSuspended, {},
             Funded::kDibao);
  } else if (g == "student") {
    const Region school = rng_.chance(0.8) ? home : district();
    const EduLevel level = age_ < 12 ? EduLevel::kPrimary : age_ < 18 ? EduLevel::kSecondary : EduLevel::kUniversity;
    study(school, level, y_ - std::min(std::max(age_ - (age_ < 12 ? 6 : age_ < 18 ? 12 : 18), 0), 3));
    if (rng_.chance(0.06)) {
      with_ps = false;
      ps_home = school;
    }
    if (age_ >= 18 && rng_.chance(0.15)) {
      // An online shop: student comes before self_employed in R2, but the business's district
      // comes before the school's as home district.
      open_business(rng_.chance(0.5) ? school : district());
    }
    p_.archetype = lapsed ? "uninsured_student_unpaid" : "uninsured_student";
    if (lapsed) {
      enroll(false, school, Scheme::kResident, Category::kStudent, ymd(std::max(y_ - 3, ymd_from_day(p_.id.birth).year + 1), 1, 1));
      pay_res_year(school, y_ - 1, central_paid_on(y_ - 1));
    }
  } else if (g == "employed") {
    const bool elsewhere = rng_.chance(0.1);
    Region dw = elsewhere ? other() : (rng_.chance(0.7) ? home : district());
    if (!elsewhere && rng_.chance(0.06)) {
      with_ps = false;
      ps_home = dw;
    }
    // A business besides the job: employed comes first, in R2 and as home district.
    if (rng_.chance(0.08)) open_business(district());
    const UnitCode u = unit(dw);
    const Day start = hire_date(ymd(y_ - 1, 12, 1));
    employ(u, start);
    p_.archetype = lapsed ? "uninsured_employed_unpaid" : "uninsured_employed";
    if (lapsed) {
      const Region local = elsewhere ? home : dw;
      enroll(false, local, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, unit(local));
      pay_emp(local, u, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), md_ - 4);
    }
  } else if (g == "self_employed") {
    self_employed_case(home, lapsed, with_ps, ps_home);
  } else if (g == "pensioner") {
    const Day retired = retirement_day();
    pension(home, retired, PensionStatus::kReceiving);
    p_.archetype = lapsed ? "uninsured_pensioner_ended" : "uninsured_pensioner";
    if (lapsed) {
      enroll(false, home, Scheme::kEmployee, Category::kRetired, retired, between(d_ - 300, d_ - 30),
             EnrollStatus::kTerminated);
      tax_row(Scheme::kEmployee, home, month_from_ym(y_ - 1, 1), month_from_ym(y_ - 1, 12), ymd(y_ - 1, 1, 20),
              false, {});
    }
  } else {
    // other
    const uint32_t r = rng_.below(100);
    if (!lapsed) {
      if (r < 15 && age_ >= 4) {
        const Day start = ymd(std::max(y_ - 9, ymd_from_day(p_.id.birth).year + 1), 1, 1);
        enroll(false, district(), Scheme::kResident, Category::kAdult, start, between(start + 200, d_ - 420),
               EnrollStatus::kTerminated);
        p_.archetype = "uninsured_never_old_record";
      } else if (r < 22) {
        disability(home, static_cast<uint8_t>(3 + rng_.below(2)));
        p_.archetype = "uninsured_never_disability_mild";
      } else if (r < 30 && age_ >= 19 && age_ <= 30) {
        study(district(), EduLevel::kUniversity, y_ - (age_ - 18), EduStatus::kGraduated);
        p_.archetype = "uninsured_never_graduated";
      } else if (r < 38 && age_ >= 19 && age_ <= 64) {
        const UnitCode u = unit(district());
        const Day start = hire_date(ymd(y_ - 3, 1, 1));
        employ(u, start, between(start + 100, d_ - 420));
        p_.archetype = "uninsured_never_job_ended";
      } else if (r < 46 && age_ >= 21 && age_ <= 70) {
        // A business cancelled or revoked before d: not self-employed any more.
        const Day registered = between(std::max(years_after_birth(18), ymd(y_ - 12, 1, 1)), d_ - 500);
        business(rng_.chance(0.8) ? home : district(), registered,
                 rng_.chance(0.6) ? MarketStatus::kCancelled : MarketStatus::kRevoked,
                 rng_.chance(0.9) ? between(registered + 100, d_ - 5) : kNoDay);
        p_.archetype = "uninsured_never_business_closed";
      } else if (r < 50 && age_ >= 20 && age_ <= 70) {
        // A business registered after d: not self-employed yet.
        business(rng_.chance(0.8) ? home : district(), between(d_ + 2, d_ + 90));
        p_.archetype = "uninsured_never_business_future";
      } else {
        p_.archetype = "uninsured_never";
      }
    } else {
      if (r < 30 && age_ >= 19) {
        const Region dw = district();
        const UnitCode u = unit(dw);
        const Day start = hire_date(ymd(y_ - 2, 1, 1));
        const Day end = between(d_ - 330, d_ - 30);
        enroll(false, dw, Scheme::kEmployee, Category::kInService, start, end, EnrollStatus::kTerminated, u);
        employ(u, start, end);
        pay_emp(dw, u, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), month_of_day(end));
        p_.archetype = "uninsured_lapsed_ended_local";
      } else if (r < 50 && age_ >= 19) {
        const Region elsewhere = other();
        const Day start = hire_date(ymd(y_ - 2, 1, 1));
        enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, start, between(d_ - 330, d_ - 30),
               EnrollStatus::kTerminated, unit(elsewhere));
        p_.archetype = "uninsured_lapsed_ended_elsewhere";
      } else if (r < 75) {
        enroll(false, home, Scheme::kResident, Category::kAdult,
               ymd(std::max(y_ - 4, ymd_from_day(p_.id.birth).year + 1), 1, 1), kNoDay, EnrollStatus::kSuspended);
        p_.archetype = "uninsured_lapsed_suspended";
      } else {
        const int start_year = std::max(y_ - 4, ymd_from_day(p_.id.birth).year + 1);
        if (start_year >= y_) {
          enroll(false, home, Scheme::kResident, Category::kChild, ymd(start_year, 1, 1), kNoDay,
                 EnrollStatus::kSuspended);
          p_.archetype = "uninsured_lapsed_suspended";
        } else {
          enroll(false, home, Scheme::kResident, Category::kAdult, ymd(start_year, 1, 1));
          pay_res_year(home, y_ - 1, central_paid_on(y_ - 1));
          p_.archetype = "uninsured_lapsed_unpaid";
        }
      }
    }
  }
  if (with_ps) home_ps(ps_home);
  set_intent(lapsed ? State::kLapsed : State::kNever, p_.archetype);
}

}  // namespace canbao::synth
