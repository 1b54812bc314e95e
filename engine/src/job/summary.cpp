// summary.json and the terminal summary of a run (SPEC §6 `summary.json`: counts per feed and per
// output, timings per stage, thread count).
#include <cstdio>
#include <string>

#include "canbao/core/date.h"
#include "canbao/core/text.h"
#include "job_internal.h"

namespace canbao {

namespace {

std::string format_seconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", seconds);
  return buf;
}

void json_counts(std::string& json, const char* key, const Counts& counts) {
  json += ",\n  ";
  append_json_string(json, key);
  json += ": {";
  bool first = true;
  for (const auto& [name, count] : counts) {
    json += first ? "" : ", ";
    first = false;
    append_json_string(json, name);
    json += ": " + std::to_string(count);
  }
  json += "}";
}

}  // namespace

std::string build_summary_json(const RunReport& report) {
  std::string json = "{\n  \"canbao_version\": ";
  append_json_string(json, CANBAO_VERSION);
  json += ",\n  \"manifest\": ";
  append_json_string(json, report.manifest.path);
  json += ",\n  \"city\": ";
  append_json_string(json, report.manifest.city_text);
  json += ",\n  \"as_of\": ";
  append_json_string(json, format_date(report.manifest.settings.as_of));
  json += ",\n  \"threads\": " + std::to_string(report.threads);
  if (report.ranks > 1) {
    json += ",\n  \"ranks\": " + std::to_string(report.ranks) + ",\n  \"per_rank\": [";
    for (size_t rank = 0; rank < report.rank_stats.size(); ++rank) {
      const RunReport::RankStats& stats = report.rank_stats[rank];
      json += std::string(rank ? ", " : "") + "{\"records\": " + std::to_string(stats.records) +
              ", \"shuffle_sent_bytes\": " + std::to_string(stats.shuffle_sent_bytes) +
              ", \"peak_rss_bytes\": " + std::to_string(stats.peak_rss_bytes) + "}";
    }
    json += "]";
  }
  json += ",\n  \"index\": ";
  append_json_string(json, report.index_dir);
  json += ",\n  \"feeds\": [";
  for (size_t idx = 0; idx < report.feeds.size(); ++idx) {
    const FeedCounts& feed = report.feeds[idx];
    json += idx ? ",\n    {" : "\n    {";
    json += "\"path\": ";
    append_json_string(json, feed.path);
    json += ", \"agency\": ";
    append_json_string(json, feed.agency);
    json += ", \"mode\": ";
    append_json_string(json, feed.mode);
    json += ", \"read\": " + std::to_string(feed.read) + ", \"accepted\": " + std::to_string(feed.accepted) +
            ", \"linked\": " + std::to_string(feed.linked) + ", \"quarantined\": " + std::to_string(feed.quarantined) +
            ", \"replaced\": " + std::to_string(feed.replaced) + ", \"deleted\": " + std::to_string(feed.deleted) +
            ", \"lines\": " + std::to_string(feed.lines) + ", \"bytes\": " + std::to_string(feed.bytes) +
            ", \"index_reused\": " + (feed.reused ? "true" : "false") +
            ", \"ingest_seconds\": " + format_seconds(feed.seconds) +
            ", \"parse_seconds\": " + format_seconds(feed.parse_seconds) +
            ", \"sort_seconds\": " + format_seconds(feed.sort_seconds) +
            ", \"write_seconds\": " + format_seconds(feed.write_seconds) +
            (report.ranks > 1 ? ", \"shuffle_seconds\": " + format_seconds(feed.shuffle_seconds) : std::string()) + "}";
  }
  json += "\n  ],\n  \"links_reused\": ";
  json += report.links_reused ? "true" : "false";
  json += ",\n  \"links_from_feeds\": " + std::to_string(report.links_from_feeds);
  json += ",\n  \"links\": {";
  bool first = true;
  for (const char* method : {"checksum_repair", "name_birth"}) {
    json += first ? "" : ", ";
    first = false;
    append_json_string(json, method);
    const auto it = report.links.find(method);
    json += ": " + std::to_string(it == report.links.end() ? 0 : it->second);
  }
  json += "},\n  \"quarantine_reasons\": {";
  first = true;
  for (const auto& [reason, count] : report.quarantine_reasons) {
    json += first ? "" : ", ";
    first = false;
    append_json_string(json, reason);
    json += ": " + std::to_string(count);
  }
  json += "},\n  \"persons\": " + std::to_string(report.match.persons);
  json += ",\n  \"outputs\": {";
  for (int file = 0; file < kOutputFileCount; ++file) {
    json += file ? ", " : "";
    append_json_string(json, kOutputNames[file]);
    json += ": " + std::to_string(report.output_rows[file]);
  }
  json += ", \"plan.csv\": " + std::to_string(report.plan.districts().size() + 2);
  json += ", \"quarantine.csv\": " + std::to_string(report.quarantine_rows);
  const PlanTally total = report.plan.total();
  json += "},\n  \"totals\": {\"target\": " + std::to_string(total.target) +
          ", \"insured\": " + std::to_string(total.insured) + ", \"lapsed\": " + std::to_string(total.lapsed) +
          ", \"never\": " + std::to_string(total.never) + ", \"duplicate_persons\": " + std::to_string(total.duplicates) +
          ", \"subsidy_deduction_yuan\": " + std::to_string(total.subsidy_deduction_yuan) + "}";
  json_counts(json, "duplicates_by_type", report.outcomes.duplicate_types);
  json_counts(json, "duplicates_by_resolution", report.outcomes.duplicate_resolutions);
  json_counts(json, "actions", report.outcomes.actions);
  // SPEC §9: newborns without ID (records accepted, newborns.csv rows by channel), self-employed.
  json += ",\n  \"newborns\": {\"records_without_id\": " + std::to_string(report.newborns_without_id) +
          ", \"rows\": " + std::to_string(report.newborn_rows);
  for (const char* channel : {"community", "hospital"}) {
    const auto it = report.newborn_channels.find(channel);
    json += std::string(", \"") + channel + "\": " + std::to_string(it == report.newborn_channels.end() ? 0 : it->second);
  }
  json += "},\n  \"self_employed_persons\": " + std::to_string(report.outcomes.self_employed);
  json += ",\n  \"outreach_exports\": {\"split_by\": ";
  json += report.exports.split_by_district ? "\"district\"" : "null";
  json += std::string(", \"ids_masked\": ") + (report.exports.mask_ids ? "true" : "false");
  json += std::string(", \"names_masked\": ") + (report.exports.mask_names ? "true" : "false");
  if (report.exports.xlsx)  // --split-format xlsx|both (the key is absent for the default csv)
    json += std::string(", \"format\": ") + (report.exports.csv ? "\"both\"" : "\"xlsx\"");
  json += ", \"rows\": {";
  bool first_export = true;
  for (const char* extension : {".csv", ".xlsx"}) {
    if (!(extension[1] == 'c' ? report.exports.csv : report.exports.xlsx)) continue;
    for (const auto& [folder, lists] : {std::pair{"outreach/", &report.outreach_exports},
                                        std::pair{"newborns/", &report.newborn_exports}})
      for (const auto& [district, rows] : *lists) {
        json += first_export ? "" : ", ";
        first_export = false;
        append_json_string(json, folder + district + extension);
        json += ": " + std::to_string(rows);
      }
  }
  json += "}}";
  if (report.bom) json += ",\n  \"bom\": true";
  json += ",\n  \"timings_seconds\": {";
  for (size_t idx = 0; idx < report.timings.size(); ++idx) {
    json += idx ? ", " : "";
    append_json_string(json, report.timings[idx].first);
    json += ": " + format_seconds(report.timings[idx].second);
  }
  json += "}\n}\n";
  return json;
}

std::string format_run_summary(const RunReport& report) {
  std::string text;
  char line[512];
  text += "canbao run: city " + report.manifest.city_text + ", as of " + format_date(report.manifest.settings.as_of) +
          ", " + std::to_string(report.threads) + " thread(s)" +
          (report.ranks > 1 ? " in each of " + std::to_string(report.ranks) + " MPI ranks" : std::string()) + "\n";
  text += "feeds (read = accepted + linked + quarantined):\n";
  for (const FeedCounts& feed : report.feeds) {
    std::snprintf(line, sizeof(line), "  %-28s %-16s read %10llu  accepted %10llu  linked %6llu  quarantined %8llu%s\n",
                  feed.path.c_str(), feed.agency.c_str(), static_cast<unsigned long long>(feed.read),
                  static_cast<unsigned long long>(feed.accepted), static_cast<unsigned long long>(feed.linked),
                  static_cast<unsigned long long>(feed.quarantined), feed.reused ? "  (index reused)" : "");
    text += line;
    // A feed of which nothing was accepted usually has a file-wide cause (a misspelt header, the
    // wrong columns mapping or agency): say so where staff look first.
    if (feed.read > 0 && feed.accepted + feed.linked == 0) {
      auto top = feed.quarantine_reasons.begin();
      for (auto it = top; it != feed.quarantine_reasons.end(); ++it)
        if (it->second > top->second) top = it;
      text += "  warning: " + feed.path + ": every record was quarantined";
      if (top != feed.quarantine_reasons.end()) text += " (mostly " + top->first + ": " + std::to_string(top->second) + ")";
      text += "; check its header, \"columns\" and \"agency\" in the manifest\n";
    }
  }
  const PlanTally total = report.plan.total();
  std::snprintf(line, sizeof(line),
                "target population %lld: insured %lld, uninsured %lld (lapsed %lld, never %lld); persons with "
                "duplicate enrollment %lld; subsidy deductions %lld yuan\n",
                static_cast<long long>(total.target), static_cast<long long>(total.insured),
                static_cast<long long>(total.lapsed + total.never), static_cast<long long>(total.lapsed),
                static_cast<long long>(total.never), static_cast<long long>(total.duplicates),
                static_cast<long long>(total.subsidy_deduction_yuan));
  text += line;
  text += "duplicate cases by type:";
  for (const auto& [type, count] : report.outcomes.duplicate_types) text += " " + type + " " + std::to_string(count);
  text += "\nresolutions:";
  for (const auto& [resolution, count] : report.outcomes.duplicate_resolutions) text += " " + resolution + " " + std::to_string(count);
  text += "\nactions:";
  for (const auto& [action, count] : report.outcomes.actions) text += " " + action + " " + std::to_string(count);
  text += "\n";
  text += "plan rate per district (target " + report.manifest.settings.target_rate_text + "):\n";
  for (const auto& [district, tally] : report.plan.districts()) {
    char rate[16] = "-";
    if (tally.target) std::snprintf(rate, sizeof(rate), "%.4f", static_cast<double>(tally.insured) / tally.target);
    std::snprintf(line, sizeof(line), "  %06d  target %9lld  insured %9lld  lapsed %8lld  never %8lld  rate %s\n",
                  district, static_cast<long long>(tally.target), static_cast<long long>(tally.insured),
                  static_cast<long long>(tally.lapsed), static_cast<long long>(tally.never), rate);
    text += line;
  }
  if (report.newborns_without_id || report.outcomes.self_employed)
    text += "newborns without ID: " + std::to_string(report.newborns_without_id) + " birth records, " +
            std::to_string(report.newborn_rows) + " on newborns.csv; self-employed persons: " +
            std::to_string(report.outcomes.self_employed) + "\n";
  text += "outputs: " + report.out_dir + "/{registry,outreach,duplicates,actions,benefits,plan,quarantine,newborns}.csv, summary.json, report.html\n";
  if (report.exports.split_by_district) {
    text += "outreach exports: " + report.out_dir + "/outreach/{";
    bool first = true;
    for (const auto& [district, rows] : report.outreach_exports) {
      text += (first ? "" : ",") + district;
      first = false;
    }
    text += report.exports.csv && report.exports.xlsx ? "}.{csv,xlsx}" : report.exports.xlsx ? "}.xlsx" : "}.csv";
    if (report.exports.mask_ids) text += ", IDs masked";
    if (report.exports.mask_names) text += ", names masked";
    text += "\n";
  }
  text += "index:   " + report.index_dir + "\n";
  text += "timings:";
  for (const auto& [stage, seconds] : report.timings) text += " " + stage + " " + format_seconds(seconds) + "s";
  text += "\n";
  return text;
}

}  // namespace canbao
