// SPEC §8 pre-check at the source (X 六(二); N 五(一)–(三); N 四): P1–P8, one function per step,
// applied in order by precheck(); the first step that applies decides. The §4 facts are the
// rules' own (compute_facts / compute_enrollment_facts at d = t), refunds are R5's (r5_refund),
// benefit starts R6's (r6_benefit_start). See rules/precheck.h.
#include "canbao/rules/precheck.h"

#include <algorithm>
#include <optional>
#include <string>

#include "canbao/core/text.h"
#include "rules_internal.h"

namespace canbao {

namespace {

using namespace rules_internal;

constexpr std::string_view kDecisions[] = {"allow", "allow_with_actions", "deny", "invalid"};

/// One pre-check under way: the evaluation at d = t, the request and the §8 deciding records.
struct Check {
  Eval& ev;
  const PrecheckRequest& request;
  Day t = kNoDay;      // the request's date (= ev.d)
  Day start = kNoDay;  // the request's start (default t)
  std::vector<uint32_t> deciding;  // §8: normal at t and still covering start (end absent or ≥ start)
  PrecheckAnswer& answer;

  const Enrollment& rec(uint32_t idx) const { return ev.rec(idx); }
  bool local(uint32_t idx) const { return ev.rec_facts(idx).local; }
  /// The deciding records of `scheme` that are local (`want_local`) or of another region.
  std::vector<uint32_t> deciding_of(Scheme scheme, bool want_local) const {
    std::vector<uint32_t> found;
    for (uint32_t idx : deciding)
      if (rec(idx).scheme == scheme && local(idx) == want_local) found.push_back(idx);
    return found;
  }
};

void decide(Check& check, PrecheckDecision decision, std::string_view reason, std::string_view rule) {
  check.answer.decision = decision;
  check.answer.reason = reason;
  check.answer.rule = rule;
}

/// `conflicts`: the record_ids of `records` (added to those already there), ascending, once each.
void add_conflicts(Check& check, const std::vector<uint32_t>& records) {
  std::vector<std::string>& conflicts = check.answer.conflicts;
  for (uint32_t idx : records) conflicts.emplace_back(check.rec(idx).record_id);
  std::sort(conflicts.begin(), conflicts.end());
  conflicts.erase(std::unique(conflicts.begin(), conflicts.end()), conflicts.end());
}

/// An action on record `idx`; its handler as R5 (`local`, else `region:<code>`).
void add_action(Check& check, uint32_t idx, ActionKind kind, Refund refund, Day deadline) {
  PrecheckAction& action = check.answer.actions.emplace_back();
  action.record_id = std::string(check.rec(idx).record_id);
  action.action = kind;
  action.handler_region = handler_region(check.ev, check.rec(idx).region);
  action.refund = refund;
  action.deadline = deadline;
}

/// §8 benefit_start (every allow and allow_with_actions): R6 for a local active record of
/// `scheme` starting on `start`, the coverage history of every record the person holds, and for
/// resident paid_on = t.
Day benefit_start(Check& check) {
  const Scheme scheme = check.request.scheme;
  const Day paid_on = scheme == Scheme::kResident ? check.t : kNoDay;
  return r6_benefit_start(check.ev, scheme, check.start, kNoRecord, paid_on).benefit_start;
}

/// An allow / allow_with_actions answer: the decision, reason and rule, and its benefit start.
void allow(Check& check, PrecheckDecision decision, std::string_view reason, std::string_view rule) {
  decide(check, decision, reason, rule);
  check.answer.benefit_start = benefit_start(check);
}

// P1: the ID is rejected (§2, validity at t) → invalid with the §2 reason; else `region` not local →
// invalid, region_not_local. No rule is cited for invalid.
bool p1_invalid(const PrecheckRequest& request, const RunSettings& settings, Day t, PrecheckAnswer& answer) {
  const IdResult id = parse_citizen_id(request.id, t);
  if (!id.ok()) {
    answer.decision = PrecheckDecision::kInvalid;
    answer.reason = id_reject_name(id.reject);
    return true;
  }
  if (!settings.is_local(request.region)) {
    answer.decision = PrecheckDecision::kInvalid;
    answer.reason = "region_not_local";
    return true;
  }
  return false;
}

// P2: not alive at t (§4 alive) → deny, deceased, R8 (fund supervision: no enrolment of the dead).
bool p2_deceased(Check& check) {
  if (check.ev.facts.alive) return false;
  decide(check, PrecheckDecision::kDeny, "deceased", "R8");
  return true;
}

// P3: deciding local records of the scheme asked for → deny, already_enrolled, N5; conflicts: those.
bool p3_already_enrolled(Check& check) {
  const std::vector<uint32_t> held = check.deciding_of(check.request.scheme, /*want_local=*/true);
  if (held.empty()) return false;
  decide(check, PrecheckDecision::kDeny, "already_enrolled", "N5");
  add_conflicts(check, held);
  return true;
}

// P4 (resident): assisted (§4) → allow, assisted, N5 (N 五: 政府资助参保的困难群众 are exempt).
bool p4_assisted(Check& check) {
  if (!check.ev.facts.assisted) return false;
  allow(check, PrecheckDecision::kAllow, "assisted", "N5");
  return true;
}

// P5 (resident): an employee relationship. Deciding local employee records → deny,
// suspend_employee_first, N5.1 (N 五(一): the employee relationship is suspended first); else
// deciding employee records of another region with employee continuity (§4) ≥ 12 months → deny,
// keep_employee, X3.3.1; conflicts: those records. Else a pensioner whose pension region is not
// local → deny, pension_elsewhere, X3.3.2.
bool p5_employee_relationship(Check& check) {
  const std::vector<uint32_t> local_employee = check.deciding_of(Scheme::kEmployee, /*want_local=*/true);
  if (!local_employee.empty()) {
    decide(check, PrecheckDecision::kDeny, "suspend_employee_first", "N5.1");
    add_conflicts(check, local_employee);
    return true;
  }
  std::vector<uint32_t> kept_employee;
  for (uint32_t idx : check.deciding_of(Scheme::kEmployee, /*want_local=*/false))
    if (employee_continuity(check.ev, idx) >= 12) kept_employee.push_back(idx);
  if (!kept_employee.empty()) {
    decide(check, PrecheckDecision::kDeny, "keep_employee", "X3.3.1");
    add_conflicts(check, kept_employee);
    return true;
  }
  const Facts& f = check.ev.facts;
  if (f.pensioner && !check.ev.is_local(f.pension_region)) {
    decide(check, PrecheckDecision::kDeny, "pension_elsewhere", "X3.3.2");
    return true;
  }
  return false;
}

// P6 (resident): deciding resident records of another region. A university freshman (§4) → allow,
// exempt_freshman, N7. Otherwise the region to keep is the school region of an enrolled student
// (the first enrolled education record), else the habitual residence (§4; none: nothing matches).
// `region` matches it (first 4 digits) → allow_with_actions, keep_school_region / keep_residence,
// N5: terminate each of those records, deadline t + notice_days, refund as R5 at d = t; otherwise
// deny with the same token and rule; conflicts: those records.
bool p6_resident_elsewhere(Check& check) {
  const std::vector<uint32_t> elsewhere = check.deciding_of(Scheme::kResident, /*want_local=*/false);
  if (elsewhere.empty()) return false;
  const Facts& f = check.ev.facts;
  if (f.freshman) {
    allow(check, PrecheckDecision::kAllow, "exempt_freshman", "N7");
    return true;
  }
  Region keep = f.habitual_residence;
  std::string_view token = "keep_residence";
  if (f.student) {
    token = "keep_school_region";
    for (const Education& edu : check.ev.person.education) {
      if (edu.status != EduStatus::kEnrolled) continue;
      keep = edu.region;
      break;
    }
  }
  add_conflicts(check, elsewhere);
  if (!same_city(check.request.region, keep)) {
    decide(check, PrecheckDecision::kDeny, token, "N5");
    return true;
  }
  allow(check, PrecheckDecision::kAllowWithActions, token, "N5");
  for (uint32_t idx : elsewhere)
    add_action(check, idx, ActionKind::kTerminate, r5_refund(check.ev, idx),
               check.t + check.ev.settings.notice_days);
  return true;
}

// P7 (employee): a pensioner whose pension region is not local → deny, pension_elsewhere, X3.1.3.
bool p7_pension_elsewhere(Check& check) {
  const Facts& f = check.ev.facts;
  if (!f.pensioner || check.ev.is_local(f.pension_region)) return false;
  decide(check, PrecheckDecision::kDeny, "pension_elsewhere", "X3.1.3");
  return true;
}

// P8 (employee): every action that applies, with the reason and rule of the first step (in this
// order) that has one; none → allow. Conflicts: the records with actions.
void p8_employee_actions(Check& check) {
  Eval& ev = check.ev;
  const Day notice_deadline = check.t + ev.settings.notice_days;
  std::string_view reason, rule;
  std::vector<uint32_t> acted;
  const auto step = [&](const std::vector<uint32_t>& records, std::string_view step_reason,
                        std::string_view step_rule) {
    if (!records.empty() && reason.empty()) {
      reason = step_reason;
      rule = step_rule;
    }
    acted.insert(acted.end(), records.begin(), records.end());
  };

  // 1. Each deciding employee record of another region → transfer, X3.1.1: terminate, refund
  //    transfer_account, deadline t + notice_days (N 四(三), X3.1.1: 就业地 is where the person now
  //    works).
  const std::vector<uint32_t> employee_elsewhere = check.deciding_of(Scheme::kEmployee, /*want_local=*/false);
  for (uint32_t idx : employee_elsewhere)
    add_action(check, idx, ActionKind::kTerminate, Refund::kTransferAccount, notice_deadline);
  step(employee_elsewhere, "transfer", "X3.1.1");

  // 2. Each deciding resident record of another region → resident_elsewhere, X3.3.1: terminate
  //    (handler region:<code>), refund as in P6 (R5 at d = t), deadline t + notice_days (跨制度: the
  //    employee relationship is kept).
  const std::vector<uint32_t> resident_elsewhere = check.deciding_of(Scheme::kResident, /*want_local=*/false);
  for (uint32_t idx : resident_elsewhere)
    add_action(check, idx, ActionKind::kTerminate, r5_refund(ev, idx), notice_deadline);
  step(resident_elsewhere, "resident_elsewhere", "X3.3.1");

  // 3. Each active local resident record starting 1 January of the year after t (paid or not) →
  //    suspend_next_year, N5.2: suspend, refund refundable, deadline 31 December of t's year
  //    (N 五(二)). These records need not be deciding: step 3 names its own.
  const Day next_january = day_from_ymd(ev.year_d + 1, 1, 1);
  std::vector<uint32_t> next_year;
  for (uint32_t idx = 0; idx < ev.person.enrollment.size(); ++idx) {
    const Enrollment& record = check.rec(idx);
    if (record.scheme == Scheme::kResident && check.local(idx) && record.status == EnrollStatus::kActive &&
        record.start == next_january)
      next_year.push_back(idx);
  }
  for (uint32_t idx : next_year)
    add_action(check, idx, ActionKind::kSuspend, Refund::kRefundable, day_from_ymd(ev.year_d, 12, 31));
  step(next_year, "suspend_next_year", "N5.2");

  // 4. Each deciding local resident record → suspend_resident, N5.3: suspend, refund
  //    not_refundable, deadline t (同步暂停).
  const std::vector<uint32_t> resident_local = check.deciding_of(Scheme::kResident, /*want_local=*/true);
  for (uint32_t idx : resident_local)
    add_action(check, idx, ActionKind::kSuspend, Refund::kNotRefundable, check.t);
  step(resident_local, "suspend_resident", "N5.3");

  if (acted.empty()) {
    allow(check, PrecheckDecision::kAllow, {}, {});
    return;
  }
  allow(check, PrecheckDecision::kAllowWithActions, reason, rule);
  add_conflicts(check, acted);
  if (resident_local.empty()) return;
  // Step 4: resident_benefits_until = the later of t and benefit_start − 1 day, but not after the
  // end of those records when they all have one (N 五(三): the current year's resident benefits
  // continue through the employee waiting period); with several, the latest end.
  Day until = std::max(check.t, check.answer.benefit_start - 1);
  Day latest_end = kNoDay;
  bool all_end = true;
  for (uint32_t idx : resident_local) {
    const Day end = check.rec(idx).end;
    all_end = all_end && end != kNoDay;
    if (end != kNoDay) latest_end = latest_end == kNoDay ? end : std::max(latest_end, end);
  }
  if (all_end) until = std::min(until, latest_end);
  check.answer.resident_benefits_until = until;
}

}  // namespace

std::string_view precheck_decision_name(PrecheckDecision decision) {
  const auto index = static_cast<size_t>(decision);
  return index < std::size(kDecisions) ? kDecisions[index] : std::string_view{};
}

Result<PrecheckRequest> parse_precheck_request(const PrecheckRequestText& text) {
  PrecheckRequest request;
  request.id = std::string(text.id);
  const std::string_view scheme = trim_space(text.scheme);
  if (scheme == "employee") {
    request.scheme = Scheme::kEmployee;
  } else if (scheme == "resident") {
    request.scheme = Scheme::kResident;
  } else {
    return Status::Error("precheck: unknown scheme '" + std::string(text.scheme) + "' (employee or resident)");
  }
  const std::string_view region = trim_space(text.region);
  if (region.size() != 6 || !std::all_of(region.begin(), region.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Status::Error("precheck: region '" + std::string(text.region) + "' is not 6 digits");
  request.region = static_cast<Region>(std::stoi(std::string(region)));
  const auto parse_day_field = [](std::string_view name, std::string_view value, Day& out) {
    if (trim_space(value).empty()) return Status::OK();  // absent: the default
    const std::optional<Day> day = parse_date(value);
    if (!day) {
      return Status::Error("precheck: unparsable " + std::string(name) + " '" + std::string(value) +
                           "' (YYYY-MM-DD)");
    }
    if (!as_of_in_range(*day)) {
      return Status::Error("precheck: " + std::string(name) + " '" + std::string(value) + "' is outside " +
                           std::string(kAsOfRangeText));
    }
    out = *day;
    return Status::OK();
  };
  CANBAO_RETURN_IF_ERROR(parse_day_field("date", text.date, request.date));
  CANBAO_RETURN_IF_ERROR(parse_day_field("start", text.start, request.start));
  return request;
}

// §8: "The first rule that applies decides." P1 on the request alone, then the person's §4 facts at
// d = t (ID validity too), the deciding records, P2, P3, then P4–P6 for resident or P7–P8 for employee.
PrecheckAnswer precheck(const PersonView& person, const RunSettings& settings, const PrecheckRequest& request,
                        const EvalContext& context) {
  PrecheckAnswer answer;
  const Day t = request.date;
  if (p1_invalid(request, settings, t, answer)) return answer;

  RunSettings at_t = settings;  // §8: the §4 facts taken at d = t
  at_t.as_of = t;
  at_t.plan_year = 0;  // the year after t
  thread_local PersonOutcome unused;
  // The §9 mother step needs the person's key (an empty view of an unknown ID may not carry it).
  const MotherDistricts* mothers = person.key != kNoPerson ? context.mothers : nullptr;
  Eval ev{person, at_t, thread_scratch(), unused, mothers, nullptr};
  set_eval_day(ev);
  compute_facts(ev);
  compute_enrollment_facts(ev);

  Check check{ev, request, t, request.start != kNoDay ? request.start : t, {}, answer};
  // The records that decide: normal at t and still covering start (`end` absent or ≥ start: a
  // renewal for next year does not conflict with this year's record).
  for (uint32_t idx = 0; idx < person.enrollment.size(); ++idx) {
    const Enrollment& record = person.enrollment[idx];
    if (ev.rec_facts(idx).normal && (record.end == kNoDay || record.end >= check.start))
      check.deciding.push_back(idx);
  }

  if (p2_deceased(check) || p3_already_enrolled(check)) return answer;
  if (request.scheme == Scheme::kResident) {
    if (!p4_assisted(check) && !p5_employee_relationship(check) && !p6_resident_elsewhere(check))
      allow(check, PrecheckDecision::kAllow, {}, {});  // resident: else allow
  } else if (!p7_pension_elsewhere(check)) {
    p8_employee_actions(check);
  }
  std::sort(answer.actions.begin(), answer.actions.end(),
            [](const PrecheckAction& a, const PrecheckAction& b) { return a.record_id < b.record_id; });
  return answer;
}

}  // namespace canbao
