// Decoding of adapter output (field texts) into packed SPEC §3 records: enum labels in English
// and Chinese, the date and month spellings of SPEC §1, booleans, regions, amounts, and the
// citizen ID (SPEC §2). Shared by every adapter, built-in or plugin. Thread-safe: no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "canbao/adapter_abi.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/records/records.h"

namespace canbao {

/// One record's field values as the adapter gave them, trimmed; empty = absent.
struct FieldTexts {
  enum State : uint8_t { kAbsent = 0, kText = 1, kInvalid = 2 };
  std::string_view value[CANBAO_F_COUNT];
  uint8_t state[CANBAO_F_COUNT];

  /// Fills from an adapter's (field, value) pairs; a later pair for the same field wins. Values
  /// that are empty after trimming are absent. Out-of-range field numbers are ignored.
  void assign(const canbao_kv* fields, size_t count);
  bool present(int field) const { return state[field] != kAbsent; }
};

/// Bytes of strings referenced by packed records (Str offsets are positions in `bytes`).
struct Arena {
  std::string bytes;
  Str add(std::string_view text);
  std::string_view view(Str str) const { return std::string_view(bytes).substr(str.off, str.len); }
};

enum class DecodeStatus : uint8_t {
  kOk = 0,     // every field fine, valid ID: the record is accepted directly
  kBadId,      // fields fine, ID rejected (see result.id.reject): candidate for fallback linking
  kBadField,   // a field is missing or unparsable (see result.bad_field)
  kDeleteRow,  // SPEC §7 enrollment delete row (record_id read, ID not): held with the pending records
  kIdRejected, // SPEC §7 delete row of another agency whose ID is rejected: quarantined with the ID
               // reason (result.id.reject), never linked
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kOk;
  IdResult id;
  int bad_field = -1;     // first bad canbao_field (in field order), or -1
  /// SPEC §9: a health `birth` without an `id` (fields fine, status kBadId, reject `missing`):
  /// linked by name_birth when exactly one person matches, otherwise accepted as a newborn without
  /// ID (never quarantined, never `ambiguous`).
  bool newborn_without_id = false;
  /// The head fields as read (all absent for a delete row); the name is in the record's head too.
  DecodedHead head;
  bool fields_ok() const { return bad_field < 0; }
};

/// Decodes `texts` as a record of `agency` into `out` (a PackedOf<agency>), storing strings in
/// `arena`. A rejected ID gives kBadId, and its reason is the quarantine reason even when a field
/// is bad too (then fields_ok() is false and the record cannot be linked by fallback). A valid ID
/// with a bad field gives kBadField. For kOk the record's key is set; otherwise key = kNoPerson.
/// SPEC §9 health: `kind` is checked first, then the fields its kind requires (birth: birth_cert,
/// birth; death: death_date), then the rest in field order; a birth without an `id` and with a
/// bad field is kBadField (its ID is not missing, SPEC §9), and with fields fine kBadId with
/// newborn_without_id set.
/// SPEC §7: `op` is checked before every other field and the ID — absent, empty or `upsert`: a
/// record; `delete` / `删除` in an update feed: a delete row (head.op = kDelete; enrollment: only
/// record_id is read, kDeleteRow; other agencies: only the ID, valid → kOk with the key set,
/// rejected → kIdRejected); anything else, or a delete in an append feed: bad_field:op.
DecodeResult decode_record(Agency agency, const FieldTexts& texts, Day as_of, Arena& arena, void* out,
                           FeedMode mode = FeedMode::kAppend);

// The field-value parsers (parse_region, parse_scheme, ... with their English and Chinese labels)
// are defined in decoder.cpp and declared in records/records.h, next to the value kinds of the
// schema (records/schema.h) that name them.

}  // namespace canbao
