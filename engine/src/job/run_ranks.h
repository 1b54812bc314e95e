// Internal to engine/src/job/: a run across MPI ranks (issue #17, docs/DISTRIBUTED.md) — what the
// ranks share besides the index: the SPEC §7 ledger rank 0 reads, and what each rank's cross-match
// adds to the run (counts, the plan, the state's rows), gathered to rank 0 in rank (= key) order.
#pragma once

#include <deque>
#include <string>

#include "canbao/core/ranks.h"
#include "canbao/job/run_job.h"
#include "run_state.h"

namespace canbao {

/// The previous run's active cases (rank 0 read them from the state) on every rank.
Status share_cases_before(Ranks& ranks, StateSession& state);

/// Rank 0 gets every rank's cross-match results (report.output_rows, outcomes, plan, match; the
/// state's cases, escalations and persons) merged in rank order, in place of its own; the texts
/// the rows point at are kept in `held`. The other ranks' are left as they were.
Status gather_results(Ranks& ranks, RunReport& report, StateSession& state, std::deque<std::string>& held);

/// Rank 0's output file `path`: its header, then each rank's part (part_path(r)), in rank order.
Status concatenate_parts(const std::string& path, std::string_view header, bool bom, int ranks,
                         const std::function<std::string(int)>& part_path);

}  // namespace canbao
