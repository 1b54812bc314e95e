// Third-party adapter example: the fixed-width "CBLEGACY v01" enrollment export of the bureau's
// old core system (layout in README.md). Built as lib/libcanbao_legacy.so; depends only on the
// adapter ABI header and the C library (iconv for GBK), never on the engine.
//
// Every ABI function is noexcept and catches everything: no exception crosses the boundary.
#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/adapter_abi.h"
#include "canbao/adapter_util.h"

namespace {

// ---- Layout (byte offsets and widths within a line, GBK) ------------------------------------

struct Slice {
  size_t offset;
  size_t width;
};

constexpr std::string_view kHeaderMagic = "HCBLEGACY01";
constexpr size_t kDetailWidth = 125;
constexpr Slice kRecordId{1, 20}, kCitizenId{21, 18}, kName{39, 30}, kSex{69, 1}, kBirth{70, 8},
    kScheme{78, 1}, kRegion{79, 6}, kStatus{85, 1}, kStart{86, 8}, kEnd{94, 8}, kCategory{102, 2},
    kUnit{104, 20}, kFunded{124, 1};
constexpr Slice kTrailerCount{1, 10};

struct Code {
  std::string_view code;
  std::string_view token;
};
// Codes -> SPEC §3 tokens (sex: the Chinese labels, which the engine accepts).
constexpr Code kSexCodes[] = {{"1", "男"}, {"2", "女"}};
constexpr Code kSchemeCodes[] = {{"1", "employee"}, {"2", "resident"}};
constexpr Code kStatusCodes[] = {{"1", "active"}, {"2", "suspended"}, {"3", "terminated"}};
constexpr Code kCategoryCodes[] = {{"11", "in_service"}, {"12", "flexible"}, {"13", "retired"},
                                   {"21", "student"},    {"22", "child"},    {"23", "adult"}};
constexpr Code kFundedCodes[] = {{"1", "tekun"},      {"2", "dibao"}, {"3", "low_income"},
                                 {"4", "disability"}, {"9", "other"}};

// ---- Helpers -----------------------------------------------------------------------------------

void write_err(char* err, size_t err_size, std::string_view msg) noexcept {
  canbao_write_err(err, err_size, msg.data(), msg.size());
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_ascii(std::string_view text) {
  for (char ch : text)
    if (static_cast<unsigned char>(ch) >= 0x80) return false;
  return true;
}

bool is_blank(std::string_view text) { return trim_spaces(text).empty(); }

/// The line [begin, newline) without a trailing '\r'.
std::string_view line_at(const char* data, size_t begin, size_t end) {
  if (end > begin && data[end - 1] == '\r') --end;
  return {data + begin, end - begin};
}

std::string_view slice(std::string_view line, Slice where) { return line.substr(where.offset, where.width); }

class GbkDecoder {
 public:
  GbkDecoder() : cd_(iconv_open("UTF-8", "GBK")) {}
  ~GbkDecoder() {
    if (ok()) iconv_close(cd_);
  }
  GbkDecoder(const GbkDecoder&) = delete;
  GbkDecoder& operator=(const GbkDecoder&) = delete;
  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }

  /// Appends the UTF-8 form of `text` to `out`; false on invalid or truncated GBK.
  bool decode(std::string_view text, std::string& out) {
    iconv(cd_, nullptr, nullptr, nullptr, nullptr);
    size_t start = out.size();
    out.resize(start + text.size() * 3 + 8);  // GBK -> UTF-8 at most triples (0x80 -> U+20AC)
    char* in_ptr = const_cast<char*>(text.data());
    size_t in_left = text.size();
    char* out_ptr = out.data() + start;
    size_t out_left = out.size() - start;
    size_t rc = iconv(cd_, &in_ptr, &in_left, &out_ptr, &out_left);
    out.resize(static_cast<size_t>(out_ptr - out.data()));
    return rc != static_cast<size_t>(-1);
  }

 private:
  iconv_t cd_;
};

struct LegacyContext {
  std::string path;
  const char* data = nullptr;
  size_t size = 0;
  size_t body = 0;
};

/// Output of one detail line: UTF-8 text for every field (stable storage: reserved up front).
struct RecordBuilder {
  std::string text;  // decoded values, referenced by kvs
  canbao_kv kvs[CANBAO_F_COUNT];
  size_t count = 0;

  void reset() {
    text.clear();
    count = 0;
  }
  void add(canbao_field field, std::string_view value) {
    kvs[count++] = canbao_kv{static_cast<uint32_t>(field), CANBAO_VALUE_TEXT, value.data(), value.size()};
  }
  void add_invalid(canbao_field field) {
    kvs[count++] = canbao_kv{static_cast<uint32_t>(field), CANBAO_VALUE_INVALID, nullptr, 0};
  }
};

template <size_t N>
void add_code(RecordBuilder& out, canbao_field field, std::string_view raw, const Code (&codes)[N]) {
  std::string_view code = trim_spaces(raw);
  if (code.empty() || code.find_first_not_of('0') == std::string_view::npos) return;  // absent
  for (const Code& entry : codes) {
    if (entry.code == code) {
      out.add(field, entry.token);
      return;
    }
  }
  out.add_invalid(field);  // an unknown code cannot be a field value
}

void add_date(RecordBuilder& out, canbao_field field, std::string_view raw, bool open_ended) {
  std::string_view date = trim_spaces(raw);
  if (date.empty() || date == "00000000" || (open_ended && date == "99991231")) return;
  out.add(field, date);
}

/// A text slice: trimmed; GBK-decoded into out.text when not ASCII. False on bad GBK.
bool add_text(RecordBuilder& out, GbkDecoder& gbk, canbao_field field, std::string_view raw) {
  std::string_view value = trim_spaces(raw);
  if (value.empty()) return true;
  if (is_ascii(value)) {
    out.add(field, value);
    return true;
  }
  size_t start = out.text.size();
  if (!gbk.decode(value, out.text)) return false;
  std::string_view decoded(out.text.data() + start, out.text.size() - start);
  constexpr std::string_view kIdeoSpace = "\xE3\x80\x80";  // GBK A1A1, a full-width pad
  while (decoded.starts_with(kIdeoSpace)) decoded.remove_prefix(3);
  while (decoded.ends_with(kIdeoSpace)) decoded.remove_suffix(3);
  decoded = trim_spaces(decoded);
  if (!decoded.empty()) out.add(field, decoded);
  return true;
}

/// The raw citizen ID of a line that could not be read, when it is there and plain ASCII.
std::string_view raw_id_of(std::string_view line) {
  if (line.size() <= kCitizenId.offset) return {};
  std::string_view value = trim_spaces(line.substr(kCitizenId.offset, kCitizenId.width));
  return is_ascii(value) ? value : std::string_view{};
}

int reject(const canbao_record_sink* sink, uint64_t line, const char* reason, std::string_view raw_id) {
  return sink->reject(sink->user, line, reason, raw_id.empty() ? nullptr : raw_id.data(), raw_id.size());
}

// ---- ABI functions -----------------------------------------------------------------------------

void* legacy_open(const canbao_feed_options* options, const char* data, size_t size, char* err,
                  size_t err_size) noexcept {
  try {
    if (options == nullptr || (data == nullptr && size != 0)) {
      write_err(err, err_size, "legacy-fixed-width: no options or data");
      return nullptr;
    }
    auto ctx = std::make_unique<LegacyContext>();
    ctx->path = options->path != nullptr ? options->path : "<feed>";
    ctx->data = data;
    ctx->size = size;
    auto fail = [&](uint64_t line, std::string_view msg) -> void* {
      write_err(err, err_size, ctx->path + ":" + std::to_string(line) + ": " + std::string(msg));
      return nullptr;
    };
    if (options->agency != nullptr && std::string_view(options->agency) != "enrollment")
      return fail(1, "the CBLEGACY export holds enrollment records, not '" + std::string(options->agency) + "'");
    {
      GbkDecoder probe;
      if (!probe.ok()) return fail(1, "iconv has no GBK converter");
    }

    // Header: line 1.
    const void* first_newline = std::memchr(data, '\n', size);
    size_t header_end = first_newline != nullptr ? static_cast<size_t>(static_cast<const char*>(first_newline) - data) : size;
    if (!line_at(data, 0, header_end).starts_with(kHeaderMagic))
      return fail(1, "not a CBLEGACY v01 export (the first line must start with 'HCBLEGACY01')");
    ctx->body = first_newline != nullptr ? header_end + 1 : size;

    // Detail count and the trailer, which must be the last non-blank line.
    uint64_t details = 0, line_no = 1, trailer_line = 0;
    std::string_view trailer;
    for (size_t pos = ctx->body; pos < size;) {
      ++line_no;
      const void* newline = std::memchr(data + pos, '\n', size - pos);
      size_t end = newline != nullptr ? static_cast<size_t>(static_cast<const char*>(newline) - data) : size;
      std::string_view line = line_at(data, pos, end);
      pos = newline != nullptr ? end + 1 : size;
      if (is_blank(line)) continue;
      if (trailer_line != 0) return fail(line_no, "data after the trailer line");
      if (line.front() == 'D') ++details;
      if (line.front() == 'T') {
        trailer = line;
        trailer_line = line_no;
      }
    }
    if (trailer_line == 0) return fail(line_no, "no trailer line ('T' + record count): truncated export?");
    std::string_view count_text = trim_spaces(trailer.substr(kTrailerCount.offset, kTrailerCount.width));
    uint64_t expected = 0;
    bool digits = !count_text.empty() && count_text.size() <= 18;
    for (char ch : count_text) {
      if (ch < '0' || ch > '9') digits = false;
      expected = expected * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (!digits) return fail(trailer_line, "trailer record count is not a number");
    if (expected != details)
      return fail(trailer_line, "trailer says " + std::to_string(expected) + " detail records, the file has " +
                                    std::to_string(details));
    return ctx.release();
  } catch (...) {
    write_err(err, err_size, "legacy-fixed-width: unexpected error in open");
  }
  return nullptr;
}

size_t legacy_body_start(void* ctx_ptr, uint64_t* first_line) noexcept {
  if (first_line != nullptr) *first_line = 2;
  return ctx_ptr != nullptr ? static_cast<LegacyContext*>(ctx_ptr)->body : 0;
}

size_t legacy_chunk_end(void* ctx_ptr, size_t begin, size_t target) noexcept {
  const auto& ctx = *static_cast<const LegacyContext*>(ctx_ptr);
  return canbao_line_chunk_end(ctx.data, ctx.size, begin, target);
}

/// Parses one detail line; returns the sink's verdict (non-zero = stop).
int parse_detail(std::string_view line, uint64_t line_no, GbkDecoder& gbk, RecordBuilder& out,
                 const canbao_record_sink* sink) {
  if (line.size() < kDetailWidth || !is_blank(line.substr(kDetailWidth)))
    return reject(sink, line_no, "bad_record_length", raw_id_of(line));
  out.reset();
  bool text_ok = add_text(out, gbk, CANBAO_F_RECORD_ID, slice(line, kRecordId)) &&
                 add_text(out, gbk, CANBAO_F_ID, slice(line, kCitizenId)) &&
                 add_text(out, gbk, CANBAO_F_NAME, slice(line, kName)) &&
                 add_text(out, gbk, CANBAO_F_REGION, slice(line, kRegion)) &&
                 add_text(out, gbk, CANBAO_F_UNIT, slice(line, kUnit));
  if (!text_ok) return reject(sink, line_no, "bad_encoding", raw_id_of(line));
  add_code(out, CANBAO_F_SEX, slice(line, kSex), kSexCodes);
  add_date(out, CANBAO_F_BIRTH, slice(line, kBirth), false);
  add_code(out, CANBAO_F_SCHEME, slice(line, kScheme), kSchemeCodes);
  add_code(out, CANBAO_F_STATUS, slice(line, kStatus), kStatusCodes);
  add_date(out, CANBAO_F_START, slice(line, kStart), false);
  add_date(out, CANBAO_F_END, slice(line, kEnd), true);
  add_code(out, CANBAO_F_CATEGORY, slice(line, kCategory), kCategoryCodes);
  add_code(out, CANBAO_F_FUNDED, slice(line, kFunded), kFundedCodes);
  return sink->emit(sink->user, line_no, out.kvs, out.count);
}

int64_t legacy_parse(void* ctx_ptr, size_t begin, size_t end, const canbao_record_sink* sink, char* err,
                     size_t err_size) noexcept {
  try {
    const auto& ctx = *static_cast<const LegacyContext*>(ctx_ptr);
    if (begin > end || end > ctx.size || sink == nullptr) {
      write_err(err, err_size, "legacy-fixed-width: bad chunk bounds");
      return -1;
    }
    GbkDecoder gbk;
    if (!gbk.ok()) {
      write_err(err, err_size, "legacy-fixed-width: iconv has no GBK converter");
      return -1;
    }
    RecordBuilder out;
    out.text.reserve(4 * kDetailWidth);  // values of one line never exceed this: no reallocation
    bool stopped = false;
    uint64_t line_no = 0;
    for (size_t pos = begin; pos < end; ++line_no) {
      const void* newline = std::memchr(ctx.data + pos, '\n', end - pos);
      size_t line_end = newline != nullptr ? static_cast<size_t>(static_cast<const char*>(newline) - ctx.data) : end;
      std::string_view line = line_at(ctx.data, pos, line_end);
      pos = newline != nullptr ? line_end + 1 : end;
      if (stopped || is_blank(line)) continue;
      int verdict;
      switch (line.front()) {
        case 'D': verdict = parse_detail(line, line_no, gbk, out, sink); break;
        case 'T': verdict = 0; break;  // the trailer, checked in open()
        default: verdict = reject(sink, line_no, "bad_record_type", raw_id_of(line)); break;
      }
      stopped = verdict != 0;
    }
    return static_cast<int64_t>(line_no);
  } catch (const std::bad_alloc&) {
    write_err(err, err_size, "legacy-fixed-width: out of memory");
  } catch (...) {
    write_err(err, err_size, "legacy-fixed-width: unexpected error in parse");
  }
  return -1;
}

void legacy_close(void* ctx_ptr) noexcept { delete static_cast<LegacyContext*>(ctx_ptr); }

constexpr canbao_adapter kLegacyAdapter = {CANBAO_ADAPTER_ABI_VERSION, sizeof(canbao_adapter),
                                           "legacy-fixed-width", legacy_open, legacy_body_start,
                                           legacy_chunk_end, legacy_parse, legacy_close};

}  // namespace

CANBAO_ADAPTER_EXPORT const canbao_adapter* canbao_adapter_entry(void) { return &kLegacyAdapter; }
