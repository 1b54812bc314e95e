// The manifest parser (SPEC §1) on arbitrary text: a manifest is accepted or refused with a
// message naming it, never a crash; accepted feeds stay inside the manifest's directory.
#include <string>

#include "canbao/manifest/manifest.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace canbao;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Manifest manifest;
  const Status status = parse_manifest(text, "/fuzz/city/manifest.json", fuzz::as_of(), manifest);
  if (!status.ok()) {
    fuzz::check(!status.message().empty());
    return 0;
  }
  for (const FeedSpec& feed : manifest.feeds) {
    fuzz::check(feed.resolved_path.rfind("/fuzz/city/", 0) == 0);
    fuzz::check(feed.resolved_path.find("/../") == std::string::npos);
  }
  return 0;
}
