// SPEC §3: an enrollment `record_id` is unique. The screen finds enrollment records whose
// record_id an earlier record (manifest feed order, then line) already carries, across every
// enrollment feed: the first occurrence keeps the record_id; every later one is quarantined as
// `duplicate_record_id` and takes no part in linking or matching (docs/DECISIONS.md).
#pragma once

#include "canbao/core/ranks.h"

#include <cstdint>
#include <vector>

#include "canbao/identity/citizen_id.h"
#include "canbao/index/links.h"
#include "canbao/index/segment_reader.h"

namespace canbao {

struct RecordIdScreen {
  std::vector<DuplicateRecordRef> duplicates;  // quarantined duplicate_record_id, (segment, line)
  std::vector<RemovedRef> removed;             // SPEC §7 replaced / deleted records, (segment, index)
};

/// Screens the enrollment records that reached the index with their fields decoded (directly
/// accepted ones, pending ones whose fields are fine) and the enrollment delete rows, in (feed,
/// line) order per record_id (SPEC §3, §7): in an append feed a record_id that a standing record
/// holds is a duplicate; in an update feed a record replaces the holder (or is added), a delete
/// row removes it, and a record_id met again in the same update feed is a duplicate (the first
/// stands). Parallel; the result does not depend on the thread count.
RecordIdScreen screen_record_ids(const std::vector<const Segment*>& segments);

/// Issue #17: screen_record_ids across ranks, each holding its part of every segment (its key
/// range's records; every pending record, screened by rank 0 only). Every rank gets the whole
/// screen; a direct record's `index` is its index on the rank owning its key.
Status screen_record_ids_ranks(const std::vector<const Segment*>& segments, Ranks& ranks, RecordIdScreen& out);

/// The screen of `segments` from the screen of its first `first_new` segments (their
/// `duplicates_before` and `removed_before`, as screen_record_ids gave them): what the new feeds
/// add — their duplicates, and the records they replace or delete (earlier ones among them) —
/// so that the earlier lists merged with these equal screen_record_ids(segments). Reads every
/// earlier record_id once (a hash each) and decides only the record_ids the new feeds carry.
RecordIdScreen screen_new_record_ids(const std::vector<const Segment*>& segments, uint32_t first_new,
                                     const std::vector<DuplicateRecordRef>& duplicates_before,
                                     const std::vector<RemovedRef>& removed_before);

/// The order of RecordIdScreen::removed and LinkResult::removed: (segment, pending, index).
bool removed_order(const RemovedRef& a, const RemovedRef& b);

/// The duplicates of screen_record_ids (append feeds only: SPEC §3).
std::vector<DuplicateRecordRef> find_duplicate_record_ids(const std::vector<const Segment*>& segments);

}  // namespace canbao
