// SPEC §2 fallback linking of records whose ID was rejected: `checksum_repair` (bad check
// character, the 17-digit prefix names a known person with the same normalised name) and
// `name_birth` (name + birth date (+ sex where given) match exactly one known person). Records that
// link to nobody go to quarantine with their own ID reason, or `ambiguous` when several persons
// matched.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "canbao/index/segment.h"

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

struct LinkResult {
  std::vector<LinkedRef> linked;      // sorted by (key, origin)
  std::vector<UnlinkedRef> unlinked;  // segment order, then line
};

/// "Known valid persons" are the keys of directly accepted records in any segment.
/// REQUIRES: segments[i]->header().agency matches the data; each segment is feed i's.
void link_fallback(const std::vector<const Segment*>& segments, LinkResult& out);

}  // namespace canbao
