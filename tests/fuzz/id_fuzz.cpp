// SPEC §2 citizen-ID normalisation and validation on arbitrary bytes: never crashes, a rejected ID
// has a reason, an accepted one round-trips through its 18-character form to the same key.
#include "canbao/identity/citizen_id.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace canbao;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const IdResult result = parse_citizen_id(raw, fuzz::as_of());
  if (!result.ok()) {
    fuzz::check(!id_reject_name(result.reject).empty());
    return 0;
  }
  const std::string text = format_citizen_id(result.key);
  fuzz::check(text.size() == 18);
  const IdResult again = parse_citizen_id(text, fuzz::as_of());
  fuzz::check(again.ok() && again.key == result.key);
  fuzz::check(id_birth(result.key) <= fuzz::as_of());
  return 0;
}
