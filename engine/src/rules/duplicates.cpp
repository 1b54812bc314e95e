// R3 duplicate cases (重复参保, N 五, X 二), R3b next-year resident (N 五(二)), R4 resolutions and
// R5 actions (X 四, X 五) of SPEC §5.
#include <algorithm>

#include "rules_internal.h"

namespace canbao::rules_internal {

namespace {

/// Exempt and needs_confirmation cases list every record in `kept`, none terminated (R3).
void keep_all(DupCase& dup, std::string_view resolution, std::string_view rule) {
  dup.kept = dup.records;
  dup.terminated.clear();
  dup.resolution = resolution;
  dup.rule = rule;
}

/// Keeps `keep_idx`, terminates the other records of the case.
void keep_one(DupCase& dup, uint32_t keep_idx, std::string_view resolution, std::string_view rule) {
  dup.kept.clear();
  dup.terminated.clear();
  for (uint32_t idx : dup.records) (idx == keep_idx ? dup.kept : dup.terminated).push_back(idx);
  dup.resolution = resolution;
  dup.rule = rule;
}

// R4 employee_employee: pension_elsewhere (X 三(一)3), two retirees (X 三(一)2), flexible
// (X 三(一)1), keep_employment_region with the unit tie-break (就业地, N 五), else
// needs_confirmation (X 三(一)1).
void r4_resolve_employee_employee(Eval& ev, DupCase& dup) {
  const Facts& f = ev.facts;
  if (f.pensioner && !ev.is_local(f.pension_region)) {
    bool local_in_service = false;
    for (uint32_t idx : dup.records)
      if (ev.rec_facts(idx).local && ev.rec(idx).category == Category::kInService) local_in_service = true;
    if (local_in_service) {  // X 三(一)3: terminate the local record(s)
      dup.kept.clear();
      dup.terminated.clear();
      for (uint32_t idx : dup.records) (ev.rec_facts(idx).local ? dup.terminated : dup.kept).push_back(idx);
      dup.resolution = "pension_elsewhere";
      dup.rule = "X3.1.3";
      return;
    }
  }
  int retired = 0;
  bool flexible = false;
  for (uint32_t idx : dup.records) {
    retired += ev.rec(idx).category == Category::kRetired;
    flexible |= ev.rec(idx).category == Category::kFlexible;
  }
  if (retired >= 2) return keep_all(dup, "needs_confirmation", "X3.1.2");
  if (flexible) return keep_all(dup, "needs_confirmation", "X3.1.1");

  // 就业地: the records whose region matches an active employment's region; several → the one
  // whose unit is that employment's unit.
  std::vector<uint32_t>& matches = ev.scratch.work;
  matches.clear();
  for (uint32_t idx : dup.records) {
    for (uint32_t hr_idx : ev.scratch.employments) {
      if (same_city(ev.rec(idx).region, ev.person.hr[hr_idx].region)) {
        matches.push_back(idx);
        break;
      }
    }
  }
  if (matches.size() > 1) {
    size_t kept = 0;
    for (uint32_t idx : matches) {
      const Enrollment& record = ev.rec(idx);
      bool unit_match = false;
      for (uint32_t hr_idx : ev.scratch.employments) {
        const Hr& hr = ev.person.hr[hr_idx];
        if (same_city(record.region, hr.region) && !record.unit.empty() && record.unit == hr.unit) unit_match = true;
      }
      if (unit_match) matches[kept++] = idx;
    }
    matches.resize(kept);
  }
  if (matches.size() == 1) return keep_one(dup, matches[0], "keep_employment_region", "N5");
  keep_all(dup, "needs_confirmation", "X3.1.1");
}

// R4 resident_resident: exempt_freshman (N 七), keep_school_region (学籍地, N 五),
// keep_residence (常住地, N 五), no single match → needs_confirmation (X 三(二)).
void r4_resolve_resident_resident(Eval& ev, DupCase& dup) {
  const Facts& f = ev.facts;
  if (f.freshman) return keep_all(dup, "exempt_freshman", "N7");
  std::vector<uint32_t>& matches = ev.scratch.work;
  matches.clear();
  for (uint32_t idx : dup.records) {
    const Region region = ev.rec(idx).region;
    bool match = false;
    if (f.student) {
      for (const Education& edu : ev.person.education)
        if (edu.status == EduStatus::kEnrolled && same_city(region, edu.region)) match = true;
    } else {
      match = same_city(region, f.habitual_residence);
    }
    if (match) matches.push_back(idx);
  }
  if (matches.size() == 1)
    return keep_one(dup, matches[0], f.student ? "keep_school_region" : "keep_residence", "N5");
  keep_all(dup, "needs_confirmation", "X3.2");
}

// R4 cross_scheme on the records surviving the same-scheme cases: several of one scheme →
// needs_confirmation (X 三); funded resident → exempt_assisted (N 五); pension elsewhere + local
// resident → pension_elsewhere (X 三(三)2); employee continuity ≥ 12 → keep_employee
// (N 五, X 三(三)1); else exempt_transition (X 二).
void r4_resolve_cross_scheme(Eval& ev, DupCase& dup, const std::vector<uint32_t>& employee,
                             const std::vector<uint32_t>& resident) {
  if (employee.size() > 1 || resident.size() > 1) return keep_all(dup, "needs_confirmation", "X3");
  const uint32_t emp_idx = employee[0];
  const uint32_t res_idx = resident[0];
  if (ev.rec(res_idx).funded != Funded::kNone) return keep_all(dup, "exempt_assisted", "N5");
  const Facts& f = ev.facts;
  if (f.pensioner && !ev.is_local(f.pension_region) && ev.rec_facts(res_idx).local)
    return keep_one(dup, emp_idx, "pension_elsewhere", "X3.3.2");
  if (employee_continuity(ev, emp_idx) >= 12) return keep_one(dup, emp_idx, "keep_employee", "X3.3.1");
  keep_all(dup, "exempt_transition", "X2");
}

/// Every day of resident record `res_idx` from its start to d is covered by an active employee
/// record of the person (R5 refundable, N 六(一)3).
bool under_employee_cover(const Eval& ev, uint32_t res_idx) {
  const Enrollment& resident = ev.rec(res_idx);
  if (resident.start == kNoDay) return false;
  const Day last = resident.end == kNoDay ? ev.d : std::min(ev.d, resident.end);
  Day day = resident.start;
  while (day <= last) {
    Day reach = kNoDay;  // furthest end of an active employee record covering `day`
    bool open = false;
    for (const Enrollment& record : ev.person.enrollment) {
      if (record.scheme != Scheme::kEmployee || record.status != EnrollStatus::kActive) continue;
      if (!covers(record, day)) continue;
      if (record.end == kNoDay) {
        open = true;
        break;
      }
      if (reach == kNoDay || record.end > reach) reach = record.end;
    }
    if (open) return true;
    if (reach == kNoDay) return false;
    day = reach + 1;
  }
  return true;
}

// R5 actions for every terminated record: handler, deadline d + notice_days (X 五(二)),
// escalation (X 五(三)), refund class (N 六(一)3, X 四(二)), subsidy deduction (N 七).
void r5_actions(Eval& ev, const DupCase& dup, int case_index, int64_t& subsidy_yuan) {
  for (uint32_t idx : dup.terminated) {
    const Enrollment& record = ev.rec(idx);
    const bool local = ev.rec_facts(idx).local;
    ActionRow& action = ev.out.actions.emplace_back();
    action.record = idx;
    action.action = ActionKind::kTerminate;
    action.handler_region = handler_region(ev, record.region);
    action.deadline = ev.d + ev.settings.notice_days;
    action.escalation = local ? Escalation::kTaxStop : Escalation::kNotifyRegion;
    action.rule = dup.rule;
    action.case_index = case_index;
    action.refund = r5_refund(ev, idx);
    if (record.scheme == Scheme::kResident && local) action.subsidy_deduction_yuan = ev.settings.resident_subsidy_yuan;
    subsidy_yuan += action.subsidy_deduction_yuan;
  }
}

// R3b (N 五(二)): a normal open-ended employee record and an active resident record starting
// 1 January of plan_year → next_year_resident / suspend_next_year: suspend the resident record,
// refundable, deadline 31 December of the year of d.
bool r3b_next_year_resident(Eval& ev, DupCase& dup) {
  reset_case(dup, CaseType::kNextYearResident);
  const Day next_year = day_from_ymd(ev.plan_year, 1, 1);
  std::vector<uint32_t>& residents = ev.scratch.work;
  residents.clear();
  for (uint32_t idx = 0; idx < ev.person.enrollment.size(); ++idx) {
    const Enrollment& record = ev.rec(idx);
    if (record.scheme == Scheme::kEmployee && ev.rec_facts(idx).normal && record.end == kNoDay) {
      dup.records.push_back(idx);
      dup.kept.push_back(idx);
    } else if (record.scheme == Scheme::kResident && record.status == EnrollStatus::kActive &&
               record.start == next_year) {
      residents.push_back(idx);
    }
  }
  if (dup.kept.empty() || residents.empty()) return false;
  dup.records.insert(dup.records.end(), residents.begin(), residents.end());
  dup.resolution = "suspend_next_year";
  dup.rule = "N5.2";
  for (uint32_t idx : residents) {
    ActionRow& action = ev.out.actions.emplace_back();
    action.record = idx;
    action.action = ActionKind::kSuspend;
    action.handler_region = handler_region(ev, ev.rec(idx).region);
    action.deadline = day_from_ymd(ev.year_d, 12, 31);
    action.refund = Refund::kRefundable;
    action.rule = "N5.2";
    action.case_index = ev.scratch.case_count;  // this case's index once it is found
  }
  return true;
}

}  // namespace

// R5 refund class (N 六(一)3, X 四(二)); see rules_internal.h.
Refund r5_refund(Eval& ev, uint32_t rec_idx) {
  if (ev.rec(rec_idx).scheme == Scheme::kResident) {
    const bool refundable = r6_benefit_start(ev, rec_idx).benefit_start > ev.d || under_employee_cover(ev, rec_idx);
    return refundable ? Refund::kRefundable : Refund::kNotRefundable;
  }
  const bool balance = ev.facts.pensioner && !ev.is_local(ev.facts.pension_region);
  return balance ? Refund::kAccountBalance : Refund::kTransferAccount;
}

// R3: a person with two or more normal records, at least one local. A scheme with several
// normal records makes a same-scheme case; normal records of both schemes make a cross_scheme
// case decided on the survivors of the same-scheme cases. Then R3b.
bool r3_duplicate_cases(Eval& ev, int64_t& subsidy_yuan) {
  Scratch& s = ev.scratch;
  s.case_count = 0;
  s.emp_normal.clear();
  s.res_normal.clear();
  bool any_local = false;
  for (uint32_t idx = 0; idx < ev.person.enrollment.size(); ++idx) {
    const EnrollFacts& rf = ev.rec_facts(idx);
    if (!rf.normal) continue;
    any_local |= rf.local;
    if (ev.rec(idx).scheme == Scheme::kEmployee) s.emp_normal.push_back(idx);
    if (ev.rec(idx).scheme == Scheme::kResident) s.res_normal.push_back(idx);
  }
  if (any_local && s.emp_normal.size() + s.res_normal.size() >= 2) {
    s.survivors_emp = s.emp_normal;
    s.survivors_res = s.res_normal;
    if (s.emp_normal.size() >= 2) {
      DupCase& dup = s.cases[s.case_count++];
      reset_case(dup, CaseType::kEmployeeEmployee);
      dup.records = s.emp_normal;
      r4_resolve_employee_employee(ev, dup);
      s.survivors_emp = dup.kept;
    }
    if (s.res_normal.size() >= 2) {
      DupCase& dup = s.cases[s.case_count++];
      reset_case(dup, CaseType::kResidentResident);
      dup.records = s.res_normal;
      r4_resolve_resident_resident(ev, dup);
      s.survivors_res = dup.kept;
    }
    // A scheme whose same-scheme case terminated every record leaves nothing to cross-check.
    if (!s.survivors_emp.empty() && !s.survivors_res.empty()) {
      DupCase& dup = s.cases[s.case_count++];
      reset_case(dup, CaseType::kCrossScheme);
      dup.records = s.survivors_emp;
      dup.records.insert(dup.records.end(), s.survivors_res.begin(), s.survivors_res.end());
      r4_resolve_cross_scheme(ev, dup, s.survivors_emp, s.survivors_res);
    }
  }
  if (r3b_next_year_resident(ev, s.cases[s.case_count])) ++s.case_count;

  for (int case_idx = 0; case_idx < s.case_count; ++case_idx) {
    DupCase& dup = s.cases[case_idx];
    r5_actions(ev, dup, case_idx, subsidy_yuan);
    ev.out.cases.push_back(dup);
  }
  return s.case_count > 0;
}

}  // namespace canbao::rules_internal
