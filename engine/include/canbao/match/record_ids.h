// SPEC §3: an enrollment `record_id` is unique. The screen finds enrollment records whose
// record_id an earlier record (manifest feed order, then line) already carries, across every
// enrollment feed: the first occurrence keeps the record_id; every later one is quarantined as
// `duplicate_record_id` and takes no part in linking or matching (docs/DECISIONS.md).
#pragma once

#include <cstdint>
#include <vector>

#include "canbao/identity/citizen_id.h"
#include "canbao/index/segment.h"

namespace canbao {

/// A later occurrence of a record_id.
struct DuplicateRecordRef {
  uint32_t segment;  // index into the segment list (= manifest feed)
  uint32_t index;    // record index, or pending index when `pending`
  uint32_t line;     // physical line in its feed
  bool pending;      // the record's own ID was rejected (it would have gone to fallback linking)
  PersonKey key;     // the record's person (kNoPerson when pending)
};

/// Screens the enrollment records that reached the index with their fields decoded: directly
/// accepted ones and pending ones whose fields are fine. Returns the later occurrences sorted
/// by (segment, line). Parallel; the result does not depend on the thread count.
std::vector<DuplicateRecordRef> find_duplicate_record_ids(const std::vector<const Segment*>& segments);

}  // namespace canbao
