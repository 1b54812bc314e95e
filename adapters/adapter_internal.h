// Helpers shared by the built-in adapters (ndjson_adapter.cpp, csv_adapter.cpp). Not installed.
#pragma once

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/adapter_abi.h"
#include "canbao/adapter_util.h"

namespace canbao::adapters {

/// Copies `msg` into the ABI error buffer, truncated and NUL-terminated. `err` may be NULL.
inline void write_err(char* err, size_t err_size, std::string_view msg) noexcept {
  canbao_write_err(err, err_size, msg.data(), msg.size());
}

enum class Encoding : uint8_t { kUtf8, kGbk };

/// "utf-8"/"utf8"/NULL/"" -> kUtf8, "gbk"/"cp936" -> kGbk (any case); false otherwise.
inline bool parse_encoding(const char* name, Encoding& out) noexcept {
  if (name == nullptr || *name == '\0') {
    out = Encoding::kUtf8;
    return true;
  }
  std::string lower;
  for (const char* ch = name; *ch != '\0'; ++ch)
    lower.push_back(*ch >= 'A' && *ch <= 'Z' ? static_cast<char>(*ch - 'A' + 'a') : *ch);
  if (lower == "utf-8" || lower == "utf8") {
    out = Encoding::kUtf8;
    return true;
  }
  if (lower == "gbk" || lower == "cp936") {
    out = Encoding::kGbk;
    return true;
  }
  return false;
}

inline bool has_utf8_bom(const char* data, size_t size) noexcept {
  return size >= 3 && static_cast<unsigned char>(data[0]) == 0xEF &&
         static_cast<unsigned char>(data[1]) == 0xBB && static_cast<unsigned char>(data[2]) == 0xBF;
}

/// True when every byte is < 0x80.
inline bool is_ascii(const char* data, size_t size) noexcept {
  uint64_t acc = 0;
  size_t pos = 0;
  for (; pos + 8 <= size; pos += 8) {
    uint64_t word;
    std::memcpy(&word, data + pos, 8);
    acc |= word;
  }
  for (; pos < size; ++pos) acc |= static_cast<unsigned char>(data[pos]);
  return (acc & 0x8080808080808080ull) == 0;
}

/// A record longer than this is quarantined "line_too_long" unread: records are a few hundred
/// bytes, and the index keeps strings of at most 16 MiB - 1 (records.h kMaxStrLen), so a longer
/// value could only be truncated — never done silently.
constexpr size_t kMaxLineSize = size_t{16} << 20;

inline bool is_blank(const char* data, size_t size) noexcept {
  for (size_t pos = 0; pos < size; ++pos) {
    char ch = data[pos];
    if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\v' && ch != '\f') return false;
  }
  return true;
}

/// Trims ASCII whitespace, U+3000 and U+FEFF (a stray BOM) from both ends of UTF-8 text.
inline std::string_view trim_cell(std::string_view text) noexcept {
  auto is_ws = [](char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
  };
  constexpr std::string_view kIdeoSpace = "\xE3\x80\x80", kBom = "\xEF\xBB\xBF";
  for (bool changed = true; changed && !text.empty();) {
    changed = false;
    if (is_ws(text.front())) {
      text.remove_prefix(1);
      changed = true;
    } else if (text.starts_with(kIdeoSpace) || text.starts_with(kBom)) {
      text.remove_prefix(3);
      changed = true;
    }
    if (text.empty()) break;
    if (is_ws(text.back())) {
      text.remove_suffix(1);
      changed = true;
    } else if (text.ends_with(kIdeoSpace)) {
      text.remove_suffix(3);
      changed = true;
    }
  }
  return text;
}

/// GBK -> UTF-8 through a table of every GBK double-byte code, built once from iconv's GBK
/// converter (so the mapping is glibc's) and shared read-only by all threads: several times faster
/// than calling iconv per line. An instance only holds a pointer to the table.
class GbkDecoder {
 public:
  /// Makes sure the table exists; false when the C library has no GBK converter.
  bool open() noexcept;

  /// Decodes [data, data+size) into `buf`, setting `len` to the UTF-8 length; afterwards
  /// buf.size() >= len + padding (the spare bytes are unspecified). False on a byte sequence that
  /// is not GBK (an unassigned code or a lead byte cut off at the end).
  bool decode(const char* data, size_t size, std::string& buf, size_t& len, size_t padding = 0);

 private:
  const uint32_t* table_ = nullptr;  // [lead - 0x81][trail - 0x40]: UTF-8 bytes | length << 24
};

/// A set of canbao_field values as bits (field f is bit f).
using FieldMask = uint64_t;
static_assert(CANBAO_F_COUNT <= 64, "FieldMask holds one bit per canbao_field");

/// Maps source key / column names to sets of fields (bit masks over canbao_field).
/// Built once in open(); lookups are read-only and thread-safe.
///
/// Lookup hashes (length, first 8 bytes, last 8 bytes) into 256 slots; build() picks a
/// multiplier that gives every name its own slot, so a lookup is one hash and one compare
/// (colliding names, if no such multiplier exists, are chained).
class KeyTable {
 public:
  /// Builds the table from `column_names` (may be NULL) and the SPEC names.
  void build(const char* const* column_names);

  /// The field's configured key (column_names entry or the SPEC name).
  std::string_view key_of(int field) const { return keys_[field]; }
  /// True when column_names gave this field a name explicitly.
  bool explicit_key(int field) const { return explicit_[field]; }
  /// True when some name contains a backslash (then raw JSON keys must be unescaped to match).
  bool has_backslash_name() const { return has_backslash_name_; }

  /// Field mask for a key, 0 when no field uses it. REQUIRES: 8 bytes readable from `key` (true
  /// for a key inside a padded JSON document); only [key, key+size) is compared.
  FieldMask lookup_padded(const char* key, size_t size) const noexcept {
    uint64_t head, tail;
    std::memcpy(&head, key, 8);
    if (size >= 8) {
      std::memcpy(&tail, key + size - 8, 8);
    } else {
      head &= size == 0 ? 0 : ~uint64_t{0} >> (64 - size * 8);
      tail = head;
    }
    for (uint8_t idx = slots_[slot_of(size, head, tail, multiplier_)]; idx != kEmpty; idx = entries_[idx].next) {
      const Entry& entry = entries_[idx];
      if (entry.name.size() == size && entry.head == head && entry.tail == tail &&
          (size <= 16 || std::memcmp(entry.name.data() + 8, key + 8, size - 16) == 0))
        return entry.mask;
    }
    return 0;
  }

  /// Field mask for a key (no padding requirement).
  FieldMask lookup(std::string_view key) const noexcept {
    if (key.size() > 64) {
      for (const Entry& entry : entries_)
        if (entry.name == key) return entry.mask;
      return 0;
    }
    char buf[64 + 8] = {};
    std::memcpy(buf, key.data(), key.size());
    return lookup_padded(buf, key.size());
  }

 private:
  static constexpr uint8_t kEmpty = 0xFF;
  struct Entry {
    std::string name;
    uint64_t head = 0, tail = 0;
    FieldMask mask = 0;
    uint8_t next = kEmpty;
  };
  static size_t slot_of(size_t size, uint64_t head, uint64_t tail, uint64_t multiplier) noexcept {
    uint64_t mixed = (head ^ (tail * 0x9E3779B97F4A7C15ull) ^ size) * multiplier;
    return static_cast<size_t>(mixed >> 56);
  }

  std::string keys_[CANBAO_F_COUNT];
  bool explicit_[CANBAO_F_COUNT] = {};
  bool has_backslash_name_ = false;
  std::vector<Entry> entries_;  // at most CANBAO_F_COUNT
  uint64_t multiplier_ = 0x2545F4914F6CDD1Dull;
  uint8_t slots_[256];
};

/// Writes "path:line: msg" into err.
void write_line_err(char* err, size_t err_size, const char* path, uint64_t line,
                    std::string_view msg) noexcept;

}  // namespace canbao::adapters
