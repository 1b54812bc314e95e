#!/usr/bin/env bash
# Builds canbao and runs the whole test suite (unit, golden, end-to-end, fuzz corpus replay), then
# the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer, and again under
# ThreadSanitizer (against a oneTBB built with TSan by scripts/tsan-tbb.sh). CI runs exactly this.
# CANBAO_SANITIZERS=0 skips both sanitizer passes (a quicker local loop).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
# The report's browser test needs Chromium (and CJK fonts for a faithful screenshot); where they
# cannot be installed the test says so and is skipped.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null 2>&1 ||
    echo "test: Chromium could not be installed; the report's browser test will be skipped" >&2
fi
CANBAO_WERROR="${CANBAO_WERROR:-ON}" bash scripts/build.sh -DCANBAO_WERROR="${CANBAO_WERROR:-ON}"
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j "${JOBS:-2}" --timeout 1200)
if [ "${CANBAO_SANITIZERS:-1}" != 0 ]; then
  # -O1 keeps the instrumented build and run to ~3.5 minutes on 2 cores. Warnings are enforced by
  # the build above; here GCC 12 gives false -Wmaybe-uninitialized inside <regex> and <functional>
  # under ASan, so they do not stop the build.
  cd "$root"
  BUILD_DIR=build-asan bash scripts/build.sh -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DCANBAO_SANITIZE=address,undefined \
    -DCANBAO_BUILD_BENCHMARKS=OFF -DCANBAO_WERROR=OFF
  (cd build-asan && ctest --output-on-failure -j "${JOBS:-2}" --timeout 1200)
  # ThreadSanitizer needs an instrumented oneTBB (Debian's is not: its task hand-overs would all
  # look like races), built from Debian's source package of the same version.
  tsan_tbb="$(bash scripts/tsan-tbb.sh)"
  BUILD_DIR=build-tsan bash scripts/build.sh -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DCANBAO_SANITIZE=thread \
    -DCANBAO_BUILD_BENCHMARKS=OFF -DCANBAO_WERROR=OFF -DCMAKE_PREFIX_PATH="$tsan_tbb" -DTBB_DIR="$tsan_tbb/lib/cmake/TBB"
  (cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --output-on-failure -j "${JOBS:-2}" --timeout 1200)
fi
