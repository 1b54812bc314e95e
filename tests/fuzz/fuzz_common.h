// Shared pieces of the libFuzzer targets (tests/fuzz/*_fuzz.cpp). Each target defines
// LLVMFuzzerTestOneInput; built with clang -fsanitize=fuzzer when CANBAO_FUZZ=ON, and always with
// replay_main.cpp so the saved corpus (tests/fuzz/corpus/<target>/) runs under ctest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "canbao/core/date.h"

namespace canbao::fuzz {

/// A fixed evaluation date, so a crash reproduces whatever the day.
inline Day as_of() { return day_from_ymd(2026, 11, 22); }

/// Fails the run (a crash libFuzzer and the replay test both report) when `ok` is false.
inline void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace canbao::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
