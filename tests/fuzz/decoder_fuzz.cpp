// The record decoder behind every adapter and plugin (the ABI hands it (field, value) pairs): any
// values for any fields decode to a record, or to a rejected ID / bad field, without crashing.
// Input: first byte = agency; then fields as <field byte><kind byte><value...> separated by \0.
#include <vector>

#include "canbao/ingest/decoder.h"
#include "canbao/records/fields.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace canbao;
  if (size < 1) return 0;
  const auto agency = static_cast<Agency>(data[0] % kAgencyCount);
  std::vector<canbao_kv> kvs;
  size_t pos = 1;
  while (pos + 2 <= size && kvs.size() < 64) {
    const uint32_t field = data[pos] % (CANBAO_F_COUNT + 2);  // a few out-of-range fields too
    const uint32_t kind = data[pos + 1] % 4;
    size_t end = pos + 2;
    while (end < size && data[end] != 0) ++end;
    kvs.push_back(canbao_kv{field, kind, reinterpret_cast<const char*>(data + pos + 2), end - pos - 2});
    pos = end + 1;
  }
  FieldTexts texts;
  texts.assign(kvs.data(), kvs.size());
  Arena arena;
  alignas(16) char record[256];
  const DecodeResult result = decode_record(agency, texts, fuzz::as_of(), arena, record);
  if (result.status == DecodeStatus::kOk) {
    const auto* head = reinterpret_cast<const RecordHead*>(record);
    fuzz::check(head->key != kNoPerson);
    fuzz::check(head->name.off + head->name.len <= arena.bytes.size());
  } else if (result.status == DecodeStatus::kBadField) {
    fuzz::check(result.bad_field >= 0 && result.bad_field < CANBAO_F_COUNT);
  }
  return 0;
}
