// Citizen ID numbers (公民身份号码, GB 11643-1999): normalisation, validation and the 64-bit
// person key (SPEC §2). Pure functions, thread-safe, no allocation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "canbao/core/date.h"

namespace canbao {

/// The person key: the first 17 digits of a valid 18-character ID as an integer. The check
/// character is a function of them, so the key is a bijection with valid IDs, and numeric key
/// order equals the IDs' string order.
using PersonKey = uint64_t;
inline constexpr PersonKey kNoPerson = ~PersonKey{0};

/// SPEC §2 reject reasons, in the order they are tested.
enum class IdReject : uint8_t {
  kNone = 0,
  kMissing,
  kExcelMangled,
  kBadLength,
  kBadChar,
  kBadRegion,
  kBadBirthdate,
  kBadChecksum,
};

/// `missing`, `excel_mangled`, ... ("" for kNone).
std::string_view id_reject_name(IdReject reason);

struct IdResult {
  PersonKey key = kNoPerson;  // valid only when reject == kNone
  IdReject reject = IdReject::kMissing;
  /// For kBadChecksum: the first 17 digits as a key (checksum_repair candidate); else kNoPerson.
  PersonKey repair_key = kNoPerson;
  /// The birth date of digits 7–14 when it is a real date from 1900 on, whatever `as_of` (SPEC §7:
  /// an index segment records the range of these, so it is reused for a later `as_of` only when no
  /// ID of its feed changes validity); kNoDay when the ID got no further or the date is not real.
  Day birth = kNoDay;
  /// For kBadBirthdate of a real date after `as_of` in an ID that is otherwise valid (check
  /// character included): its key. The ID becomes valid on that date (SPEC §2), so an index keeps
  /// such a record pending and decides it at each run's as_of (match/linker.cpp); else kNoPerson.
  PersonKey future_key = kNoPerson;

  bool ok() const { return reject == IdReject::kNone; }
};

/// Normalises and validates a raw ID as SPEC §2 says: trim; full-width digits and Ｘｘ to ASCII;
/// x to X; 15 digits to 18 (19 + yy, check appended); province code or leading 9; birth date
/// between 1900-01-01 and as_of; check character.
IdResult parse_citizen_id(std::string_view raw, Day as_of);

/// The GB 11643 check character for 17 digits given as a key.
char id_check_char(PersonKey key);

/// Writes the 18-character ID of a key into out[0..18).
void format_citizen_id(PersonKey key, char* out);
std::string format_citizen_id(PersonKey key);

/// Birth date encoded in a key's digits 7–14 (REQUIRES: a valid key).
Day id_birth(PersonKey key);
/// The birth date digits of the key's ID as the number YYYYMMDD.
inline int id_yyyymmdd(PersonKey key) { return static_cast<int>((key / 1000) % 100000000); }
/// Digit 17 odd means male.
inline bool id_is_male(PersonKey key) { return (key % 10) % 2 == 1; }

/// True when the first two digits are a province code of SPEC §2 or the first digit is 9.
bool id_region_ok(int first_two_digits);

}  // namespace canbao
