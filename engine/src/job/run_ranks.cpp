#include "run_ranks.h"

#include <sys/resource.h>

#include <cstdio>

#include "canbao/output/output_file.h"

namespace canbao {

namespace {

void pack_counts(Packer& pack, const Counts& counts) {
  pack.value(static_cast<uint64_t>(counts.size()));
  for (const auto& [name, count] : counts) {
    pack.bytes(name);
    pack.value(count);
  }
}

bool unpack_counts(Unpacker& in, Counts& counts) {
  uint64_t size = 0;
  if (!in.value(size)) return false;
  for (uint64_t idx = 0; idx < size; ++idx) {
    std::string_view name;
    uint64_t count = 0;
    if (!in.bytes(name) || !in.value(count)) return false;
    counts[std::string(name)] += count;
  }
  return true;
}

// The fields of a cases.csv / escalations.csv row, for a Packer (const rows) or an Unpacker.
template <typename Row, typename Field>
bool case_fields(Row& row, Field& f) {
  return f(row.key) && f(row.name) && f(row.type) && f(row.ledger) && f(row.resolution) && f(row.rule);
}
template <typename Row, typename Field>
bool escalation_fields(Row& row, Field& f) {
  return f(row.key) && f(row.record_id) && f(row.type) && f(row.escalation) && f(row.handler_region) &&
         f(row.deadline) && f(row.escalated_on);
}

// The rows of every rank to rank 0 (the others send and receive nothing else).
Status gather_to_leader(Ranks& ranks, std::string_view step, std::string mine, std::vector<std::string>& out) {
  std::vector<std::string> send(static_cast<size_t>(ranks.size()));
  send[0] = std::move(mine);
  return ranks.all_to_all(step, send, out);
}

}  // namespace

Status share_cases_before(Ranks& ranks, StateSession& state) {
  std::string mine;
  if (ranks.leader()) Packer(mine).vec(state.cases_before.entries());
  std::vector<std::string> all;
  CANBAO_RETURN_IF_ERROR(ranks.all_gather("the state's cases", mine, all));
  if (ranks.leader()) return Status::OK();
  std::vector<PreviousCases::Entry> entries;
  if (!Unpacker(all[0]).vec(entries)) return Status::Error("the state's cases: rank 0 sent cases that do not parse");
  state.cases_before = PreviousCases{};
  for (const PreviousCases::Entry& entry : entries) state.cases_before.add(entry.key, entry.type, entry.row);
  state.cases_before.finish();
  return Status::OK();
}

Status gather_results(Ranks& ranks, RunReport& report, StateSession& state, std::deque<std::string>& held) {
  std::string mine;
  {
    Packer pack(mine);
    for (uint64_t rows : report.output_rows) pack.value(rows);
    const OutcomeTally& tally = report.outcomes;
    for (const Counts* counts : {&tally.duplicate_types, &tally.duplicate_resolutions, &tally.actions,
                                 &tally.action_handlers, &tally.action_refunds, &tally.outreach_states,
                                 &tally.outreach_groups, &tally.benefit_waits})
      pack_counts(pack, *counts);
    pack.value(tally.self_employed);
    pack.value(static_cast<uint64_t>(report.plan.districts().size()));
    for (const auto& [district, row] : report.plan.districts()) {
      pack.value(district);
      pack.value(row);
    }
    pack.value(report.plan.unassigned());
    pack.value(report.match.persons);
    pack.value(report.match.partitions);
    pack.vec(report.match.replaced);
    pack.vec(report.match.deleted);
    pack.value(static_cast<uint64_t>(state.cases.size()));
    for (const CaseRow& row : state.cases) case_fields(row, pack);
    pack.value(static_cast<uint64_t>(state.escalations.size()));
    for (const EscalationRow& row : state.escalations) escalation_fields(row, pack);
    pack.vec(state.persons);
    RunReport::RankStats stats = report.own_rank;
    struct rusage usage {};
    if (::getrusage(RUSAGE_SELF, &usage) == 0) stats.peak_rss_bytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
    pack.value(stats);
  }
  std::vector<std::string> all;
  CANBAO_RETURN_IF_ERROR(gather_to_leader(ranks, "gather the results", std::move(mine), all));
  if (!ranks.leader()) return Status::OK();
  report.output_rows = {};
  report.outcomes = OutcomeTally{};
  report.plan = PlanTable{};
  const MatchStats own = report.match;
  report.match = MatchStats{};
  report.match.replaced.assign(own.replaced.size(), 0);
  report.match.deleted.assign(own.deleted.size(), 0);
  state.cases.clear();
  state.escalations.clear();
  state.persons.clear();
  report.rank_stats.clear();
  for (std::string& bytes : all) {
    const std::string& kept = held.emplace_back(std::move(bytes));
    Unpacker in(kept);
    bool ok = true;
    for (uint64_t& rows : report.output_rows) {
      uint64_t part = 0;
      ok = ok && in.value(part);
      rows += part;
    }
    OutcomeTally& tally = report.outcomes;
    for (Counts* counts : {&tally.duplicate_types, &tally.duplicate_resolutions, &tally.actions, &tally.action_handlers,
                           &tally.action_refunds, &tally.outreach_states, &tally.outreach_groups, &tally.benefit_waits})
      ok = ok && unpack_counts(in, *counts);
    uint64_t self_employed = 0, districts = 0;
    ok = ok && in.value(self_employed) && in.value(districts);
    tally.self_employed += self_employed;
    for (uint64_t idx = 0; ok && idx < districts; ++idx) {
      Region district{};
      PlanTally row;
      ok = in.value(district) && in.value(row);
      if (ok) report.plan.merge_row(district, row);
    }
    PlanTally unassigned;
    uint64_t persons = 0, partitions = 0;
    std::vector<uint64_t> replaced, deleted;
    ok = ok && in.value(unassigned) && in.value(persons) && in.value(partitions) && in.vec(replaced) && in.vec(deleted);
    if (!ok) break;
    report.plan.merge_row(kNoRegion, unassigned);
    report.match.persons += persons;
    report.match.partitions += partitions;
    for (size_t idx = 0; idx < replaced.size() && idx < report.match.replaced.size(); ++idx) report.match.replaced[idx] += replaced[idx];
    for (size_t idx = 0; idx < deleted.size() && idx < report.match.deleted.size(); ++idx) report.match.deleted[idx] += deleted[idx];
    uint64_t count = 0;
    ok = in.value(count);
    for (uint64_t idx = 0; ok && idx < count; ++idx) ok = case_fields(state.cases.emplace_back(), in);
    ok = ok && in.value(count);
    for (uint64_t idx = 0; ok && idx < count; ++idx) ok = escalation_fields(state.escalations.emplace_back(), in);
    std::vector<PersonRunState> persons_part;
    RunReport::RankStats stats;
    ok = ok && in.vec(persons_part) && in.value(stats) && in.ok();
    report.rank_stats.push_back(stats);
    if (!ok) return Status::Error("gather the results: a rank sent results that do not parse");
    state.persons.insert(state.persons.end(), persons_part.begin(), persons_part.end());
  }
  return Status::OK();
}

Status concatenate_parts(const std::string& path, std::string_view header, bool bom, int ranks,
                         const std::function<std::string(int)>& part_path) {
  BufferedFile out;
  CANBAO_RETURN_IF_ERROR(out.open(path, bom));
  CANBAO_RETURN_IF_ERROR(out.write(header));
  std::string buffer(size_t{8} << 20, '\0');
  for (int rank = 0; rank < ranks; ++rank) {
    const std::string part = part_path(rank);
    FILE* in = std::fopen(part.c_str(), "rb");
    if (in == nullptr) return Status::Error(part + ": a rank's output part is missing");
    size_t got = 0;
    Status status;
    while (status.ok() && (got = std::fread(buffer.data(), 1, buffer.size(), in)) > 0)
      status = out.write(std::string_view(buffer.data(), got));
    std::fclose(in);
    CANBAO_RETURN_IF_ERROR(status);
    std::remove(part.c_str());
  }
  return out.close();
}

}  // namespace canbao
