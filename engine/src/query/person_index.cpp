#include "canbao/query/person_index.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "canbao/core/date.h"
#include "canbao/core/text.h"
#include "canbao/index/index_dir.h"
#include "canbao/match/matcher.h"
#include "canbao/output/csv_rows.h"
#include "canbao/rules/rules.h"

namespace canbao {

namespace {

void append_region(std::string& out, Region region) {
  if (region == kNoRegion) {
    out += "null";
    return;
  }
  char buf[16];
  std::snprintf(buf, sizeof(buf), "\"%06d\"", region);
  out += buf;
}

// Record ids of enrollment indices as a JSON array, in duplicates.csv's order.
void append_record_ids(std::string& out, const PersonView& view, const std::vector<uint32_t>& indices) {
  std::vector<uint32_t> sorted = indices;
  sort_by_record_id(view, sorted);
  out += '[';
  for (size_t pos = 0; pos < sorted.size(); ++pos) {
    if (pos) out += ',';
    append_json_string(out, view.enrollment[sorted[pos]].record_id);
  }
  out += ']';
}

}  // namespace

Result<std::unique_ptr<PersonIndex>> PersonIndex::Open(const std::string& index_dir, const std::string& state_path) {
  // One generation: the segments and links index.json names at one moment (index/index_dir.h).
  CANBAO_ASSIGN_OR_RETURN(OpenedIndex opened, open_index(index_dir));
  std::unique_ptr<PersonIndex> index(new PersonIndex());
  std::string state = state_path;
  if (state.empty()) {  // OUT.index → OUT.state.db, when a run left one there
    std::string dir = index_dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    constexpr std::string_view kSuffix = ".index";
    if (dir.size() > kSuffix.size() && dir.compare(dir.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
      const std::string beside = dir.substr(0, dir.size() - kSuffix.size()) + ".state.db";
      std::error_code ec;
      if (std::filesystem::exists(beside, ec)) state = beside;
    }
  }
  if (!state.empty()) {
    CANBAO_ASSIGN_OR_RETURN(index->state_, StateStore::Open(state, StateStore::Access::kReadOnly));
  }
  index->settings_ = opened.info.settings;
  index->generation_ = opened.info.generation;
  index->boundaries_ = opened.info.boundaries;
  const auto add_part = [&](std::vector<std::unique_ptr<Segment>>& segments, LinkResult& links) {
    Part& part = index->parts_.emplace_back();
    part.owned = std::move(segments);
    for (const auto& segment : part.owned) part.segments.push_back(segment.get());
    part.links = std::move(links);
  };
  add_part(opened.segments, opened.links);
  for (IndexPart& part : opened.parts) add_part(part.segments, part.links);
  return index;
}

namespace {

std::string file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

Result<std::unique_ptr<LiveIndex>> LiveIndex::Open(const std::string& index_dir, const std::string& state_path) {
  std::unique_ptr<LiveIndex> live(new LiveIndex());
  live->index_dir_ = index_dir;
  live->state_path_ = state_path;
  live->seen_ = file_identity(index_info_path(index_dir));
  CANBAO_ASSIGN_OR_RETURN(std::unique_ptr<PersonIndex> index, PersonIndex::Open(index_dir, state_path));
  live->current_ = std::move(index);
  return live;
}

std::shared_ptr<const PersonIndex> LiveIndex::current() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

Result<bool> LiveIndex::refresh() {
  const std::string seen = file_identity(index_info_path(index_dir_));
  if (seen.empty() || seen == seen_) return false;
  CANBAO_ASSIGN_OR_RETURN(IndexInfo info, read_index_info(index_dir_));
  if (info.generation == current()->generation()) {
    seen_ = seen;
    return false;
  }
  CANBAO_ASSIGN_OR_RETURN(std::unique_ptr<PersonIndex> index, PersonIndex::Open(index_dir_, state_path_));
  seen_ = seen;
  std::shared_ptr<const PersonIndex> next(std::move(index));
  const std::lock_guard<std::mutex> lock(mutex_);
  current_.swap(next);
  return true;  // `next` (the old generation) is released here or by the last lookup holding it
}

// SPEC §9: a person under 1 year may take the mother's home district, from her own records.
MotherDistricts PersonIndex::mothers_of(const PersonView& view, const RunSettings& settings) const {
  MotherDistricts mothers;
  if (const PersonKey mother = mother_key(view, settings); mother != kNoPerson) {
    thread_local PersonView mother_view;
    const Part& part = part_of(mother);
    gather_person(part.segments, part.links, mother, mother_view);
    if (!mother_view.empty()) mothers.add(mother, home_district_of(mother_view, settings));
    mothers.finish();
  }
  return mothers;
}

PersonAnswer PersonIndex::lookup(std::string_view raw_id) const {
  PersonAnswer answer;
  std::string& json = answer.json;
  const IdResult id = parse_citizen_id(raw_id, settings_.as_of);
  if (!id.ok()) {
    json = "{\"valid\": false, \"id_masked\": ";
    append_json_string(json, mask_id(raw_id));
    json += ", \"reason\": ";
    append_json_string(json, id_reject_name(id.reject));
    json += "}";
    return answer;
  }
  answer.valid = true;
  json = "{\"valid\": true, \"id\": ";
  append_json_string(json, format_citizen_id(id.key));
  thread_local PersonView view;
  thread_local PersonOutcome outcome;
  const Part& part = part_of(id.key);
  gather_person(part.segments, part.links, id.key, view);
  if (view.empty()) {
    json += ", \"found\": false}";
    return answer;
  }
  answer.found = true;
  const MotherDistricts mothers = mothers_of(view, settings_);
  EvalContext context;
  context.mothers = &mothers;
  evaluate_person(view, settings_, outcome, context);
  json += ", \"found\": true, \"as_of\": ";
  append_json_string(json, format_date(settings_.as_of));
  json += ", \"home_district\": ";
  append_region(json, outcome.home_district);
  json += std::string(", \"alive\": ") + (outcome.alive ? "true" : "false");
  json += std::string(", \"target\": ") + (outcome.target ? "true" : "false");
  json += ", \"state\": ";
  append_json_string(json, coverage_state_name(outcome.state));
  json += ", \"normal_records\": [";
  for (size_t idx = 0; idx < outcome.normal.size(); ++idx) {
    if (idx) json += ',';
    const Enrollment& record = view.enrollment[outcome.normal[idx]];
    json += "{\"record_id\": ";
    append_json_string(json, record.record_id);
    json += ", \"scheme\": ";
    append_json_string(json, scheme_name(record.scheme));
    json += ", \"region\": ";
    append_region(json, record.region);
    json += ", \"start\": ";
    append_json_string(json, format_date(record.start));
    json += '}';
  }
  json += "], \"records\": [";
  for (size_t idx = 0; idx < view.enrollment.size(); ++idx) {
    if (idx) json += ',';
    append_json_string(json, view.enrollment[idx].record_id);
  }
  // The person's R3/R3b cases, as their duplicates.csv rows say them.
  // In duplicates.csv order: by type (a person has at most one case of each type).
  std::vector<const DuplicateCase*> cases;
  for (const DuplicateCase& dup : outcome.cases) cases.push_back(&dup);
  std::sort(cases.begin(), cases.end(), [](const DuplicateCase* a, const DuplicateCase* b) {
    return case_type_name(a->type) < case_type_name(b->type);
  });
  json += "], \"duplicate_cases\": [";
  for (size_t idx = 0; idx < cases.size(); ++idx) {
    const DuplicateCase& dup = *cases[idx];
    json += idx ? ", {\"type\": " : "{\"type\": ";
    append_json_string(json, case_type_name(dup.type));
    json += ", \"records\": ";
    append_record_ids(json, view, dup.records);
    json += ", \"kept\": ";
    append_record_ids(json, view, dup.kept);
    json += ", \"terminated\": ";
    append_record_ids(json, view, dup.terminated);
    json += ", \"resolution\": ";
    append_json_string(json, dup.resolution);
    json += ", \"rule\": ";
    append_json_string(json, dup.rule);
    json += '}';
  }
  json += ']';
  if (outcome.in_outreach) {  // R2
    json += ", \"outreach\": {\"group\": ";
    append_json_string(json, outreach_group_name(outcome.outreach.group));
    json += ", \"suggested_scheme\": ";
    append_json_string(json, suggested_scheme_name(outcome.outreach.scheme));
    json += ", \"channel\": ";
    std::string channel;
    format_channel(outcome, channel);
    append_json_string(json, channel);
    json += '}';
  }
  if (state_) {  // SPEC §7: the person's active cases in the ledger at the state's latest run
    json += ", \"open_cases\": [";
    std::vector<StateCase> cases;
    {
      const std::lock_guard<std::mutex> lock(state_mutex_);
      auto found = state_->cases_of(format_citizen_id(id.key));
      if (found.ok()) cases = std::move(found).value();
    }
    for (size_t idx = 0; idx < cases.size(); ++idx) {
      const StateCase& row = cases[idx];
      json += idx ? ", {" : "{";
      json += "\"type\": ";
      append_json_string(json, row.type);
      json += ", \"status\": ";
      append_json_string(json, row.status);
      for (const auto& [key, day] : {std::pair{"opened_on", row.opened_on}, std::pair{"deadline", row.deadline},
                                     std::pair{"escalated_on", row.escalated_on}}) {
        json += std::string(", \"") + key + "\": ";
        if (day == kNoDay) {
          json += "null";
        } else {
          append_json_string(json, format_date(day));
        }
      }
      json += ", \"resolution\": ";
      append_json_string(json, row.resolution);
      json += ", \"rule\": ";
      append_json_string(json, row.rule);
      json += '}';
    }
    json += ']';
  }
  json += '}';
  return answer;
}

// SPEC §8: the person's records from the index (none when the ID is rejected at t or unknown), the
// §4 facts at d = t with the §9 mother step as lookup() has it, then P1–P8 (rules/precheck.cpp).
PrecheckAnswer PersonIndex::precheck(PrecheckRequest request) const {
  if (request.date == kNoDay) request.date = settings_.as_of;  // §8: default the latest run's as_of
  RunSettings at_t = settings_;
  at_t.as_of = request.date;
  thread_local PersonView view;
  view.clear();
  MotherDistricts mothers;
  if (const IdResult id = parse_citizen_id(request.id, request.date); id.ok()) {
    const Part& part = part_of(id.key);
  gather_person(part.segments, part.links, id.key, view);
    mothers = mothers_of(view, at_t);
  }
  EvalContext context;
  context.mothers = &mothers;
  return canbao::precheck(view, settings_, request, context);
}

namespace {

void append_date_or_null(std::string& out, Day day) {
  if (day == kNoDay) {
    out += "null";
    return;
  }
  out += '"';
  append_date(out, day);
  out += '"';
}

void append_token_or_null(std::string& out, std::string_view token) {
  if (token.empty()) {
    out += "null";
    return;
  }
  append_json_string(out, token);
}

}  // namespace

std::string format_precheck_json(const PrecheckAnswer& answer) {
  std::string json = "{\"decision\": ";
  append_json_string(json, precheck_decision_name(answer.decision));
  json += ", \"reason\": ";
  append_token_or_null(json, answer.reason);
  json += ", \"rule\": ";
  append_token_or_null(json, answer.rule);
  json += ", \"conflicts\": [";
  for (size_t pos = 0; pos < answer.conflicts.size(); ++pos) {
    if (pos) json += ", ";
    append_json_string(json, answer.conflicts[pos]);
  }
  json += "], \"actions\": [";
  std::string handler;
  for (size_t pos = 0; pos < answer.actions.size(); ++pos) {
    const PrecheckAction& action = answer.actions[pos];
    json += pos ? ", {\"record_id\": " : "{\"record_id\": ";
    append_json_string(json, action.record_id);
    json += ", \"action\": ";
    append_json_string(json, action_kind_name(action.action));
    json += ", \"handler\": ";
    format_handler(action.handler_region, handler);
    append_json_string(json, handler);
    json += ", \"refund\": ";
    append_token_or_null(json, refund_name(action.refund));
    json += ", \"deadline\": ";
    append_date_or_null(json, action.deadline);
    json += '}';
  }
  json += "], \"benefit_start\": ";
  append_date_or_null(json, answer.benefit_start);
  json += ", \"resident_benefits_until\": ";
  append_date_or_null(json, answer.resident_benefits_until);
  json += '}';
  return json;
}

}  // namespace canbao
