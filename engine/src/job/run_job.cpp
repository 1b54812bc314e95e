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
#include <mutex>
#include <optional>

#include "canbao/core/date.h"
#include "canbao/core/failpoint.h"
#include "canbao/core/private_files.h"
#include "canbao/core/text.h"
#include "canbao/index/index_dir.h"
#include "canbao/index/links.h"
#include "canbao/ingest/ingest.h"
#include "canbao/job/health.h"
#include "canbao/job/person_outputs.h"
#include "canbao/job/report_html.h"
#include "canbao/match/linker.h"
#include "canbao/match/record_ids.h"
#include "canbao/output/output_file.h"
#include "canbao/output/outreach_exports.h"
#include "job_internal.h"
#include "run_ranks.h"
#include "run_state.h"

namespace canbao {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
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
      const PendingInfo* info = ref.pending ? &segment.pending_info()[ref.index] : nullptr;
      const Day valid_on = info != nullptr ? pending_valid_on(*info) : kNoDay;
      if (valid_on != kNoDay && valid_on <= manifest.settings.as_of) {
        // An ID valid since its ingestion (SPEC §2): masked as a directly accepted record's is.
        masked = masked_keys.emplace_back(mask_id(format_citizen_id(info->repair_key)));
      } else if (info != nullptr) {
        masked = segment.str(info->masked_id);
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

// No such process, or one that has exited and is not reaped yet (a zombie writes nothing: under
// mpirun, a killed job's ranks can still be zombies when the next run starts).
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) == -1 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t close = line.rfind(')');  // "pid (comm) state …": comm may hold spaces
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
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
      if (pid == ::getpid() || process_gone(pid)) fs::remove_all(entry.path(), ec);
    }
  }
}

// The index generation a run writes (index/index_dir.h): the live one before it, if any.
struct Generation {
  std::optional<IndexInfo> previous;
  Status unreadable;  // why there is no previous generation (none yet, another version, …)
  uint64_t number = 1;
  std::string links;  // links file name of the new generation (rank 0's across ranks)
  /// Issue #17: across N ranks, the key ranges (index_dir.h key_owner); empty in one process.
  std::vector<PersonKey> boundaries;
};

// Issue #17: the ranks of a run across several processes; null in one process.
Ranks* across_ranks(const RunOptions& options) {
  return options.ranks != nullptr && !options.ranks->solo() ? options.ranks : nullptr;
}

// The manifest of the run: for `apply` (SPEC §7 deliveries) the manifests of the index's live
// generation followed by the delivery.
Status load_run_manifest(const RunOptions& options, const Generation& generation, Manifest& out) {
  if (!options.apply) return load_manifest(options.manifest_path, today_local(), out);
  if (!generation.previous)
    return Status::Error(generation.unreadable.message() +
                         "; no index to apply the delivery to: run `canbao run` with the manifest of the earlier feeds first");
  std::vector<std::string> chain = generation.previous->manifests;
  chain.push_back(options.manifest_path);
  return load_manifest_chain(chain, today_local(), out);
}

// Issue #14: a damaged index file this run repairs, as one line: the error without its advice to
// rerun (this run is doing it), then what the run does instead.
std::string repair_line(const std::string& message, std::string_view instead) {
  return message.substr(0, message.find("; rerun")) + "; " + std::string(instead);
}

Status prepare(const RunOptions& options, RunReport& report, std::unique_ptr<AdapterRegistry>& registry,
               std::vector<IngestedFeed>& ingested, Progress* progress, StateSession* state, Generation& generation) {
  report = RunReport{};
  report.index_dir = options.index_dir.empty() ? options.out_dir + ".index" : options.index_dir;
  if (auto previous = read_index_info(report.index_dir); previous.ok()) {
    generation.previous = std::move(previous).value();
    generation.number = generation.previous->generation + 1;
  } else {
    generation.unreadable = previous.status();
    std::error_code ec;
    if (!options.apply && fs::exists(index_info_path(report.index_dir), ec))
      report.index_repairs.push_back(repair_line(previous.status().message(), "the index is built again from the feeds"));
  }
  CANBAO_RETURN_IF_ERROR(load_run_manifest(options, generation, report.manifest));
  // SPEC §7: the state first — an earlier as_of is refused before anything is written. Across
  // ranks (issue #17) rank 0 alone opens it and every rank stops on its refusal.
  Ranks* ranks = across_ranks(options);
  if (state != nullptr) {
    const auto state_start = Clock::now();
    Status opened = ranks == nullptr || ranks->leader() ? open_state(options, report.manifest, *state) : Status::OK();
    if (ranks != nullptr) opened = ranks->agree("state", opened);
    CANBAO_RETURN_IF_ERROR(opened);
    if (ranks != nullptr) CANBAO_RETURN_IF_ERROR(share_cases_before(*ranks, *state));
    report.timings.emplace_back("state_open", seconds_since(state_start));
  }
  report.out_dir = options.out_dir;
  report.threads = options.threads;
  report.ranks = options.ranks != nullptr ? options.ranks->size() : 1;
  CANBAO_ASSIGN_OR_RETURN(registry, AdapterRegistry::MakeWithBuiltins());
  const auto start = Clock::now();
  IngestOptions ingest_options;
  ingest_options.index_dir = report.index_dir;
  ingest_options.chunk_bytes = options.chunk_bytes;
  ingest_options.force_rebuild = options.force_rebuild;
  ingest_options.progress = progress;
  ingest_options.previous = generation.previous ? &*generation.previous : nullptr;
  ingest_options.generation = generation.number;
  if (Status status = ranks != nullptr
                          ? ingest_manifest_ranks(report.manifest, *registry, ingest_options, *ranks, generation.boundaries,
                                                  ingested)
                          : ingest_manifest(report.manifest, *registry, ingest_options, ingested);
      !status.ok()) {
    std::error_code ec;
    if (ranks == nullptr || ranks->leader()) fs::remove(report.index_dir, ec);  // only when empty: a first run that failed leaves no trace
    return status;
  }
  report.timings.emplace_back("ingest", seconds_since(start));
  for (const IngestedFeed& feed : ingested) {
    if (!feed.rebuilt_because.empty())
      report.index_repairs.push_back(repair_line(feed.rebuilt_because, "the feed is read again"));
    const FeedSpec& spec = report.manifest.feeds[feed.feed_index];
    FeedCounts counts;
    counts.path = spec.path;
    counts.agency = std::string(agency_name(spec.agency));
    counts.mode = std::string(feed_mode_name(spec.mode));
    // (Across ranks every part holds all pending records and quarantine entries.)
    counts.read = feed.all_records + feed.segment->pending_count() + feed.segment->quarantine_count();
    counts.accepted = feed.all_records;
    counts.quarantined = feed.segment->quarantine_count() + feed.segment->pending_count();
    counts.lines = feed.segment->header().lines;
    counts.bytes = feed.bytes;
    counts.reused = feed.reused;
    counts.seconds = feed.seconds;
    counts.parse_seconds = feed.parse_seconds;
    counts.sort_seconds = feed.sort_seconds;
    counts.write_seconds = feed.write_seconds;
    counts.shuffle_seconds = feed.shuffle_seconds;
    report.feeds.push_back(counts);
    report.own_rank.records += feed.segment->record_count();
    report.own_rank.shuffle_sent_bytes += feed.shuffle_sent_bytes;
  }
  return Status::OK();
}

// SPEC §9 across persons, before the cross-match (which reads the mothers' districts):
// newborns.csv and its district lists.
Status mothers_and_newborns(const RunOptions& options, RunReport& report, const std::vector<const Segment*>& segments,
                            const LinkResult& links, const std::string& staging, MotherDistricts& mothers) {
  const auto start = Clock::now();
  const RunSettings& settings = report.manifest.settings;
  Ranks* ranks = across_ranks(options);  // issue #17: `links` are the rank's own
  HealthStanding standing;
  CANBAO_RETURN_IF_ERROR(standing_health(segments, links, ranks, standing));
  for (size_t seg_idx = 0; seg_idx < standing.replaced.size(); ++seg_idx) report.feeds[seg_idx].replaced += standing.replaced[seg_idx];
  CANBAO_RETURN_IF_ERROR(collect_mother_districts(segments, links, standing, settings, ranks, mothers));
  std::vector<NewbornRow> newborns;
  CANBAO_RETURN_IF_ERROR(newborn_rows(segments, links, standing, settings, mothers, ranks, newborns));
  if (ranks != nullptr && !ranks->leader()) return Status::OK();  // rank 0 writes newborns.csv
  CANBAO_RETURN_IF_ERROR(write_text_file(staging + "/newborns.csv", format_newborns_csv(newborns), options.bom));
  report.newborn_rows = newborns.size();
  for (const NewbornRow& row : newborns) ++report.newborn_channels[row.home_district != kNoRegion ? "community" : "hospital"];
  if (options.exports.split_by_district) {
    DistrictRows rows;
    for (const NewbornRow& row : newborns) rows.add_newborn(row, settings, options.exports);
    OutreachExportWriter writer;
    CANBAO_RETURN_IF_ERROR(writer.open(staging, options.exports, options.bom, kNewbornsList));
    CANBAO_RETURN_IF_ERROR(writer.write(rows));
    CANBAO_RETURN_IF_ERROR(writer.close(report.newborn_exports));
  }
  report.timings.emplace_back("mothers_and_newborns", seconds_since(start));
  return Status::OK();
}

// Issue #17: rank r's part of per-person output `file` in the staging directory.
std::string part_path(const std::string& staging, int file, int rank) {
  return staging + "/" + kOutputNames[file] + ".part-" + std::to_string(rank);
}

// `links`: the whole result (the quarantine's, the counts'); `own`: the rank's part of it across
// ranks (issue #17), else the same.
Status write_outputs(const RunOptions& options, RunReport& report, const std::vector<const Segment*>& segments,
                     const LinkResult& links, const LinkResult& own, const std::string& staging, Progress& progress,
                     Clock::time_point total_start, StateSession& state) {
  Ranks* ranks = across_ranks(options);
  const bool leader = ranks == nullptr || ranks->leader();
  // Across ranks, a failure of one rank alone goes on to the next agreement (Ranks::agree), so
  // every rank leaves at the same collective.
  MotherDistricts mothers;
  Status ready = mothers_and_newborns(options, report, segments, own, staging, mothers);
  const auto start = Clock::now();
  if (ready.ok() && leader) {
    const std::string quarantine = build_quarantine(report.manifest, segments, links, report);
    ready = write_text_file(staging + "/quarantine.csv", quarantine, options.bom);
  }

  // Across ranks each rank writes its key range's rows to a part of each file, which rank 0 then
  // puts after the header in rank (= key) order.
  BufferedFile files[kOutputFileCount];
  for (int file = 0; file < kOutputFileCount && ready.ok(); ++file) {
    if (ranks != nullptr) {
      ready = files[file].open(part_path(staging, file, ranks->rank()));
      continue;
    }
    ready = files[file].open(staging + "/" + kOutputNames[file], options.bom);
    if (ready.ok()) ready = files[file].write(kOutputHeaders[file]);
  }
  report.exports = options.exports;
  report.bom = options.bom;
  OutreachExportWriter exports;
  if (options.exports.split_by_district) CANBAO_RETURN_IF_ERROR(exports.open(staging, options.exports, options.bom));
  const RunSettings& settings = report.manifest.settings;
  EvalContext context;
  context.mothers = &mothers;
  context.cases_before = &state.cases_before;
  MatchCallbacks callbacks;
  // Finished tasks come back through recycle_task and are handed out again (their buffers keep
  // their capacity); make_task and recycle_task run on different pipeline stages, hence the lock.
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<PartitionTask>> pool;
  callbacks.make_task = [&]() -> std::unique_ptr<PartitionTask> {
    {
      const std::lock_guard<std::mutex> lock(pool_mutex);
      if (!pool.empty()) {
        std::unique_ptr<PartitionTask> task = std::move(pool.back());
        pool.pop_back();
        static_cast<PersonOutputs&>(*task).reset();
        return task;
      }
    }
    return std::make_unique<PersonOutputs>(settings, options.exports, context);
  };
  callbacks.recycle_task = [&](std::unique_ptr<PartitionTask> task) {
    const std::lock_guard<std::mutex> lock(pool_mutex);
    pool.push_back(std::move(task));
  };
  callbacks.finish_task = [&](PartitionTask& task) -> Status {
    auto& part = static_cast<PersonOutputs&>(task);
    for (int file = 0; file < kOutputFileCount; ++file) {
      CANBAO_RETURN_IF_ERROR(files[file].write(part.text.text[file]));
      report.output_rows[file] += part.text.rows[file];
    }
    failpoint("match.partition_written");
    if (options.exports.split_by_district) CANBAO_RETURN_IF_ERROR(exports.write(part.districts));
    report.outcomes.merge(part.tally);
    report.plan.merge(part.plan);
    state.cases.insert(state.cases.end(), part.cases.begin(), part.cases.end());
    state.escalations.insert(state.escalations.end(), part.escalations.begin(), part.escalations.end());
    state.persons.insert(state.persons.end(), part.states.begin(), part.states.end());
    return Status::OK();
  };
  Status matched = ready.ok() ? for_each_person(segments, own, callbacks, report.match, &progress) : ready;
  for (BufferedFile& file : files)
    if (Status closed = file.close(); matched.ok()) matched = closed;
  std::deque<std::string> held;  // the texts of the other ranks' state rows
  if (ranks != nullptr) {
    CANBAO_RETURN_IF_ERROR(ranks->agree("cross-match", matched));
    CANBAO_RETURN_IF_ERROR(gather_results(*ranks, report, state, held));
    if (!ranks->leader()) return Status::OK();
    for (int file = 0; file < kOutputFileCount; ++file)
      CANBAO_RETURN_IF_ERROR(concatenate_parts(staging + "/" + kOutputNames[file], kOutputHeaders[file], options.bom,
                                               ranks->size(), [&](int rank) { return part_path(staging, file, rank); }));
  }
  CANBAO_RETURN_IF_ERROR(matched);
  for (size_t seg_idx = 0; seg_idx < report.match.replaced.size() && seg_idx < report.feeds.size(); ++seg_idx) {
    report.feeds[seg_idx].replaced += report.match.replaced[seg_idx];
    report.feeds[seg_idx].deleted += report.match.deleted[seg_idx];
  }
  if (options.exports.split_by_district) CANBAO_RETURN_IF_ERROR(exports.close(report.outreach_exports));
  CANBAO_RETURN_IF_ERROR(
      write_text_file(staging + "/plan.csv", format_plan_csv(report.plan.rows(settings), settings), options.bom));
  report.timings.emplace_back("match_and_write", seconds_since(start));
  const auto state_start = Clock::now();
  std::vector<uint64_t> fingerprints;
  for (const Segment* segment : segments) fingerprints.push_back(segment->header().fingerprint);
  CANBAO_RETURN_IF_ERROR(finish_state(state, report, fingerprints, staging, options.bom));
  report.timings.emplace_back("state", seconds_since(state_start));
  CANBAO_RETURN_IF_ERROR(write_text_file(staging + "/report.html", build_report_html(report)));
  report.timings.emplace_back("total", seconds_since(total_start));
  return write_text_file(staging + "/summary.json", build_summary_json(report));
}
// The `link` stage: the previous generation's links when they were computed from exactly these
// segments; else, when they were computed from the first of them (SPEC §7: a delivery's feeds come
// after the earlier ones, unchanged), linking of what the new feeds change; else fallback linking
// of everything. Saved for the next run, `query` and `serve`.
Status resolve_links(const std::vector<IngestedFeed>& ingested, RunReport& report, Generation& generation,
                     std::vector<const Segment*>& segments, LinkResult& links, Ranks* ranks) {
  const auto start = Clock::now();
  segments.clear();
  for (const IngestedFeed& feed : ingested) segments.push_back(feed.segment.get());
  if (ranks != nullptr) {
    // Issue #17: linked anew across the ranks (the parts were built anew); each rank saves the
    // links of its own key range, which `query` reads with its part.
    CANBAO_RETURN_IF_ERROR(link_fallback_ranks(segments, report.manifest.settings.as_of, *ranks, links));
    LinkResult own = links;
    keep_own_links(generation.boundaries, ranks->rank(), own);
    generation.links = links_part_file_name(generation.number, 0);
    const std::string path = report.index_dir + "/" + links_part_file_name(generation.number, ranks->rank());
    CANBAO_RETURN_IF_ERROR(ranks->agree("save the links", save_links(path, own, segments)));
    report.timings.emplace_back("link", seconds_since(start));
    return Status::OK();
  }
  const Day as_of = report.manifest.settings.as_of;
  report.links_reused = false;
  report.links_from_feeds = 0;
  // The live generation's links, read once: computed from these very segments (reused), or from
  // the first of them (SPEC §7: a delivery's feeds come after the earlier ones; link_new_feeds
  // below links only what the new feeds change).
  Status live_links = Status::Error("no earlier generation");  // why they were not reused
  uint32_t first_new = 0;
  std::optional<LinkResult> before;
  if (generation.previous) {
    const std::string path = report.index_dir + "/" + generation.previous->links;
    auto loaded = load_links(path, segments, &first_new);
    if (!loaded.ok()) {
      live_links = loaded.status();
    } else if (as_of < loaded.value().valid_from) {
      // An ID accepted then is not valid at this as_of (SPEC §2): linked again from scratch.
      live_links = Status::OK();
    } else if (first_new == segments.size() && loaded.value().holds_for(as_of)) {
      links = std::move(loaded).value();
      report.links_reused = true;
      generation.links = generation.previous->links;
    } else {
      // New feeds after them, or (SPEC §2) a pending ID valid from a day this as_of has reached.
      live_links = Status::OK();
      before = std::move(loaded).value();
    }
  }
  // Else this generation's, left by a killed run.
  if (!report.links_reused) {
    if (auto own = load_links(report.index_dir + "/" + links_file_name(generation.number), segments);
        own.ok() && own.value().holds_for(as_of)) {
      links = std::move(own).value();
      report.links_reused = true;
      generation.links = links_file_name(generation.number);
    }
  }
  // Every segment reused: the live links were computed from these very segments, so only damage
  // (or their removal) kept them from loading.
  const bool all_reused = std::all_of(ingested.begin(), ingested.end(), [](const IngestedFeed& feed) { return feed.reused; });
  if (!report.links_reused && generation.previous && all_reused && !live_links.ok())
    report.index_repairs.push_back(repair_line(live_links.message(), "linked again"));
  if (!report.links_reused) {
    if (before) {
      link_new_feeds(segments, first_new, *before, as_of, links);
      report.links_from_feeds = first_new;
    } else {
      link_fallback(segments, as_of, links);
    }
    generation.links = links_file_name(generation.number);
    CANBAO_RETURN_IF_ERROR(save_links(report.index_dir + "/" + generation.links, links, segments));
  }
  report.timings.emplace_back("link", seconds_since(start));
  return Status::OK();
}

// Switches the index to the run's generation (SPEC §7: readers see one run or the other).
Status switch_generation(const RunReport& report, const std::vector<IngestedFeed>& ingested,
                         const Generation& generation) {
  const Manifest& manifest = report.manifest;
  IndexInfo info;
  info.generation = generation.number;
  std::error_code ec;
  for (const std::string& path : manifest.chain)
    info.manifests.push_back(fs::weakly_canonical(fs::absolute(path, ec), ec).string());
  info.manifest_path = info.manifests.empty() ? std::string() : info.manifests.back();
  info.links = generation.links;
  info.city_text = manifest.city_text;
  info.settings = manifest.settings;
  if (!generation.boundaries.empty()) {
    info.ranks = static_cast<uint32_t>(generation.boundaries.size() + 1);
    info.boundaries = generation.boundaries;
  }
  for (const IngestedFeed& feed : ingested) {
    IndexFeedInfo entry;
    entry.path = manifest.feeds[feed.feed_index].path;
    entry.agency = manifest.feeds[feed.feed_index].agency;
    entry.segment = feed.segment_name;
    entry.fingerprint = feed.segment->header().fingerprint;
    info.feeds.push_back(std::move(entry));
  }
  return write_index_info(report.index_dir, info, generation.previous ? &*generation.previous : nullptr);
}

}  // namespace

Status run_ingest(const RunOptions& options, RunReport& report) {
  std::unique_ptr<AdapterRegistry> registry;
  std::vector<IngestedFeed> ingested;
  Progress progress(options.progress);
  Generation generation;
  CANBAO_RETURN_IF_ERROR(prepare(options, report, registry, ingested, &progress, nullptr, generation));
  std::vector<const Segment*> segments;
  LinkResult links;
  Ranks* ranks = across_ranks(options);
  CANBAO_RETURN_IF_ERROR(resolve_links(ingested, report, generation, segments, links, ranks));
  if (ranks == nullptr) return switch_generation(report, ingested, generation);
  // Rank 0 switches the index once every rank's part is in place.
  return ranks->agree("index.json", ranks->leader() ? switch_generation(report, ingested, generation) : Status::OK());
}

Status run_job(const RunOptions& options, RunReport& report) {
  const auto total_start = Clock::now();
  std::unique_ptr<AdapterRegistry> registry;
  std::vector<IngestedFeed> ingested;
  Progress progress(options.progress);
  StateSession state;
  Generation generation;
  Ranks* ranks = across_ranks(options);
  if (ranks != nullptr && options.exports.split_by_district)
    return Status::Error("--split-by district is not written across MPI ranks yet (issue #17): run it as one process");
  CANBAO_RETURN_IF_ERROR(prepare(options, report, registry, ingested, &progress, &state, generation));
  std::vector<const Segment*> segments;
  LinkResult links;
  CANBAO_RETURN_IF_ERROR(resolve_links(ingested, report, generation, segments, links, ranks));
  // Issue #17: each rank cross-matches its own key range with its part of the links.
  LinkResult own_links;
  if (ranks != nullptr) {
    own_links = links;
    keep_own_links(generation.boundaries, ranks->rank(), own_links);
  }
  const LinkResult& own = ranks != nullptr ? own_links : links;
  for (const ExcludedRef& ref : links.excluded) --report.feeds[ref.segment].accepted;
  for (const LinkedRef& ref : links.linked) {
    if (ref.method == LinkMethod::kDirect) {  // an ID valid from a day after its ingestion (SPEC §2)
      ++report.feeds[ref.segment].accepted;
      continue;
    }
    ++report.links[std::string(link_method_name(ref.method))];
    ++report.feeds[ref.segment].linked;
  }
  for (const UnlinkedRef& ref : links.newborns) ++report.feeds[ref.segment].accepted;  // SPEC §9
  // SPEC §7: enrollment delete rows wait with the pending records but are accepted (a duplicate
  // one is quarantined as duplicate_record_id); records removed by record_id count for their
  // update feed.
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    if (!segment.is_update() || segment.agency() != Agency::kEnrollment) continue;
    for (uint32_t idx = 0; idx < segment.pending_count(); ++idx)
      if (reinterpret_cast<const RecordHead*>(segment.pending(idx))->op == RecordOp::kDelete) ++report.feeds[seg_idx].accepted;
  }
  for (const DuplicateRecordRef& ref : links.duplicate_ids)
    if (ref.pending && reinterpret_cast<const RecordHead*>(segments[ref.segment]->pending(ref.index))->op == RecordOp::kDelete)
      --report.feeds[ref.segment].accepted;
  for (const RemovedRef& ref : links.removed) ++(ref.deleted ? report.feeds[ref.by_segment].deleted : report.feeds[ref.by_segment].replaced);
  report.newborns_without_id = links.newborns.size();

  // Outputs go to a staging directory beside out_dir, renamed into place at the end. Across ranks
  // (issue #17) rank 0 makes it and names it to the others, which write their parts into it.
  const bool leader = ranks == nullptr || ranks->leader();
  std::string staging = options.out_dir + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  Status made;
  if (leader) {
    remove_stale_siblings(options.out_dir);
    fs::remove_all(staging, ec);
    // 0700 (issue #14): renamed into place, it is OUT, and every file in it is created 0600.
    made = make_private_dir(staging, "output directory");
  }
  if (ranks != nullptr) {
    CANBAO_RETURN_IF_ERROR(ranks->agree("output directory", made));
    std::vector<std::string> named;
    CANBAO_RETURN_IF_ERROR(ranks->all_gather("output directory", leader ? staging : std::string(), named));
    staging = named[0];
  }
  CANBAO_RETURN_IF_ERROR(made);
  // A failure (a full disk, say) removes the staging directory at once, so the space is given back
  // and only the error is left (killed runs are cleaned by the next run: remove_stale_siblings).
  Status status = write_outputs(options, report, segments, links, own, staging, progress, total_start, state);
  // SPEC §7: `query` and `serve` move to this run once its state is committed.
  if (status.ok() && leader) status = switch_generation(report, ingested, generation);
  if (ranks != nullptr) status = ranks->agree("outputs", status);
  if (!status.ok()) {
    if (leader) fs::remove_all(staging, ec);
    return status;
  }
  if (leader) status = commit_output_dir(staging, options.out_dir);
  return ranks != nullptr ? ranks->agree("outputs", status) : status;
}

}  // namespace canbao
