// The on-disk layout of an index segment (one file per manifest feed; LevelDB's table/format.h is
// the model). Everything here is the file format: a change bumps kSegmentFormatVersion.
//
//   offset 0             SegmentHeader (176 bytes, zero padding up to kSegmentBodyStart = 192)
//   records_off          packed records [record_count] (record_size = packed_size(agency) each),
//                        sorted by (person key, line)
//   pending_off          packed records whose ID was rejected [pending_count], line order
//   pending_info_off     PendingInfo [pending_count]
//   quarantine_off       QuarantineEntry [quarantine_count], line order
//   arena_off            string arena [arena_size]: every Str of the file points into it
//   name_table_off       NameBirthEntry [name_table_count]: the records bearing a name (delete
//                        rows excepted) by (name_birth_hash, record index), for fallback linking
//   file_size            end of file
//
// Every section starts at a multiple of kSegmentAlign; gaps are zero. The body is the bytes
// [kSegmentBodyStart, file_size): body_checksum = XXH3_64bits over the array of XXH3_64bits of its
// kChecksumBlockBytes blocks (the last one shorter), so it is computed in parallel and is the same
// at any thread count. header_checksum = XXH3_64bits of the header with header_checksum set to 0.
// The header is written last (a file cut short never carries a valid header) and renamed from
// `<name>.tmp` into place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "canbao/core/status.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/records/records.h"

namespace canbao {

inline constexpr char kSegmentMagic[8] = {'C', 'A', 'N', 'B', 'S', 'E', 'G', '1'};
// 2: RecordHead.name_hash; 3: zeroed padding; 4: arena in key order; 5: header and body checksums
inline constexpr uint32_t kSegmentFormatVersion = 14;  // 6: SPEC §9 market agency; 7: health; 8: §7 op, mode;
                                                       // 9: ID birth range (reuse across as_of);
                                                       // 10: tax paid_on after 2200-12-31 is bad_field;
                                                       // 11: the (birth, name) table;
                                                       // 12: IDs valid from a later day decided by the linker;
                                                       // 13: the feed index in the header, not in every
                                                       //     record (RecordHead 40 -> 32 bytes);
                                                       // 14: birth and sex only in PendingInfo, no
                                                       //     name hash (RecordHead 32 -> 24 bytes)
inline constexpr uint64_t kSegmentAlign = 64;
inline constexpr uint64_t kChecksumBlockBytes = uint64_t{4} << 20;

inline constexpr uint64_t segment_align_up(uint64_t value) {
  return (value + kSegmentAlign - 1) / kSegmentAlign * kSegmentAlign;
}

/// A record the adapter or decoder rejected (SPEC §2 "nothing is lost").
struct QuarantineEntry {
  uint32_t line;
  uint32_t pad_;
  Str reason;     // e.g. "bad_field:scheme", "bad_json"
  Str masked_id;  // SPEC §6 id_masked
};

/// Why a pending record (ID rejected, fields fine or not) was held back.
struct PendingInfo {
  uint32_t line;
  IdReject reject;
  bool fields_ok;  // false: a field is bad too, so it can never be linked
  bool newborn_without_id;  // SPEC §9: a health birth without an ID; accepted when it links to nobody
  Sex sex;                  // SPEC §3 head fields (with birth), for fallback linking (SPEC §2) and newborns (§9)
  // bad_checksum: the 17-digit prefix. bad_birthdate of an ID valid but for a birth date after the
  // ingestion's as_of, on a record whose fields are fine: the ID's key (pending_valid_on). Else
  // kNoPerson.
  PersonKey repair_key;
  Str masked_id;
  Day birth;  // kNoDay: absent
  uint8_t pad2_[4];
};
static_assert(sizeof(PendingInfo) == 32);

/// One entry of a segment's (birth, name) table: a record of the records section bearing a name,
/// by the hash of its ID's birth date and its normalised name. The table is sorted by (hash,
/// index), so the records a fallback link looks for are a search away instead of a pass over the
/// segment (match/linker.cpp).
struct NameBirthEntry {
  uint32_t hash;   // name_birth_hash(birth date of the record's ID, raw_name_hash(its name))
  uint32_t index;  // in the records section
};
static_assert(sizeof(NameBirthEntry) == 8);

/// The (birth date as YYYYMMDD, name_hash) hash of NameBirthEntry: part of the format.
inline uint32_t name_birth_hash(int yyyymmdd, uint32_t name_hash) {
  const uint64_t mixed = (static_cast<uint64_t>(static_cast<uint32_t>(yyyymmdd)) << 32 | name_hash) * 0x9E3779B97F4A7C15ULL;
  return static_cast<uint32_t>((mixed ^ (mixed >> 29)) >> 32);
}

/// The day from which a pending record's ID is valid (SPEC §2: a birth date no later than as_of),
/// for a record ingested before it: the linker accepts it directly at a run whose as_of is that
/// day or later (match/linker.cpp). kNoDay for every other pending record.
inline Day pending_valid_on(const PendingInfo& info) {
  return info.reject == IdReject::kBadBirthdate && info.repair_key != kNoPerson ? id_birth(info.repair_key) : kNoDay;
}

struct SegmentHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t agency;
  uint64_t fingerprint;  // of the feed it was built from (ingest/ingest.h feed_fingerprint)
  uint64_t record_size;
  uint64_t records_off, record_count;
  uint64_t pending_off, pending_count;  // packed records with key = kNoPerson
  uint64_t pending_info_off;            // PendingInfo[pending_count]
  uint64_t quarantine_off, quarantine_count;
  uint64_t arena_off, arena_size;
  uint64_t lines;       // physical lines of the feed file
  uint64_t read_count;  // records read = record_count + pending_count + quarantine_count
  uint64_t file_size;   // total bytes, checked when mapping
  uint64_t body_checksum;
  uint64_t header_checksum;
  uint32_t mode;  // FeedMode of the feed (SPEC §7)
  // SPEC §2 ID validity depends on as_of (a birth date after it is bad_birthdate). The latest birth
  // date of an ID that passed that check, and the earliest of one that failed it only for being
  // after as_of and is not left to the linker (pending_valid_on: an ID with a bad check character
  // too, or on a record with a bad field or a delete row) (kNoDay / INT32_MAX: none): the segment
  // decodes the same for every as_of in [max_id_birth, min_future_birth), so a later run reuses
  // it (segment_valid_for).
  int32_t max_id_birth;
  int32_t min_future_birth;
  uint32_t feed_index;  // the manifest position of the feed (every record's Origin::feed)
  uint64_t name_table_off, name_table_count;  // NameBirthEntry[name_table_count]
};
static_assert(sizeof(SegmentHeader) == 176);

/// Whether a segment built with these birth bounds decodes its feed as it would at `as_of`.
inline bool segment_valid_for(const SegmentHeader& header, int32_t as_of) {
  return header.max_id_birth <= as_of && as_of < header.min_future_birth;
}

inline constexpr uint64_t kSegmentBodyStart = segment_align_up(sizeof(SegmentHeader));

/// XXH3_64bits of the header with header_checksum taken as 0.
uint64_t segment_header_checksum(const SegmentHeader& header);

/// The body checksum of a whole mapped file of `file_size` bytes (blocks hashed in parallel).
uint64_t segment_body_checksum(const char* file, uint64_t file_size);

/// Checks everything the header alone can tell: magic, version, header checksum, agency, record
/// size, every section inside [kSegmentBodyStart, file_size) without overflow and aligned to
/// kSegmentAlign, file_size equal to `actual_size`. The error is the reason only ("checksum
/// mismatch", …), without the path.
Status check_segment_header(const SegmentHeader& header, uint64_t actual_size);

/// check_segment_header on a file's first kSegmentBodyStart bytes (`start`), and its padding after
/// the header, which must be zero (neither checksum covers it).
Status check_segment_start(const char* start, uint64_t actual_size);

}  // namespace canbao
