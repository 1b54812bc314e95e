// SPEC §4 derived facts for the oracle: accepted records, alive, active employment, pensioner,
// enrolled student, university freshman, assisted, habitual residence, home district, target
// population; per enrollment record paid and normal; employee continuity.
#include <algorithm>
#include <cstdlib>

#include "oracle_internal.h"

namespace canbao::synth::oracle {

bool covers(const SEnroll& e, Day t) { return e.start != kNoDay && e.start <= t && (e.end == kNoDay || t <= e.end); }
bool tax_covers(const STax& t, Month m) { return t.from <= m && m <= t.to; }

bool under_one(Day birth, Day d) {
  const Ymd b = ymd_from_day(birth), t = ymd_from_day(d);
  const int age = t.year - b.year - ((t.month < b.month || (t.month == b.month && t.day < b.day)) ? 1 : 0);
  return age < 1;
}

std::string handler_of(const Settings& s, Region region) {
  return s.is_local(region) ? std::string("local") : "region:" + std::to_string(region);
}

bool Ctx::paid(const SEnroll& e) const {
  if (!s.is_local(e.region)) return true;
  for (const STax* t : tax) {
    if (t->scheme != e.scheme || !s.is_local(t->region)) continue;
    if (tax_covers(*t, md) || (e.scheme == Scheme::kEmployee && tax_covers(*t, md - 1))) return true;
  }
  return false;
}

bool Ctx::normal(const SEnroll& e) const { return e.status == EnrollStatus::kActive && covers(e, d) && paid(e); }

int Ctx::continuity(const SEnroll& e) {
  int months = 0;
  if (s.is_local(e.region)) {
    auto covered = [&](Month m) {
      for (const STax* t : tax)
        if (t->scheme == Scheme::kEmployee && s.is_local(t->region) && !t->back_pay && tax_covers(*t, m)) return true;
      return false;
    };
    Month end = covered(md) ? md : covered(md - 1) ? md - 1 : kNoMonth;
    if (end != kNoMonth)
      for (Month m = end; covered(m); --m) ++months;
  } else {
    const Ymd a = ymd_from_day(e.start), b = ymd_from_day(d);
    months = (b.year - a.year) * 12 + (b.month - a.month) - (b.day < a.day ? 1 : 0);
    if (months >= 11 && months <= 13) flag("other-region employee continuity near 12");
  }
  return months;
}

std::vector<std::string> Ctx::sorted_ids(const std::vector<const SEnroll*>& list) const {
  std::vector<std::string> ids;
  for (const SEnroll* e : list) ids.push_back(rid(e));
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool collect_records(Ctx& c) {
  const SPerson& p = c.p;
  for (const auto& r : p.enr) if (accepted(p, r.dirty)) c.enr.push_back(&r);
  for (const auto& r : p.tax) if (accepted(p, r.dirty)) c.tax.push_back(&r);
  for (const auto& r : p.hr) if (accepted(p, r.dirty)) c.hr.push_back(&r);
  for (const auto& r : p.ps) if (accepted(p, r.dirty)) c.ps.push_back(&r);
  for (const auto& r : p.edu) if (accepted(p, r.dirty)) c.edu.push_back(&r);
  for (const auto& r : p.dis) if (accepted(p, r.dirty)) c.dis.push_back(&r);
  for (const auto& r : p.civ) if (accepted(p, r.dirty)) c.civ.push_back(&r);
  for (const auto& r : p.health) if (!r.foreign && accepted(p, r.dirty)) c.health.push_back(&r);
  for (const auto& r : p.market) if (accepted(p, r.dirty)) c.market.push_back(&r);
  return !(c.enr.empty() && c.tax.empty() && c.hr.empty() && c.ps.empty() && c.edu.empty() && c.dis.empty() &&
           c.civ.empty() && c.health.empty() && c.market.empty());
}

namespace {

/// alive, active employment, pensioner, enrolled student, freshman, assisted.
void status_facts(Ctx& c) {
  Outcome& out = c.out;
  const Day d = c.d;
  out.alive = true;
  for (const SPs* r : c.ps)
    if (r->status == PsStatus::kDead || r->status == PsStatus::kCancelled || (r->death != kNoDay && r->death <= d))
      out.alive = false;
  for (const SHealth* h : c.health)  // SPEC §9: a death certificate dated d or earlier
    if (h->death && h->death_date != kNoDay && h->death_date <= d) out.alive = false;
  if (c.ps.size() > 1) {
    for (const SPs* r : c.ps)
      if (r->hukou != c.ps[0]->hukou || r->residence != c.ps[0]->residence || r->permit != c.ps[0]->permit ||
          r->address != c.ps[0]->address)
        c.flag("several differing public-security records");
  }
  for (const SHr* r : c.hr) {
    if (r->type != HrType::kEmployment) continue;
    if ((r->start == kNoDay || r->start <= d) && (r->end == kNoDay || d <= r->end)) {
      if (c.employment && !(c.employment->region == r->region && c.employment->unit == r->unit))
        c.flag("several active employments");
      if (!c.employment) c.employment = r;
    }
  }
  out.employed = c.employment != nullptr;
  for (const SHr* r : c.hr) {
    if (r->type != HrType::kPension) continue;
    if (r->start == kNoDay) c.flag("pension record without start");
    if (c.pension && c.pension->start == r->start &&
        !(c.pension->pension == r->pension && c.pension->region == r->region))
      c.flag("pension records tie on start");
    if (!c.pension || r->start > c.pension->start) c.pension = r;
  }
  out.pensioner = c.pension && c.pension->pension == PensionStatus::kReceiving;
  c.pension_region = c.pension ? c.pension->region : 0;
  for (const SEdu* r : c.edu) {
    if (r->status != EduStatus::kEnrolled) continue;
    if (c.school && !(c.school->school == r->school && c.school->region == r->region)) c.flag("several schools");
    if (!c.school) c.school = r;
  }
  out.student = c.school != nullptr;
  for (const SEdu* r : c.edu)
    if ((r->level == EduLevel::kUniversity || r->level == EduLevel::kGraduate) && r->entry_year == c.year) {
      out.freshman = true;
      if (r->status != EduStatus::kEnrolled) c.flag("freshman record not enrolled");
    }
  for (const SCiv* r : c.civ)
    if ((r->from == kNoDay || r->from <= d) && (r->to == kNoDay || d <= r->to)) out.assisted = true;
  // SPEC §9 self-employed: registered by d (absent = open) and active, or closing only after d.
  for (const SMarket* m : c.market) {
    if (m->status == MarketStatus::kActive && m->closed != kNoDay && m->closed <= d)
      c.flag("active business with a past closed_on");
    const bool registered = m->registered == kNoDay || m->registered <= d;
    const bool in_business = m->status == MarketStatus::kActive || (m->closed != kNoDay && m->closed > d);
    if (registered && in_business && !c.business) c.business = m;
  }
  out.self_employed = c.business != nullptr;
  for (const SDis* r : c.dis)
    if (r->level == 1 || r->level == 2) out.assisted = true;
}

/// Habitual residence, home district, target population, address.
void home_facts(Ctx& c) {
  Outcome& out = c.out;
  const Settings& s = c.s;
  const Day d = c.d;
  const SPs* first_ps = c.ps.empty() ? nullptr : c.ps[0];
  if (first_ps) {
    if (first_ps->residence) c.habitual = first_ps->residence;
    else if (first_ps->permit && first_ps->permit_expiry != kNoDay && first_ps->permit_expiry >= d) c.habitual = first_ps->permit;
    else c.habitual = first_ps->hukou;
    if (first_ps->permit_expiry != kNoDay && (first_ps->permit_expiry == d || first_ps->permit_expiry == d - 1))
      c.flag("permit expiry at as_of");
  }
  auto consider_home = [&](Region r) {
    if (!out.home && s.is_local(r) && r != s.city) out.home = r;
  };
  if (first_ps) {
    consider_home(first_ps->residence);
    if (first_ps->permit_expiry != kNoDay && first_ps->permit_expiry >= d) consider_home(first_ps->permit);
    consider_home(first_ps->hukou);
  }
  if (c.employment) consider_home(c.employment->region);
  if (c.business) {
    if (!out.home)
      for (const SMarket* m : c.market)
        if (m != c.business && m->region != c.business->region && s.is_local(m->region) &&
            (m->registered == kNoDay || m->registered <= d) &&
            (m->status == MarketStatus::kActive || (m->closed != kNoDay && m->closed > d)))
          c.flag("several self-employed regions");
    consider_home(c.business->region);
  }
  if (c.school) consider_home(c.school->region);
  // SPEC §9: under 1 year, the mother's home district (the mother_id of the first birth record
  // carrying one; her home district from her own records, the oracle's evaluation of her).
  if (!out.home && under_one(c.p.id.birth, d)) {
    if (std::abs(c.p.id.birth - add_months(d, -12)) <= 3) c.flag("newborn edge");
    for (const SHealth* h : c.health) {
      if (h->death || h->mother.empty()) continue;
      if (!parse_citizen_id(h->mother, d).ok()) c.flag("first mother_id invalid");  // skipped, or no mother?
      else if (h->mother_known) consider_home(h->mother_home);
      break;
    }
  }
  out.target = out.alive && out.home != 0;
  if (first_ps) out.address = first_ps->address;
}

}  // namespace

void derive_facts(Ctx& c) {
  status_facts(c);
  home_facts(c);
  for (const SEnroll* e : c.enr) c.out.records.push_back(c.p.record_id(*e));
  std::sort(c.out.records.begin(), c.out.records.end());
}

}  // namespace canbao::synth::oracle
