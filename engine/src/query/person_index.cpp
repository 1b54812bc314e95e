#include "canbao/query/person_index.h"

#include <simdjson.h>

#include <cstdio>
#include <filesystem>
#include <initializer_list>

#include "canbao/core/date.h"
#include "canbao/core/text.h"
#include "canbao/match/matcher.h"
#include "canbao/output/output_file.h"
#include "canbao/rules/rules.h"

namespace canbao {

namespace {

constexpr int kIndexInfoFormat = 1;

std::string segment_file(const std::string& index_dir, size_t feed_index) {
  return index_dir + "/feed-" + std::to_string(feed_index) + ".seg";
}

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

Status write_index_info(const Manifest& manifest, const std::string& index_dir) {
  const RunSettings& s = manifest.settings;
  std::string json = "{\"format\": " + std::to_string(kIndexInfoFormat) + ", \"manifest\": ";
  std::error_code ec;
  append_json_string(json, std::filesystem::weakly_canonical(std::filesystem::absolute(manifest.path, ec), ec).string());
  json += ", \"city\": ";
  append_json_string(json, manifest.city_text);
  json += ", \"as_of\": ";
  append_json_string(json, format_date(s.as_of));
  json += ", \"plan_year\": " + std::to_string(s.plan_year) + ", \"target_rate\": ";
  append_json_string(json, s.target_rate_text);
  json += ", \"resident_subsidy_yuan\": " + std::to_string(s.resident_subsidy_yuan) +
          ", \"notice_days\": " + std::to_string(s.notice_days) + ", \"feeds\": [";
  for (size_t idx = 0; idx < manifest.feeds.size(); ++idx) {
    json += idx ? ", {\"path\": " : "{\"path\": ";
    append_json_string(json, manifest.feeds[idx].path);
    json += ", \"agency\": ";
    append_json_string(json, agency_name(manifest.feeds[idx].agency));
    json += "}";
  }
  json += "]}\n";
  const std::string path = index_dir + "/index.json";
  CANBAO_RETURN_IF_ERROR(write_text_file(path + ".tmp", json));
  std::filesystem::rename(path + ".tmp", path, ec);
  if (ec) return Status::Error(path + ": cannot rename into place: " + ec.message());
  return Status::OK();
}

Status PersonIndex::Open(const std::string& index_dir, std::unique_ptr<PersonIndex>& out) {
  const std::string info_path = index_dir + "/index.json";
  simdjson::padded_string text;
  if (simdjson::padded_string::load(info_path).get(text))
    return Status::Error(info_path + ": cannot read (not an index directory written by `canbao run` or `canbao ingest`)");
  std::unique_ptr<PersonIndex> index(new PersonIndex());
  RunSettings& settings = index->settings_;
  std::vector<Agency> agencies;
  try {
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc = parser.iterate(text);
    if (int64_t(doc["format"]) != kIndexInfoFormat) return Status::Error(info_path + ": unknown format");
    const std::string_view city = doc["city"].get_string();
    settings.city = static_cast<Region>(std::stol(std::string(city)));
    const auto as_of = parse_date(std::string_view(doc["as_of"].get_string()));
    if (!as_of) return Status::Error(info_path + ": bad as_of");
    settings.as_of = *as_of;
    settings.plan_year = static_cast<int>(int64_t(doc["plan_year"]));
    settings.target_rate_text = std::string(std::string_view(doc["target_rate"].get_string()));
    settings.target_rate = std::stod(settings.target_rate_text);
    settings.resident_subsidy_yuan = int64_t(doc["resident_subsidy_yuan"]);
    settings.notice_days = static_cast<int>(int64_t(doc["notice_days"]));
    for (auto feed : doc["feeds"].get_array()) {
      Agency agency;
      if (!parse_agency(std::string_view(feed["agency"].get_string()), agency))
        return Status::Error(info_path + ": unknown agency");
      agencies.push_back(agency);
    }
  } catch (const std::exception& error) {
    return Status::Error(info_path + ": unreadable: " + error.what());
  }
  for (size_t idx = 0; idx < agencies.size(); ++idx) {
    std::unique_ptr<Segment> segment;
    CANBAO_RETURN_IF_ERROR(Segment::Open(segment_file(index_dir, idx), segment));
    if (segment->agency() != agencies[idx])
      return Status::Error(segment_file(index_dir, idx) + ": segment is not feed " + std::to_string(idx) +
                           "'s (index.json and the segments disagree; rerun `canbao ingest`)");
    index->segments_.push_back(segment.get());
    index->owned_.push_back(std::move(segment));
  }
  link_fallback(index->segments_, index->links_);
  out = std::move(index);
  return Status::OK();
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
