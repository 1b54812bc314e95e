// The NDJSON adapter (simdjson On-Demand) and the record decoder on arbitrary bytes.
#include "feed_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  canbao::fuzz::ingest_feed_bytes("ndjson", data, size);
  return 0;
}
