#include "canbao/output/outcome_tally.h"

#include "canbao/output/csv_rows.h"

namespace canbao {

namespace {

void count(Counts& counts, std::string_view name, uint64_t by = 1) {
  auto it = counts.find(name);
  if (it == counts.end()) it = counts.emplace(std::string(name), 0).first;
  it->second += by;
}

// R6 rows by how long after the record's start the benefits begin.
std::string_view wait_bucket(Day start, Day benefit_start) {
  const int days = benefit_start - start;
  if (days <= 0) return "0 immediate";
  if (days <= 92) return "1 within 3 months";
  if (days <= 185) return "2 3-6 months";
  return "3 over 6 months";
}

}  // namespace

void OutcomeTally::add(const PersonView& person, const PersonOutcome& outcome) {
  if (outcome.self_employed && outcome.alive) ++self_employed;
  if (outcome.in_outreach) {
    count(outreach_states, coverage_state_name(outcome.state));
    count(outreach_groups, outreach_group_name(outcome.outreach.group));
  }
  for (const DuplicateCase& dup : outcome.cases) {
    count(duplicate_types, case_type_name(dup.type));
    count(duplicate_resolutions, dup.resolution);
  }
  std::string handler;
  for (const ActionRow& action : outcome.actions) {
    count(actions, action_kind_name(action.action));
    format_handler(action.handler_region, handler);
    count(action_handlers, handler);
    count(action_refunds, refund_name(action.refund));
  }
  for (const BenefitRow& benefit : outcome.benefits) {
    const Day start = person.enrollment[benefit.record].start;
    if (start != kNoDay && benefit.benefit_start != kNoDay) count(benefit_waits, wait_bucket(start, benefit.benefit_start));
  }
}

void OutcomeTally::merge(const OutcomeTally& other) {
  for (auto [mine, theirs] : {std::pair{&duplicate_types, &other.duplicate_types},
                              std::pair{&duplicate_resolutions, &other.duplicate_resolutions},
                              std::pair{&actions, &other.actions}, std::pair{&action_handlers, &other.action_handlers},
                              std::pair{&action_refunds, &other.action_refunds},
                              std::pair{&outreach_states, &other.outreach_states},
                              std::pair{&outreach_groups, &other.outreach_groups},
                              std::pair{&benefit_waits, &other.benefit_waits}})
    for (const auto& [name, value] : *theirs) count(*mine, name, value);
  self_employed += other.self_employed;
}

}  // namespace canbao
