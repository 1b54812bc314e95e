// evaluate_person(): SPEC §4 facts and R1–R9 of one person, in order, into a typed PersonOutcome;
// the names of the outcome's tokens (rules/outcome.h).
#include <algorithm>

#include "rules_internal.h"

namespace canbao {

namespace {

// Token tables indexed by the enums of rules/outcome.h (same order as their enumerators).
constexpr std::string_view kCoverageStates[] = {"insured", "lapsed", "never"};
constexpr std::string_view kOutreachGroups[] = {"newborn",       "assisted",  "student", "employed",
                                                "self_employed", "pensioner", "other"};
constexpr std::string_view kSuggestedSchemes[] = {"employee", "resident", "resident_funded"};
constexpr std::string_view kCaseTypes[] = {"cross_scheme", "employee_employee", "next_year_resident", "resident_resident"};
constexpr std::string_view kActionKinds[] = {"terminate", "suspend", "suspend_benefits", "terminate_deceased"};
constexpr std::string_view kEscalations[] = {"", "tax_stop", "notify_region"};
constexpr std::string_view kRefunds[] = {"", "refundable", "not_refundable", "account_balance", "transfer_account"};
constexpr std::string_view kCaseStatuses[] = {"open", "escalated", "overdue", "exempt", "resolved"};

template <size_t N, typename E>
bool parse_token(const std::string_view (&names)[N], std::string_view text, E& out) {
  for (size_t idx = 0; idx < N; ++idx)
    if (names[idx] == text) {
      out = static_cast<E>(idx);
      return true;
    }
  return false;
}

template <size_t N, typename E>
std::string_view token(const std::string_view (&names)[N], E value) {
  const auto index = static_cast<size_t>(value);
  return index < N ? names[index] : std::string_view{};
}

}  // namespace

std::string_view coverage_state_name(CoverageState state) { return token(kCoverageStates, state); }
std::string_view outreach_group_name(OutreachGroup group) { return token(kOutreachGroups, group); }
std::string_view suggested_scheme_name(SuggestedScheme scheme) { return token(kSuggestedSchemes, scheme); }
std::string_view case_type_name(CaseType type) { return token(kCaseTypes, type); }
std::string_view action_kind_name(ActionKind kind) { return token(kActionKinds, kind); }
std::string_view escalation_name(Escalation escalation) { return token(kEscalations, escalation); }
std::string_view refund_name(Refund refund) { return token(kRefunds, refund); }
std::string_view case_status_name(CaseStatus status) { return token(kCaseStatuses, status); }
bool parse_case_status(std::string_view text, CaseStatus& out) { return parse_token(kCaseStatuses, text, out); }
bool parse_case_type(std::string_view text, CaseType& out) { return parse_token(kCaseTypes, text, out); }

void PersonOutcome::clear() {
  static_cast<PersonFacts&>(*this) = PersonFacts{};
  state = CoverageState::kNever;
  normal.clear();
  in_registry = false;
  in_outreach = false;
  outreach = OutreachRow{};
  cases.clear();
  actions.clear();
  benefits.clear();
  in_plan = false;
  plan_district = kNoRegion;
  plan = PlanTally{};
}

void MotherDistricts::finish() {
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  entries_.erase(std::unique(entries_.begin(), entries_.end(),
                             [](const auto& a, const auto& b) { return a.first == b.first; }),
                 entries_.end());
}

Region MotherDistricts::find(PersonKey mother) const {
  const auto found = std::lower_bound(entries_.begin(), entries_.end(), mother,
                                      [](const auto& entry, PersonKey key) { return entry.first < key; });
  return found != entries_.end() && found->first == mother ? found->second : kNoRegion;
}

namespace rules_internal {

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace rules_internal

void evaluate_person(const PersonView& person, const RunSettings& settings, PersonOutcome& out,
                     const EvalContext& context) {
  using namespace rules_internal;
  out.clear();
  Scratch& scratch = thread_scratch();
  Eval ev{person, settings, scratch, out, context.mothers, context.cases_before};
  set_eval_day(ev);

  compute_facts(ev);              // §4
  compute_enrollment_facts(ev);   // §4 paid / normal
  ev.state = r1_coverage_state(ev);
  const Facts& f = ev.facts;
  static_cast<PersonFacts&>(out) = f;  // the facts that reach an output
  out.state = ev.state;
  bool holds_local = false;
  for (uint32_t idx = 0; idx < person.enrollment.size(); ++idx) {
    if (scratch.enroll[idx].normal) out.normal.push_back(idx);
    holds_local |= scratch.enroll[idx].local;
  }
  // registry.csv: every target person and every holder of a local enrollment record (any status).
  out.in_registry = f.target || holds_local;
  r2_outreach(ev);
  int64_t subsidy_yuan = 0;
  const bool has_case = r3_duplicate_cases(ev, subsidy_yuan);  // R3, R3b, R4, R5
  x5_case_ledger(ev);                                           // §7 ledger, action deadlines
  r6_benefit_rows(ev);
  r7_benefit_suspension(ev);
  r8_deceased_still_enrolled(ev);
  r9_plan_contribution(ev, has_case, subsidy_yuan);
}

}  // namespace canbao
