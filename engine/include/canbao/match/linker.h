// Records resolved after ingestion, across feeds (the result types are index/links.h). First the SPEC §3 record_id screen
// (match/record_ids.h): later occurrences of an enrollment record_id are quarantined as
// `duplicate_record_id` and excluded from everything below. Then SPEC §2 fallback linking of records whose ID was rejected: `checksum_repair` (bad check
// character, the 17-digit prefix names a known person with the same normalised name) and
// `name_birth` (name + birth date (+ sex where given) match exactly one known person). Records that
// link to nobody go to quarantine with their own ID reason, or `ambiguous` when several persons
// matched.
#pragma once

#include "canbao/core/ranks.h"

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
/// At `as_of`, a pending record whose ID is valid from a day no later than it (index/format.h
/// pending_valid_on) is accepted directly: in `linked` with method kDirect.
void link_fallback(const std::vector<const Segment*>& segments, Day as_of, LinkResult& out);

/// Issue #17: link_fallback across ranks, each with its part of every segment (its key range's
/// records, every pending record): the record_id screen and the name/prefix matches are found
/// where the records are and shared, so every rank gets the whole result, equal to one process's
/// (a direct record's index in duplicate_ids/removed is its index on the rank owning its key).
Status link_fallback_ranks(const std::vector<const Segment*>& segments, Day as_of, Ranks& ranks, LinkResult& out);

/// Issue #17: the part of a whole result a rank matches with and saves beside its index part:
/// every reference to a directly accepted record or a linked person only for the keys it owns
/// (index_dir.h key_owner); the pending records' (every rank holds them) all.
void keep_own_links(const std::vector<PersonKey>& boundaries, int rank, LinkResult& links);

/// The same result as link_fallback(segments), from `before` = link_fallback of the first
/// `first_new` segments (SPEC §7 deliveries: an index's earlier feeds, then the delivery's): the
/// record_id screen decides only the record_ids the new feeds carry, and a pending record of an
/// earlier feed is looked for in the new feeds only (feeds only ever add persons and names), so the
/// cost follows the new feeds and the pending records rather than every record_id ever replaced.
/// Every earlier enrollment record_id is still read once (a hash each); names are found through
/// each segment's (birth, name) table (index/format.h NameBirthEntry), not by reading records.
/// REQUIRES: as_of >= before.valid_from (no ID accepted then is invalid now).
void link_new_feeds(const std::vector<const Segment*>& segments, uint32_t first_new, const LinkResult& before,
                    Day as_of, LinkResult& out);

}  // namespace canbao
