// R3 duplicate cases, R3b next-year resident, R4 resolutions and R5 actions (SPEC §5, N 五, X 二–五)
// for the oracle.
#include <algorithm>

#include "oracle_internal.h"

namespace canbao::synth::oracle {

namespace {

using Recs = std::vector<const SEnroll*>;

bool prefix_eq(Region a, Region b) { return a / 100 == b / 100; }

/// R5: one `terminate` action per terminated record.
void terminate_actions(Ctx& c, const Recs& terminated, const std::string& rule) {
  const Settings& s = c.s;
  const Day d = c.d;
  for (const SEnroll* e : terminated) {
    OAction a;
    a.record_id = c.rid(e);
    a.action = "terminate";
    a.handler = handler_of(s, e->region);
    a.deadline = d + s.notice_days;
    a.escalation = s.is_local(e->region) ? "tax_stop" : "notify_region";
    if (e->scheme == Scheme::kResident) {
      bool refundable = false;
      const auto it = c.benefit_start.find(e);
      if (it != c.benefit_start.end() && it->second > d) refundable = true;
      // Every day from start to d covered by active employee records.
      std::vector<std::pair<Day, Day>> spans;
      for (const SEnroll* o : c.enr)
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
      a.refund = (c.out.pensioner && !s.is_local(c.pension_region)) ? "account_balance" : "transfer_account";
      a.subsidy = 0;
    }
    a.rule = rule;
    c.out.actions.push_back(std::move(a));
  }
}

void add_case(Ctx& c, const char* type, const Recs& records, const Recs& kept, const Recs& terminated,
              const char* resolution, const char* rule) {
  OCase k;
  k.type = type;
  k.records = c.sorted_ids(records);
  k.kept = c.sorted_ids(kept);
  k.terminated = c.sorted_ids(terminated);
  k.resolution = resolution;
  k.rule = rule;
  c.out.cases.push_back(std::move(k));
  terminate_actions(c, terminated, rule);
}

/// Flags a same-scheme case the SPEC does not plant cleanly (no local record, more than two).
void check_same_scheme(Ctx& c, const Recs& recs, const char* more_than_two) {
  bool local_in_case = false;
  for (const SEnroll* e : recs) local_in_case |= c.s.is_local(e->region);
  if (!local_in_case) c.flag("same-scheme case without a local record");
  if (recs.size() > 2) c.flag(more_than_two);
}

/// R4 employee_employee; narrows `surv` to the records that survive it.
void employee_employee(Ctx& c, const Recs& emp, Recs& surv) {
  check_same_scheme(c, emp, "more than two employee records");
  bool local_in_service = false;
  int retired = 0;
  bool flexible = false;
  for (const SEnroll* e : emp) {
    if (c.s.is_local(e->region) && e->category == Category::kInService) local_in_service = true;
    if (e->category == Category::kRetired) ++retired;
    if (e->category == Category::kFlexible) flexible = true;
  }
  if (c.out.pensioner && !c.s.is_local(c.pension_region) && local_in_service) {
    Recs kept, term;
    for (const SEnroll* e : emp) (c.s.is_local(e->region) ? term : kept).push_back(e);
    if (kept.empty()) c.flag("pension_elsewhere keeps nothing");
    add_case(c, "employee_employee", emp, kept, term, "pension_elsewhere", "X3.1.3");
    surv = kept;
    return;
  }
  if (retired >= 2) {
    add_case(c, "employee_employee", emp, emp, {}, "needs_confirmation", "X3.1.2");
    return;
  }
  const SEnroll* keep = nullptr;
  if (c.employment) {
    Recs match, unit_match;
    for (const SEnroll* e : emp)
      if (prefix_eq(e->region, c.employment->region)) match.push_back(e);
    if (match.size() == 1) keep = match[0];
    else if (match.size() > 1) {
      for (const SEnroll* e : match)
        if (e->unit == c.employment->unit && !e->unit.empty()) unit_match.push_back(e);
      if (unit_match.size() == 1) keep = unit_match[0];
    }
  }
  if (keep && flexible) c.flag("flexible record with a single employment match");
  if (keep) {
    Recs term;
    for (const SEnroll* e : emp)
      if (e != keep) term.push_back(e);
    add_case(c, "employee_employee", emp, {keep}, term, "keep_employment_region", "N5");
    surv = {keep};
  } else {
    add_case(c, "employee_employee", emp, emp, {}, "needs_confirmation", "X3.1.1");
  }
}

/// R4 resident_resident; narrows `surv` to the records that survive it.
void resident_resident(Ctx& c, const Recs& res, Recs& surv) {
  check_same_scheme(c, res, "more than two resident records");
  if (c.out.freshman) {
    add_case(c, "resident_resident", res, res, {}, "exempt_freshman", "N7");
    return;
  }
  const Region want = c.school ? c.school->region : c.habitual;
  Recs match;
  for (const SEnroll* e : res)
    if (want && prefix_eq(e->region, want)) match.push_back(e);
  if (match.size() == 1) {
    Recs term;
    for (const SEnroll* e : res)
      if (e != match[0]) term.push_back(e);
    add_case(c, "resident_resident", res, match, term, c.school ? "keep_school_region" : "keep_residence", "N5");
    surv = match;
  } else {
    c.flag("resident_resident without a single match");
    add_case(c, "resident_resident", res, res, {}, "needs_confirmation", "X3.2");
  }
}

/// R4 cross_scheme on the records that survived the same-scheme cases.
void cross_scheme(Ctx& c, const Recs& surv_emp, const Recs& surv_res) {
  Recs all = surv_emp;
  all.insert(all.end(), surv_res.begin(), surv_res.end());
  if (surv_emp.size() >= 2 || surv_res.size() >= 2) {
    add_case(c, "cross_scheme", all, all, {}, "needs_confirmation", "X3");
    return;
  }
  const SEnroll* e = surv_emp[0];
  const SEnroll* r = surv_res[0];
  if (r->funded != Funded::kNone) {
    add_case(c, "cross_scheme", all, all, {}, "exempt_assisted", "N5");
  } else if (c.out.pensioner && !c.s.is_local(c.pension_region) && c.s.is_local(r->region)) {
    add_case(c, "cross_scheme", all, {e}, {r}, "pension_elsewhere", "X3.3.2");
  } else if (c.continuity(*e) >= 12) {
    add_case(c, "cross_scheme", all, {e}, {r}, "keep_employee", "X3.3.1");
  } else {
    add_case(c, "cross_scheme", all, all, {}, "exempt_transition", "X2");
  }
}

}  // namespace

void r3_r5_duplicates(Ctx& c) {
  Recs normal_recs, emp, res;
  for (const SEnroll* e : c.enr)
    if (c.normal(*e)) {
      normal_recs.push_back(e);
      (e->scheme == Scheme::kEmployee ? emp : res).push_back(e);
    }
  bool any_local_normal = false;
  for (const SEnroll* e : normal_recs) any_local_normal |= c.s.is_local(e->region);
  if (normal_recs.size() < 2 || !any_local_normal) return;
  Recs surv_emp = emp, surv_res = res;
  if (emp.size() >= 2) employee_employee(c, emp, surv_emp);
  if (res.size() >= 2) resident_resident(c, res, surv_res);
  if (!emp.empty() && !res.empty()) cross_scheme(c, surv_emp, surv_res);
}

void r3b_next_year_resident(Ctx& c) {
  const Settings& s = c.s;
  const int plan_year = c.year + 1;
  const Day jan1 = day_from_ymd(plan_year, 1, 1);
  Recs open_emp, next_res;
  for (const SEnroll* e : c.enr) {
    if (e->scheme == Scheme::kEmployee && e->end == kNoDay && c.normal(*e)) open_emp.push_back(e);
    if (e->scheme == Scheme::kResident && e->status == EnrollStatus::kActive && e->start == jan1) next_res.push_back(e);
  }
  if (open_emp.empty() || next_res.empty()) {
    if (!next_res.empty() && !c.insured) c.flag("next-year resident record without a normal employee record");
    return;
  }
  if (open_emp.size() > 1 || next_res.size() > 1) c.flag("several R3b records");
  if (!c.out.cases.empty()) c.flag("R3b together with an R3 case");
  const SEnroll* r = next_res[0];
  bool central = false;
  for (const STax* t : c.tax)
    if (t->scheme == Scheme::kResident && s.is_local(t->region) && tax_covers(*t, month_from_ym(plan_year, 1)) &&
        t->paid_on >= day_from_ymd(c.year, 9, 1) && t->paid_on <= day_from_ymd(c.year, 12, 31))
      central = true;
  if (!central || !s.is_local(r->region)) c.flag("R3b record not paid locally in the central period");
  OCase k;
  k.type = "next_year_resident";
  k.records = c.sorted_ids({open_emp[0], r});
  k.kept = {c.rid(open_emp[0])};
  k.resolution = "suspend_next_year";
  k.rule = "N5.2";
  c.out.cases.push_back(std::move(k));
  OAction a;
  a.record_id = c.rid(r);
  a.action = "suspend";
  a.handler = handler_of(s, r->region);
  a.deadline = day_from_ymd(c.year, 12, 31);
  a.refund = "refundable";
  a.rule = "N5.2";
  c.out.actions.push_back(std::move(a));
}

}  // namespace canbao::synth::oracle
