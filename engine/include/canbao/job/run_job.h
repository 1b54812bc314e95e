// A whole run (`canbao run`): manifest → ingest (or reuse) segments → fallback linking →
// cross-match and rules → outputs of SPEC §6 written to a temporary directory and renamed into
// place, so a reader never sees a partial set.
#pragma once

#include "canbao/core/ranks.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "canbao/core/status.h"
#include "canbao/manifest/manifest.h"
#include "canbao/match/matcher.h"
#include "canbao/output/csv_rows.h"
#include "canbao/output/outcome_tally.h"
#include "canbao/output/outreach_exports.h"
#include "canbao/rules/rules.h"

namespace canbao {

struct RunOptions {
  std::string manifest_path;
  std::string out_dir;
  std::string index_dir;  // default: <out_dir>.index
  int threads = 0;        // 0 = all cores (the caller sets the TBB limit)
  bool force_rebuild = false;
  bool progress = false;  // progress bar on stderr
  size_t chunk_bytes = size_t{4} << 20;
  OutreachExportOptions exports;  // outreach/<district>.csv|.xlsx, masking (issue #5, #15)
  bool bom = false;               // every CSV starts with the UTF-8 byte-order mark (issue #15)
  std::string state_path;         // SPEC §7 state (SQLite); default: <out_dir>.state.db
  /// SPEC §7 `canbao apply`: manifest_path is a delivery whose feeds come after those of the
  /// index's live generation (the manifests it was built from, read again; unchanged feeds are
  /// not ingested again). False: manifest_path lists every feed (`canbao run`).
  bool apply = false;
  /// Issue #17: the ranks of an `mpirun -np N` run (null or one rank: a single process).
  Ranks* ranks = nullptr;
};

struct FeedCounts {
  std::string path;
  std::string agency;
  std::string mode;  // SPEC §7 append / update
  uint64_t read = 0, accepted = 0, linked = 0, quarantined = 0;
  uint64_t replaced = 0, deleted = 0;  // SPEC §7: earlier records this (update) feed replaced / deleted
  uint64_t bytes = 0, lines = 0;
  bool reused = false;
  double seconds = 0;                                    // ingest wall time of the feed
  double parse_seconds = 0, sort_seconds = 0, write_seconds = 0;  // its parts (0 when reused)
  double shuffle_seconds = 0;  // issue #17, rank 0's: lines, key ranges, the exchange
  std::map<std::string, uint64_t, std::less<>> quarantine_reasons;  // quarantine.csv rows by reason
};

struct RunReport {
  Manifest manifest;
  std::string out_dir, index_dir;
  int threads = 0;
  int ranks = 1;  // issue #17: MPI ranks of the run (summary.json says them when more than one)
  /// Issue #17, across ranks: what each rank held and sent (rank 0 gathers them; summary.json
  /// `per_rank`), for the scaling figures of docs/PERFORMANCE.md.
  struct RankStats {
    uint64_t records = 0;             // accepted records in its index part (every feed)
    uint64_t shuffle_sent_bytes = 0;  // records, pending records and quarantine sent to other ranks
    uint64_t peak_rss_bytes = 0;      // its peak resident set up to the end of the cross-match
  };
  RankStats own_rank;
  std::vector<RankStats> rank_stats;
  std::vector<FeedCounts> feeds;
  bool links_reused = false;  // the index's links.bin was loaded instead of linking again
  /// SPEC §7: the links were computed from the previous generation's, which covered this many
  /// first feeds (0: linked from scratch, or reused).
  uint32_t links_from_feeds = 0;
  Counts links;              // by method
  Counts quarantine_reasons;  // by reason
  uint64_t quarantine_rows = 0;
  OutcomeTally outcomes;          // the rules' outcomes counted (statistics of every output)
  MatchStats match;               // persons, partitions
  std::array<uint64_t, kOutputFileCount> output_rows{};  // rows of each per-person output
  PlanTable plan;                 // R9
  OutreachExportOptions exports;                        // as run
  bool bom = false;                                     // as run (--bom)
  std::map<std::string, uint64_t> outreach_exports;     // outreach/<district>.csv → rows
  uint64_t newborns_without_id = 0;                     // SPEC §9 birth records accepted without ID
  uint64_t newborn_rows = 0;                            // newborns.csv rows
  Counts newborn_channels;                              // … by channel kind (community / hospital)
  std::map<std::string, uint64_t> newborn_exports;      // newborns/<district>.csv → rows
  // SPEC §7, from the state (every run so far, this one included), for report.html.
  std::vector<std::pair<Day, std::vector<std::vector<std::string>>>> plan_history;  // plan.csv cells per run
  std::vector<std::pair<Day, std::map<std::string, uint64_t>>> campaign;            // case rows by status per run
  bool has_previous_run = false;
  Day previous_as_of = kNoDay;
  std::map<Region, std::pair<uint64_t, uint64_t>> conversion;  // district → (on the previous outreach list, insured now)
  std::vector<std::pair<std::string, double>> timings;  // stage -> seconds
  /// Issue #14: index files of the live generation found damaged and rebuilt by this run (index.json,
  /// a segment, the links), one line each naming the file; the CLI prints them on stderr.
  std::vector<std::string> index_repairs;
};

/// Runs the whole job. On error nothing in out_dir is replaced.
Status run_job(const RunOptions& options, RunReport& report);

/// Only ingests (or reuses) the manifest's feeds into the index (`canbao ingest`).
Status run_ingest(const RunOptions& options, RunReport& report);

/// The headline numbers of a finished run, for the terminal.
std::string format_run_summary(const RunReport& report);

}  // namespace canbao
