// SPEC §4 derived facts at d: alive, active employment, pensioner, enrolled student, university
// freshman, assisted, habitual residence, home district, target population; per enrollment record
// paid and normal; employee continuity; coverage history. See rules_internal.h.
#include <algorithm>

#include "canbao/core/text.h"
#include "rules_internal.h"

namespace canbao::rules_internal {

namespace {

bool day_in(Day from, Day to, Day t) {  // absent bounds are open
  return (from == kNoDay || from <= t) && (to == kNoDay || t <= to);
}

bool tax_covers(const Tax& tax, Month month) {
  return tax.from != kNoMonth && tax.to != kNoMonth && tax.from <= month && month <= tax.to;
}

/// §6 name: the public-security name, else the first record accepted by its own valid ID
/// (link == kDirect) in (feed, line) order; empty names are skipped.
template <typename R>
void consider_direct_name(const std::vector<R>& records, Origin& best_origin, std::string_view& best) {
  for (const R& record : records) {
    if (record.link != LinkMethod::kDirect) continue;
    const std::string_view name = trim_space(record.name);
    if (name.empty()) continue;
    if (best.empty() || record.origin < best_origin) {
      best = name;
      best_origin = record.origin;
    }
    return;  // later records of this agency come later in (feed, line) order
  }
}

std::string_view person_name(const PersonView& person) {
  for (const PublicSecurity& ps : person.public_security) {
    const std::string_view name = trim_space(ps.name);
    if (!name.empty()) return name;
  }
  std::string_view best;
  Origin best_origin;
  consider_direct_name(person.enrollment, best_origin, best);
  consider_direct_name(person.tax, best_origin, best);
  consider_direct_name(person.hr, best_origin, best);
  consider_direct_name(person.education, best_origin, best);
  consider_direct_name(person.disability, best_origin, best);
  consider_direct_name(person.civil_affairs, best_origin, best);
  consider_direct_name(person.market, best_origin, best);
  consider_direct_name(person.health, best_origin, best);
  return best;
}

/// SPEC §9 self-employed: registered_on ≤ d (absent = open), and `active` or closed_on > d.
bool in_business(const Market& business, Day d) {
  if (business.registered_on != kNoDay && business.registered_on > d) return false;
  return business.status == MarketStatus::kActive || (business.closed_on != kNoDay && business.closed_on > d);
}

bool permit_valid(const PublicSecurity& ps, Day d) {
  // An absent permit_expiry is open, like every other absent end date (docs/DECISIONS.md).
  return ps.permit_region != kNoRegion && (ps.permit_expiry == kNoDay || ps.permit_expiry >= d);
}

/// §4 home district: the first local code (the city's own code skipped) among residence, valid
/// permit, hukou, active employment region (`employments`: indices of the active hr employment
/// records), §9 self-employed region, enrolled student's school region.
Region own_home_district(const PersonView& person, const RunSettings& settings, Day d,
                         const std::vector<uint32_t>& employments, bool self_employed) {
  Region home = kNoRegion;
  auto district = [&](Region region) {
    return home == kNoRegion && settings.is_local(region) && region != settings.city;
  };
  for (const PublicSecurity& ps : person.public_security)
    if (district(ps.residence_region)) home = ps.residence_region;
  for (const PublicSecurity& ps : person.public_security)
    if (permit_valid(ps, d) && district(ps.permit_region)) home = ps.permit_region;
  for (const PublicSecurity& ps : person.public_security)
    if (district(ps.hukou_region)) home = ps.hukou_region;
  for (uint32_t idx : employments)
    if (district(person.hr[idx].region)) home = person.hr[idx].region;
  // §9: after the active employment region, the self-employed region.
  for (const Market& business : person.market)
    if (self_employed && in_business(business, d) && district(business.region)) home = business.region;
  for (const Education& edu : person.education)
    if (edu.status == EduStatus::kEnrolled && district(edu.region)) home = edu.region;
  return home;
}

}  // namespace

// §4: alive, employment, pension, student, assisted, habitual residence, home district, target.
void compute_facts(Eval& ev) {
  const PersonView& person = ev.person;
  const Day d = ev.d;
  Facts& f = ev.facts;
  f = Facts{};

  // §4 alive: no public-security record dead/cancelled or with a death_date ≤ d; §9: no health
  // death record with death_date ≤ d.
  for (const PublicSecurity& ps : person.public_security) {
    if (ps.status == PsStatus::kDead || ps.status == PsStatus::kCancelled ||
        (ps.death_date != kNoDay && ps.death_date <= d))
      f.alive = false;
  }
  for (const Health& health : person.health)
    if (health.kind == HealthKind::kDeath && health.death_date != kNoDay && health.death_date <= d) f.alive = false;

  // §4 active employment (start ≤ d ≤ end, absent = open); §4 pensioner: the latest pension
  // record by start (ties: the later one in feed/line order) is `receiving`.
  std::vector<uint32_t>& employments = ev.scratch.employments;
  employments.clear();
  for (uint32_t idx = 0; idx < person.hr.size(); ++idx) {
    const Hr& hr = person.hr[idx];
    if (hr.type == HrType::kEmployment) {
      if (day_in(hr.start, hr.end, d)) employments.push_back(idx);
    } else if (hr.type == HrType::kPension) {
      if (f.latest_pension == nullptr || hr.start >= f.latest_pension->start) f.latest_pension = &hr;
    }
  }
  f.employed = !employments.empty();
  if (f.latest_pension != nullptr && f.latest_pension->pension_status == PensionStatus::kReceiving) {
    f.pensioner = true;
    f.pension_region = f.latest_pension->region;
  }

  // §4 enrolled student / university freshman.
  for (const Education& edu : person.education) {
    if (edu.status != EduStatus::kEnrolled) continue;
    f.student = true;
    if ((edu.level == EduLevel::kUniversity || edu.level == EduLevel::kGraduate) &&
        edu.entry_year == ev.year_d)
      f.freshman = true;
  }

  // §4 assisted: civil-affairs assistance in force at d, or disability level 1–2.
  for (const CivilAffairs& civ : person.civil_affairs)
    if (day_in(civ.from, civ.to, d)) f.assisted = true;
  for (const Disability& dis : person.disability)
    if (dis.level == 1 || dis.level == 2) f.assisted = true;

  // §9 self-employed: a market record in business at d.
  for (const Market& business : person.market) {
    if (!in_business(business, d)) continue;
    if (!f.self_employed) f.business = &business;
    f.self_employed = true;
  }

  // §4 habitual residence: residence_region, else a valid permit_region, else hukou_region.
  // With several public-security records, the first one carrying the field wins.
  for (const PublicSecurity& ps : person.public_security)
    if (f.habitual_residence == kNoRegion && ps.residence_region != kNoRegion)
      f.habitual_residence = ps.residence_region;
  for (const PublicSecurity& ps : person.public_security)
    if (f.habitual_residence == kNoRegion && permit_valid(ps, d)) f.habitual_residence = ps.permit_region;
  for (const PublicSecurity& ps : person.public_security)
    if (f.habitual_residence == kNoRegion && ps.hukou_region != kNoRegion)
      f.habitual_residence = ps.hukou_region;

  // §4 home district from the person's own records; §9: for a person under 1 year, then the
  // mother's home district (her own records, without this step).
  const RunSettings& settings = ev.settings;
  f.home_district = own_home_district(person, settings, d, employments, f.self_employed);
  if (f.home_district == kNoRegion && ev.mothers != nullptr) {
    const Region mother = ev.mothers->find(mother_key(person, settings));
    if (settings.is_local(mother) && mother != settings.city) f.home_district = mother;
  }

  // §4 target population: alive, valid ID (every evaluated person has one), home district.
  f.target = f.alive && f.home_district != kNoRegion;

  f.name = person_name(person);
  for (const PublicSecurity& ps : person.public_security) {
    const std::string_view address = trim_space(ps.address);
    if (!address.empty()) {
      f.address = address;
      break;
    }
  }
}

// §4 paid and normal of each enrollment record.
void compute_enrollment_facts(Eval& ev) {
  const PersonView& person = ev.person;
  std::vector<EnrollFacts>& facts = ev.scratch.enroll;
  facts.assign(person.enrollment.size(), EnrollFacts{});
  for (size_t idx = 0; idx < person.enrollment.size(); ++idx) {
    const Enrollment& record = person.enrollment[idx];
    EnrollFacts& rf = facts[idx];
    rf.local = ev.is_local(record.region);
    if (!rf.local) {
      rf.paid = true;  // §4: records of other regions are taken as paid
    } else {
      // §4 paid: a local tax row of the same scheme covers the month of d (employee: or the
      // month before).
      for (const Tax& tax : person.tax) {
        if (tax.scheme != record.scheme || !ev.is_local(tax.region)) continue;
        if (tax_covers(tax, ev.month_d) ||
            (record.scheme == Scheme::kEmployee && tax_covers(tax, ev.month_d - 1))) {
          rf.paid = true;
          break;
        }
      }
    }
    // §4 normal (参保缴费状态正常): active, covers d, paid.
    rf.normal = record.status == EnrollStatus::kActive && covers(record, ev.d) && rf.paid;
  }
}

void merge_spans(std::vector<MonthSpan>& spans) {
  if (spans.empty()) return;
  std::sort(spans.begin(), spans.end(),
            [](const MonthSpan& a, const MonthSpan& b) { return a.from < b.from; });
  size_t kept = 0;
  for (size_t idx = 1; idx < spans.size(); ++idx) {
    if (spans[idx].from <= spans[kept].to + 1) {
      spans[kept].to = std::max(spans[kept].to, spans[idx].to);
    } else {
      spans[++kept] = spans[idx];
    }
  }
  spans.resize(kept + 1);
}

// §4 employee continuity: local — consecutive months ending at the month of d or the month
// before, covered by local employee-scheme tax rows that are not back_pay; other region — whole
// months from start to d.
int employee_continuity(Eval& ev, uint32_t rec_idx) {
  const Enrollment& record = ev.rec(rec_idx);
  if (!ev.is_local(record.region)) {
    if (record.start == kNoDay || record.start > ev.d) return 0;
    const Ymd start = ymd_from_day(record.start);
    int months = ev.month_d - month_from_ym(start.year, start.month);
    if (add_months(record.start, months) > ev.d) --months;
    return months;
  }
  std::vector<MonthSpan>& spans = ev.scratch.spans;
  spans.clear();
  for (const Tax& tax : ev.person.tax) {
    if (tax.scheme != Scheme::kEmployee || tax.back_pay || !ev.is_local(tax.region)) continue;
    if (tax.from == kNoMonth || tax.to == kNoMonth || tax.from > tax.to) continue;
    spans.push_back({tax.from, tax.to});
  }
  merge_spans(spans);
  for (Month end : {ev.month_d, ev.month_d - 1}) {
    for (const MonthSpan& span : spans)
      if (span.from <= end && end <= span.to) return end - span.from + 1;
  }
  return 0;
}

// §4 coverage history: a month is covered when some enrollment record covers a day of it; a
// month of a local record counts only when a local non-back_pay tax row of its scheme covers it.
bool coverage_run_before(Eval& ev, uint32_t exclude_idx, Month last, int& run_months, Month& run_end) {
  const PersonView& person = ev.person;
  std::vector<MonthSpan>& spans = ev.scratch.spans;
  spans.clear();
  for (uint32_t idx = 0; idx < person.enrollment.size(); ++idx) {
    if (idx == exclude_idx) continue;
    const Enrollment& record = person.enrollment[idx];
    if (record.start == kNoDay || (record.end != kNoDay && record.end < record.start)) continue;
    const Month from = month_of_day(record.start);
    const Month to = record.end == kNoDay ? last : std::min(last, month_of_day(record.end));
    if (from > to) continue;
    if (!ev.rec_facts(idx).local) {
      spans.push_back({from, to});
      continue;
    }
    for (const Tax& tax : person.tax) {
      if (tax.scheme != record.scheme || tax.back_pay || !ev.is_local(tax.region)) continue;
      if (tax.from == kNoMonth || tax.to == kNoMonth) continue;
      const Month lo = std::max(from, tax.from);
      const Month hi = std::min(to, tax.to);
      if (lo <= hi) spans.push_back({lo, hi});
    }
  }
  if (spans.empty()) return false;
  merge_spans(spans);
  run_end = spans.back().to;
  run_months = spans.back().to - spans.back().from + 1;
  return true;
}

}  // namespace canbao::rules_internal

namespace canbao {

bool under_one_year(PersonKey key, Day d) { return d < add_months(id_birth(key), 12); }

PersonKey mother_key(const PersonView& person, const RunSettings& settings) {
  if (!under_one_year(person.key, settings.as_of)) return kNoPerson;
  for (const Health& health : person.health) {  // (feed, line) order
    if (health.kind != HealthKind::kBirth || trim_space(health.mother_id).empty()) continue;
    const IdResult mother = parse_citizen_id(health.mother_id, settings.as_of);
    return mother.ok() ? mother.key : kNoPerson;
  }
  return kNoPerson;
}

Region home_district_of(const PersonView& person, const RunSettings& settings) {
  using namespace rules_internal;
  thread_local PersonOutcome unused;
  Eval ev{person, settings, thread_scratch(), unused, nullptr, nullptr};
  set_eval_day(ev);
  compute_facts(ev);
  return ev.facts.home_district;
}

}  // namespace canbao
