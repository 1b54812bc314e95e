// The run's statistics of the rules' outcomes (summary.json, report.html, the terminal summary),
// counted from the typed values (rules/outcome.h) by each worker and merged in key order.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "canbao/rules/outcome.h"
#include "canbao/records/person_view.h"

namespace canbao {

/// Counts by name, in name order (transparent lookup by string_view).
using Counts = std::map<std::string, uint64_t, std::less<>>;

struct OutcomeTally {
  Counts duplicate_types;        // duplicates.csv rows by type (R3)
  Counts duplicate_resolutions;  // … by resolution (R4)
  Counts actions;                // actions.csv rows by action
  Counts action_handlers;        // … by handler (local / region:<code>)
  Counts action_refunds;         // … by refund class ("" for R7/R8 rows, which have none)
  Counts outreach_states;        // outreach.csv rows by state (lapsed / never)
  Counts outreach_groups;        // … by R2 group
  Counts benefit_waits;          // benefits.csv rows by waiting period (benefit_start − start)
  uint64_t self_employed = 0;    // SPEC §9 persons in business at d (market)

  void add(const PersonView& person, const PersonOutcome& outcome);
  void merge(const OutcomeTally& other);
};

}  // namespace canbao
