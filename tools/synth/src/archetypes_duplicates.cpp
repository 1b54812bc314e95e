// Duplicate enrollments: R3, R3b, R4 resolutions and R5 actions — one archetype per R4 resolution.
#include "archetypes_internal.h"

namespace canbao::synth {

bool Builder::duplicate(Region home) {
  enum Kind {
    kEePensionElsewhere, kEeTwoRetired, kEeKeepLocal, kEeKeepOther, kEeKeepUnit, kEeFlexible, kEeNoMatch,
    kRrFreshman, kRrSchoolLocal, kRrSchoolOther, kRrSchoolOtherNotBegun, kRrKeepLocal, kRrKeepOther, kRrUnassigned,
    kCsAssisted, kCsPensionElsewhere, kCsKeepEmployeeLocal, kCsKeepEmployeeOther, kCsTransition,
    kCsTransitionBackPay, kCsNeedsConfirmation, kCsAfterEe, kR3b, kKindCount
  };
  struct Option {
    Kind kind;
    int min_age, max_age, weight;
  };
  const bool september = month_of_year(md_) >= 9;
  const Option options[] = {
      {kEePensionElsewhere, 61, 75, 4}, {kEeTwoRetired, 61, 80, 3},   {kEeKeepLocal, 23, 58, 8},
      {kEeKeepOther, 23, 58, 6},        {kEeKeepUnit, 23, 58, 4},     {kEeFlexible, 25, 58, 4},
      {kEeNoMatch, 25, 58, 3},          {kRrFreshman, 18, 19, 6},     {kRrSchoolLocal, 7, 17, 6},
      {kRrSchoolOther, 19, 22, 4},      {kRrSchoolOtherNotBegun, 18, 21, 3},
      {kRrKeepLocal, 23, 75, 8},        {kRrKeepOther, 23, 75, 5},    {kRrUnassigned, 23, 60, 2},
      {kCsAssisted, 25, 58, 4},         {kCsPensionElsewhere, 61, 80, 4},
      {kCsKeepEmployeeLocal, 23, 58, 8}, {kCsKeepEmployeeOther, 25, 58, 5}, {kCsTransition, 23, 58, 5},
      {kCsTransitionBackPay, 23, 58, 2}, {kCsNeedsConfirmation, 25, 58, 2}, {kCsAfterEe, 25, 58, 2},
      {kR3b, 23, 58, september ? 6 : 0},
  };
  int total = 0;
  for (const auto& op : options)
    if (age_ >= op.min_age && age_ <= op.max_age) total += op.weight;
  if (total == 0) return false;
  int r = static_cast<int>(rng_.below(static_cast<uint32_t>(total)));
  Kind kind = kKindCount;
  for (const auto& op : options) {
    if (!(age_ >= op.min_age && age_ <= op.max_age)) continue;
    if (r < op.weight) {
      kind = op.kind;
      break;
    }
    r -= op.weight;
  }
  set_intent(State::kInsured, "");
  const Region elsewhere = other();
  const Month to = emp_to();
  const Month last_year = month_from_ym(y_ - 1, 1);
  switch (kind) {
    case kEePensionElsewhere: {
      p_.archetype = "dup_ee_pension_elsewhere";
      const Day retired = std::min(retirement_day(), d_ - 400);
      pension(elsewhere, retired, PensionStatus::kReceiving);
      enroll(true, elsewhere, Scheme::kEmployee, Category::kRetired, retired);
      const Region dw = district();
      const UnitCode u = unit(dw);
      const Day start = snap(between(retired + 30, d_ - 200));
      enroll(false, dw, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      employ(u, start);
      pay_emp(dw, u, std::max(month_of_day(start), last_year), to);
      home_ps(home);
      add_case("employee_employee:pension_elsewhere");
      break;
    }
    case kEeTwoRetired: {
      p_.archetype = "dup_ee_two_retired";
      const Day retired = std::min(retirement_day(), d_ - 400);
      pension(home, retired, PensionStatus::kReceiving);
      enroll(false, home, Scheme::kEmployee, Category::kRetired, retired);
      tax_row(Scheme::kEmployee, home, month_from_ym(y_, 1), month_from_ym(y_, 12), ymd(y_, 1, 20), false, {});
      enroll(true, elsewhere, Scheme::kEmployee, Category::kRetired, between(retired - 300, retired + 300));
      home_ps(home);
      add_case("employee_employee:needs_confirmation");
      break;
    }
    case kEeKeepLocal:
    case kEeKeepOther:
    case kEeNoMatch:
    case kCsAfterEe: {
      const Region dw = rng_.chance(0.7) ? home : district();
      const UnitCode u = unit(dw);
      const UnitCode uo = unit(elsewhere);
      const Day local_start = hire_date(ymd(y_ - 1, 10, 1));
      const Day other_start = hire_date(ymd(y_ - 1, 10, 1));
      enroll(false, dw, Scheme::kEmployee, Category::kInService, local_start, kNoDay, EnrollStatus::kActive, u);
      pay_emp(dw, u, std::max(month_of_day(local_start), last_year), to);
      enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, other_start, kNoDay, EnrollStatus::kActive, uo);
      if (kind == kEeKeepLocal || kind == kCsAfterEe) {
        employ(u, local_start);
        p_.archetype = kind == kEeKeepLocal ? "dup_ee_keep_local" : "dup_cs_after_ee";
        add_case("employee_employee:keep_employment_region");
      } else if (kind == kEeKeepOther) {
        employ(uo, other_start);
        p_.archetype = "dup_ee_keep_other";
        add_case("employee_employee:keep_employment_region");
      } else {
        const Region third = other(elsewhere);
        employ(unit(third), hire_date(ymd(y_ - 1, 6, 1)));
        p_.archetype = "dup_ee_no_match";
        add_case("employee_employee:needs_confirmation");
      }
      if (kind == kCsAfterEe) {
        enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_, 1, 1));
        pay_res_year(home, y_, central_paid_on(y_));
        add_case("cross_scheme:keep_employee");
      }
      home_ps(home);
      break;
    }
    case kEeKeepUnit: {
      p_.archetype = "dup_ee_keep_unit";
      const Region d1 = district();
      const Region d2 = district();
      const UnitCode u1 = unit(d1);
      UnitCode u2 = unit(d2);
      if (u2 == u1) u2.num = u1.num % 400000 + 1;
      const Day s1 = hire_date(ymd(y_ - 1, 10, 1));
      const Day s2 = hire_date(ymd(y_ - 1, 10, 1));
      enroll(false, d1, Scheme::kEmployee, Category::kInService, s1, kNoDay, EnrollStatus::kActive, u1);
      enroll(false, d2, Scheme::kEmployee, Category::kInService, s2, kNoDay, EnrollStatus::kActive, u2);
      employ(u1, s1);
      pay_emp(d1, u1, std::max(month_of_day(std::min(s1, s2)), last_year), to);
      home_ps(home);
      add_case("employee_employee:keep_employment_region");
      break;
    }
    case kEeFlexible:
    case kCsNeedsConfirmation: {
      const Day flex_start = hire_date(ymd(y_ - 1, 10, 1));
      enroll(false, home, Scheme::kEmployee, Category::kFlexible, flex_start);
      pay_emp(home, {}, std::max(month_of_day(flex_start), last_year), to);
      enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, hire_date(ymd(y_ - 1, 10, 1)), kNoDay,
             EnrollStatus::kActive, unit(elsewhere));
      add_case("employee_employee:needs_confirmation");
      if (kind == kCsNeedsConfirmation) {
        p_.archetype = "dup_cs_needs_confirmation";
        enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 2, 1, 1));
        pay_res_current(home, false);
        add_case("cross_scheme:needs_confirmation");
      } else {
        p_.archetype = "dup_ee_flexible";
      }
      home_ps(home);
      break;
    }
    case kRrFreshman: {
      p_.archetype = "dup_rr_freshman";
      const Region school = kUniversityDistricts[rng_.below(std::size(kUniversityDistricts))];
      study(school, rng_.chance(0.9) ? EduLevel::kUniversity : EduLevel::kGraduate, y_);
      enroll(true, elsewhere, Scheme::kResident, Category::kStudent,
             ymd(std::max(ymd_from_day(p_.id.birth).year + 1, y_ - 12), 1, 1));
      enroll(false, school, Scheme::kResident, Category::kStudent, ymd(y_, 9, 1));
      tax_row(Scheme::kResident, school, month_from_ym(y_, 9), month_from_ym(y_, 12),
              between(ymd(y_, 9, 1), ymd(y_, 9, 25)), false, {});
      SPs r;
      r.hukou = s_.is_local(p_.id.id_region) ? elsewhere : (p_.id.id_region >= 900000 ? 0 : p_.id.id_region);
      r.residence = school;
      r.address = make_address(rng_, school);
      p_.ps.push_back(r);
      add_case("resident_resident:exempt_freshman");
      break;
    }
    case kRrSchoolLocal: {
      p_.archetype = "dup_rr_school_local";
      const Region school = rng_.chance(0.8) ? home : district();
      study(school, age_ < 12 ? EduLevel::kPrimary : EduLevel::kSecondary, y_ - std::min(age_ - (age_ < 12 ? 6 : 12), 2));
      enroll(false, school, Scheme::kResident, Category::kStudent, ymd(y_ - 2, 1, 1));
      pay_res_current(school, false);
      enroll(true, elsewhere, Scheme::kResident, Category::kChild,
             ymd(std::max(ymd_from_day(p_.id.birth).year + 1, y_ - 10), 1, 1));
      home_ps(home);
      add_case("resident_resident:keep_school_region");
      break;
    }
    case kRrSchoolOther:
    case kRrSchoolOtherNotBegun: {
      const bool not_begun = kind == kRrSchoolOtherNotBegun;
      p_.archetype = not_begun ? "dup_rr_school_other_refundable" : "dup_rr_school_other";
      const int entry = not_begun ? y_ - 1 : y_ - rng_.range(1, 3);
      study(elsewhere, EduLevel::kUniversity, entry);
      if (not_begun) {
        enroll(true, elsewhere, Scheme::kResident, Category::kStudent, ymd(y_, 1, 1));
        enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_, 9, 1));
        tax_row(Scheme::kResident, home, month_from_ym(y_, 9), month_from_ym(y_, 12),
                between(ymd(y_, 9, 1), ymd(y_, 9, 25)), false, {});
      } else {
        enroll(true, elsewhere, Scheme::kResident, Category::kStudent, ymd(entry, 9, 1));
        enroll(false, home, Scheme::kResident, Category::kStudent, ymd(y_ - 5, 1, 1));
        pay_res_current(home, false);
      }
      home_ps(home);
      add_case("resident_resident:keep_school_region");
      break;
    }
    case kRrKeepLocal:
    case kRrKeepOther:
    case kRrUnassigned: {
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - rng_.range(1, 6), 1, 1));
      pay_res_current(home, false);
      enroll(true, elsewhere, Scheme::kResident, Category::kAdult, ymd(y_ - rng_.range(1, 10), 1, 1));
      SPs r;
      r.address = make_address(rng_, home);
      if (kind == kRrKeepLocal) {
        p_.archetype = "dup_rr_keep_local";
        r.hukou = s_.is_local(p_.id.id_region) || p_.id.id_region >= 900000 ? home : p_.id.id_region;
        r.residence = home;
      } else if (kind == kRrKeepOther) {
        p_.archetype = "dup_rr_keep_other";
        r.hukou = home;
        r.residence = elsewhere;
      } else {
        p_.archetype = "dup_rr_unassigned";
        p_.intent_target = false;
        r.hukou = other(elsewhere);
        r.residence = elsewhere;
        r.permit = home;
        r.permit_expiry = between(d_ - 1000, d_ - 60);
        r.address.clear();
      }
      p_.ps.push_back(r);
      add_case(kind == kRrKeepLocal || kind == kRrKeepOther || kind == kRrUnassigned
                   ? "resident_resident:keep_residence"
                   : "");
      break;
    }
    case kCsAssisted: {
      p_.archetype = "dup_cs_assisted";
      civil(home, rng_.chance(0.6) ? AssistCategory::kDibao : AssistCategory::kLowIncome);
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 3, 1, 1), kNoDay, EnrollStatus::kActive, {},
             p_.civ.back().category == AssistCategory::kDibao ? Funded::kDibao : Funded::kLowIncome);
      pay_res_current(home, false);
      const Day start = hire_date(ymd(y_ - 1, 6, 1));
      enroll(false, home, Scheme::kEmployee, Category::kFlexible, start);
      pay_emp(home, {}, std::max(month_of_day(start), last_year), to);
      home_ps(home);
      add_case("cross_scheme:exempt_assisted");
      break;
    }
    case kCsPensionElsewhere: {
      p_.archetype = "dup_cs_pension_elsewhere";
      const bool covered = rng_.chance(0.6);
      const Day retired = covered ? std::min(retirement_day(), ymd(y_ - 1, 6, 1)) : ymd(y_ - 1, 6, 1);
      pension(elsewhere, retired, PensionStatus::kReceiving);
      enroll(true, elsewhere, Scheme::kEmployee, Category::kRetired, retired);
      if (covered) {
        enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_, 1, 1));
        pay_res_year(home, y_, central_paid_on(y_));
      } else {
        enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 3, 1, 1));
        pay_res_current(home, false);
      }
      home_ps(home);
      add_case("cross_scheme:pension_elsewhere");
      break;
    }
    case kCsKeepEmployeeLocal: {
      p_.archetype = "dup_cs_keep_employee_local";
      const Region dw = rng_.chance(0.7) ? home : district();
      const UnitCode u = unit(dw);
      const Day start = hire_date(ymd(y_ - 2, 6, 1));
      enroll(false, dw, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      employ(u, start);
      pay_emp(dw, u, std::max(month_of_day(start), last_year), to);
      enroll(false, home, Scheme::kResident, Category::kAdult, rng_.chance(0.7) ? ymd(y_, 1, 1) : ymd(y_ - 3, 1, 1));
      pay_res_current(home, false);
      home_ps(home);
      add_case("cross_scheme:keep_employee");
      break;
    }
    case kCsKeepEmployeeOther: {
      p_.archetype = "dup_cs_keep_employee_other";
      const UnitCode u = unit(elsewhere);
      const Day start = hire_date(ymd(y_ - 2, 6, 1));
      enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      employ(u, start);
      enroll(false, home, Scheme::kResident, Category::kAdult, rng_.chance(0.7) ? ymd(y_, 1, 1) : ymd(y_ - 4, 1, 1));
      pay_res_current(home, false);
      home_ps(home);
      add_case("cross_scheme:keep_employee");
      break;
    }
    case kCsTransition:
    case kCsTransitionBackPay: {
      const bool back = kind == kCsTransitionBackPay;
      p_.archetype = back ? "dup_cs_transition_backpay" : "dup_cs_transition";
      const Region dw = rng_.chance(0.7) ? home : district();
      const UnitCode u = unit(dw);
      const Month first = back ? md_ - 9 : md_ - rng_.range(2, 7);
      const Day start = first_day_of_month(first);
      enroll(false, dw, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      employ(u, start);
      if (back) {
        pay_back(dw, u, first, first + 2, pay_day(first + 5));
        pay_emp(dw, u, first + 4, to);
      } else {
        pay_emp(dw, u, first, to);
      }
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_, 1, 1));
      pay_res_year(home, y_, central_paid_on(y_));
      home_ps(home);
      add_case("cross_scheme:exempt_transition");
      break;
    }
    case kR3b: {
      p_.archetype = "dup_r3b_next_year_resident";
      const Region dw = rng_.chance(0.7) ? home : district();
      const UnitCode u = unit(dw);
      const Day start = hire_date(ymd(y_ - 1, 6, 1));
      enroll(false, dw, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      employ(u, start);
      pay_emp(dw, u, std::max(month_of_day(start), last_year), to);
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ + 1, 1, 1));
      pay_res_year(home, y_ + 1, between(ymd(y_, 9, 1), d_ - 1));
      home_ps(home);
      add_case("next_year_resident:suspend_next_year");
      break;
    }
    default:
      return false;
  }
  no_enr_dirt_ = true;  // keep the planted cases exactly as designed
  return true;
}

}  // namespace canbao::synth
