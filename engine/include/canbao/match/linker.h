// Records resolved after ingestion, across feeds (the result types are index/links.h). First the SPEC §3 record_id screen
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

#include "canbao/index/links.h"
#include "canbao/index/segment_reader.h"
#include "canbao/match/record_ids.h"

namespace canbao {

/// Screens record_ids, then links. "Known valid persons" are the keys of directly accepted
/// records in any segment (a duplicate_record_id record still makes its person known).
/// REQUIRES: segments[i]->header().agency matches the data; each segment is feed i's.
void link_fallback(const std::vector<const Segment*>& segments, LinkResult& out);

}  // namespace canbao
