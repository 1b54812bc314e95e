// NDJSON / JSON Lines adapter: one JSON object per physical line, parsed with simdjson On-Demand.
//
// Hot path (per line): memchr for the line end, one parser.iterate() in place on the mapped file
// (a copy only for the last lines, whose end lies within SIMDJSON_PADDING of the end of the
// data), raw keys matched against a precomputed KeyTable (no allocation, no unescaping unless
// the key holds a backslash), values handed to the sink as views into the file or into the
// parser's string buffer. Values of unknown keys are walked and checked too (On-Demand alone would
// skip them checking only bracket depth), so any invalid JSON on a line makes it "bad_json".
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "adapter_internal.h"
#include "builtin_adapters.h"

namespace canbao::adapters {
namespace {

namespace od = simdjson::ondemand;

constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;
constexpr size_t kInitialParserCapacity = 16 * 1024;
// Lines longer than kMaxLineSize (adapter_internal.h) are "line_too_long" without being parsed:
// a huge line (a whole JSON array exported on one line, say) would make simdjson allocate ~6x its size.
/// After a line this large, the thread's parser gives its buffers back.
constexpr size_t kKeepParserCapacity = size_t{1} << 20;
constexpr size_t kMaxRawIdSize = 64;

struct NdjsonContext {
  std::string path;
  Encoding encoding = Encoding::kUtf8;
  const char* data = nullptr;
  size_t size = 0;
  size_t body = 0;  // after a UTF-8 BOM
  KeyTable keys;
};

/// Per-thread parse state: a simdjson parser (its buffers are reused line after line) and the
/// buffers for padded copies and GBK-decoded lines.
struct Scratch {
  od::parser parser;
  std::string padded;
  std::string decoded;
  bool busy = false;
};

/// Hands out the calling thread's Scratch, or a fresh one if it is already in use further up
/// this thread's stack (a sink that parses another chunk from inside emit()).
class ScratchLease {
 public:
  ScratchLease() {
    thread_local Scratch tls_scratch;
    if (!tls_scratch.busy) {
      scratch_ = &tls_scratch;
    } else {
      owned_ = std::make_unique<Scratch>();
      scratch_ = owned_.get();
    }
    scratch_->busy = true;
  }
  ~ScratchLease() { scratch_->busy = false; }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  Scratch& operator*() const { return *scratch_; }

 private:
  Scratch* scratch_ = nullptr;
  std::unique_ptr<Scratch> owned_;
};

inline bool is_json_ws(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

/// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool valid_json_number(std::string_view text) {
  size_t pos = 0, size = text.size();
  auto digit = [&](size_t at) { return at < size && text[at] >= '0' && text[at] <= '9'; };
  if (pos < size && text[pos] == '-') ++pos;
  if (!digit(pos)) return false;
  if (text[pos] == '0') {
    ++pos;
  } else {
    while (digit(pos)) ++pos;
  }
  if (pos < size && text[pos] == '.') {
    ++pos;
    if (!digit(pos)) return false;
    while (digit(pos)) ++pos;
  }
  if (pos < size && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < size && (text[pos] == '+' || text[pos] == '-')) ++pos;
    if (!digit(pos)) return false;
    while (digit(pos)) ++pos;
  }
  return pos == size;
}

/// Checks a value On-Demand would otherwise skip unchecked (it only counts brackets when
/// skipping): containers are walked, strings unescaped, numbers and atoms checked. Nesting
/// deeper than kMaxDepth is refused (records are flat; this bounds the recursion).
constexpr int kMaxDepth = 64;
bool validate_value(od::value value, int depth = 0) {
  if (depth > kMaxDepth) return false;
  od::json_type type;
  if (value.type().get(type)) return false;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (value.get_object().get(object)) return false;
      for (auto field_result : object) {
        od::field field;
        std::string_view key;
        if (std::move(field_result).get(field) || field.unescaped_key().get(key)) return false;
        if (!validate_value(field.value(), depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::array: {
      od::array array;
      if (value.get_array().get(array)) return false;
      for (auto element_result : array) {
        od::value element;
        if (std::move(element_result).get(element) || !validate_value(element, depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::string: {
      std::string_view text;
      return !value.get_string().get(text);
    }
    case od::json_type::number: {
      std::string_view token = value.raw_json_token();
      while (!token.empty() && is_json_ws(token.back())) token.remove_suffix(1);
      return valid_json_number(token);
    }
    case od::json_type::boolean: {
      bool flag;
      return !value.get_bool().get(flag);
    }
    case od::json_type::null: {
      bool is_null;
      return !value.is_null().get(is_null) && is_null;
    }
  }
  return false;
}

/// Best-effort raw ID of a rejected line: the value after `"<key>":` when it is a plain string
/// (no escapes) or a bare token, valid UTF-8 and at most kMaxRawIdSize bytes.
std::string_view find_raw_id(std::string_view line, std::string_view key) {
  if (key.empty()) return {};
  size_t from = 0;
  while (true) {
    size_t at = line.find(key, from);
    if (at == std::string_view::npos) return {};
    from = at + 1;
    if (at == 0 || line[at - 1] != '"') continue;
    size_t pos = at + key.size();
    if (pos >= line.size() || line[pos] != '"') continue;
    ++pos;
    while (pos < line.size() && is_json_ws(line[pos])) ++pos;
    if (pos >= line.size() || line[pos] != ':') continue;
    ++pos;
    while (pos < line.size() && is_json_ws(line[pos])) ++pos;
    if (pos >= line.size()) return {};
    std::string_view value;
    if (line[pos] == '"') {
      size_t close = line.find_first_of("\"\\", pos + 1);
      if (close == std::string_view::npos || line[close] != '"') return {};
      value = line.substr(pos + 1, close - pos - 1);
    } else {
      size_t stop = pos;
      while (stop < line.size() && line[stop] != ',' && line[stop] != '}' && !is_json_ws(line[stop]))
        ++stop;
      value = line.substr(pos, stop - pos);
    }
    if (value.size() > kMaxRawIdSize || !simdjson::validate_utf8(value.data(), value.size()))
      return {};
    return value;
  }
}

/// Collects a record's fields; a field set twice keeps its last value.
class FieldSet {
 public:
  FieldSet() { std::memset(slot_, 0xFF, sizeof(slot_)); }

  void set(FieldMask mask, canbao_value_kind kind, const char* data, size_t size) {
    while (mask != 0) {
      int field = __builtin_ctzll(mask);
      mask &= mask - 1;
      if (slot_[field] < 0) slot_[field] = static_cast<int8_t>(count_++);
      kvs_[slot_[field]] = canbao_kv{static_cast<uint32_t>(field), static_cast<uint32_t>(kind), data, size};
    }
  }
  /// JSON null: the field is absent; an earlier value of it becomes empty text (also absent).
  void clear(FieldMask mask) {
    while (mask != 0) {
      int field = __builtin_ctzll(mask);
      mask &= mask - 1;
      if (slot_[field] >= 0) kvs_[slot_[field]] = canbao_kv{static_cast<uint32_t>(field), CANBAO_VALUE_TEXT, "", 0};
    }
  }
  std::string_view text_of(int field) const {
    if (slot_[field] < 0 || kvs_[slot_[field]].kind != CANBAO_VALUE_TEXT) return {};
    return {kvs_[slot_[field]].data, kvs_[slot_[field]].size};
  }
  const canbao_kv* data() const { return kvs_; }
  size_t size() const { return count_; }

 private:
  canbao_kv kvs_[CANBAO_F_COUNT];
  int8_t slot_[CANBAO_F_COUNT];
  size_t count_ = 0;
};

enum class LineResult { kRecord, kBadJson, kBadEncoding };

/// Parses one JSON object held in [text, text+len) with `readable` >= len + kPadding bytes
/// readable from `text`; fills `fields`.
LineResult parse_object(const NdjsonContext& ctx, od::parser& parser, const char* text, size_t len,
                        size_t readable, FieldSet& fields) {
  if (parser.capacity() < len) {
    size_t want = std::max({len, kInitialParserCapacity, 2 * parser.capacity()});
    if (parser.allocate(want) != simdjson::SUCCESS) return LineResult::kBadJson;
  }
  od::document doc;
  simdjson::error_code error = parser.iterate(text, len, readable).get(doc);
  if (error) return error == simdjson::UTF8_ERROR ? LineResult::kBadEncoding : LineResult::kBadJson;
  od::object object;
  if (doc.get_object().get(object)) return LineResult::kBadJson;
  for (auto field_result : object) {
    od::field field;
    if (std::move(field_result).get(field)) return LineResult::kBadJson;
    // The raw key lies in the input between quotes. Its closing quote is found backwards from the
    // value, past whitespace, the ':' (which On-Demand checked) and whitespace.
    const char* key = reinterpret_cast<const char*>(field.key().raw());
    od::value value = field.value();
    const char* key_end = value.raw_json_token().data() - 1;
    while (is_json_ws(*key_end)) --key_end;
    --key_end;  // the ':'
    while (is_json_ws(*key_end)) --key_end;
    size_t key_len = static_cast<size_t>(key_end - key);
    FieldMask mask = ctx.keys.has_backslash_name() ? 0 : ctx.keys.lookup_padded(key, key_len);
    if (mask == 0 && (ctx.keys.has_backslash_name() || std::memchr(key, '\\', key_len) != nullptr)) {
      std::string_view unescaped;  // an escaped key (rare): compare its unescaped text
      if (field.unescaped_key().get(unescaped)) return LineResult::kBadJson;
      mask = ctx.keys.lookup(unescaped);
    }
    if (mask == 0) {  // unknown key: its value is only checked
      if (!validate_value(value)) return LineResult::kBadJson;
      continue;
    }
    od::json_type type;
    if (value.type().get(type)) return LineResult::kBadJson;
    switch (type) {
      case od::json_type::string: {
        std::string_view text_value;
        if (value.get_string().get(text_value)) return LineResult::kBadJson;
        fields.set(mask, CANBAO_VALUE_TEXT, text_value.data(), text_value.size());
        break;
      }
      case od::json_type::number: {
        std::string_view token = value.raw_json_token();
        while (!token.empty() && is_json_ws(token.back())) token.remove_suffix(1);
        if (!valid_json_number(token)) return LineResult::kBadJson;
        fields.set(mask, CANBAO_VALUE_TEXT, token.data(), token.size());
        break;
      }
      case od::json_type::boolean: {
        bool flag;
        if (value.get_bool().get(flag)) return LineResult::kBadJson;
        fields.set(mask, CANBAO_VALUE_TEXT, flag ? "true" : "false", flag ? 4 : 5);
        break;
      }
      case od::json_type::null: {
        bool is_null;
        if (value.is_null().get(is_null) || !is_null) return LineResult::kBadJson;
        fields.clear(mask);
        break;
      }
      case od::json_type::object:
      case od::json_type::array:
        if (!validate_value(value)) return LineResult::kBadJson;
        fields.set(mask, CANBAO_VALUE_INVALID, nullptr, 0);
        break;
    }
  }
  // Anything after the object ("{} {}") is not one JSON object per line.
  const char* trailing = nullptr;
  if (!doc.current_location().get(trailing)) return LineResult::kBadJson;
  return LineResult::kRecord;
}

void* ndjson_open(const canbao_feed_options* options, const char* data, size_t size, char* err,
                  size_t err_size) noexcept {
  try {
    if (options == nullptr || (data == nullptr && size != 0)) {
      write_err(err, err_size, "ndjson: no options or data");
      return nullptr;
    }
    auto ctx = std::make_unique<NdjsonContext>();
    ctx->path = options->path != nullptr ? options->path : "<feed>";
    if (!parse_encoding(options->encoding, ctx->encoding)) {
      write_line_err(err, err_size, ctx->path.c_str(), 1,
                     std::string("unsupported encoding '") + options->encoding + "' (utf-8 or gbk)");
      return nullptr;
    }
    if (ctx->encoding == Encoding::kGbk) {
      GbkDecoder probe;
      if (!probe.open()) {
        write_err(err, err_size, "ndjson: iconv has no GBK converter");
        return nullptr;
      }
    }
    ctx->data = data;
    ctx->size = size;
    ctx->body = ctx->encoding == Encoding::kUtf8 && has_utf8_bom(data, size) ? 3 : 0;
    ctx->keys.build(options->column_names);
    return ctx.release();
  } catch (const std::exception& ex) {
    write_err(err, err_size, std::string("ndjson: ") + ex.what());
  } catch (...) {
    write_err(err, err_size, "ndjson: unexpected error in open");
  }
  return nullptr;
}

size_t ndjson_body_start(void* ctx_ptr, uint64_t* first_line) noexcept {
  if (first_line != nullptr) *first_line = 1;
  return ctx_ptr != nullptr ? static_cast<NdjsonContext*>(ctx_ptr)->body : 0;
}

size_t ndjson_chunk_end(void* ctx_ptr, size_t begin, size_t target) noexcept {
  const auto& ctx = *static_cast<NdjsonContext*>(ctx_ptr);
  return canbao_line_chunk_end(ctx.data, ctx.size, begin, target);
}

int64_t ndjson_parse(void* ctx_ptr, size_t begin, size_t end, const canbao_record_sink* sink,
                     char* err, size_t err_size) noexcept {
  try {
    const auto& ctx = *static_cast<NdjsonContext*>(ctx_ptr);
    if (begin > end || end > ctx.size || sink == nullptr) {
      write_err(err, err_size, "ndjson: bad chunk bounds");
      return -1;
    }
    ScratchLease lease;
    Scratch& scratch = *lease;
    std::unique_ptr<GbkDecoder> gbk;
    if (ctx.encoding == Encoding::kGbk) {
      gbk = std::make_unique<GbkDecoder>();
      if (!gbk->open()) {
        write_err(err, err_size, "ndjson: iconv has no GBK converter");
        return -1;
      }
    }
    const char* const file_end = ctx.data + ctx.size;
    const std::string_view id_key = ctx.keys.key_of(CANBAO_F_ID);
    uint64_t line_no = 0;
    const char* pos = ctx.data + begin;
    const char* const chunk_end = ctx.data + end;
    for (; pos < chunk_end; ++line_no) {
      const char* newline = static_cast<const char*>(std::memchr(pos, '\n', chunk_end - pos));
      const char* line_end = newline != nullptr ? newline : chunk_end;
      const char* line = pos;
      size_t len = static_cast<size_t>(line_end - line);
      pos = newline != nullptr ? newline + 1 : chunk_end;

      if (len == 0 || (*line != '{' && is_blank(line, len))) continue;
      if (len > kMaxLineSize) {
        if (sink->reject(sink->user, line_no, "line_too_long", nullptr, 0) != 0) {
          ++line_no;
          break;
        }
        continue;
      }

      const char* text = line;
      size_t text_len = len;
      size_t readable = static_cast<size_t>(file_end - line);
      if (gbk != nullptr && !is_ascii(line, len)) {
        if (!gbk->decode(line, len, scratch.decoded, text_len, kPadding)) {
          std::string_view raw_id = find_raw_id(std::string_view(line, len), id_key);
          if (sink->reject(sink->user, line_no, "bad_encoding", raw_id.empty() ? nullptr : raw_id.data(),
                           raw_id.size()) != 0) {
            ++line_no;
            break;
          }
          continue;
        }
        text = scratch.decoded.data();
        readable = scratch.decoded.size();
      }
      if (readable < text_len + kPadding) {
        if (scratch.padded.size() < text_len + kPadding) scratch.padded.resize(text_len + kPadding);
        std::memcpy(scratch.padded.data(), text, text_len);
        std::memset(scratch.padded.data() + text_len, ' ', kPadding);
        text = scratch.padded.data();
        readable = scratch.padded.size();
      }

      FieldSet fields;
      LineResult result = parse_object(ctx, scratch.parser, text, text_len, readable, fields);
      int stop;
      if (result == LineResult::kRecord) {
        stop = sink->emit(sink->user, line_no, fields.data(), fields.size());
      } else {
        std::string_view raw_id = fields.text_of(CANBAO_F_ID);
        if (raw_id.empty()) raw_id = find_raw_id(std::string_view(text, text_len), id_key);
        if (raw_id.size() > kMaxRawIdSize || !simdjson::validate_utf8(raw_id.data(), raw_id.size())) raw_id = {};
        stop = sink->reject(sink->user, line_no,
                            result == LineResult::kBadEncoding ? "bad_encoding" : "bad_json",
                            raw_id.empty() ? nullptr : raw_id.data(), raw_id.size());
      }
      // The sink has run (values may point into the parser): give back a huge line's buffers.
      if (scratch.parser.capacity() > kKeepParserCapacity &&
          scratch.parser.allocate(kInitialParserCapacity) != simdjson::SUCCESS)
        scratch.parser = od::parser();
      if (stop != 0) {
        ++line_no;
        break;
      }
    }
    // The sink stopped early: the chunk's remaining lines still count.
    for (; pos < chunk_end; ++line_no) {
      const void* newline = std::memchr(pos, '\n', chunk_end - pos);
      pos = newline != nullptr ? static_cast<const char*>(newline) + 1 : chunk_end;
    }
    return static_cast<int64_t>(line_no);
  } catch (const std::bad_alloc&) {
    write_err(err, err_size, "ndjson: out of memory");
  } catch (const std::exception& ex) {
    write_err(err, err_size, std::string("ndjson: ") + ex.what());
  } catch (...) {
    write_err(err, err_size, "ndjson: unexpected error in parse");
  }
  return -1;
}

void ndjson_close(void* ctx_ptr) noexcept { delete static_cast<NdjsonContext*>(ctx_ptr); }

constexpr canbao_adapter kNdjsonAdapter = {
    CANBAO_ADAPTER_ABI_VERSION, sizeof(canbao_adapter), "ndjson", ndjson_open, ndjson_body_start,
    ndjson_chunk_end,           ndjson_parse,           ndjson_close};

}  // namespace
}  // namespace canbao::adapters

const canbao_adapter* canbao_ndjson_adapter() { return &canbao::adapters::kNdjsonAdapter; }
