#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz and fuzzes one or all of
# them. New interesting inputs go to a work corpus outside the repository; a crashing input is
# written to tests/fuzz/crashes/ (add it to tests/fuzz/corpus/<target>/ once fixed, so ctest
# replays it forever).
#   scripts/fuzz.sh [target|all] [seconds per target]     e.g. scripts/fuzz.sh ndjson 600
# Targets: id ndjson csv manifest decoder.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-all}"
seconds="${2:-60}"
bash scripts/deps.sh
command -v clang++ >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null; }
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCANBAO_FUZZ=ON \
  -DCANBAO_BUILD_BENCHMARKS=OFF -DCANBAO_ARCH=auto >/dev/null
targets=(id ndjson csv manifest decoder)
[ "$target" = all ] || targets=("$target")
cmake --build build-fuzz -j "${JOBS:-2}" --target "${targets[@]/#/fuzz_}"
mkdir -p tests/fuzz/crashes
for t in "${targets[@]}"; do
  work="${CANBAO_FUZZ_WORK:-/tmp/canbao-fuzz}/$t"
  mkdir -p "$work"
  echo "fuzz: $t for ${seconds}s (work corpus $work)" >&2
  build-fuzz/tests/fuzz/fuzz_"$t" -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix=tests/fuzz/crashes/"$t"- "$work" tests/fuzz/corpus/"$t"
done
