#!/usr/bin/env bash
# End-to-end city benchmark: synthesizes N persons (cached), runs the whole job at 1 and 2 threads,
# prints per-stage seconds, records/s and peak RSS, and appends one line per run to
# bench/results.tsv.
#   scripts/bench-city.sh N [threads...]       e.g. scripts/bench-city.sh 1000000 1 2
# Environment: CANBAO_BENCH_DIR (default /tmp/canbao-bench), SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:?usage: scripts/bench-city.sh N [threads...]}"
shift || true
threads=("$@")
((${#threads[@]})) || threads=(1 2)
bash scripts/build.sh >/dev/null
bin="$PWD/build/canbao"
root="${CANBAO_BENCH_DIR:-/tmp/canbao-bench}"
city="$root/city-$persons-seed${SEED:-1}"
if [ ! -f "$city/manifest.json" ]; then
  echo "bench: synthesizing $persons persons into $city" >&2
  /usr/bin/time -f "synth: %e s wall, %M KB peak RSS" "$bin" synth --persons "$persons" --seed "${SEED:-1}" --out "$city"
fi
bytes=$(python3 -c "import json,os,sys; d=sys.argv[1]; m=json.load(open(d+'/manifest.json')); print(sum(os.path.getsize(os.path.join(d,f['path'])) for f in m['feeds']))" "$city")
results="$PWD/bench/results.tsv"
header='date\thost_cpus\tpersons\tthreads\tindex\twall_s\tpeak_rss_mb\tingest_s\tlink_s\tmatch_write_s\tfeed_bytes\tpersons_per_s\trecords\trecords_per_s\tcpu_s'
[ -f "$results" ] || printf '%b\n' "$header" >"$results"
# Warm the page cache so the first timed run is not a disk benchmark.
cat "$city"/*.ndjson "$city"/*.jsonl "$city"/*.csv >/dev/null 2>&1 || true
for t in "${threads[@]}"; do
  for mode in cold warm; do
    out="$root/out-$persons-t$t"
    extra=()
    [ "$mode" = cold ] && extra=(--rebuild-index)
    log=$(mktemp)
    /usr/bin/time -f "%e %M %U %S" -o "$log.time" "$bin" run "$city/manifest.json" --out "$out" --threads "$t" "${extra[@]}" >"$log"
    read -r wall rss_kb user_s sys_s <"$log.time"
    cpu=$(python3 -c "print(round($user_s + $sys_s, 2))")
    summary="$out/summary.json"
    stage() { python3 -c "import json,sys; print(json.load(open('$summary'))['timings_seconds'].get('$1', 0))"; }
    ingest=$(stage ingest); link=$(stage link); match=$(stage match_and_write)
    rate=$(python3 -c "print(round($persons / $wall))")
    records=$(python3 -c "import json; print(sum(f['read'] for f in json.load(open('$summary'))['feeds']))")
    rec_rate=$(python3 -c "print(round($records / $wall))")
    index=$([ "$mode" = cold ] && echo rebuilt || echo reused)
    printf 'persons %s threads %s index %-7s wall %6.2fs  ingest %6.2fs  link %5.2fs  match+write %6.2fs  peak RSS %6.0f MB  %s persons/s  %s records/s  cpu %ss  feeds %.2f GB\n' \
      "$persons" "$t" "$index" "$wall" "$ingest" "$link" "$match" "$((rss_kb / 1024))" "$rate" "$rec_rate" "$cpu" "$(python3 -c "print($bytes/1e9)")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$(nproc)" "$persons" "$t" "$index" \
      "$wall" "$((rss_kb / 1024))" "$ingest" "$link" "$match" "$bytes" "$rate" "$records" "$rec_rate" "$cpu" >>"$results"
    rm -f "$log" "$log.time"
  done
done
