// Builders for the rules tests: one person's PersonView assembled by hand, record by record,
// evaluated with the sample city's settings (Xiamen 350200, as_of 2026-11-22).
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <string_view>

#include "canbao/core/date.h"
#include "canbao/output/csv_rows.h"
#include "canbao/rules/rules.h"

namespace canbao::rules_test {

inline Day D(std::string_view ymd) {
  const auto day = parse_date(ymd);
  EXPECT_TRUE(day.has_value()) << ymd;
  return day.value_or(kNoDay);
}

inline Month M(std::string_view ym) {
  const auto month = parse_month(ym);
  EXPECT_TRUE(month.has_value()) << ym;
  return month.value_or(kNoMonth);
}

/// The 18-character ID for 17 digits (check character appended).
inline std::string make_id(std::string_view seventeen) {
  return format_citizen_id(static_cast<PersonKey>(std::stoull(std::string(seventeen))));
}

inline RunSettings xiamen(std::string_view as_of = "2026-11-22") {
  RunSettings settings;
  settings.city = 350200;
  settings.as_of = D(as_of);
  settings.plan_year = ymd_from_day(settings.as_of).year + 1;
  settings.target_rate = 0.95;
  settings.target_rate_text = "0.95";
  settings.resident_subsidy_yuan = 700;
  settings.notice_days = 30;
  return settings;
}

// Feed numbers (manifest order) the builders stamp into Origin.
inline constexpr uint32_t kFeedEnrollment = 0, kFeedNational = 1, kFeedTax = 2, kFeedHr = 3, kFeedPs = 4,
                          kFeedEdu = 5, kFeedDisability = 6, kFeedCivil = 7, kFeedMarket = 8,
                          kFeedHealth = 9;

/// A person's outcome as the rules decided it, and the SPEC §6 rows it formats to (the tests assert on
/// the rows, which is what a bureau reads).
struct TestOutcome {
  PersonOutcome typed;
  std::string registry, outreach, duplicates, actions, benefits;
  bool in_plan = false;
  Region plan_district = kNoRegion;
  PlanTally plan;
};

/// Evaluates and formats one person.
inline TestOutcome evaluate_and_format(const PersonView& view, const RunSettings& settings,
                                       const MotherDistricts* mothers = nullptr) {
  TestOutcome out;
  EvalContext context;
  context.mothers = mothers;
  evaluate_person(view, settings, out.typed, context);
  CsvFormatter formatter;
  OutcomeText text;
  formatter.append(view, out.typed, text);
  out.registry = text.text[kRegistryCsv];
  out.outreach = text.text[kOutreachCsv];
  out.duplicates = text.text[kDuplicatesCsv];
  out.actions = text.text[kActionsCsv];
  out.benefits = text.text[kBenefitsCsv];
  out.in_plan = out.typed.in_plan;
  out.plan_district = out.typed.plan_district;
  out.plan = out.typed.plan;
  return out;
}

/// A person under construction. Record references returned by the builders stay valid only until
/// the next record of the same agency is added.
class TestPerson {
 public:
  explicit TestPerson(std::string_view seventeen_digits) {
    view.key = static_cast<PersonKey>(std::stoull(std::string(seventeen_digits)));
    id = format_citizen_id(view.key);
  }
  // Records point into strings_: moving keeps the deque's elements in place, copying would not.
  TestPerson(TestPerson&&) = default;
  TestPerson(const TestPerson&) = delete;
  TestPerson& operator=(const TestPerson&) = delete;

  std::string_view str(std::string_view text) { return strings_.emplace_back(text); }

  /// An enrollment record; a region outside 3502 is put in the national-platform feed.
  Enrollment& enroll(std::string_view record_id, Scheme scheme, Region region, std::string_view start,
                     std::string_view end = "", EnrollStatus status = EnrollStatus::kActive) {
    Enrollment& r = view.enrollment.emplace_back();
    r.origin = {region / 100 == 3502 ? kFeedEnrollment : kFeedNational, ++line_};
    r.record_id = str(record_id);
    r.scheme = scheme;
    r.region = region;
    r.start = D(start);
    r.end = end.empty() ? kNoDay : D(end);
    r.status = status;
    r.name = str(name_);
    return r;
  }
  Enrollment& employee(std::string_view record_id, Region region, std::string_view start,
                       std::string_view end = "", Category category = Category::kInService) {
    Enrollment& r = enroll(record_id, Scheme::kEmployee, region, start, end);
    r.category = category;
    return r;
  }
  Enrollment& resident(std::string_view record_id, Region region, std::string_view start,
                       std::string_view end = "") {
    return enroll(record_id, Scheme::kResident, region, start, end);
  }

  /// One tax row covering months from..to.
  Tax& tax(Scheme scheme, Region region, std::string_view from, std::string_view to, std::string_view paid_on,
           bool back_pay = false) {
    Tax& t = view.tax.emplace_back();
    t.origin = {kFeedTax, ++line_};
    t.scheme = scheme;
    t.region = region;
    t.from = M(from);
    t.to = M(to);
    t.paid_on = D(paid_on);
    t.back_pay = back_pay;
    t.name = str(name_);
    return t;
  }
  Tax& employee_tax(Region region, std::string_view from, std::string_view to, bool back_pay = false) {
    return tax(Scheme::kEmployee, region, from, to, "2020-01-15", back_pay);
  }

  Hr& employment(std::string_view unit, Region region, std::string_view start, std::string_view end = "") {
    Hr& h = view.hr.emplace_back();
    h.origin = {kFeedHr, ++line_};
    h.type = HrType::kEmployment;
    h.unit = str(unit);
    h.region = region;
    h.start = start.empty() ? kNoDay : D(start);
    h.end = end.empty() ? kNoDay : D(end);
    h.name = str(name_);
    return h;
  }
  Hr& pension(Region region, std::string_view start, PensionStatus status) {
    Hr& h = view.hr.emplace_back();
    h.origin = {kFeedHr, ++line_};
    h.type = HrType::kPension;
    h.region = region;
    h.start = start.empty() ? kNoDay : D(start);
    h.pension_status = status;
    h.name = str(name_);
    return h;
  }

  /// A public-security record living in `residence` (hukou the same unless changed).
  PublicSecurity& ps(Region residence, std::string_view address = "") {
    PublicSecurity& p = view.public_security.emplace_back();
    p.origin = {kFeedPs, ++line_};
    p.residence_region = residence;
    p.hukou_region = residence;
    p.address = str(address);
    p.name = str(name_);
    return p;
  }

  Education& school(std::string_view code, Region region, EduLevel level, int entry_year,
                    EduStatus status = EduStatus::kEnrolled) {
    Education& e = view.education.emplace_back();
    e.origin = {kFeedEdu, ++line_};
    e.school = str(code);
    e.region = region;
    e.level = level;
    e.entry_year = entry_year;
    e.status = status;
    e.name = str(name_);
    return e;
  }

  Disability& disability(uint8_t level) {
    Disability& d = view.disability.emplace_back();
    d.origin = {kFeedDisability, ++line_};
    d.level = level;
    d.name = str(name_);
    return d;
  }

  CivilAffairs& assistance(std::string_view from, std::string_view to) {
    CivilAffairs& c = view.civil_affairs.emplace_back();
    c.origin = {kFeedCivil, ++line_};
    c.category = AssistCategory::kDibao;
    c.from = from.empty() ? kNoDay : D(from);
    c.to = to.empty() ? kNoDay : D(to);
    c.name = str(name_);
    return c;
  }

  /// An individual business (SPEC §9 market) run by the person.
  Market& business(std::string_view unit, Region region, std::string_view registered_on,
                   MarketStatus status = MarketStatus::kActive, std::string_view closed_on = "") {
    Market& m = view.market.emplace_back();
    m.origin = {kFeedMarket, ++line_};
    m.unit = str(unit);
    m.region = region;
    m.registered_on = registered_on.empty() ? kNoDay : D(registered_on);
    m.status = status;
    m.closed_on = closed_on.empty() ? kNoDay : D(closed_on);
    m.name = str(name_);
    return m;
  }

  /// A birth record (SPEC §9 health) of the person; mother_id as delivered ("" = none).
  Health& birth_record(std::string_view birth_cert, std::string_view mother_id = "") {
    Health& h = view.health.emplace_back();
    h.origin = {kFeedHealth, ++line_};
    h.kind = HealthKind::kBirth;
    h.birth_cert = str(birth_cert);
    h.mother_id = str(mother_id);
    h.name = str(name_);
    return h;
  }

  /// A death record (SPEC §9 health) of the person.
  Health& death_record(std::string_view death_date) {
    Health& h = view.health.emplace_back();
    h.origin = {kFeedHealth, ++line_};
    h.kind = HealthKind::kDeath;
    h.death_date = D(death_date);
    h.name = str(name_);
    return h;
  }

  /// The name stamped on records added from now on.
  TestPerson& named(std::string_view name) {
    name_ = std::string(name);
    return *this;
  }

  TestOutcome run(const RunSettings& settings = xiamen(), const MotherDistricts* mothers = nullptr) const {
    return evaluate_and_format(view, settings, mothers);
  }

  PersonView view;
  std::string id;

 private:
  std::deque<std::string> strings_;
  std::string name_ = "张三";
  uint32_t line_ = 1;
};

/// A local (思明 350203) resident living in Xiamen with a normal employee record paid through
/// November 2026 since `since`: the common "plainly insured" baseline.
inline void insured_employee(TestPerson& p, std::string_view record_id = "XM1", std::string_view since = "2018-01") {
  p.employee(record_id, 350203, std::string(since) + "-01");
  p.employee_tax(350203, since, "2026-11");
}

}  // namespace canbao::rules_test
