#include "canbao/query/person_index.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

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

// Record ids of enrollment indices as a JSON array, ascending (as duplicates.csv lists them).
void append_record_ids(std::string& out, const PersonView& view, const std::vector<uint32_t>& indices) {
  std::vector<std::string_view> ids;
  for (uint32_t idx : indices) ids.push_back(view.enrollment[idx].record_id);
  std::sort(ids.begin(), ids.end());
  out += '[';
  for (size_t pos = 0; pos < ids.size(); ++pos) {
    if (pos) out += ',';
    append_json_string(out, ids[pos]);
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
  evaluate_person(view, settings_, outcome);
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
    switch (outcome.outreach.channel) {
      case ChannelKind::kUnit: channel = "unit:" + std::string(outcome.outreach.channel_code); break;
      case ChannelKind::kSchool: channel = "school:" + std::string(outcome.outreach.channel_code); break;
      case ChannelKind::kCommunity: channel = "community:" + std::to_string(outcome.home_district); break;
    }
    append_json_string(json, channel);
    json += '}';
  }
  json += '}';
  return answer;
}

}  // namespace canbao
