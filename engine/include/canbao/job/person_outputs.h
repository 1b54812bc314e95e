// The per-partition work of a run: each person of a key-range partition evaluated by the rules
// (typed outcome), formatted as SPEC §6 rows, counted for the statistics, added to the plan and,
// when asked, to the district outreach lists. One task per partition, run on a worker thread by
// match/matcher.h; run_job writes the finished tasks in key order.
#pragma once

#include "canbao/match/matcher.h"
#include "canbao/output/csv_rows.h"
#include "canbao/output/ledger_rows.h"
#include "canbao/output/outcome_tally.h"
#include "canbao/output/outreach_exports.h"
#include "canbao/rules/rules.h"

namespace canbao {

class PersonOutputs final : public PartitionTask {
 public:
  /// Every reference must outlive the task.
  PersonOutputs(const RunSettings& settings, const OutreachExportOptions& exports, const EvalContext& context)
      : settings_(settings), exports_(exports), context_(context) {}

  void person(const PersonView& view) override {
    evaluate_person(view, settings_, outcome_, context_);
    formatter_.append(view, outcome_, text);
    tally.add(view, outcome_);
    plan.add(outcome_);
    if (exports_.split_by_district && outcome_.in_outreach) districts.add(formatter_, view, outcome_, exports_);
    collect_case_rows(view, outcome_, cases, escalations);  // SPEC §7 ledger rows
    if (outcome_.target) states.push_back({view.key, run_state_of(outcome_), outcome_.home_district});
  }

  /// Empties the task for another partition, keeping the buffers' capacity (a run recycles its
  /// tasks: growing fresh multi-MB buffers per partition costs a page fault per page touched).
  void reset() {
    text.clear();
    tally = OutcomeTally{};
    plan = PlanTable{};
    districts.clear();
    cases.clear();
    escalations.clear();
    states.clear();
  }

  OutcomeText text;        // rows of the per-person outputs, key order
  OutcomeTally tally;      // statistics
  PlanTable plan;          // R9
  DistrictRows districts;  // outreach/<district>.csv rows
  std::vector<CaseRow> cases;              // SPEC §7 cases found now, key order
  std::vector<EscalationRow> escalations;  // … the terminated records of the escalated ones
  std::vector<PersonRunState> states;      // R1 state of every target person, key order (changes.csv)

 private:
  const RunSettings& settings_;
  const OutreachExportOptions& exports_;
  const EvalContext& context_;
  PersonOutcome outcome_;
  CsvFormatter formatter_;
};

}  // namespace canbao
