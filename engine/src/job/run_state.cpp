#include "run_state.h"

#include <algorithm>
#include <tuple>

#include "canbao/output/csv_rows.h"
#include "canbao/output/output_file.h"

namespace canbao {

namespace {

RunState run_state_from(uint8_t state) {
  return state <= static_cast<uint8_t>(RunState::kNever) ? static_cast<RunState>(state) : RunState::kNotTarget;
}

StateCase state_case(const CaseRow& row) {
  StateCase out;
  out.id = format_citizen_id(row.key);
  out.name = std::string(row.name);
  out.type = std::string(case_type_name(row.type));
  out.status = std::string(case_status_name(row.ledger.status));
  out.opened_on = row.ledger.opened_on;
  out.deadline = row.ledger.deadline;
  out.escalated_on = row.ledger.escalated_on;
  out.resolved_on = row.ledger.resolved_on;
  out.resolution = std::string(row.resolution);
  out.rule = std::string(row.rule);
  return out;
}

}  // namespace

Status open_state(const RunOptions& options, const Manifest& manifest, StateSession& session) {
  const std::string path = options.state_path.empty() ? options.out_dir + ".state.db" : options.state_path;
  CANBAO_ASSIGN_OR_RETURN(session.store, StateStore::Open(path));
  CANBAO_ASSIGN_OR_RETURN(const std::optional<Day> latest, session.store->latest_as_of());
  const Day as_of = manifest.settings.as_of;
  if (latest && *latest > as_of)
    return Status::Error(path + ": as_of " + format_date(as_of) + " is earlier than the latest run in the state (" +
                         format_date(*latest) + ")");
  CANBAO_ASSIGN_OR_RETURN(session.before, session.store->run_before(as_of));
  if (!session.before) return Status::OK();
  for (const StateCase& row : session.before->cases) {
    CaseStatus status{};
    CaseType type{};
    const IdResult id = parse_citizen_id(row.id, as_of);
    if (!parse_case_status(row.status, status) || !parse_case_type(row.type, type) || !id.ok())
      return Status::Error(path + ": a case row of " + format_date(session.before->as_of) + " is not readable (" +
                           row.id + ", " + row.type + ", " + row.status + ")");
    if (status == CaseStatus::kResolved) continue;  // only active cases continue
    const LedgerRow ledger{status, row.opened_on, row.deadline, row.escalated_on, kNoDay};
    session.cases_before.add(id.key, type, ledger);
    session.active_before.push_back({id.key, type, ledger, &row});
  }
  session.cases_before.finish();
  session.persons_before.reserve(session.before->persons.size());
  for (const PersonState& person : session.before->persons)
    if (person.state != kR1NotInTarget)
      session.persons_before.push_back({person.key, run_state_from(person.state), person.home_district});
  return Status::OK();
}

Status finish_state(StateSession& session, RunReport& report, const std::vector<uint64_t>& fingerprints,
                    const std::string& staging, bool bom) {
  const RunSettings& settings = report.manifest.settings;
  const Day d = settings.as_of;
  // Cases active before and not found now: resolved at this run (their other cells as before).
  std::vector<CaseRow> rows = session.cases;
  std::vector<std::pair<PersonKey, CaseType>> found;
  found.reserve(rows.size());
  for (const CaseRow& row : rows) found.emplace_back(row.key, row.type);
  std::sort(found.begin(), found.end());
  for (const StateSession::ActiveCase& old : session.active_before) {
    if (std::binary_search(found.begin(), found.end(), std::make_pair(old.key, old.type))) continue;
    rows.push_back({old.key, old.source->name, old.type, resolved_row(old.row, d), old.source->resolution,
                    old.source->rule});
  }
  CANBAO_RETURN_IF_ERROR(write_text_file(staging + "/cases.csv", format_cases_csv(rows), bom));
  CANBAO_RETURN_IF_ERROR(
      write_text_file(staging + "/escalations.csv", format_escalations_csv(session.escalations), bom));
  // changes.csv: only against a run before this one (a first run has only its header).
  CANBAO_RETURN_IF_ERROR(write_text_file(
      staging + "/changes.csv",
      session.before ? format_changes_csv(session.persons_before, session.persons) : std::string(kChangesHeader), bom));

  StateRun run;
  run.as_of = d;
  run.manifest_path = report.manifest.path;
  for (size_t idx = 0; idx < report.feeds.size(); ++idx) {
    const FeedCounts& feed = report.feeds[idx];
    run.feeds.push_back({feed.path, feed.agency, feed.mode, idx < fingerprints.size() ? fingerprints[idx] : 0, feed.read,
                         feed.accepted, feed.linked, feed.quarantined, feed.replaced, feed.deleted});
  }
  for (const PlanRow& row : report.plan.rows(settings)) run.plan_rows.push_back(plan_row_cells(row, settings));
  run.cases.reserve(rows.size());
  for (const CaseRow& row : rows) run.cases.push_back(state_case(row));
  run.persons.reserve(session.persons.size());
  for (const PersonRunState& person : session.persons)
    run.persons.push_back({person.key, static_cast<uint8_t>(person.state), person.home_district});

  // history.csv: every earlier run in the state, then this one (a run of the same as_of is replaced).
  CANBAO_ASSIGN_OR_RETURN(auto history, session.store->plan_history());
  std::erase_if(history, [&](const auto& entry) { return entry.first >= d; });
  history.emplace_back(d, run.plan_rows);
  CANBAO_RETURN_IF_ERROR(write_text_file(staging + "/history.csv", format_history_csv(history), bom));
  CANBAO_RETURN_IF_ERROR(session.store->commit_run(run));

  // For report.html: the plan of every run, the cleanup campaign per run, and outreach conversion —
  // of the persons on the previous run's outreach list (lapsed or never), how many are insured now,
  // by their district then.
  report.plan_history = std::move(history);
  CANBAO_ASSIGN_OR_RETURN(report.campaign, session.store->case_counts_by_run());
  if (session.before) {
    report.has_previous_run = true;
    report.previous_as_of = session.before->as_of;
    size_t n = 0;
    for (const PersonRunState& was : session.persons_before) {
      if (was.state != RunState::kLapsed && was.state != RunState::kNever) continue;
      while (n < session.persons.size() && session.persons[n].key < was.key) ++n;
      const bool insured = n < session.persons.size() && session.persons[n].key == was.key &&
                           session.persons[n].state == RunState::kInsured;
      auto& [listed, converted] = report.conversion[was.home_district];
      ++listed;
      converted += insured;
    }
  }
  return Status::OK();
}

}  // namespace canbao
