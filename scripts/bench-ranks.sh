#!/usr/bin/env bash
# Issue #17 scaling on one machine: the whole job at 1..4 MPI ranks (oversubscribed past the
# cores), median wall of RUNS runs each, per-rank records, shuffle bytes and peak RSS (summary.json
# `per_rank`), and a byte comparison of every CSV with the 1-rank run's.
#   scripts/bench-ranks.sh N [ranks...]          e.g. scripts/bench-ranks.sh 1000000 1 2 3 4
# Environment: CANBAO_BENCH_DIR (default /tmp/canbao-bench), SEED (default 1), RUNS (default 3).
# Each rank gets max(1, cores / ranks) threads; mpirun --bind-to none lets them share the cores.
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:?usage: scripts/bench-ranks.sh N [ranks...]}"
shift || true
ranks_list=("$@")
((${#ranks_list[@]})) || ranks_list=(1 2 3 4)
bin="$PWD/build/canbao"
[ -x "$bin" ] || bash scripts/build.sh >/dev/null
root="${CANBAO_BENCH_DIR:-/tmp/canbao-bench}"
city="$root/city-$persons-seed${SEED:-1}"
if [ ! -f "$city/manifest.json" ]; then
  echo "bench: synthesizing $persons persons into $city" >&2
  "$bin" synth --persons "$persons" --seed "${SEED:-1}" --out "$city" >/dev/null
fi
cores=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cat "$city"/*.ndjson "$city"/*.jsonl "$city"/*.csv >/dev/null 2>&1 || true
echo "| ranks | threads/rank | wall s (median of ${RUNS:-3}) | ingest s | link s | match+write s | records/rank (max) | shuffle sent MB/rank (max) | peak RSS MB/rank (max) | outputs = 1 rank |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for n in "${ranks_list[@]}"; do
  threads=$((cores / n)); ((threads >= 1)) || threads=1
  out="$root/ranks-$persons-n$n"
  walls=()
  for ((run = 0; run < ${RUNS:-3}; ++run)); do
    start=$(date +%s.%N)
    if [ "$n" = 1 ]; then  # one process: its peak RSS from /usr/bin/time (summary.json has per_rank only across ranks)
      /usr/bin/time -f "%M" -o "$out.rss" "$bin" run "$city/manifest.json" --out "$out" --threads "$threads" --rebuild-index >/dev/null
    else
      mpirun --bind-to none --oversubscribe -np "$n" "$bin" run "$city/manifest.json" --out "$out" --threads "$threads" \
        --rebuild-index >/dev/null
    fi
    walls+=("$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 2))" "$start" "$(date +%s.%N)")")
  done
  same="yes"
  if [ "$n" != "${ranks_list[0]}" ]; then
    for f in "$root/ranks-$persons-n${ranks_list[0]}"/*.csv; do cmp -s "$f" "$out/$(basename "$f")" || same="no ($(basename "$f"))"; done
  fi
  rss_kb=0; [ "$n" = 1 ] && rss_kb=$(tail -1 "$out.rss")
  python3 - "$out/summary.json" "$n" "$threads" "$same" "$rss_kb" "${walls[@]}" <<'PY'
import json, statistics, sys
summary, n, threads, same, rss_kb = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
walls = [float(w) for w in sys.argv[6:]]
d = json.load(open(summary)); t = d["timings_seconds"]
per = d.get("per_rank") or [{"records": sum(f["accepted"] for f in d["feeds"]), "shuffle_sent_bytes": 0, "peak_rss_bytes": rss_kb * 1024}]
rss = max(p["peak_rss_bytes"] for p in per) / 2**20
print(f"| {n} | {threads} | {statistics.median(walls):.2f} | {t.get('ingest', 0):.2f} | {t.get('link', 0):.2f} | "
      f"{t.get('match_and_write', 0):.2f} | {max(p['records'] for p in per):,} | "
      f"{max(p['shuffle_sent_bytes'] for p in per) / 2**20:.0f} | {rss:.0f} | {same} |")
PY
done
