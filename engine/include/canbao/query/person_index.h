// Real-time lookup (实时查询, N 二; issue #5): one person's coverage state, normal records,
// duplicate case and home district, answered from the memory-mapped index of an earlier run or
// ingest without re-ingesting. The index directory holds index.json (the run's settings and
// feeds, written by ingestion) and one segment per feed.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/core/status.h"
#include "canbao/index/segment.h"
#include "canbao/manifest/manifest.h"
#include "canbao/match/linker.h"
#include "canbao/records/person_view.h"

namespace canbao {

/// Writes `index_dir`/index.json for the manifest whose feeds were just ingested (temp + rename).
Status write_index_info(const Manifest& manifest, const std::string& index_dir);

/// The answer for one looked-up ID, as JSON: {"valid": false, "reason": …} for an ID SPEC §2
/// rejects, {"valid": true, "found": false, …} for a valid ID the index does not know, otherwise
/// the person's state (see docs/DECISIONS.md for the fields).
struct PersonAnswer {
  bool valid = false;
  bool found = false;
  std::string json;  // one line, no trailing newline
};

class PersonIndex {
 public:
  /// Maps every segment named by index.json and links fallback records (as a run does).
  /// Errors name the file: a missing/foreign index.json, a missing or inconsistent segment.
  static Status Open(const std::string& index_dir, std::unique_ptr<PersonIndex>& out);

  /// Thread-safe: concurrent lookups share only read-only state.
  PersonAnswer lookup(std::string_view raw_id) const;

  const RunSettings& settings() const { return settings_; }
  size_t segment_count() const { return segments_.size(); }

 private:
  PersonIndex() = default;
  RunSettings settings_;
  std::vector<std::unique_ptr<Segment>> owned_;
  std::vector<const Segment*> segments_;
  LinkResult links_;
};

}  // namespace canbao
