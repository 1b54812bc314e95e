// The state of SPEC §7 ("The registry over time", issue #13): an SQLite database beside a run's
// outputs that each run reads (the run before it) and then extends by one run in one transaction.
// This module is storage only: what a run is, which cases it has and how they move from run to run
// is decided by its callers; here they are stored, loaded and kept consistent.
//
// A state file holds, per run: its as_of, manifest path, feeds (path, agency, mode, fingerprint,
// counts), plan.csv rows, free-form counts (JSON text), the case ledger rows of the run and every
// person's R1 state and home district (a compact checksummed snapshot, see docs/DECISIONS.md
// "State"). Persons and the active case rows are kept for the latest two runs only — all a next
// run can ask for — the rest for every run. Schema, pragmas and the pruning are in
// docs/DECISIONS.md; state_store.cpp has the SQL.
//
// Concurrency: a StateStore opened for writing holds the state's write lock from Open until it is
// destroyed, so a second run on the same state fails at Open ("locked by another canbao run")
// instead of interleaving; readers (kReadOnly: `query`, `serve`) are never blocked by a run (WAL)
// and see each committed run whole. A StateStore is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "canbao/core/date.h"
#include "canbao/core/status.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/records/records.h"

struct sqlite3;

namespace canbao {

namespace state_detail {
class Stmt;  // a prepared statement (state_store.cpp)
}

/// `PRAGMA application_id` of a canbao state file: "canb" in ASCII.
inline constexpr int32_t kStateApplicationId = 0x63616E62;
/// `PRAGMA user_version`: the schema version this canbao writes and reads.
inline constexpr int kStateSchemaVersion = 1;

/// One manifest feed of a run (SPEC §7 summary.json `feeds`).
struct StateFeed {
  std::string path;  // as written in the manifest
  std::string agency;
  std::string mode;  // append / update
  uint64_t fingerprint = 0;
  uint64_t read = 0, accepted = 0, linked = 0, quarantined = 0, replaced = 0, deleted = 0;
  bool operator==(const StateFeed&) const = default;
};

/// The active case statuses, and `resolved` (SPEC §7 case ledger).
inline constexpr std::string_view kCaseStatuses[] = {"open", "escalated", "overdue", "exempt", "resolved"};
bool is_case_status(std::string_view status);
bool is_active_case_status(std::string_view status);  // every status but resolved

/// One ledger row (SPEC §7 cases.csv columns).
struct StateCase {
  std::string id, name, type, status;
  Day opened_on = kNoDay, deadline = kNoDay, escalated_on = kNoDay, resolved_on = kNoDay;  // kNoDay: empty
  std::string resolution, rule;
  bool operator==(const StateCase&) const = default;
};

/// R1 state of a person at a run (changes.csv `before`/`after`).
enum PersonR1 : uint8_t { kR1NotInTarget = 0, kR1Insured = 1, kR1Lapsed = 2, kR1Never = 3 };

struct PersonState {
  PersonKey key = kNoPerson;
  uint8_t state = kR1NotInTarget;  // a PersonR1
  Region home_district = kNoRegion;
  bool operator==(const PersonState&) const = default;
};

/// Everything the state keeps of one run.
struct StateRun {
  Day as_of = kNoDay;
  std::string manifest_path;
  std::vector<StateFeed> feeds;                      // in manifest order
  std::vector<std::vector<std::string>> plan_rows;   // plan.csv cells per row, plan.csv order; ≥ 1 cell each
  std::vector<StateCase> cases;                      // every case row of the run (found now or resolved now)
  std::vector<PersonState> persons;                  // strictly ascending by key; states 0–3
  std::string counts_json;                           // free-form (the summary's counts), stored as text
  bool operator==(const StateRun&) const = default;
};

class StateStore {
 public:
  enum class Access {
    kReadWrite,  // a run: creates the file if absent, holds the write lock until destroyed
    kReadOnly,   // query / serve: never writes, never blocks a run; the file must exist
  };
  /// What run_before loads.
  enum class Load {
    kFull,     // everything
    kSummary,  // as_of, manifest path, feeds, plan rows, counts; no cases, no persons
  };

  /// Opens or creates the state file. Every error is one line naming the file:
  ///   "…: not a canbao state file; refusing to overwrite it" (not SQLite, or another
  ///     application's SQLite database: a foreign application_id or missing canbao tables),
  ///   "…: state schema version N is newer than this canbao (M)",
  ///   "…: locked by another canbao run", "…: cannot open the state file: …", "…: no state file".
  /// A refused file is never written.
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path, Access access = Access::kReadWrite);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::string& path() const { return path_; }

  /// as_of of the latest run; nullopt for an empty state.
  Result<std::optional<Day>> latest_as_of();
  /// as_of of every run, ascending.
  Result<std::vector<Day>> runs();
  /// The run "before" a run at `as_of` (SPEC §7): the latest run with an earlier as_of, or nullopt
  /// when there is none. kFull of a run older than the latest two (whose persons and active cases
  /// were pruned) is an error; its summary can still be loaded.
  Result<std::optional<StateRun>> run_before(Day as_of, Load load = Load::kFull);
  /// Plan rows of every run, as_of ascending (history.csv, the report's rate per district).
  Result<std::vector<std::pair<Day, std::vector<std::vector<std::string>>>>> plan_history();
  /// Per run, as_of ascending: the number of its case rows by status (every status of
  /// kCaseStatuses, 0 included) and "opened": rows whose opened_on is the run's as_of.
  Result<std::vector<std::pair<Day, std::map<std::string, uint64_t>>>> case_counts_by_run();
  /// The active cases (open / escalated / overdue / exempt) of one person (`id` as in cases.csv)
  /// at the latest run, in the run's order.
  Result<std::vector<StateCase>> cases_of(std::string_view id);

  /// Records a run in one transaction. A run with the same as_of as the latest replaces it; an
  /// earlier as_of is refused ("…: as_of D is earlier than the latest run in the state (D2)") with
  /// the file unchanged. Either the whole run is in the file afterwards or nothing changed (killed
  /// process, full disk, an error half-way: the previous state intact); a committed run survives a
  /// power loss (WAL, synchronous=FULL). Invalid input (persons not ascending, a state above 3, an
  /// unknown case status, an empty plan row, a missing as_of) is refused before anything is written.
  Status commit_run(const StateRun& run);

 private:
  StateStore(std::string path, sqlite3* db, Access access);
  Status error(std::string_view what) const;  // "<path>: <what>: <sqlite message>"
  Status hold_write_lock();
  Status begin_read();
  void end_read();
  Status load_run(int64_t run_id, Day as_of, Load load, StateRun& run);
  Status each_row(const char* sql, const std::function<void(state_detail::Stmt&)>& bind,
                  const std::function<std::string(const state_detail::Stmt&)>& row);
  Status write_run(const StateRun& run);

  std::string path_;
  sqlite3* db_ = nullptr;
  Access access_;
  bool holding_ = false;  // kReadWrite: the write transaction that is the run's lock is open
  // each_row's statements, prepared once per SQL text: `serve` asks cases_of for every lookup,
  // and preparing its SELECT cost more than the rest of the lookup (issue #14).
  std::map<std::string, std::unique_ptr<state_detail::Stmt>, std::less<>> prepared_;
};

}  // namespace canbao
