// The result of resolving records across feeds (match/linker.h computes it: the record_id screen
// and SPEC §2 fallback linking), as plain data, and its copy in the index directory: links.bin,
// so a run that reuses the index, `canbao query` and `canbao serve` do not link again.
//
// links.bin: LinksFileHeader (with LinkResult's as_of range), then LinkedRef[linked], UnlinkedRef[unlinked],
// DuplicateRecordRef[duplicate_ids], ExcludedRef[excluded], UnlinkedRef[newborns],
// RemovedRef[removed], ExcludedRef[removed_direct] (raw, native layout; a layout change
// bumps kLinksFormatVersion). It names the segment set it was computed from (its count and
// segment_set_fingerprint): a file of any other set is stale, but one computed from the first
// segments of a longer list is what a delivery's run links from (SPEC §7).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "canbao/core/status.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/index/segment_reader.h"
#include "canbao/records/records.h"

namespace canbao {

struct LinkedRef {
  PersonKey key;
  Origin origin;
  uint32_t segment;  // index into the segment list
  uint32_t pending;  // index into that segment's pending records
  LinkMethod method;
  bool removed;      // SPEC §7: linked in its own feed, then replaced or deleted by an update
};

struct UnlinkedRef {
  uint32_t segment;
  uint32_t pending;
  bool ambiguous;  // several persons matched; else the record keeps its ID reason
};

/// A directly accepted record the matcher skips.
struct ExcludedRef {
  PersonKey key;
  uint32_t segment;
  uint32_t index;  // record index in the segment
  friend bool operator<(const ExcludedRef& a, const ExcludedRef& b) {
    return a.key != b.key ? a.key < b.key : a.segment != b.segment ? a.segment < b.segment : a.index < b.index;
  }
};

/// A later occurrence of an enrollment record_id (match/record_ids.h).
struct DuplicateRecordRef {
  uint32_t segment;  // index into the segment list (= manifest feed)
  uint32_t index;    // record index, or pending index when `pending`
  uint32_t line;     // physical line in its feed
  bool pending;      // the record's own ID was rejected (it would have gone to fallback linking)
  PersonKey key;     // the record's person (kNoPerson when pending)
};

/// SPEC §7: an enrollment record that an update feed replaced (a record with its record_id) or
/// deleted (a delete row), found by the record_id screen (match/record_ids.h).
struct RemovedRef {
  uint32_t segment;     // the removed record's feed
  uint32_t index;       // record index, or pending index when `pending`
  uint32_t by_segment;  // the update feed that removed it
  bool pending;         // the record awaited fallback linking
  bool deleted;         // removed by a delete row (else replaced)
  PersonKey key;        // the record's person (kNoPerson when pending)
};

struct LinkResult {
  std::vector<LinkedRef> linked;      // sorted by (key, origin)
  std::vector<UnlinkedRef> unlinked;  // segment order, then line
  std::vector<DuplicateRecordRef> duplicate_ids;  // quarantined duplicate_record_id, (segment, line)
  std::vector<ExcludedRef> excluded;  // the accepted ones among them, sorted
  /// SPEC §9: health births without an ID that linked to nobody (no candidate or several):
  /// accepted as newborns without ID, in segment order, then line (`ambiguous` is always false).
  std::vector<UnlinkedRef> newborns;
  /// SPEC §7: enrollment records replaced or deleted by an update feed, (segment, index) order.
  std::vector<RemovedRef> removed;
  /// The directly accepted ones among them as ExcludedRef, sorted: the matcher skips them.
  std::vector<ExcludedRef> removed_direct;
  /// The as_of range [valid_from, valid_before) this result holds for. Pending records whose ID
  /// is valid from a later day (index/format.h pending_valid_on; SPEC §2) are accepted directly
  /// at a run on or after that day (in `linked`, method kDirect): valid_from is the latest such
  /// day accepted (kNoDay: none), valid_before the earliest not yet reached (INT32_MAX: none).
  Day valid_from = kNoDay;
  Day valid_before = INT32_MAX;
  bool holds_for(Day as_of) const { return valid_from <= as_of && as_of < valid_before; }
};

inline constexpr uint32_t kLinksFormatVersion = 5;  // 2: newborns; 3: §7 removed records; 4: segment count;
                                                    // 5: the as_of range

/// A hash over every segment's header checksum, in feed order: names one set of segments.
uint64_t segment_set_fingerprint(std::span<const Segment* const> segments);

/// Writes `links` for `segments` to `path` (temp + rename).
Status save_links(const std::string& path, const LinkResult& links, const std::vector<const Segment*>& segments);

/// Reads `path`. An error (one line naming the file) when it is missing, corrupted (magic,
/// version, sizes, checksum, a reference outside the segments) or stale (computed from another
/// segment set). With `first_segments`, a file computed from the first K < size segments is
/// taken too (match/linker.h link_new_feeds then links the rest), and K is stored there.
Result<LinkResult> load_links(const std::string& path, const std::vector<const Segment*>& segments,
                              uint32_t* first_segments = nullptr);

}  // namespace canbao
