#include "canbao/identity/citizen_id.h"

#include "canbao/core/text.h"

namespace canbao {

namespace {

constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr char kCheckChars[] = "10X98765432";
constexpr size_t kMaxIdBytes = 64;  // longer raw values are bad_length without further work

// True for `3.50203E+17`, `3.5E17`, `350203E+12` ...: what Excel shows for a long number.
bool looks_scientific(std::string_view text) {
  size_t pos = 0;
  auto digits = [&] {
    const size_t begin = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    return pos > begin;
  };
  if (!digits()) return false;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (!digits()) return false;
  }
  if (pos >= text.size() || (text[pos] != 'E' && text[pos] != 'e')) return false;
  ++pos;
  if (pos < text.size() && text[pos] == '+') ++pos;
  return digits() && pos == text.size();
}

char check_for_digits(const char* digits) {
  int sum = 0;
  for (int idx = 0; idx < 17; ++idx) sum += (digits[idx] - '0') * kWeights[idx];
  return kCheckChars[sum % 11];
}

}  // namespace

std::string_view id_reject_name(IdReject reason) {
  switch (reason) {
    case IdReject::kNone: return "";
    case IdReject::kMissing: return "missing";
    case IdReject::kExcelMangled: return "excel_mangled";
    case IdReject::kBadLength: return "bad_length";
    case IdReject::kBadChar: return "bad_char";
    case IdReject::kBadRegion: return "bad_region";
    case IdReject::kBadBirthdate: return "bad_birthdate";
    case IdReject::kBadChecksum: return "bad_checksum";
  }
  return "";
}

bool id_region_ok(int code) {
  if (code >= 90 && code <= 99) return true;
  return (code >= 11 && code <= 15) || (code >= 21 && code <= 23) || (code >= 31 && code <= 37) ||
         (code >= 41 && code <= 46) || (code >= 50 && code <= 54) || (code >= 61 && code <= 65) ||
         code == 71 || (code >= 81 && code <= 83);
}

char id_check_char(PersonKey key) {
  char digits[17];
  for (int idx = 16; idx >= 0; --idx) {
    digits[idx] = static_cast<char>('0' + key % 10);
    key /= 10;
  }
  return check_for_digits(digits);
}

void format_citizen_id(PersonKey key, char* out) {
  PersonKey rest = key;
  for (int idx = 16; idx >= 0; --idx) {
    out[idx] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  }
  out[17] = check_for_digits(out);
}

std::string format_citizen_id(PersonKey key) {
  std::string out(18, '0');
  format_citizen_id(key, out.data());
  return out;
}

Day id_birth(PersonKey key) {
  const auto ymd = static_cast<int>((key / 1000) % 100000000);
  return day_from_ymd(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

namespace {

// The common case: exactly 17 ASCII digits and a digit or X. Returns false to take the full path.
bool parse_plain_id(std::string_view raw, Day as_of, IdResult& result) {
  if (raw.size() != 18) return false;
  PersonKey key = 0;
  int sum = 0;
  for (int idx = 0; idx < 17; ++idx) {
    const unsigned digit = static_cast<unsigned char>(raw[idx]) - '0';
    if (digit > 9) return false;
    key = key * 10 + digit;
    sum += static_cast<int>(digit) * kWeights[idx];
  }
  const char last = raw[17];
  if (!((last >= '0' && last <= '9') || last == 'X')) return false;
  if (!id_region_ok(static_cast<int>(key / 1000000000000000ULL))) return false;
  const auto ymd = static_cast<int>((key / 1000) % 100000000);
  const int year = ymd / 10000, month = ymd / 100 % 100, day = ymd % 100;
  if (year < 1900 || !is_valid_ymd(year, month, day)) return false;
  const Day birth = day_from_ymd(year, month, day);
  if (birth > as_of || kCheckChars[sum % 11] != last) return false;
  result.key = key;
  result.reject = IdReject::kNone;
  result.birth = birth;
  return true;
}

}  // namespace

IdResult parse_citizen_id(std::string_view raw, Day as_of) {
  IdResult result;
  if (parse_plain_id(raw, as_of, result)) return result;
  raw = trim_space(raw);
  if (raw.empty()) return result;  // kMissing
  if (raw.size() > kMaxIdBytes) {
    result.reject = IdReject::kBadLength;
    return result;
  }
  // Full-width digits (U+FF10..FF19), Ｘ (U+FF38), ｘ (U+FF58) to ASCII; x to X. A remaining
  // non-ASCII character counts as one character.
  char buf[kMaxIdBytes];
  size_t len = 0;
  for (size_t pos = 0; pos < raw.size();) {
    const auto b0 = static_cast<unsigned char>(raw[pos]);
    if (b0 == 0xEF && pos + 2 < raw.size()) {
      const auto b1 = static_cast<unsigned char>(raw[pos + 1]);
      const auto b2 = static_cast<unsigned char>(raw[pos + 2]);
      if (b1 == 0xBC && b2 >= 0x90 && b2 <= 0x99) {
        buf[len++] = static_cast<char>('0' + (b2 - 0x90));
        pos += 3;
        continue;
      }
      if ((b1 == 0xBC && b2 == 0xB8) || (b1 == 0xBD && b2 == 0x98)) {
        buf[len++] = 'X';
        pos += 3;
        continue;
      }
    }
    if (b0 >= 0x80) {
      // Skip the continuation bytes of this code point; mark it as a bad character.
      size_t step = 1;
      while (pos + step < raw.size() && (static_cast<unsigned char>(raw[pos + step]) & 0xC0) == 0x80) ++step;
      buf[len++] = '?';
      pos += step;
      continue;
    }
    buf[len++] = raw[pos] == 'x' ? 'X' : raw[pos];
    ++pos;
  }
  std::string_view id(buf, len);
  if (looks_scientific(id)) {
    result.reject = IdReject::kExcelMangled;
    return result;
  }
  if (len != 15 && len != 18) {
    result.reject = IdReject::kBadLength;
    return result;
  }
  const size_t digit_count = len == 18 ? 17 : 15;
  for (size_t idx = 0; idx < digit_count; ++idx) {
    if (buf[idx] < '0' || buf[idx] > '9') {
      result.reject = IdReject::kBadChar;
      return result;
    }
  }
  char full[18];
  if (len == 15) {
    for (int idx = 0; idx < 6; ++idx) full[idx] = buf[idx];
    full[6] = '1';
    full[7] = '9';
    for (int idx = 6; idx < 15; ++idx) full[idx + 2] = buf[idx];
    full[17] = check_for_digits(full);
  } else {
    const char last = buf[17];
    if (!((last >= '0' && last <= '9') || last == 'X')) {
      result.reject = IdReject::kBadChar;
      return result;
    }
    for (int idx = 0; idx < 18; ++idx) full[idx] = buf[idx];
  }
  if (!id_region_ok((full[0] - '0') * 10 + (full[1] - '0'))) {
    result.reject = IdReject::kBadRegion;
    return result;
  }
  const int year = (full[6] - '0') * 1000 + (full[7] - '0') * 100 + (full[8] - '0') * 10 + (full[9] - '0');
  const int month = (full[10] - '0') * 10 + (full[11] - '0');
  const int day = (full[12] - '0') * 10 + (full[13] - '0');
  if (!is_valid_ymd(year, month, day) || year < 1900) {
    result.reject = IdReject::kBadBirthdate;
    return result;
  }
  result.birth = day_from_ymd(year, month, day);
  PersonKey key = 0;
  for (int idx = 0; idx < 17; ++idx) key = key * 10 + static_cast<PersonKey>(full[idx] - '0');
  if (result.birth > as_of) {
    result.reject = IdReject::kBadBirthdate;
    if (check_for_digits(full) == full[17]) result.future_key = key;
    return result;
  }
  if (check_for_digits(full) != full[17]) {
    const bool zeroed = full[15] == '0' && full[16] == '0' && full[17] == '0';
    result.reject = zeroed ? IdReject::kExcelMangled : IdReject::kBadChecksum;
    if (!zeroed) result.repair_key = key;
    return result;
  }
  result.key = key;
  result.reject = IdReject::kNone;
  return result;
}

}  // namespace canbao
