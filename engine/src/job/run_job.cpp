#include "canbao/job/run_job.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "canbao/core/date.h"
#include "canbao/core/failpoint.h"
#include "canbao/core/text.h"
#include "canbao/index/index_dir.h"
#include "canbao/index/links.h"
#include "canbao/ingest/ingest.h"
#include "canbao/job/report_html.h"
#include "canbao/match/linker.h"
#include "canbao/output/output_file.h"
#include "canbao/output/outreach_exports.h"

namespace canbao {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr const char* kOutputNames[kOutputFileCount] = {"registry.csv", "outreach.csv", "duplicates.csv",
                                                       "actions.csv", "benefits.csv"};

Status read_text_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot read: " + std::strerror(errno));
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::Error(path + ": cannot read: " + std::strerror(errno));
  return Status::OK();
}

// quarantine.csv: per feed in manifest order, the decoder/adapter rejects, the pending records
// that linked to nobody and the duplicate_record_id records, by line.
std::string build_quarantine(const Manifest& manifest, const std::vector<const Segment*>& segments,
                             const LinkResult& links, RunReport& report) {
  std::string csv = "feed,line,agency,reason,id_masked\n";
  struct Row {
    uint32_t line;
    std::string_view reason;
    std::string_view masked;
  };
  std::vector<Row> rows;
  // id_masked of duplicate records accepted by their own ID; a deque, so the views into it that
  // rows keep stay valid while it grows.
  std::deque<std::string> masked_keys;
  size_t unlinked_pos = 0, duplicate_pos = 0;
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    rows.clear();
    for (size_t idx = 0; idx < segment.quarantine_count(); ++idx) {
      const QuarantineEntry& entry = segment.quarantine()[idx];
      rows.push_back({entry.line, segment.str(entry.reason), segment.str(entry.masked_id)});
    }
    for (; unlinked_pos < links.unlinked.size() && links.unlinked[unlinked_pos].segment == seg_idx; ++unlinked_pos) {
      const UnlinkedRef& ref = links.unlinked[unlinked_pos];
      const PendingInfo& info = segment.pending_info()[ref.pending];
      rows.push_back({info.line, ref.ambiguous ? std::string_view("ambiguous") : id_reject_name(info.reject),
                      segment.str(info.masked_id)});
    }
    for (; duplicate_pos < links.duplicate_ids.size() && links.duplicate_ids[duplicate_pos].segment == seg_idx;
         ++duplicate_pos) {
      const DuplicateRecordRef& ref = links.duplicate_ids[duplicate_pos];
      std::string_view masked;
      if (ref.pending) {
        masked = segment.str(segment.pending_info()[ref.index].masked_id);
      } else {
        masked = masked_keys.emplace_back(mask_id(format_citizen_id(ref.key)));
      }
      rows.push_back({ref.line, "duplicate_record_id", masked});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.line < b.line; });
    const FeedSpec& feed = manifest.feeds[seg_idx];
    for (const Row& row : rows) {
      append_csv_cell(csv, feed.path);
      csv += ',';
      csv += std::to_string(row.line);
      csv += ',';
      csv += agency_name(feed.agency);
      csv += ',';
      append_csv_cell(csv, row.reason);
      csv += ',';
      append_csv_cell(csv, row.masked);
      csv += '\n';
      ++report.quarantine_reasons[std::string(row.reason)];
      ++report.feeds[seg_idx].quarantine_reasons[std::string(row.reason)];
    }
    report.feeds[seg_idx].quarantined = rows.size();
    report.quarantine_rows += rows.size();
  }
  return csv;
}

std::string format_seconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", seconds);
  return buf;
}

// Counts the values of one column over CSV lines (small outputs: duplicates, actions).
void count_cells(std::string_view text, int column, Counts& counts) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) end = text.size();
    const std::string_view cell = csv_cell(text.substr(0, end), column);
    auto it = counts.find(cell);
    if (it == counts.end()) it = counts.emplace(std::string(cell), 0).first;
    ++it->second;
    text.remove_prefix(std::min(text.size(), end + 1));
  }
}

// benefits.csv rows (id,record_id,scheme,start,paid_on,prior_months,gap_months,benefit_start) by
// how long after the record's start the benefits begin (R6).
void count_benefit_waits(std::string_view text, Counts& counts) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) end = text.size();
    const std::string_view row = text.substr(0, end);
    const auto start = parse_date(csv_cell(row, 3));
    const auto benefit = parse_date(csv_cell(row, 7));
    if (start && benefit) {
      const int days = *benefit - *start;
      const char* bucket = days <= 0 ? "0 immediate" : days <= 92 ? "1 within 3 months"
                         : days <= 185 ? "2 3-6 months" : "3 over 6 months";
      ++counts[bucket];
    }
    text.remove_prefix(std::min(text.size(), end + 1));
  }
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
    json += ", \"read\": " + std::to_string(feed.read) + ", \"accepted\": " + std::to_string(feed.accepted) +
            ", \"linked\": " + std::to_string(feed.linked) + ", \"quarantined\": " + std::to_string(feed.quarantined) +
            ", \"lines\": " + std::to_string(feed.lines) + ", \"bytes\": " + std::to_string(feed.bytes) +
            ", \"index_reused\": " + (feed.reused ? "true" : "false") +
            ", \"ingest_seconds\": " + format_seconds(feed.seconds) +
            ", \"parse_seconds\": " + format_seconds(feed.parse_seconds) +
            ", \"sort_seconds\": " + format_seconds(feed.sort_seconds) +
            ", \"write_seconds\": " + format_seconds(feed.write_seconds) + "}";
  }
  json += "\n  ],\n  \"links_reused\": ";
  json += report.links_reused ? "true" : "false";
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
    json += ": " + std::to_string(report.match.rows[file]);
  }
  json += ", \"plan.csv\": " + std::to_string(report.match.plan.districts().size() + 2);
  json += ", \"quarantine.csv\": " + std::to_string(report.quarantine_rows);
  PlanTally total;
  for (const auto& [district, tally] : report.match.plan.districts()) total += tally;
  total += report.match.plan.unassigned();
  json += "},\n  \"totals\": {\"target\": " + std::to_string(total.target) +
          ", \"insured\": " + std::to_string(total.insured) + ", \"lapsed\": " + std::to_string(total.lapsed) +
          ", \"never\": " + std::to_string(total.never) + ", \"duplicate_persons\": " + std::to_string(total.duplicates) +
          ", \"subsidy_deduction_yuan\": " + std::to_string(total.subsidy_deduction_yuan) + "}";
  json_counts(json, "duplicates_by_type", report.duplicate_types);
  json_counts(json, "duplicates_by_resolution", report.duplicate_resolutions);
  json_counts(json, "actions", report.actions);
  json += ",\n  \"outreach_exports\": {\"split_by\": ";
  json += report.exports.split_by_district ? "\"district\"" : "null";
  json += std::string(", \"ids_masked\": ") + (report.exports.mask_ids ? "true" : "false");
  json += std::string(", \"names_masked\": ") + (report.exports.mask_names ? "true" : "false");
  json += ", \"rows\": {";
  bool first_export = true;
  for (const auto& [district, rows] : report.outreach_exports) {
    json += first_export ? "" : ", ";
    first_export = false;
    append_json_string(json, "outreach/" + district + ".csv");
    json += ": " + std::to_string(rows);
  }
  json += "}}";
  json += ",\n  \"timings_seconds\": {";
  for (size_t idx = 0; idx < report.timings.size(); ++idx) {
    json += idx ? ", " : "";
    append_json_string(json, report.timings[idx].first);
    json += ": " + format_seconds(report.timings[idx].second);
  }
  json += "}\n}\n";
  return json;
}

// Moves a finished staging directory into place as out_dir.
Status commit_output_dir(const std::string& staging, const std::string& out_dir) {
  failpoint("output.before_rename");
  std::error_code ec;
  const std::string old = out_dir + ".old-" + std::to_string(::getpid());
  const bool had_old = fs::exists(out_dir, ec);
  if (had_old) {
    fs::rename(out_dir, old, ec);
    if (ec) return Status::Error(out_dir + ": cannot replace the output directory: " + ec.message());
  }
  failpoint("output.between_renames");
  fs::rename(staging, out_dir, ec);
  if (ec) {
    if (had_old) fs::rename(old, out_dir, ec);
    return Status::Error(out_dir + ": cannot move outputs into place: " + ec.message());
  }
  if (had_old) fs::remove_all(old, ec);
  return Status::OK();
}

// A killed run leaves `OUT.tmp-<pid>` (outputs being written) and perhaps `OUT.old-<pid>` (the
// previous outputs, moved aside just before the new ones were renamed into place). Neither is ever
// read; they are removed by the next run once their process is gone.
void remove_stale_siblings(const std::string& out_dir) {
  const fs::path out = fs::absolute(fs::path(out_dir)).lexically_normal();
  const std::string base = out.filename().string();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    for (const char* tag : {".tmp-", ".old-"}) {
      const std::string prefix = base + tag;
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string pid_text = name.substr(prefix.size());
      if (pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
      const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
      if (pid == ::getpid() || (::kill(pid, 0) == -1 && errno == ESRCH)) fs::remove_all(entry.path(), ec);
    }
  }
}

Status prepare(const RunOptions& options, RunReport& report, std::unique_ptr<AdapterRegistry>& registry,
               std::vector<IngestedFeed>& ingested, Progress* progress) {
  report = RunReport{};
  CANBAO_RETURN_IF_ERROR(load_manifest(options.manifest_path, today_local(), report.manifest));
  report.out_dir = options.out_dir;
  report.index_dir = options.index_dir.empty() ? options.out_dir + ".index" : options.index_dir;
  report.threads = options.threads;
  registry = AdapterRegistry::MakeWithBuiltins();
  if (!registry) return Status::Error("internal error: built-in adapters failed their ABI check");
  const auto start = Clock::now();
  IngestOptions ingest_options;
  ingest_options.index_dir = report.index_dir;
  ingest_options.chunk_bytes = options.chunk_bytes;
  ingest_options.force_rebuild = options.force_rebuild;
  ingest_options.progress = progress;
  if (Status status = ingest_manifest(report.manifest, *registry, ingest_options, ingested); !status.ok()) {
    std::error_code ec;
    fs::remove(report.index_dir, ec);  // only when empty: a first run that failed leaves no trace
    return status;
  }
  report.timings.emplace_back("ingest", seconds_since(start));
  for (const IngestedFeed& feed : ingested) {
    const FeedSpec& spec = report.manifest.feeds[feed.feed_index];
    FeedCounts counts;
    counts.path = spec.path;
    counts.agency = std::string(agency_name(spec.agency));
    counts.read = feed.segment->header().read_count;
    counts.accepted = feed.segment->record_count();
    counts.quarantined = feed.segment->quarantine_count() + feed.segment->pending_count();
    counts.lines = feed.segment->header().lines;
    counts.bytes = feed.bytes;
    counts.reused = feed.reused;
    counts.seconds = feed.seconds;
    counts.parse_seconds = feed.parse_seconds;
    counts.sort_seconds = feed.sort_seconds;
    counts.write_seconds = feed.write_seconds;
    report.feeds.push_back(counts);
  }
  return Status::OK();
}

Status write_outputs(const RunOptions& options, RunReport& report, const std::vector<const Segment*>& segments,
                     const LinkResult& links, const std::string& staging, Progress& progress,
                     Clock::time_point total_start) {
  auto start = Clock::now();
  const std::string quarantine = build_quarantine(report.manifest, segments, links, report);
  CANBAO_RETURN_IF_ERROR(write_text_file(staging + "/quarantine.csv", quarantine));

  BufferedFile files[kOutputFileCount];
  const char* headers[kOutputFileCount] = {kRegistryHeader, kOutreachHeader, kDuplicatesHeader, kActionsHeader,
                                           kBenefitsHeader};
  for (int file = 0; file < kOutputFileCount; ++file) {
    CANBAO_RETURN_IF_ERROR(files[file].open(staging + "/" + kOutputNames[file]));
    CANBAO_RETURN_IF_ERROR(files[file].write(headers[file]));
  }
  const PartitionWriter writer = [&](const PartitionRows& rows) -> Status {
    for (int file = 0; file < kOutputFileCount; ++file) CANBAO_RETURN_IF_ERROR(files[file].write(rows.text[file]));
    failpoint("match.partition_written");
    count_cells(rows.text[kDuplicatesCsv], 2, report.duplicate_types);        // type
    count_cells(rows.text[kDuplicatesCsv], 6, report.duplicate_resolutions);  // resolution
    count_cells(rows.text[kActionsCsv], 2, report.actions);                   // action
    count_cells(rows.text[kActionsCsv], 3, report.action_handlers);           // handler
    count_cells(rows.text[kActionsCsv], 6, report.action_refunds);            // refund
    count_cells(rows.text[kOutreachCsv], 4, report.outreach_states);          // state
    count_cells(rows.text[kOutreachCsv], 5, report.outreach_groups);          // group
    count_benefit_waits(rows.text[kBenefitsCsv], report.benefit_waits);
    return Status::OK();
  };
  CANBAO_RETURN_IF_ERROR(run_match(segments, links, report.manifest.settings, writer, report.match, &progress));
  for (BufferedFile& file : files) CANBAO_RETURN_IF_ERROR(file.close());
  const std::string plan_csv = report.match.plan.to_csv(report.manifest.settings);
  CANBAO_RETURN_IF_ERROR(write_text_file(staging + "/plan.csv", plan_csv));
  report.timings.emplace_back("match_and_write", seconds_since(start));
  report.exports = options.exports;
  if (options.exports.split_by_district) {
    start = Clock::now();
    std::string outreach;
    CANBAO_RETURN_IF_ERROR(read_text_file(staging + "/outreach.csv", outreach));
    CANBAO_RETURN_IF_ERROR(write_outreach_exports(outreach, staging, options.exports, report.outreach_exports));
    report.timings.emplace_back("exports", seconds_since(start));
  }
  CANBAO_RETURN_IF_ERROR(write_text_file(staging + "/report.html", build_report_html(report, plan_csv)));
  report.timings.emplace_back("total", seconds_since(total_start));
  return write_text_file(staging + "/summary.json", build_summary_json(report));
}
// The `link` stage: the index's links.bin when it was computed from exactly these segments,
// else fallback linking, saved as links.bin for the next run, `query` and `serve`.
Status resolve_links(const std::vector<IngestedFeed>& ingested, RunReport& report,
                     std::vector<const Segment*>& segments, LinkResult& links) {
  const auto start = Clock::now();
  segments.clear();
  for (const IngestedFeed& feed : ingested) segments.push_back(feed.segment.get());
  const std::string path = links_path(report.index_dir);
  if (auto loaded = load_links(path, segments); loaded.ok()) {
    links = std::move(loaded).value();
    report.links_reused = true;
  } else {
    link_fallback(segments, links);
    report.links_reused = false;
    CANBAO_RETURN_IF_ERROR(save_links(path, links, segments));
  }
  report.timings.emplace_back("link", seconds_since(start));
  return Status::OK();
}

}  // namespace

Status run_ingest(const RunOptions& options, RunReport& report) {
  std::unique_ptr<AdapterRegistry> registry;
  std::vector<IngestedFeed> ingested;
  Progress progress(options.progress);
  CANBAO_RETURN_IF_ERROR(prepare(options, report, registry, ingested, &progress));
  std::vector<const Segment*> segments;
  LinkResult links;
  return resolve_links(ingested, report, segments, links);
}

Status run_job(const RunOptions& options, RunReport& report) {
  const auto total_start = Clock::now();
  std::unique_ptr<AdapterRegistry> registry;
  std::vector<IngestedFeed> ingested;
  Progress progress(options.progress);
  CANBAO_RETURN_IF_ERROR(prepare(options, report, registry, ingested, &progress));
  std::vector<const Segment*> segments;
  LinkResult links;
  CANBAO_RETURN_IF_ERROR(resolve_links(ingested, report, segments, links));
  for (const ExcludedRef& ref : links.excluded) --report.feeds[ref.segment].accepted;
  for (const LinkedRef& ref : links.linked) {
    ++report.links[std::string(link_method_name(ref.method))];
    ++report.feeds[ref.segment].linked;
  }

  // Outputs go to a staging directory beside out_dir, renamed into place at the end.
  remove_stale_siblings(options.out_dir);
  const std::string staging = options.out_dir + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) return Status::Error(staging + ": cannot create output directory: " + ec.message());
  // A failure (a full disk, say) removes the staging directory at once, so the space is given back
  // and only the error is left (killed runs are cleaned by the next run: remove_stale_siblings).
  Status status = write_outputs(options, report, segments, links, staging, progress, total_start);
  if (!status.ok()) {
    fs::remove_all(staging, ec);
    return status;
  }
  return commit_output_dir(staging, options.out_dir);
}

std::string format_run_summary(const RunReport& report) {
  std::string text;
  char line[512];
  text += "canbao run: city " + report.manifest.city_text + ", as of " + format_date(report.manifest.settings.as_of) +
          ", " + std::to_string(report.threads) + " thread(s)\n";
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
  PlanTally total;
  for (const auto& [district, tally] : report.match.plan.districts()) total += tally;
  total += report.match.plan.unassigned();
  std::snprintf(line, sizeof(line),
                "target population %lld: insured %lld, uninsured %lld (lapsed %lld, never %lld); persons with "
                "duplicate enrollment %lld; subsidy deductions %lld yuan\n",
                static_cast<long long>(total.target), static_cast<long long>(total.insured),
                static_cast<long long>(total.lapsed + total.never), static_cast<long long>(total.lapsed),
                static_cast<long long>(total.never), static_cast<long long>(total.duplicates),
                static_cast<long long>(total.subsidy_deduction_yuan));
  text += line;
  text += "duplicate cases by type:";
  for (const auto& [type, count] : report.duplicate_types) text += " " + type + " " + std::to_string(count);
  text += "\nresolutions:";
  for (const auto& [resolution, count] : report.duplicate_resolutions) text += " " + resolution + " " + std::to_string(count);
  text += "\nactions:";
  for (const auto& [action, count] : report.actions) text += " " + action + " " + std::to_string(count);
  text += "\n";
  text += "plan rate per district (target " + report.manifest.settings.target_rate_text + "):\n";
  for (const auto& [district, tally] : report.match.plan.districts()) {
    char rate[16] = "-";
    if (tally.target) std::snprintf(rate, sizeof(rate), "%.4f", static_cast<double>(tally.insured) / tally.target);
    std::snprintf(line, sizeof(line), "  %06d  target %9lld  insured %9lld  lapsed %8lld  never %8lld  rate %s\n",
                  district, static_cast<long long>(tally.target), static_cast<long long>(tally.insured),
                  static_cast<long long>(tally.lapsed), static_cast<long long>(tally.never), rate);
    text += line;
  }
  text += "outputs: " + report.out_dir + "/{registry,outreach,duplicates,actions,benefits,plan,quarantine}.csv, summary.json, report.html\n";
  if (report.exports.split_by_district) {
    text += "outreach exports: " + report.out_dir + "/outreach/{";
    bool first = true;
    for (const auto& [district, rows] : report.outreach_exports) {
      text += (first ? "" : ",") + district;
      first = false;
    }
    text += "}.csv";
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
