// SPEC §3: an enrollment `record_id` is unique. The screen finds enrollment records whose
// record_id an earlier record (manifest feed order, then line) already carries, across every
// enrollment feed: the first occurrence keeps the record_id; every later one is quarantined as
// `duplicate_record_id` and takes no part in linking or matching (docs/DECISIONS.md).
#pragma once

#include <cstdint>
#include <vector>

#include "canbao/identity/citizen_id.h"
#include "canbao/index/links.h"
#include "canbao/index/segment_reader.h"

namespace canbao {

/// Screens the enrollment records that reached the index with their fields decoded: directly
/// accepted ones and pending ones whose fields are fine. Returns the later occurrences sorted
/// by (segment, line). Parallel; the result does not depend on the thread count.
std::vector<DuplicateRecordRef> find_duplicate_record_ids(const std::vector<const Segment*>& segments);

}  // namespace canbao
