// CSV adapter: RFC 4180 with a header line, UTF-8 (BOM tolerated) or GBK.
//
// Record boundaries are found on the raw bytes, identically in chunk_end() and parse(): a '"'
// opens a quoted cell only at the start of a cell (start of record or just after ','); inside it
// `""` is an escaped quote and ',' / '\n' are data; after the closing quote, further characters up
// to the next ',' are kept literally (like Python's csv module); a '"' elsewhere is a literal.
// GBK never uses '"', ',', '\r' or '\n' as a trail byte, so the scan is the same for both
// encodings; cells are split after decoding.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "adapter_internal.h"
#include "builtin_adapters.h"
#include "canbao/records/fields.h"

namespace canbao::adapters {
namespace {

constexpr size_t kMaxRawIdSize = 64;

struct CsvContext {
  std::string path;
  Encoding encoding = Encoding::kUtf8;
  const char* data = nullptr;
  size_t size = 0;
  size_t body = 0;
  uint64_t first_line = 1;
  size_t column_count = 0;
  int id_column = -1;
  /// (column, field) for every mapped field, by column.
  std::vector<std::pair<uint32_t, uint32_t>> mapped;
};

struct RecordSpan {
  size_t end;          // just after the record's '\n', or the scan limit
  size_t newlines;     // '\n' bytes in [begin, end)
  bool unterminated;   // a quoted cell was still open at the limit
};

size_t count_newlines(const char* from, const char* to) {
  size_t count = 0;
  while (from < to) {
    const char* newline = static_cast<const char*>(std::memchr(from, '\n', to - from));
    if (newline == nullptr) break;
    ++count;
    from = newline + 1;
  }
  return count;
}

/// Scans the record that starts at `begin` (a record boundary), up to `limit`.
RecordSpan scan_record(const char* data, size_t begin, size_t limit) {
  RecordSpan span{limit, 0, false};
  size_t pos = begin;
  while (pos < limit) {
    const char* newline = static_cast<const char*>(std::memchr(data + pos, '\n', limit - pos));
    size_t line_end = newline != nullptr ? static_cast<size_t>(newline - data) : limit;
    bool reopened = false;
    while (pos < line_end) {
      const char* quote = static_cast<const char*>(std::memchr(data + pos, '"', line_end - pos));
      if (quote == nullptr) break;
      size_t quote_at = static_cast<size_t>(quote - data);
      pos = quote_at + 1;
      if (quote_at != begin && data[quote_at - 1] != ',') continue;  // literal quote
      // A quoted cell: find its closing quote, possibly on a later line.
      for (;;) {
        const char* close = static_cast<const char*>(std::memchr(data + pos, '"', limit - pos));
        if (close == nullptr) {
          span.newlines += count_newlines(data + quote_at, data + limit);
          span.unterminated = true;
          return span;
        }
        size_t close_at = static_cast<size_t>(close - data);
        if (close_at + 1 < limit && data[close_at + 1] == '"') {
          pos = close_at + 2;
          continue;
        }
        pos = close_at + 1;
        break;
      }
      if (pos > line_end) {  // the quoted cell spanned lines: count them, rescan for the end
        span.newlines += count_newlines(data + line_end, data + pos);
        reopened = true;
        break;
      }
    }
    if (reopened) continue;
    if (newline == nullptr) return span;  // span.end == limit
    span.end = line_end + 1;
    ++span.newlines;
    return span;
  }
  return span;
}

/// Splits one record (no line terminator) into cells. Cells without escapes are views into
/// `text`; the others are written to `arena`, whose capacity must be >= text.size() so views
/// stay valid. False for an unterminated quoted cell.
bool split_cells(std::string_view text, std::vector<std::string_view>& cells, std::string& arena) {
  cells.clear();
  arena.clear();
  const char* base = text.data();
  size_t size = text.size();
  size_t pos = 0;
  for (;;) {
    const char* comma;
    if (pos < size && base[pos] == '"') {
      // Quoted cell.
      size_t content = pos + 1, scan = content;
      bool escaped = false;
      size_t close_at;
      for (;;) {
        const char* close = static_cast<const char*>(std::memchr(base + scan, '"', size - scan));
        if (close == nullptr) return false;
        close_at = static_cast<size_t>(close - base);
        if (close_at + 1 < size && base[close_at + 1] == '"') {
          escaped = true;
          scan = close_at + 2;
          continue;
        }
        break;
      }
      comma = static_cast<const char*>(std::memchr(base + close_at + 1, ',', size - close_at - 1));
      size_t cell_end = comma != nullptr ? static_cast<size_t>(comma - base) : size;
      if (!escaped && cell_end == close_at + 1) {
        cells.emplace_back(base + content, close_at - content);
      } else {
        size_t start = arena.size();
        for (size_t at = content; at < close_at; ++at) {
          arena.push_back(base[at]);
          if (base[at] == '"') ++at;  // "" -> "
        }
        arena.append(base + close_at + 1, cell_end - close_at - 1);  // text after the quote
        cells.emplace_back(arena.data() + start, arena.size() - start);
      }
    } else {
      comma = static_cast<const char*>(std::memchr(base + pos, ',', size - pos));
      size_t cell_end = comma != nullptr ? static_cast<size_t>(comma - base) : size;
      cells.emplace_back(base + pos, cell_end - pos);
    }
    if (comma == nullptr) return true;
    pos = static_cast<size_t>(comma - base) + 1;
  }
}

std::string_view strip_line_end(const char* data, size_t begin, size_t end) {
  if (end > begin && data[end - 1] == '\n') --end;
  if (end > begin && data[end - 1] == '\r') --end;
  return {data + begin, end - begin};
}

bool valid_utf8(std::string_view text) {
  return is_ascii(text.data(), text.size()) || simdjson::validate_utf8(text.data(), text.size());
}

// True when a file declared GBK is really UTF-8: it holds non-ASCII text and all of it is valid
// UTF-8 (GBK text with Chinese characters is practically never valid UTF-8, while UTF-8 text read
// as GBK silently decodes into wrong characters). Scans in blocks and stops at the first block
// that is not UTF-8, so a real GBK file costs one block.
bool gbk_file_is_utf8(const char* data, size_t size) {
  constexpr size_t kBlock = size_t{1} << 20;
  bool non_ascii = false;
  for (size_t pos = 0; pos < size;) {
    size_t end = size - pos > kBlock ? pos + kBlock : size;
    // End the block on a character boundary (before any continuation bytes 10xxxxxx).
    for (int back = 0; end < size && back < 3 && (static_cast<unsigned char>(data[end]) & 0xC0) == 0x80; ++back) --end;
    if (!is_ascii(data + pos, end - pos)) {
      if (!simdjson::validate_utf8(data + pos, end - pos)) return false;
      non_ascii = true;
    }
    pos = end;
  }
  return non_ascii;
}

// The end of the line that starts at `pos` (after its '\n', or `limit`).
size_t line_end_from(const char* data, size_t pos, size_t limit) {
  const void* newline = std::memchr(data + pos, '\n', limit - pos);
  return newline != nullptr ? static_cast<size_t>(static_cast<const char*>(newline) - data) + 1 : limit;
}

void* csv_open(const canbao_feed_options* options, const char* data, size_t size, char* err,
               size_t err_size) noexcept {
  try {
    if (options == nullptr || (data == nullptr && size != 0)) {
      write_err(err, err_size, "csv: no options or data");
      return nullptr;
    }
    auto ctx = std::make_unique<CsvContext>();
    ctx->path = options->path != nullptr ? options->path : "<feed>";
    const char* path = ctx->path.c_str();
    if (!parse_encoding(options->encoding, ctx->encoding)) {
      write_line_err(err, err_size, path, 1,
                     std::string("unsupported encoding '") + options->encoding + "' (utf-8 or gbk)");
      return nullptr;
    }
    ctx->data = data;
    ctx->size = size;

    // The header record.
    size_t header_begin = ctx->encoding == Encoding::kUtf8 && has_utf8_bom(data, size) ? 3 : 0;
    RecordSpan header = scan_record(data, header_begin, size);
    if (header.unterminated) {
      write_line_err(err, err_size, path, 1, "unterminated quoted cell in the header");
      return nullptr;
    }
    std::string_view header_raw = strip_line_end(data, header_begin, header.end);
    std::string decoded;
    std::string_view header_text = header_raw;
    if (ctx->encoding == Encoding::kGbk && gbk_file_is_utf8(data, size)) {
      write_err(err, err_size,
                std::string(path) + ": declared gbk, but the file is UTF-8 (its non-ASCII text is all valid UTF-8); "
                                    "set \"encoding\": \"utf-8\" in the manifest");
      return nullptr;
    }
    if (ctx->encoding == Encoding::kGbk) {
      GbkDecoder gbk;
      size_t len = 0;
      if (!gbk.open()) {
        write_err(err, err_size, "csv: iconv has no GBK converter");
        return nullptr;
      }
      if (!gbk.decode(header_raw.data(), header_raw.size(), decoded, len)) {
        write_line_err(err, err_size, path, 1, "header is not valid GBK");
        return nullptr;
      }
      header_text = std::string_view(decoded.data(), len);
    } else if (!valid_utf8(header_text)) {
      write_line_err(err, err_size, path, 1, "header is not valid UTF-8");
      return nullptr;
    }
    std::vector<std::string_view> names;
    std::string arena;
    arena.reserve(header_text.size());
    if (!split_cells(header_text, names, arena)) {
      write_line_err(err, err_size, path, 1, "unterminated quoted cell in the header");
      return nullptr;
    }
    // An empty file (or one of blank space) has no columns and no records: nothing to map.
    bool empty_file = true;
    for (size_t pos = header_begin; pos < size && empty_file; ++pos)
      empty_file = data[pos] == '\n' || is_blank(data + pos, 1);
    if (header_text.empty()) names.clear();

    KeyTable keys;
    keys.build(options->column_names);
    FieldMask assigned = 0;
    for (size_t column = 0; column < names.size(); ++column) {
      FieldMask mask = keys.lookup(trim_cell(names[column])) & ~assigned;  // first column wins
      assigned |= mask;
      for (FieldMask bits = mask; bits != 0; bits &= bits - 1) {
        uint32_t field = static_cast<uint32_t>(__builtin_ctzll(bits));
        ctx->mapped.emplace_back(static_cast<uint32_t>(column), field);
        if (field == CANBAO_F_ID) ctx->id_column = static_cast<int>(column);
      }
    }
    for (int field = 0; field < CANBAO_F_COUNT; ++field) {
      if (!empty_file && keys.explicit_key(field) && (assigned & (FieldMask{1} << field)) == 0) {
        write_line_err(err, err_size, path, 1,
                       "column '" + std::string(keys.key_of(field)) + "' (field " +
                           std::string(field_name(field)) + ") not in header");
        return nullptr;
      }
    }
    ctx->column_count = names.size();
    ctx->body = header.end;
    ctx->first_line = 1 + header.newlines + (header.end == size && header.end > 0 &&
                                                     data[size - 1] != '\n'
                                                 ? 1
                                                 : 0);
    return ctx.release();
  } catch (const std::exception& ex) {
    write_err(err, err_size, std::string("csv: ") + ex.what());
  } catch (...) {
    write_err(err, err_size, "csv: unexpected error in open");
  }
  return nullptr;
}

size_t csv_body_start(void* ctx_ptr, uint64_t* first_line) noexcept {
  const auto* ctx = static_cast<const CsvContext*>(ctx_ptr);
  if (first_line != nullptr) *first_line = ctx != nullptr ? ctx->first_line : 1;
  return ctx != nullptr ? ctx->body : 0;
}

size_t csv_chunk_end(void* ctx_ptr, size_t begin, size_t target) noexcept {
  const auto& ctx = *static_cast<const CsvContext*>(ctx_ptr);
  const char* data = ctx.data;
  if (begin >= ctx.size) return ctx.size;
  if (target == 0) target = 1;
  size_t limit = target >= ctx.size - begin ? ctx.size : begin + target;
  size_t pos = begin;
  while (pos < limit) {
    // Without a quote in [pos, limit) every '\n' there ends a record: jump to the last one
    // (before the first quote, if any), then scan the record that crosses it.
    const char* quote = static_cast<const char*>(std::memchr(data + pos, '"', limit - pos));
    size_t stop = quote != nullptr ? static_cast<size_t>(quote - data) : limit;
    if (stop > pos) {
      const void* last_newline = memrchr(data + pos, '\n', stop - pos);
      if (last_newline != nullptr) pos = static_cast<size_t>(static_cast<const char*>(last_newline) - data) + 1;
      if (pos >= limit) break;
    }
    const RecordSpan span = scan_record(data, pos, ctx.size);
    // A quote never closed before the end of the file: the record is only its own line (as in
    // csv_parse), so a stray quote does not swallow the rest of the file.
    pos = span.unterminated ? line_end_from(data, pos, ctx.size) : span.end;
  }
  return pos;
}

struct CsvScratch {
  std::vector<std::string_view> cells;
  std::string arena;
  std::string decoded;
  std::vector<canbao_kv> kvs;
};

std::string_view raw_id_of(const CsvContext& ctx, const std::vector<std::string_view>& cells) {
  if (ctx.id_column < 0 || static_cast<size_t>(ctx.id_column) >= cells.size()) return {};
  std::string_view cell = cells[static_cast<size_t>(ctx.id_column)];
  if (cell.size() > kMaxRawIdSize || !valid_utf8(cell)) return {};
  return cell;
}

int64_t csv_parse(void* ctx_ptr, size_t begin, size_t end, const canbao_record_sink* sink,
                  char* err, size_t err_size) noexcept {
  try {
    const auto& ctx = *static_cast<const CsvContext*>(ctx_ptr);
    if (begin > end || end > ctx.size || sink == nullptr) {
      write_err(err, err_size, "csv: bad chunk bounds");
      return -1;
    }
    CsvScratch scratch;
    scratch.kvs.reserve(ctx.mapped.size());
    std::unique_ptr<GbkDecoder> gbk;
    if (ctx.encoding == Encoding::kGbk) {
      gbk = std::make_unique<GbkDecoder>();
      if (!gbk->open()) {
        write_err(err, err_size, "csv: iconv has no GBK converter");
        return -1;
      }
    }
    const char* data = ctx.data;
    uint64_t line_no = 0;
    size_t pos = begin;
    while (pos < end) {
      RecordSpan span = scan_record(data, pos, end);
      if (span.unterminated) {
        // An opening quote that no later quote closes: quarantine its line alone (bad_quote) and
        // read the lines after it as records again. (A stray quote that a later one does close
        // still joins the lines between them, as RFC 4180 reads them.)
        span.end = line_end_from(data, pos, end);
        span.newlines = data[span.end - 1] == '\n' ? 1 : 0;
      }
      uint64_t record_line = line_no;
      line_no += span.newlines + (data[span.end - 1] == '\n' ? 0 : 1);
      std::string_view raw = strip_line_end(data, pos, span.end);
      pos = span.end;
      if (raw.empty() || is_blank(raw.data(), raw.size())) continue;
      if (raw.size() > kMaxLineSize) {
        if (sink->reject(sink->user, record_line, "line_too_long", nullptr, 0) != 0) break;
        continue;
      }

      int stop = 0;
      std::string_view text = raw;
      bool decoded_ok = true;
      if (gbk != nullptr) {
        if (!is_ascii(raw.data(), raw.size())) {
          size_t len = 0;
          decoded_ok = gbk->decode(raw.data(), raw.size(), scratch.decoded, len);
          text = std::string_view(scratch.decoded.data(), len);
        }
      } else {
        decoded_ok = valid_utf8(raw);
      }
      // split_cells() needs arena capacity >= the text it splits (raw or decoded).
      size_t arena_need = std::max(raw.size(), text.size());
      if (scratch.arena.capacity() < arena_need) scratch.arena.reserve(arena_need);
      if (!decoded_ok) {
        std::string_view raw_id;
        if (split_cells(raw, scratch.cells, scratch.arena)) raw_id = raw_id_of(ctx, scratch.cells);
        stop = sink->reject(sink->user, record_line, "bad_encoding",
                            raw_id.empty() ? nullptr : raw_id.data(), raw_id.size());
      } else if (span.unterminated || !split_cells(text, scratch.cells, scratch.arena)) {
        stop = sink->reject(sink->user, record_line, "bad_quote", nullptr, 0);
      } else if (scratch.cells.size() != ctx.column_count) {
        std::string_view raw_id = raw_id_of(ctx, scratch.cells);
        stop = sink->reject(sink->user, record_line, "bad_columns",
                            raw_id.empty() ? nullptr : raw_id.data(), raw_id.size());
      } else {
        scratch.kvs.clear();
        for (const auto& [column, field] : ctx.mapped) {
          std::string_view cell = scratch.cells[column];
          scratch.kvs.push_back(canbao_kv{field, CANBAO_VALUE_TEXT, cell.data(), cell.size()});
        }
        stop = sink->emit(sink->user, record_line, scratch.kvs.data(), scratch.kvs.size());
      }
      if (stop != 0) break;
    }
    // The sink stopped early: the chunk's remaining lines still count.
    while (pos < end) {
      const void* newline = std::memchr(data + pos, '\n', end - pos);
      ++line_no;
      pos = newline != nullptr ? static_cast<size_t>(static_cast<const char*>(newline) - data) + 1 : end;
    }
    return static_cast<int64_t>(line_no);
  } catch (const std::bad_alloc&) {
    write_err(err, err_size, "csv: out of memory");
  } catch (const std::exception& ex) {
    write_err(err, err_size, std::string("csv: ") + ex.what());
  } catch (...) {
    write_err(err, err_size, "csv: unexpected error in parse");
  }
  return -1;
}

void csv_close(void* ctx_ptr) noexcept { delete static_cast<CsvContext*>(ctx_ptr); }

constexpr canbao_adapter kCsvAdapter = {CANBAO_ADAPTER_ABI_VERSION, sizeof(canbao_adapter), "csv",
                                        csv_open, csv_body_start, csv_chunk_end, csv_parse,
                                        csv_close};

}  // namespace
}  // namespace canbao::adapters

const canbao_adapter* canbao_csv_adapter() { return &canbao::adapters::kCsvAdapter; }
