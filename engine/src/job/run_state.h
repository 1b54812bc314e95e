// Internal to engine/src/job/: a run's SPEC §7 state — opening the state file and refusing an
// earlier as_of before anything is written, the previous run's ledger and R1 states for the rules
// and changes.csv, and at the end the §7 outputs and the state's new run (one transaction).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "canbao/job/run_job.h"
#include "canbao/output/ledger_rows.h"
#include "canbao/state/state_store.h"

namespace canbao {

struct StateSession {
  std::unique_ptr<StateStore> store;
  std::optional<StateRun> before;              // the run before this one (SPEC §7)
  PreviousCases cases_before;                  // its active cases, for the rules
  struct ActiveCase {                          // … as read once from the state, for resolved rows
    PersonKey key;
    CaseType type;
    LedgerRow row;
    const StateCase* source;                   // name, resolution, rule (in `before`)
  };
  std::vector<ActiveCase> active_before;
  std::vector<PersonRunState> persons_before;  // its target persons' R1 states, by key
  // Gathered during the cross-match, in key order.
  std::vector<CaseRow> cases;
  std::vector<EscalationRow> escalations;
  std::vector<PersonRunState> persons;
};

/// Opens the state (options.state_path, default <out_dir>.state.db) and loads the run before the
/// manifest's as_of. An as_of earlier than the state's latest run is an error (one line), before
/// anything is written.
Status open_state(const RunOptions& options, const Manifest& manifest, StateSession& session);

/// Writes cases.csv, escalations.csv, changes.csv and history.csv into `staging`, then records the
/// run in the state (one transaction). Call after every other output is staged.
/// Also fills report's plan history, campaign and outreach conversion (report.html).
Status finish_state(StateSession& session, RunReport& report, const std::vector<uint64_t>& fingerprints,
                    const std::string& staging, bool bom);

}  // namespace canbao
