// The reference oracle: SPEC §4 facts and rules R1–R8 applied to one synthetic person, from the
// records the engine should accept (clean ones and those linked by fallback). It is an independent
// reading of the SPEC, written for small per-person data; where the SPEC leaves a corner open the
// person is flagged (Outcome::ambiguity) so the generator never plants it.
#include <algorithm>
#include <map>

#include "synth_internal.h"

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
  enr.clear();
  tax.clear();
  hr.clear();
  ps.clear();
  edu.clear();
  dis.clear();
  civ.clear();
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

namespace {

struct Ctx {
  const SPerson& p;
  const Settings& s;
  Day d;
  Month md;
  int year;
  Outcome& out;

  void flag(const std::string& why) {
    if (out.ambiguity.empty()) out.ambiguity = why;
  }
};

bool covers(const SEnroll& e, Day t) { return e.start != kNoDay && e.start <= t && (e.end == kNoDay || t <= e.end); }
bool tax_covers(const STax& t, Month m) { return t.from <= m && m <= t.to; }

std::string handler_of(const Settings& s, Region region) {
  return s.is_local(region) ? std::string("local") : "region:" + std::to_string(region);
}

}  // namespace

void evaluate(const SPerson& p, const Settings& s, Outcome& out) {
  out.clear();
  Ctx c{p, s, s.as_of, month_of_day(s.as_of), ymd_from_day(s.as_of).year, out};
  const Day d = c.d;

  // Accepted records.
  std::vector<const SEnroll*> enr;
  std::vector<const STax*> tax;
  std::vector<const SHr*> hr;
  std::vector<const SPs*> ps;
  std::vector<const SEdu*> edu;
  std::vector<const SDis*> dis;
  std::vector<const SCiv*> civ;
  for (const auto& r : p.enr) if (accepted(p, r.dirty)) enr.push_back(&r);
  for (const auto& r : p.tax) if (accepted(p, r.dirty)) tax.push_back(&r);
  for (const auto& r : p.hr) if (accepted(p, r.dirty)) hr.push_back(&r);
  for (const auto& r : p.ps) if (accepted(p, r.dirty)) ps.push_back(&r);
  for (const auto& r : p.edu) if (accepted(p, r.dirty)) edu.push_back(&r);
  for (const auto& r : p.dis) if (accepted(p, r.dirty)) dis.push_back(&r);
  for (const auto& r : p.civ) if (accepted(p, r.dirty)) civ.push_back(&r);
  out.known = !(enr.empty() && tax.empty() && hr.empty() && ps.empty() && edu.empty() && dis.empty() && civ.empty());
  if (!out.known) return;

  // ---- §4 facts.
  out.alive = true;
  for (const SPs* r : ps)
    if (r->status == PsStatus::kDead || r->status == PsStatus::kCancelled || (r->death != kNoDay && r->death <= d))
      out.alive = false;
  if (ps.size() > 1) {
    for (const SPs* r : ps)
      if (r->hukou != ps[0]->hukou || r->residence != ps[0]->residence || r->permit != ps[0]->permit ||
          r->address != ps[0]->address)
        c.flag("several differing public-security records");
  }
  const SHr* employment = nullptr;
  for (const SHr* r : hr) {
    if (r->type != HrType::kEmployment) continue;
    if ((r->start == kNoDay || r->start <= d) && (r->end == kNoDay || d <= r->end)) {
      if (employment && !(employment->region == r->region && employment->unit == r->unit))
        c.flag("several active employments");
      if (!employment) employment = r;
    }
  }
  out.employed = employment != nullptr;
  const SHr* pension = nullptr;
  for (const SHr* r : hr) {
    if (r->type != HrType::kPension) continue;
    if (r->start == kNoDay) c.flag("pension record without start");
    if (pension && pension->start == r->start &&
        !(pension->pension == r->pension && pension->region == r->region))
      c.flag("pension records tie on start");
    if (!pension || r->start > pension->start) pension = r;
  }
  out.pensioner = pension && pension->pension == PensionStatus::kReceiving;
  const Region pension_region = pension ? pension->region : 0;
  const SEdu* school = nullptr;
  for (const SEdu* r : edu) {
    if (r->status != EduStatus::kEnrolled) continue;
    if (school && !(school->school == r->school && school->region == r->region)) c.flag("several schools");
    if (!school) school = r;
  }
  out.student = school != nullptr;
  for (const SEdu* r : edu)
    if ((r->level == EduLevel::kUniversity || r->level == EduLevel::kGraduate) && r->entry_year == c.year) {
      out.freshman = true;
      if (r->status != EduStatus::kEnrolled) c.flag("freshman record not enrolled");
    }
  for (const SCiv* r : civ)
    if ((r->from == kNoDay || r->from <= d) && (r->to == kNoDay || d <= r->to)) out.assisted = true;
  for (const SDis* r : dis)
    if (r->level == 1 || r->level == 2) out.assisted = true;

  Region habitual = 0;
  const SPs* first_ps = ps.empty() ? nullptr : ps[0];
  if (first_ps) {
    if (first_ps->residence) habitual = first_ps->residence;
    else if (first_ps->permit && first_ps->permit_expiry != kNoDay && first_ps->permit_expiry >= d) habitual = first_ps->permit;
    else habitual = first_ps->hukou;
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
  if (employment) consider_home(employment->region);
  if (school) consider_home(school->region);
  out.target = out.alive && out.home != 0;
  if (first_ps) out.address = first_ps->address;

  // ---- paid / normal.
  auto paid = [&](const SEnroll& e) {
    if (!s.is_local(e.region)) return true;
    for (const STax* t : tax) {
      if (t->scheme != e.scheme || !s.is_local(t->region)) continue;
      if (tax_covers(*t, c.md) || (e.scheme == Scheme::kEmployee && tax_covers(*t, c.md - 1))) return true;
    }
    return false;
  };
  auto normal = [&](const SEnroll& e) { return e.status == EnrollStatus::kActive && covers(e, d) && paid(e); };

  for (const SEnroll* e : enr) out.records.push_back(p.record_id(*e));
  std::sort(out.records.begin(), out.records.end());

  // ---- R1.
  bool insured = false, lapsed = false, lapsed_alt = false;
  bool has_local = false, unpaid_elsewhen = false, window_edge = false;
  for (const SEnroll* e : enr) {
    if (s.is_local(e->region)) has_local = true;
    if (normal(*e)) insured = true;
    if (e->start != kNoDay && e->start <= d) {
      if (e->end == kNoDay || e->end >= d - 364) lapsed = true;
      if (e->end == kNoDay || e->end >= d - 365) lapsed_alt = true;
      if (e->end != kNoDay && e->end >= d - 368 && e->end <= d - 361) window_edge = true;
    }
    if (s.is_local(e->region) && e->status == EnrollStatus::kActive && !paid(*e)) {
      lapsed = lapsed_alt = true;
      if (!covers(*e, d)) unpaid_elsewhen = true;
    }
  }
  if (!insured && (lapsed != lapsed_alt || window_edge)) c.flag("record ends at the 365-day edge");
  if (!insured && unpaid_elsewhen) c.flag("unpaid local active record not covering as_of");
  out.state = insured ? State::kInsured : lapsed ? State::kLapsed : State::kNever;
  out.registry = out.target || has_local;
  if (!out.registry) out.state = State::kNone;

  // ---- R2.
  if (out.target && (out.state == State::kLapsed || out.state == State::kNever)) {
    const Ymd b = ymd_from_day(p.id.birth);
    const Ymd dd = ymd_from_day(d);
    const bool newborn = dd.year - b.year < 1 || (dd.year - b.year == 1 && (dd.month < b.month || (dd.month == b.month && dd.day < b.day)));
    if (std::abs(p.id.birth - add_months(d, -12)) <= 3) c.flag("newborn edge");
    const std::string community = "community:" + std::to_string(out.home);
    if (newborn) {
      out.group = "newborn"; out.suggested_scheme = "resident"; out.channel = community;
    } else if (out.assisted) {
      out.group = "assisted"; out.suggested_scheme = "resident_funded"; out.channel = community;
    } else if (out.student) {
      out.group = "student"; out.suggested_scheme = "resident"; out.channel = "school:" + school_text(school->region, school->school);
    } else if (out.employed) {
      out.group = "employed"; out.suggested_scheme = "employee";
      if (employment->unit.empty()) c.flag("employment without unit");
      out.channel = "unit:" + unit_text(employment->unit);
    } else if (out.pensioner) {
      out.group = "pensioner"; out.suggested_scheme = "employee"; out.channel = community;
    } else {
      out.group = "other"; out.suggested_scheme = "resident"; out.channel = community;
    }
  }

  // ---- helpers for R3–R6.
  auto rid = [&](const SEnroll* e) { return p.record_id(*e); };
  auto sorted_ids = [&](const std::vector<const SEnroll*>& list) {
    std::vector<std::string> ids;
    for (const SEnroll* e : list) ids.push_back(rid(e));
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  auto prefix_eq = [](Region a, Region b) { return a / 100 == b / 100; };

  // Employee continuity (months) of an employee record.
  auto continuity = [&](const SEnroll& e) -> int {
    int months = 0;
    if (s.is_local(e.region)) {
      auto covered = [&](Month m) {
        for (const STax* t : tax)
          if (t->scheme == Scheme::kEmployee && s.is_local(t->region) && !t->back_pay && tax_covers(*t, m)) return true;
        return false;
      };
      Month end = covered(c.md) ? c.md : covered(c.md - 1) ? c.md - 1 : kNoMonth;
      if (end != kNoMonth)
        for (Month m = end; covered(m); --m) ++months;
    } else {
      const Ymd a = ymd_from_day(e.start), b = ymd_from_day(d);
      months = (b.year - a.year) * 12 + (b.month - a.month) - (b.day < a.day ? 1 : 0);
      if (months >= 11 && months <= 13) c.flag("other-region employee continuity near 12");
    }
    return months;
  };

  // R6 benefit start of one record (nullopt-like: benefit kNoDay when the rule does not apply).
  auto benefit_of = [&](const SEnroll& e, OBenefit& b) {
    b = OBenefit{};
    b.record_id = rid(&e);
    b.scheme = e.scheme;
    b.start = e.start;
    const Month sm = month_of_day(e.start);
    Month lo = sm;
    for (const SEnroll* o : enr)
      if (o != &e && o->start != kNoDay) lo = std::min(lo, month_of_day(o->start));
    std::vector<char> covered(static_cast<size_t>(sm - lo), 0);
    for (const SEnroll* o : enr) {
      if (o == &e || o->start == kNoDay) continue;
      const Month a = month_of_day(o->start);
      const Month z = o->end == kNoDay ? sm - 1 : std::min(sm - 1, month_of_day(o->end));
      for (Month m = a; m <= z; ++m) {
        bool counts = true;
        if (s.is_local(o->region)) {
          counts = false;
          for (const STax* t : tax)
            if (t->scheme == o->scheme && s.is_local(t->region) && !t->back_pay && tax_covers(*t, m)) counts = true;
        }
        if (counts) covered[static_cast<size_t>(m - lo)] = 1;
      }
    }
    Month last = kNoMonth;
    for (Month m = sm - 1; m >= lo; --m)
      if (covered[static_cast<size_t>(m - lo)]) { last = m; break; }
    if (last != kNoMonth) {
      int run = 0;
      for (Month m = last; m >= lo && covered[static_cast<size_t>(m - lo)]; --m) ++run;
      b.prior = run;
      b.gap = sm - last - 1;
    }
    const bool continuous = b.gap >= 0 && b.prior >= 24 && b.gap <= 3;
    if (e.scheme == Scheme::kEmployee) {
      b.benefit = continuous ? first_day_of_month(sm) : add_months(e.start, 6);
    } else {
      Day paid_on = kNoDay;
      for (const STax* t : tax)
        if (t->scheme == Scheme::kResident && s.is_local(t->region) && tax_covers(*t, sm) &&
            (paid_on == kNoDay || t->paid_on < paid_on))
          paid_on = t->paid_on;
      if (paid_on == kNoDay) {
        c.flag("resident R6 record without payment");
        paid_on = e.start;
      }
      b.paid_on = paid_on;
      const Ymd st = ymd_from_day(e.start);
      if (st.month == 1 && st.day == 1 && paid_on >= day_from_ymd(st.year - 1, 9, 1) &&
          paid_on <= day_from_ymd(st.year - 1, 12, 31))
        b.benefit = e.start;
      else
        b.benefit = continuous ? paid_on + 1 : add_months(paid_on, 6);
    }
  };

  // ---- R6 (computed first: R5 refunds read it).
  std::map<const SEnroll*, Day> benefit_start;
  for (const SEnroll* e : enr) {
    if (!s.is_local(e->region) || e->status != EnrollStatus::kActive || e->start == kNoDay) continue;
    if (ymd_from_day(e->start).year != c.year) continue;
    OBenefit b;
    benefit_of(*e, b);
    benefit_start[e] = b.benefit;
    out.benefits.push_back(std::move(b));
  }

  // ---- R3 / R4 / R5.
  std::vector<const SEnroll*> normal_recs, emp, res;
  for (const SEnroll* e : enr)
    if (normal(*e)) {
      normal_recs.push_back(e);
      (e->scheme == Scheme::kEmployee ? emp : res).push_back(e);
    }
  bool any_local_normal = false;
  for (const SEnroll* e : normal_recs) any_local_normal |= s.is_local(e->region);

  auto terminate_actions = [&](const std::vector<const SEnroll*>& terminated, const std::string& rule) {
    for (const SEnroll* e : terminated) {
      OAction a;
      a.record_id = rid(e);
      a.action = "terminate";
      a.handler = handler_of(s, e->region);
      a.deadline = d + s.notice_days;
      a.escalation = s.is_local(e->region) ? "tax_stop" : "notify_region";
      if (e->scheme == Scheme::kResident) {
        bool refundable = false;
        const auto it = benefit_start.find(e);
        if (it != benefit_start.end() && it->second > d) refundable = true;
        // Every day from start to d covered by active employee records.
        std::vector<std::pair<Day, Day>> spans;
        for (const SEnroll* o : enr)
          if (o->scheme == Scheme::kEmployee && o->status == EnrollStatus::kActive && o->start != kNoDay)
            spans.emplace_back(o->start, o->end == kNoDay ? d : o->end);
        std::sort(spans.begin(), spans.end());
        Day reach = e->start;  // first day not yet known covered
        for (const auto& [a0, z0] : spans) {
          if (a0 > reach) break;
          reach = std::max(reach, z0 + 1);
        }
        if (reach > d) refundable = true;
        a.refund = refundable ? "refundable" : "not_refundable";
        a.subsidy = s.is_local(e->region) ? s.subsidy : 0;
      } else {
        a.refund = (out.pensioner && !s.is_local(pension_region)) ? "account_balance" : "transfer_account";
        a.subsidy = 0;
      }
      a.rule = rule;
      out.actions.push_back(std::move(a));
    }
  };
  auto add_case = [&](const char* type, const std::vector<const SEnroll*>& records,
                      const std::vector<const SEnroll*>& kept, const std::vector<const SEnroll*>& terminated,
                      const char* resolution, const char* rule) {
    OCase k;
    k.type = type;
    k.records = sorted_ids(records);
    k.kept = sorted_ids(kept);
    k.terminated = sorted_ids(terminated);
    k.resolution = resolution;
    k.rule = rule;
    out.cases.push_back(std::move(k));
    terminate_actions(terminated, rule);
  };

  if (normal_recs.size() >= 2 && any_local_normal) {
    std::vector<const SEnroll*> surv_emp = emp, surv_res = res;
    if (emp.size() >= 2) {
      bool local_in_case = false;
      for (const SEnroll* e : emp) local_in_case |= s.is_local(e->region);
      if (!local_in_case) c.flag("same-scheme case without a local record");
      if (emp.size() > 2) c.flag("more than two employee records");
      bool local_in_service = false;
      int retired = 0;
      bool flexible = false;
      for (const SEnroll* e : emp) {
        if (s.is_local(e->region) && e->category == Category::kInService) local_in_service = true;
        if (e->category == Category::kRetired) ++retired;
        if (e->category == Category::kFlexible) flexible = true;
      }
      if (out.pensioner && !s.is_local(pension_region) && local_in_service) {
        std::vector<const SEnroll*> kept, term;
        for (const SEnroll* e : emp) (s.is_local(e->region) ? term : kept).push_back(e);
        if (kept.empty()) c.flag("pension_elsewhere keeps nothing");
        add_case("employee_employee", emp, kept, term, "pension_elsewhere", "X3.1.3");
        surv_emp = kept;
      } else if (retired >= 2) {
        add_case("employee_employee", emp, emp, {}, "needs_confirmation", "X3.1.2");
      } else {
        const SEnroll* keep = nullptr;
        if (employment) {
          std::vector<const SEnroll*> match, unit_match;
          for (const SEnroll* e : emp)
            if (prefix_eq(e->region, employment->region)) match.push_back(e);
          if (match.size() == 1) keep = match[0];
          else if (match.size() > 1) {
            for (const SEnroll* e : match)
              if (e->unit == employment->unit && !e->unit.empty()) unit_match.push_back(e);
            if (unit_match.size() == 1) keep = unit_match[0];
          }
        }
        if (keep && flexible) c.flag("flexible record with a single employment match");
        if (keep) {
          std::vector<const SEnroll*> term;
          for (const SEnroll* e : emp)
            if (e != keep) term.push_back(e);
          add_case("employee_employee", emp, {keep}, term, "keep_employment_region", "N5");
          surv_emp = {keep};
        } else {
          add_case("employee_employee", emp, emp, {}, "needs_confirmation", "X3.1.1");
        }
      }
    }
    if (res.size() >= 2) {
      bool local_in_case = false;
      for (const SEnroll* e : res) local_in_case |= s.is_local(e->region);
      if (!local_in_case) c.flag("same-scheme case without a local record");
      if (res.size() > 2) c.flag("more than two resident records");
      if (out.freshman) {
        add_case("resident_resident", res, res, {}, "exempt_freshman", "N7");
      } else {
        const Region want = school ? school->region : habitual;
        std::vector<const SEnroll*> match;
        for (const SEnroll* e : res)
          if (want && prefix_eq(e->region, want)) match.push_back(e);
        if (match.size() == 1) {
          std::vector<const SEnroll*> term;
          for (const SEnroll* e : res)
            if (e != match[0]) term.push_back(e);
          add_case("resident_resident", res, match, term, school ? "keep_school_region" : "keep_residence", "N5");
          surv_res = match;
        } else {
          c.flag("resident_resident without a single match");
          add_case("resident_resident", res, res, {}, "needs_confirmation", "X3.2");
        }
      }
    }
    if (!emp.empty() && !res.empty()) {
      std::vector<const SEnroll*> all = surv_emp;
      all.insert(all.end(), surv_res.begin(), surv_res.end());
      if (surv_emp.size() >= 2 || surv_res.size() >= 2) {
        add_case("cross_scheme", all, all, {}, "needs_confirmation", "X3");
      } else {
        const SEnroll* e = surv_emp[0];
        const SEnroll* r = surv_res[0];
        if (r->funded != Funded::kNone) {
          add_case("cross_scheme", all, all, {}, "exempt_assisted", "N5");
        } else if (out.pensioner && !s.is_local(pension_region) && s.is_local(r->region)) {
          add_case("cross_scheme", all, {e}, {r}, "pension_elsewhere", "X3.3.2");
        } else if (continuity(*e) >= 12) {
          add_case("cross_scheme", all, {e}, {r}, "keep_employee", "X3.3.1");
        } else {
          add_case("cross_scheme", all, all, {}, "exempt_transition", "X2");
        }
      }
    }
  }

  // ---- R3b.
  {
    const int plan_year = c.year + 1;
    const Day jan1 = day_from_ymd(plan_year, 1, 1);
    std::vector<const SEnroll*> open_emp, next_res;
    for (const SEnroll* e : enr) {
      if (e->scheme == Scheme::kEmployee && e->end == kNoDay && normal(*e)) open_emp.push_back(e);
      if (e->scheme == Scheme::kResident && e->status == EnrollStatus::kActive && e->start == jan1) next_res.push_back(e);
    }
    if (!open_emp.empty() && !next_res.empty()) {
      if (open_emp.size() > 1 || next_res.size() > 1) c.flag("several R3b records");
      if (!out.cases.empty()) c.flag("R3b together with an R3 case");
      const SEnroll* r = next_res[0];
      bool central = false;
      for (const STax* t : tax)
        if (t->scheme == Scheme::kResident && s.is_local(t->region) && tax_covers(*t, month_from_ym(plan_year, 1)) &&
            t->paid_on >= day_from_ymd(c.year, 9, 1) && t->paid_on <= day_from_ymd(c.year, 12, 31))
          central = true;
      if (!central || !s.is_local(r->region)) c.flag("R3b record not paid locally in the central period");
      OCase k;
      k.type = "next_year_resident";
      k.records = sorted_ids({open_emp[0], r});
      k.kept = {rid(open_emp[0])};
      k.resolution = "suspend_next_year";
      k.rule = "N5.2";
      out.cases.push_back(std::move(k));
      OAction a;
      a.record_id = rid(r);
      a.action = "suspend";
      a.handler = handler_of(s, r->region);
      a.deadline = day_from_ymd(c.year, 12, 31);
      a.refund = "refundable";
      a.rule = "N5.2";
      out.actions.push_back(std::move(a));
    } else if (!next_res.empty() && !insured) {
      c.flag("next-year resident record without a normal employee record");
    }
  }

  // ---- R7.
  if (pension && (pension->pension == PensionStatus::kSuspended || pension->pension == PensionStatus::kTerminated)) {
    for (const SEnroll* e : enr)
      if (s.is_local(e->region) && e->scheme == Scheme::kEmployee && e->category == Category::kRetired && normal(*e)) {
        OAction a;
        a.record_id = rid(e);
        a.action = "suspend_benefits";
        a.handler = "local";
        a.rule = "N4.4";
        out.actions.push_back(std::move(a));
        if (!out.alive) c.flag("R7 for a deceased person");
      }
  }
  // ---- R8.
  if (!out.alive) {
    int count = 0;
    for (const SEnroll* e : enr)
      if (s.is_local(e->region) && normal(*e)) {
        OAction a;
        a.record_id = rid(e);
        a.action = "terminate_deceased";
        a.handler = "local";
        a.rule = "R8";
        out.actions.push_back(std::move(a));
        ++count;
      }
    if (!out.cases.empty()) c.flag("duplicate case of a deceased person");
  }
  for (const OAction& a : out.actions) out.subsidy += a.subsidy;
}

}  // namespace canbao::synth
