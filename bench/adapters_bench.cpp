// Parse throughput of the built-in adapters on generated in-memory feeds shaped like the sample
// city's (enrollment / tax NDJSON lines, public-security CSV rows with Chinese names and
// addresses). One thread; the sink only counts. Run in Release:
//   ./build/bench/canbao_bench --benchmark_filter=Adapter
#include <benchmark/benchmark.h>
#include <iconv.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_data.h"
#include "builtin_adapters.h"
#include "canbao/records/fields.h"

namespace {

using canbao::bench::person_name;

constexpr size_t kRecords = 1'000'000;
constexpr size_t kChunkTarget = size_t{4} << 20;  // MB-sized chunks, like the engine's

const char* const kRegions[] = {"350203", "350205", "350206", "350211", "350212", "350213", "440105", "350102"};
const char* const kStreets[] = {"集美大道", "湖滨南路", "环岛路", "嘉禾路", "莲前东路"};

std::string citizen_id(std::mt19937_64& rng) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%04u%02u%02u%03u%c", kRegions[rng() % 6], 1950 + static_cast<unsigned>(rng() % 70),
                1 + static_cast<unsigned>(rng() % 12), 1 + static_cast<unsigned>(rng() % 28),
                static_cast<unsigned>(rng() % 1000), "0123456789X"[rng() % 11]);
  return buf;
}

/// Alternating enrollment-like and tax-like lines (~170 bytes on average).
const std::string& ndjson_feed() {
  static const std::string feed = [] {
    std::mt19937_64 rng(42);
    std::string out;
    out.reserve(kRecords * 200);
    char buf[512];
    for (size_t idx = 0; idx < kRecords; ++idx) {
      std::string id = citizen_id(rng), name = person_name(rng);
      const char* region = kRegions[rng() % std::size(kRegions)];
      if (idx % 2 == 0) {
        std::snprintf(buf, sizeof buf,
                      "{\"record_id\": \"XM2660%04zu\", \"id\": \"%s\", \"name\": \"%s\", \"scheme\": \"%s\", "
                      "\"region\": \"%s\", \"status\": \"active\", \"start\": \"2019-01-01\", \"category\": \"in_service\", "
                      "\"unit\": \"9135020%09zu\"}\n",
                      idx % 10000, id.c_str(), name.c_str(), rng() % 2 ? "employee" : "resident", region, idx);
      } else {
        std::snprintf(buf, sizeof buf,
                      "{\"id\": \"%s\", \"name\": \"%s\", \"scheme\": \"employee\", \"region\": \"%s\", \"from\": \"2026-03\", "
                      "\"to\": \"2026-03\", \"paid_on\": \"20260315\", \"back_pay\": %s, \"amount\": %u.5}\n",
                      id.c_str(), name.c_str(), region, rng() % 5 ? "false" : "true", 100 + static_cast<unsigned>(rng() % 900));
      }
      out += buf;
    }
    return out;
  }();
  return feed;
}

/// public_security.csv rows (UTF-8).
const std::string& csv_feed_utf8() {
  static const std::string feed = [] {
    std::mt19937_64 rng(7);
    std::string out = "姓名,公民身份号码,性别,民族,出生日期,户籍地,常住地,住址,居住证签发地,居住证有效期至,人员状态,死亡日期\n";
    out.reserve(kRecords * 150);
    char buf[512];
    for (size_t idx = 0; idx < kRecords; ++idx) {
      std::string id = citizen_id(rng), name = person_name(rng);
      const char* region = kRegions[rng() % 6];
      bool permit = rng() % 8 == 0;
      std::snprintf(buf, sizeof buf, "%s,%s,%s,汉族,%.8s,%s,%s,福建省厦门市思明区%s%u号,%s,%s,,\n", name.c_str(), id.c_str(),
                    rng() % 2 ? "男" : "女", id.c_str() + 6, region, region, kStreets[rng() % std::size(kStreets)],
                    static_cast<unsigned>(rng() % 999), permit ? "350203" : "", permit ? "20271231" : "");
      out += buf;
    }
    return out;
  }();
  return feed;
}

const std::string& csv_feed_gbk() {
  static const std::string feed = [] {
    const std::string& utf8 = csv_feed_utf8();
    iconv_t cd = iconv_open("GBK", "UTF-8");
    if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("no GBK converter");
    std::string out(utf8.size(), '\0');
    char* in_ptr = const_cast<char*>(utf8.data());
    size_t in_left = utf8.size();
    char* out_ptr = out.data();
    size_t out_left = out.size();
    if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) == static_cast<size_t>(-1))
      throw std::runtime_error("not GBK-encodable");
    iconv_close(cd);
    out.resize(out.size() - out_left);
    return out;
  }();
  return feed;
}

struct Counts {
  uint64_t records = 0, rejects = 0, fields = 0;
};

canbao_record_sink null_sink(Counts& counts) {
  return canbao_record_sink{
      &counts,
      [](void* user, uint64_t, const canbao_kv*, size_t field_count) {
        auto* c = static_cast<Counts*>(user);
        ++c->records;
        c->fields += field_count;
        return 0;
      },
      [](void* user, uint64_t, const char*, const char*, size_t) {
        ++static_cast<Counts*>(user)->rejects;
        return 0;
      }};
}

struct Columns {
  std::array<const char*, CANBAO_F_COUNT> names{};
  Columns(std::initializer_list<std::pair<const char*, const char*>> mapping) {
    names.fill(nullptr);
    for (const auto& [field, source] : mapping) names[static_cast<size_t>(canbao::field_from_name(field))] = source;
  }
};

const Columns& public_security_columns() {
  static const Columns columns{{"id", "公民身份号码"},         {"name", "姓名"},         {"sex", "性别"},
                               {"birth", "出生日期"},          {"hukou_region", "户籍地"}, {"residence_region", "常住地"},
                               {"permit_region", "居住证签发地"}, {"permit_expiry", "居住证有效期至"},
                               {"status", "人员状态"},         {"death_date", "死亡日期"}, {"address", "住址"}};
  return columns;
}

/// Opens the feed, cuts it into chunks once, then times parse() over all chunks.
void run_parse(benchmark::State& state, const canbao_adapter* adapter, const std::string& data, const char* encoding,
               const char* const* columns) {
  canbao_feed_options options{"bench", "enrollment", encoding, columns};
  char err[256] = {};
  void* ctx = adapter->open(&options, data.data(), data.size(), err, sizeof err);
  if (ctx == nullptr) {
    state.SkipWithError(err);
    return;
  }
  uint64_t first_line = 0;
  std::vector<std::pair<size_t, size_t>> chunks;
  for (size_t pos = adapter->body_start(ctx, &first_line); pos < data.size();) {
    size_t next = adapter->chunk_end(ctx, pos, kChunkTarget);
    chunks.emplace_back(pos, next);
    pos = next;
  }
  Counts counts;
  canbao_record_sink sink = null_sink(counts);
  for (auto _ : state) {
    for (const auto& [begin, end] : chunks) {
      int64_t lines = adapter->parse(ctx, begin, end, &sink, err, sizeof err);
      benchmark::DoNotOptimize(lines);
    }
  }
  adapter->close(ctx);
  if (counts.rejects != 0) state.SkipWithError("unexpected rejects");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.SetItemsProcessed(static_cast<int64_t>(counts.records));
  state.counters["fields/record"] =
      benchmark::Counter(counts.records != 0 ? static_cast<double>(counts.fields) / static_cast<double>(counts.records) : 0);
}

/// Times the serial chunk_end() pass over the whole feed (CSV only: it must follow quoting, while
/// the NDJSON chunk_end() only looks for the next '\n' after the target).
void run_chunk_end(benchmark::State& state, const canbao_adapter* adapter, const std::string& data, const char* encoding,
                   const char* const* columns) {
  canbao_feed_options options{"bench", "enrollment", encoding, columns};
  char err[256] = {};
  void* ctx = adapter->open(&options, data.data(), data.size(), err, sizeof err);
  if (ctx == nullptr) {
    state.SkipWithError(err);
    return;
  }
  uint64_t first_line = 0;
  size_t body = adapter->body_start(ctx, &first_line);
  for (auto _ : state) {
    size_t chunks = 0;
    for (size_t pos = body; pos < data.size(); ++chunks) pos = adapter->chunk_end(ctx, pos, static_cast<size_t>(state.range(0)));
    benchmark::DoNotOptimize(chunks);
  }
  adapter->close(ctx);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (data.size() - body)));
}

void BM_AdapterNdjsonParse(benchmark::State& state) {
  run_parse(state, canbao_ndjson_adapter(), ndjson_feed(), "utf-8", nullptr);
}
void BM_AdapterCsvParseUtf8(benchmark::State& state) {
  run_parse(state, canbao_csv_adapter(), csv_feed_utf8(), "utf-8", public_security_columns().names.data());
}
void BM_AdapterCsvParseGbk(benchmark::State& state) {
  run_parse(state, canbao_csv_adapter(), csv_feed_gbk(), "gbk", public_security_columns().names.data());
}
void BM_AdapterCsvChunkEnd(benchmark::State& state) {
  run_chunk_end(state, canbao_csv_adapter(), csv_feed_utf8(), "utf-8", public_security_columns().names.data());
}

// Issue #16 asked for batch parsing (simdjson `iterate_many` over a chunk) instead of one
// `iterate` per line. Both walk every field of every object of the same 4 MiB chunks, reading
// string values, without the adapter's checks, line numbers or sink; the per-line one finds line
// ends with memchr as the adapter does. The adapter keeps per-line parsing: docs/PERFORMANCE.md.
namespace od = simdjson::ondemand;

size_t walk_object(od::object object) {
  size_t fields = 0;
  for (auto field_result : object) {
    od::field field;
    if (std::move(field_result).get(field)) break;
    od::value value = field.value();
    std::string_view text;
    if (value.type() == od::json_type::string && !value.get_string().get(text)) fields += text.size() > 0;
    ++fields;
  }
  return fields;
}

/// The feed cut into ~4 MiB chunks on line ends, each copied with simdjson's padding.
const std::vector<std::string>& padded_chunks() {
  static const std::vector<std::string> chunks = [] {
    std::vector<std::string> out;
    const std::string& feed = ndjson_feed();
    for (size_t pos = 0; pos < feed.size();) {
      size_t end = std::min(feed.size(), pos + kChunkTarget);
      const size_t newline = feed.find('\n', end);
      end = newline == std::string::npos ? feed.size() : newline + 1;
      std::string chunk = feed.substr(pos, end - pos);
      chunk.append(simdjson::SIMDJSON_PADDING, ' ');
      out.push_back(std::move(chunk));
      pos = end;
    }
    return out;
  }();
  return chunks;
}

/// Times `walk(chunk, length)` (fields walked) over every padded chunk per iteration.
template <typename Walk>
void walk_chunks(benchmark::State& state, Walk&& walk) {
  const std::vector<std::string>& chunks = padded_chunks();  // generated before the timing
  size_t bytes = 0;
  for (auto _ : state) {
    size_t fields = 0;
    for (const std::string& chunk : chunks) {
      const size_t len = chunk.size() - simdjson::SIMDJSON_PADDING;
      fields += walk(chunk, len);
      bytes += len;
    }
    benchmark::DoNotOptimize(fields);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_SimdjsonPerLine(benchmark::State& state) {
  od::parser parser;
  walk_chunks(state, [&](const std::string& chunk, size_t len) {
    size_t fields = 0;
    const char* pos = chunk.data();
    const char* const end = chunk.data() + len;
    while (pos < end) {
      const char* newline = static_cast<const char*>(std::memchr(pos, '\n', static_cast<size_t>(end - pos)));
      if (newline == nullptr) newline = end;
      od::document doc;
      od::object object;
      const size_t line = static_cast<size_t>(newline - pos);
      if (!parser.iterate(pos, line, line + simdjson::SIMDJSON_PADDING).get(doc) && !doc.get_object().get(object))
        fields += walk_object(object);
      pos = newline + 1;
    }
    return fields;
  });
}

void BM_SimdjsonIterateMany(benchmark::State& state) {
  od::parser parser;
  walk_chunks(state, [&](const std::string& chunk, size_t len) {
    size_t fields = 0;
    od::document_stream stream;
    if (parser.iterate_many(chunk.data(), len, static_cast<size_t>(state.range(0))).get(stream)) {
      state.SkipWithError("iterate_many failed");
      return fields;
    }
    for (auto doc : stream) {
      od::object object;
      if (!doc.get_object().get(object)) fields += walk_object(object);
    }
    return fields;
  });
}

BENCHMARK(BM_SimdjsonPerLine)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SimdjsonIterateMany)->Arg(1 << 20)->Arg(4 << 20)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK(BM_AdapterNdjsonParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AdapterCsvParseUtf8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AdapterCsvParseGbk)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AdapterCsvChunkEnd)->Arg(4 << 20)->Unit(benchmark::kMillisecond);

}  // namespace
