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
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kOk;
  IdResult id;
  int bad_field = -1;     // first bad canbao_field (in field order), or -1
  bool fields_ok() const { return bad_field < 0; }
};

/// Decodes `texts` as a record of `agency` into `out` (a PackedOf<agency>), storing strings in
/// `arena`. A rejected ID gives kBadId, and its reason is the quarantine reason even when a field
/// is bad too (then fields_ok() is false and the record cannot be linked by fallback). A valid ID
/// with a bad field gives kBadField. For kOk the record's key is set; otherwise key = kNoPerson.
DecodeResult decode_record(Agency agency, const FieldTexts& texts, Day as_of, Arena& arena, void* out);

/// Field-value parsers (exposed for tests). Each returns false for text it cannot read.
bool parse_region(std::string_view text, Region& out);
bool parse_bool(std::string_view text, bool& out);
bool parse_amount_fen(std::string_view text, int64_t& out);  // decimal yuan, ≥ 0
bool parse_scheme(std::string_view text, Scheme& out);
bool parse_enroll_status(std::string_view text, EnrollStatus& out);
bool parse_category(std::string_view text, Category& out);
bool parse_funded(std::string_view text, Funded& out);
bool parse_hr_type(std::string_view text, HrType& out);
bool parse_pension_status(std::string_view text, PensionStatus& out);
bool parse_sex(std::string_view text, Sex& out);
bool parse_ps_status(std::string_view text, PsStatus& out);
bool parse_edu_level(std::string_view text, EduLevel& out);
bool parse_edu_status(std::string_view text, EduStatus& out);
bool parse_assist_category(std::string_view text, AssistCategory& out);
bool parse_disability_level(std::string_view text, uint8_t& out);

}  // namespace canbao
