// Citizen-ID normalisation and validation throughput (SPEC §2), and field decoding.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "canbao/identity/citizen_id.h"
#include "canbao/ingest/decoder.h"

namespace canbao {
namespace {

std::vector<std::string> make_ids(size_t count, bool messy) {
  std::mt19937_64 rng(42);
  std::vector<std::string> ids;
  ids.reserve(count);
  for (size_t idx = 0; idx < count; ++idx) {
    const int year = 1930 + static_cast<int>(rng() % 95);
    const int month = 1 + static_cast<int>(rng() % 12);
    const int day = 1 + static_cast<int>(rng() % 28);
    const PersonKey key = 350200000000000000ULL / 10 + (rng() % 20) * 100000000000ULL +
                          static_cast<PersonKey>(year * 10000 + month * 100 + day) * 1000 + rng() % 1000;
    std::string id = format_citizen_id(key);
    if (messy && idx % 4 == 0) id = " " + id + " ";  // padded, takes the full path
    ids.push_back(std::move(id));
  }
  return ids;
}

void BM_ParseCitizenId(benchmark::State& state) {
  const auto ids = make_ids(1 << 16, state.range(0) != 0);
  const Day as_of = day_from_ymd(2026, 11, 22);
  size_t idx = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parse_citizen_id(ids[idx], as_of));
    idx = (idx + 1) & (ids.size() - 1);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseCitizenId)->Arg(0)->Arg(1)->ArgNames({"messy"});

void BM_DecodeTaxRecord(benchmark::State& state) {
  const std::string id = "350203198805208738";
  const canbao_kv kvs[] = {
      {CANBAO_F_ID, CANBAO_VALUE_TEXT, id.data(), id.size()},
      {CANBAO_F_NAME, CANBAO_VALUE_TEXT, "郭桐娟", 9},
      {CANBAO_F_SCHEME, CANBAO_VALUE_TEXT, "employee", 8},
      {CANBAO_F_REGION, CANBAO_VALUE_TEXT, "350203", 6},
      {CANBAO_F_FROM, CANBAO_VALUE_TEXT, "2026-01", 7},
      {CANBAO_F_TO, CANBAO_VALUE_TEXT, "202612", 6},
      {CANBAO_F_PAID_ON, CANBAO_VALUE_TEXT, "2026-01-15", 10},
      {CANBAO_F_BACK_PAY, CANBAO_VALUE_TEXT, "false", 5},
      {CANBAO_F_AMOUNT, CANBAO_VALUE_TEXT, "612.5", 5},
      {CANBAO_F_PAYER, CANBAO_VALUE_TEXT, "91350203N1004837", 16},
  };
  const Day as_of = day_from_ymd(2026, 11, 22);
  FieldTexts texts;
  Arena arena;
  TaxPacked rec{};
  for (auto _ : state) {
    texts.assign(kvs, sizeof(kvs) / sizeof(kvs[0]));
    benchmark::DoNotOptimize(decode_record(Agency::kTax, texts, as_of, arena, &rec));
    if (arena.bytes.size() > (1 << 20)) arena.bytes.clear();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_DecodeTaxRecord);

}  // namespace
}  // namespace canbao
