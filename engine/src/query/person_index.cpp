#include "canbao/query/person_index.h"

#include <cstdio>
#include <initializer_list>

#include "canbao/core/date.h"
#include "canbao/core/text.h"
#include "canbao/index/index_dir.h"
#include "canbao/match/matcher.h"
#include "canbao/output/output_file.h"
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

// A `;`-joined record_id cell of duplicates.csv as a JSON array.
void append_id_list(std::string& out, std::string_view joined) {
  out += '[';
  bool first = true;
  while (!joined.empty()) {
    const size_t cut = joined.find(';');
    const std::string_view id = joined.substr(0, cut);
    if (!id.empty()) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, id);
    }
    if (cut == std::string_view::npos) break;
    joined.remove_prefix(cut + 1);
  }
  out += ']';
}

}  // namespace

Result<std::unique_ptr<PersonIndex>> PersonIndex::Open(const std::string& index_dir) {
  CANBAO_ASSIGN_OR_RETURN(IndexInfo info, read_index_info(index_dir));
  std::unique_ptr<PersonIndex> index(new PersonIndex());
  index->settings_ = info.settings;
  CANBAO_ASSIGN_OR_RETURN(index->owned_, open_index_segments(index_dir, info));
  for (const auto& segment : index->owned_) index->segments_.push_back(segment.get());
  CANBAO_ASSIGN_OR_RETURN(index->links_, load_links(links_path(index_dir), index->segments_));
  return index;
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
  gather_person(segments_, links_, id.key, view);
  if (view.empty()) {
    json += ", \"found\": false}";
    return answer;
  }
  answer.found = true;
  outcome.clear();
  evaluate_person(view, settings_, outcome);
  const PersonStatus& status = outcome.status;
  json += ", \"found\": true, \"as_of\": ";
  append_json_string(json, format_date(settings_.as_of));
  json += ", \"home_district\": ";
  append_region(json, status.home_district);
  json += std::string(", \"alive\": ") + (status.alive ? "true" : "false");
  json += std::string(", \"target\": ") + (status.target ? "true" : "false");
  json += ", \"state\": ";
  append_json_string(json, status.state);
  json += ", \"normal_records\": [";
  for (size_t idx = 0; idx < status.normal.size(); ++idx) {
    if (idx) json += ',';
    const Enrollment& record = view.enrollment[status.normal[idx]];
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
  // duplicates.csv rows of the person: id,name,type,records,kept,terminated,resolution,rule
  json += "], \"duplicate_cases\": [";
  // Cells of a CSV row as JSON members: (name, column, is a ;-joined list).
  struct Member {
    const char* name;
    size_t column;
    bool list;
  };
  const auto append_members = [&json](const std::vector<std::string>& cells, std::initializer_list<Member> members) {
    json += '{';
    bool first_member = true;
    for (const Member& member : members) {
      json += first_member ? "\"" : ", \"";
      first_member = false;
      json += member.name;
      json += "\": ";
      if (member.list)
        append_id_list(json, cells[member.column]);
      else
        append_json_string(json, cells[member.column]);
    }
    json += '}';
  };
  std::vector<std::string> cells;
  size_t pos = 0;
  bool first = true;
  // duplicates.csv rows: id,name,type,records,kept,terminated,resolution,rule
  while (next_csv_record(outcome.duplicates, pos, cells)) {
    if (cells.size() < 8) continue;
    if (!first) json += ", ";
    first = false;
    append_members(cells, {{"type", 2, false}, {"records", 3, true}, {"kept", 4, true}, {"terminated", 5, true},
                           {"resolution", 6, false}, {"rule", 7, false}});
  }
  json += ']';
  // outreach.csv row (R2): id,name,home_district,address,state,group,suggested_scheme,channel
  pos = 0;
  if (next_csv_record(outcome.outreach, pos, cells) && cells.size() >= 8) {
    json += ", \"outreach\": ";
    append_members(cells, {{"group", 5, false}, {"suggested_scheme", 6, false}, {"channel", 7, false}});
  }
  json += '}';
  return answer;
}

}  // namespace canbao
