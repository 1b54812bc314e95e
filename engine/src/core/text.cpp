#include "canbao/core/text.h"

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>

#include <simdjson.h>

namespace canbao {

namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Length of a Unicode space at the front of `text` (0 when none).
size_t leading_space_len(std::string_view text) {
  if (text.empty()) return 0;
  if (is_ascii_space(text[0])) return 1;
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xE3 &&
      static_cast<unsigned char>(text[1]) == 0x80 && static_cast<unsigned char>(text[2]) == 0x80)
    return 3;  // U+3000
  if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0xC2 &&
      static_cast<unsigned char>(text[1]) == 0xA0)
    return 2;  // U+00A0
  return 0;
}

size_t trailing_space_len(std::string_view text) {
  if (text.empty()) return 0;
  if (is_ascii_space(text.back())) return 1;
  const size_t n = text.size();
  if (n >= 3 && static_cast<unsigned char>(text[n - 3]) == 0xE3 &&
      static_cast<unsigned char>(text[n - 2]) == 0x80 && static_cast<unsigned char>(text[n - 1]) == 0x80)
    return 3;
  if (n >= 2 && static_cast<unsigned char>(text[n - 2]) == 0xC2 &&
      static_cast<unsigned char>(text[n - 1]) == 0xA0)
    return 2;
  return 0;
}

// Length of a middle-dot variant at the front of `text` (0 when none).
size_t leading_dot_len(std::string_view text) {
  if (text.empty()) return 0;
  const auto b0 = static_cast<unsigned char>(text[0]);
  if (b0 == '.') return 1;
  if (text.size() >= 2 && b0 == 0xC2 && static_cast<unsigned char>(text[1]) == 0xB7) return 2;  // ·
  if (text.size() >= 3) {
    const auto b1 = static_cast<unsigned char>(text[1]);
    const auto b2 = static_cast<unsigned char>(text[2]);
    if (b0 == 0xE3 && b1 == 0x83 && b2 == 0xBB) return 3;  // ・ U+30FB
    if (b0 == 0xE2 && b1 == 0x80 && b2 == 0xA2) return 3;  // • U+2022
    if (b0 == 0xEF && b1 == 0xBC && b2 == 0x8E) return 3;  // ． U+FF0E
  }
  return 0;
}

}  // namespace

std::string_view trim_ascii(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ascii_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view trim_space_slow(std::string_view text) {
  for (size_t len; (len = leading_space_len(text)) > 0;) text.remove_prefix(len);
  for (size_t len; (len = trailing_space_len(text)) > 0;) text.remove_suffix(len);
  return text;
}

void normalize_name(std::string_view name, std::string& out) {
  out.clear();
  name = trim_space(name);
  bool pending_space = false;
  while (!name.empty()) {
    if (const size_t len = leading_space_len(name); len > 0) {
      pending_space = true;
      name.remove_prefix(len);
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    if (const size_t len = leading_dot_len(name); len > 0) {
      out.append("\xC2\xB7");
      name.remove_prefix(len);
      continue;
    }
    size_t len = utf8_len(static_cast<unsigned char>(name[0]));
    if (len > name.size()) len = name.size();
    out.append(name.substr(0, len));
    name.remove_prefix(len);
  }
}

uint32_t name_hash(std::string_view normalised_name) {
  if (normalised_name.empty()) return 0;
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a: stable across builds and platforms
  for (unsigned char c : normalised_name) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  const auto folded = static_cast<uint32_t>(hash ^ (hash >> 32));
  return folded ? folded : 1;
}

uint32_t raw_name_hash(std::string_view name) {
  if (name_is_normal(name)) return name_hash(name);
  thread_local std::string normal;
  normalize_name(name, normal);
  return name_hash(normal);
}

std::string normalize_name(std::string_view name) {
  std::string out;
  normalize_name(name, out);
  return out;
}

std::string mask_id(std::string_view raw) {
  raw = trim_space(raw);
  // Split into code points.
  size_t count = 0;
  for (size_t pos = 0; pos < raw.size(); ++count) {
    size_t len = utf8_len(static_cast<unsigned char>(raw[pos]));
    pos += len <= raw.size() - pos ? len : raw.size() - pos;
  }
  std::string out;
  size_t idx = 0;
  for (size_t pos = 0; pos < raw.size(); ++idx) {
    size_t len = utf8_len(static_cast<unsigned char>(raw[pos]));
    if (len > raw.size() - pos) len = raw.size() - pos;
    if (count > 10 && (idx < 6 || idx >= count - 4))
      out.append(raw.substr(pos, len));
    else
      out.push_back('*');
    pos += len;
  }
  return out;
}

void append_csv_cell(std::string& out, std::string_view cell) {
  bool quote = false;
  for (char c : cell) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(cell);
    return;
  }
  out.push_back('"');
  for (char c : cell) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string_view csv_cell(std::string_view line, int index) {
  size_t pos = 0;
  for (int cell = 0;; ++cell) {
    size_t begin = pos, end;
    if (pos < line.size() && line[pos] == '"') {
      begin = pos + 1;
      end = begin;
      while (end < line.size() && !(line[end] == '"' && (end + 1 >= line.size() || line[end + 1] != '"'))) {
        end += line[end] == '"' ? 2 : 1;
      }
      pos = end + 1;  // past the closing quote
    } else {
      end = line.find(',', pos);
      if (end == std::string_view::npos) end = line.size();
      pos = end;
    }
    if (cell == index) return line.substr(begin, std::min(end, line.size()) - begin);
    if (pos >= line.size() || line[pos] != ',') return {};
    ++pos;
  }
}

bool is_valid_utf8(std::string_view text) {
  // Plain ASCII (most feed text) is checked without calling into simdjson.
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return simdjson::validate_utf8(text.data(), text.size());
  return true;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

bool next_csv_record(std::string_view text, size_t& pos, std::vector<std::string>& cells) {
  cells.clear();
  if (pos >= text.size()) return false;
  std::string cell;
  bool quoted = false;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c != '"') {
        cell.push_back(c);
      } else if (pos < text.size() && text[pos] == '"') {
        cell.push_back('"');
        ++pos;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      cell.push_back(c);
    }
  }
  cells.push_back(std::move(cell));
  return !quoted;
}

std::string mask_name(std::string_view name) {
  name = trim_space(name);
  if (name.empty()) return {};
  const size_t first = std::min(name.size(), utf8_len(static_cast<unsigned char>(name[0])));
  std::string out;
  size_t pos = first;
  if (pos >= name.size()) return "*";  // a one-character name would be shown whole
  out.append(name.substr(0, first));
  while (pos < name.size()) {
    pos += std::min(name.size() - pos, utf8_len(static_cast<unsigned char>(name[pos])));
    out.push_back('*');
  }
  return out;
}

std::string hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, value);
  return text;
}

bool parse_hex64(std::string_view text, uint64_t& out) {
  if (text.size() != 16) return false;
  out = 0;
  for (const char c : text) {
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else return false;
    out = out << 4 | static_cast<uint64_t>(digit);
  }
  return true;
}

}  // namespace canbao
