// Real-time lookup (实时查询, N 二; issue #5): one person's coverage state, normal records,
// duplicate case and home district, answered from the memory-mapped index of an earlier run or
// ingest without re-ingesting or re-linking (the index directory: index/index_dir.h). The SPEC §8
// pre-check (issue #14) answers from the same index.
#pragma once

#include "canbao/index/index_dir.h"

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/core/status.h"
#include "canbao/index/links.h"
#include "canbao/index/segment_reader.h"
#include "canbao/match/linker.h"
#include "canbao/records/person_view.h"
#include "canbao/rules/precheck.h"
#include "canbao/state/state_store.h"

namespace canbao {

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
  /// Opens the index directory (index/index_dir.h): reads index.json, maps and verifies every
  /// segment it names and loads the fallback links of the run (links.bin). Errors are one line
  /// naming the file: a missing/foreign index.json, a missing, corrupted or inconsistent segment,
  /// a missing, corrupted or stale links.bin.
  /// SPEC §7: the state whose latest run's active cases a lookup shows (`open_cases`): `state_path`,
  /// else `OUT.state.db` beside an index named `OUT.index` when that file exists (none: no field).
  static Result<std::unique_ptr<PersonIndex>> Open(const std::string& index_dir, const std::string& state_path = "");

  /// Thread-safe: concurrent lookups share only read-only state.
  PersonAnswer lookup(std::string_view raw_id) const;

  /// SPEC §8 pre-check (rules/precheck.h): gathers the person as lookup() does (an ID SPEC §2
  /// rejects at t, or one the index does not know, has no records) and applies P1–P8 at
  /// t = request.date, or the index's as_of (the latest run's) when it is kNoDay. Thread-safe.
  PrecheckAnswer precheck(PrecheckRequest request) const;

  const RunSettings& settings() const { return settings_; }
  size_t segment_count() const { return parts_.front().segments.size(); }
  /// The index generation it reads (index/index_dir.h).
  uint64_t generation() const { return generation_; }

 private:
  PersonIndex() = default;
  /// SPEC §9: the home district of the mother of a person under 1 year at settings.as_of, from her
  /// own records (the last step of the person's §4 home district); empty for anyone else.
  MotherDistricts mothers_of(const PersonView& view, const RunSettings& settings) const;
  /// The part holding `key`'s records and links (issue #17: a sharded index has one per rank).
  struct Part {
    std::vector<std::unique_ptr<Segment>> owned;
    std::vector<const Segment*> segments;
    LinkResult links;
  };
  const Part& part_of(PersonKey key) const {
    return parts_.size() == 1 ? parts_[0] : parts_[static_cast<size_t>(key_owner(boundaries_, key))];
  }
  RunSettings settings_;
  uint64_t generation_ = 0;
  std::vector<Part> parts_;
  std::vector<PersonKey> boundaries_;
  std::unique_ptr<StateStore> state_;  // read-only; used under state_mutex_ (one thread at a time)
  mutable std::mutex state_mutex_;
};

/// The SPEC §8 answer object, one line (no trailing newline), its fields in §8 order: `decision`,
/// `reason`, `rule`, `conflicts`, `actions` (`record_id`, `action`, `handler`, `refund`,
/// `deadline`), `benefit_start`, `resident_benefits_until`; an absent value is null, an empty list
/// [], dates YYYY-MM-DD strings.
std::string format_precheck_json(const PrecheckAnswer& answer);

/// SPEC §7 for a long-running reader (`serve`): the index directory's live generation. A run or
/// `apply` switches the directory to a new generation; refresh() opens it and swaps it in, while
/// lookups already under way finish on the generation they took (current()). Thread-safe.
class LiveIndex {
 public:
  static Result<std::unique_ptr<LiveIndex>> Open(const std::string& index_dir, const std::string& state_path = "");
  std::shared_ptr<const PersonIndex> current() const;
  /// Opens the generation index.json names now when it is not the current one. Returns true when
  /// it switched; an error (the new generation cannot be opened) leaves the current one serving.
  /// One thread calls it (serve's watcher), any number call current().
  Result<bool> refresh();

 private:
  LiveIndex() = default;
  std::string index_dir_, state_path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const PersonIndex> current_;
  std::string seen_;  // index.json's identity (inode, size, mtime) when last looked at
};

}  // namespace canbao
