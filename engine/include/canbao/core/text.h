// Small text helpers shared by the adapters, the decoder and the outputs.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace canbao {

/// Strips ASCII whitespace (space, \t, \r, \n, \v, \f) from both ends.
std::string_view trim_ascii(std::string_view text);

/// Strips ASCII whitespace, U+3000 (ideographic space) and U+00A0 from both ends.
std::string_view trim_space_slow(std::string_view text);
inline std::string_view trim_space(std::string_view text) {
  // Fast path (nearly every field value): neither end can start or end a space.
  if (!text.empty()) {
    const auto front = static_cast<unsigned char>(text.front());
    const auto back = static_cast<unsigned char>(text.back());
    if (front > ' ' && front != 0xE3 && front != 0xC2 && back > ' ' && back != 0x80 && back != 0xA0) return text;
  }
  return trim_space_slow(text);
}

/// SPEC §2 name normalisation: trim, collapse runs of whitespace (ASCII, U+3000, U+00A0) to one
/// ASCII space, and unify the middle dots `·・•．.` (U+00B7, U+30FB, U+2022, U+FF0E, '.') to U+00B7.
/// Writes into `out` (cleared first).
void normalize_name(std::string_view name, std::string& out);
/// True when normalize_name(name) == name: no byte that can start a space or a dot variant (most
/// names). A cheap screen before normalising.
inline bool name_is_normal(std::string_view name) {
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c == '.' || c == 0xC2 || c == 0xE2 || c == 0xE3 || c == 0xEF) return false;
  }
  return true;
}
std::string normalize_name(std::string_view name);

/// A 32-bit hash of a normalised name (never 0 for a non-empty name): the name part of a segment's
/// (birth, name) table, for fallback linking (SPEC §2).
uint32_t name_hash(std::string_view normalised_name);
/// name_hash(normalize_name(name)), normalising only a name that needs it.
uint32_t raw_name_hash(std::string_view name);

/// SPEC §6 `id_masked`: the raw ID trimmed, every character (UTF-8 code point) but the first 6 and
/// the last 4 replaced by `*`; 10 characters or fewer become all `*`; empty input stays empty.
std::string mask_id(std::string_view raw);

/// A name for lists that leave the bureau: the first character kept, every later one (UTF-8 code
/// point) replaced by `*` ("陈晓明" → "陈**"); a one-character name becomes "*"; trimmed first.
std::string mask_name(std::string_view name);

/// Appends one CSV cell with RFC 4180 quoting (quoted when it holds `,` `"` CR or LF).
void append_csv_cell(std::string& out, std::string_view cell);

/// The cell at `index` (0-based) of one CSV line (RFC 4180, quotes removed), or "" when the line
/// has fewer cells. Quoted cells with `""` come back with both quotes (callers only read tokens).
std::string_view csv_cell(std::string_view line, int index);

/// Appends `text` as a JSON string literal (quotes, escapes for `"` `\` and control characters).
void append_json_string(std::string& out, std::string_view text);

/// Bytes of the UTF-8 sequence a lead byte starts (1 for ASCII and for stray bytes).
inline size_t utf8_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

/// Splits one RFC 4180 record starting at text[pos] into cells (quotes removed, "" unescaped; a
/// quoted cell may hold newlines); advances pos past the record's line end. False at the end of
/// text (no cells), or for a record with an unterminated quote (its cells so far are kept).
bool next_csv_record(std::string_view text, size_t& pos, std::vector<std::string>& cells);

/// The cells of one CSV line (at least one, "" for an empty line).
inline void split_csv_line(std::string_view line, std::vector<std::string>& cells) {
  size_t pos = 0;
  next_csv_record(line, pos, cells);
  if (cells.empty()) cells.emplace_back();
}

/// True when the bytes are well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

/// A 64-bit value as 16 lowercase hex digits (fingerprints and checksums in index.json and the state).
std::string hex64(uint64_t value);
/// Parses exactly 16 lowercase hex digits; false for anything else.
bool parse_hex64(std::string_view text, uint64_t& out);

}  // namespace canbao
