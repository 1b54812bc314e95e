// Records resolved after ingestion, across feeds. First the SPEC §3 record_id screen
// (match/record_ids.h): later occurrences of an enrollment record_id are quarantined as
// `duplicate_record_id` and excluded from everything below. Then SPEC §2 fallback linking of records whose ID was rejected: `checksum_repair` (bad check
// character, the 17-digit prefix names a known person with the same normalised name) and
// `name_birth` (name + birth date (+ sex where given) match exactly one known person). Records that
// link to nobody go to quarantine with their own ID reason, or `ambiguous` when several persons
// matched.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "canbao/index/segment.h"
#include "canbao/match/record_ids.h"

namespace canbao {

struct LinkedRef {
  PersonKey key;
  Origin origin;
  uint32_t segment;  // index into the segment list
  uint32_t pending;  // index into that segment's pending records
  LinkMethod method;
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

struct LinkResult {
  std::vector<LinkedRef> linked;      // sorted by (key, origin)
  std::vector<UnlinkedRef> unlinked;  // segment order, then line
  std::vector<DuplicateRecordRef> duplicate_ids;  // quarantined duplicate_record_id, (segment, line)
  std::vector<ExcludedRef> excluded;  // the accepted ones among them, sorted
};

/// Screens record_ids, then links. "Known valid persons" are the keys of directly accepted
/// records in any segment (a duplicate_record_id record still makes its person known).
/// REQUIRES: segments[i]->header().agency matches the data; each segment is feed i's.
void link_fallback(const std::vector<const Segment*>& segments, LinkResult& out);

}  // namespace canbao
