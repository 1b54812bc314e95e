// The CSV adapter (UTF-8 and GBK, RFC 4180 quoting, header mapping) and the record decoder on
// arbitrary bytes.
#include "feed_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  canbao::fuzz::ingest_feed_bytes("csv", data, size);
  return 0;
}
