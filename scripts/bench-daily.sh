#!/usr/bin/env bash
# SPEC §7 daily-delivery benchmark (issue #13). On a synthetic city of N persons (cached, as
# scripts/bench-city.sh makes it):
#   1. a cold run (index rebuilt, new state) and a reused-index run of the city's manifest;
#   2. D daily deliveries, each 1% of the records of enrollment (update feed: the same records
#      delivered again, by record_id), tax (append), hr and public_security (update feeds, per
#      person), one day apart, each applied with `canbao apply` (only its files are read);
#   3. after the last one, the whole manifest (every feed so far) rerun on the applied index, and
#      on a fresh index built for it: the run time after D deliveries against a fresh index.
# Prints one line per step: wall seconds, the stages, the state stage's share, peak RSS.
#   scripts/bench-daily.sh N D [threads]       e.g. scripts/bench-daily.sh 5000000 100 2
# Environment: CANBAO_BENCH_DIR (default /tmp/canbao-bench), SEED (default 1), CANBAO_BIN (a built
# canbao to time instead of building this tree's), FRESH=0 (skip step 3's fresh index, e.g. at 25M
# where a second index does not fit the disk), PREPARE=only (cut the deliveries and stop) or
# PREPARE=skip (time with the deliveries cut before).
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:?usage: scripts/bench-daily.sh N D [threads]}"
deliveries="${2:?usage: scripts/bench-daily.sh N D [threads]}"
threads="${3:-2}"
((deliveries >= 1 && deliveries <= 100)) || { echo "D must be 1..100 (each delivery is a different 1%)" >&2; exit 2; }
if [ -n "${CANBAO_BIN:-}" ]; then
  bin="$CANBAO_BIN"
else
  bash scripts/build.sh >/dev/null
  bin="$PWD/build/canbao"
fi
root="${CANBAO_BENCH_DIR:-/tmp/canbao-bench}"
city="$root/city-$persons-seed${SEED:-1}"
if [ ! -f "$city/manifest.json" ]; then
  echo "bench: synthesizing $persons persons into $city" >&2
  "$bin" synth --persons "$persons" --seed "${SEED:-1}" --out "$city" >/dev/null
fi
work="$root/daily-$persons"
if [ "${PREPARE:-}" != skip ]; then  # (not indented: the block holds here-documents)
rm -rf "$work" "$city"/daily "$city"/daily-*.json
mkdir -p "$work" "$city/daily"

# The deliveries: line i of a feed (after a CSV header) goes to delivery (i mod 100) + 1.
echo "bench: cutting $deliveries deliveries of 1% from $city" >&2
for d in $(seq 1 "$deliveries"); do mkdir -p "$city/daily/$(printf %03d "$d")"; done
split_feed() {  # FILE HEADER_LINES
  LC_ALL=C awk -v dir="$city/daily" -v name="$(basename "$1")" -v header="$2" -v count="$deliveries" '
    NR <= header { hdr = hdr $0 "\n"; next }
    { d = (NR - header - 1) % 100 + 1
      if (d > count) next
      f = sprintf("%s/%03d/%s", dir, d, name)
      if (!(f in seen)) { seen[f] = 1; printf "%s", hdr > f }
      print > f
      if (length(seen) > 200) { for (g in seen) close(g) } }' "$1"
}
split_feed "$city/enrollment.ndjson" 0
split_feed "$city/tax.ndjson" 0
split_feed "$city/hr.ndjson" 0
split_feed "$city/public_security.csv" 1

python3 - "$city" "$deliveries" <<'EOF'
import datetime, json, sys
city, count = sys.argv[1], int(sys.argv[2])
base = json.load(open(f"{city}/manifest.json"))
ps = next(f for f in base["feeds"] if f["agency"] == "public_security")
start = datetime.date.fromisoformat(base["as_of"])
every = list(base["feeds"])
for d in range(1, count + 1):
    day = f"daily/{d:03d}"
    feeds = [{"agency": "enrollment", "path": f"{day}/enrollment.ndjson", "mode": "update"},
             {"agency": "tax", "path": f"{day}/tax.ndjson"},
             {"agency": "hr", "path": f"{day}/hr.ndjson", "mode": "update"},
             dict(ps, path=f"{day}/public_security.csv", mode="update")]
    every += feeds
    as_of = (start + datetime.timedelta(days=d)).isoformat()
    json.dump({"city": base["city"], "as_of": as_of, "feeds": feeds}, open(f"{city}/daily-{d:03d}.json", "w"), ensure_ascii=False)
    if d == count:
        json.dump(dict(base, as_of=as_of, feeds=every), open(f"{city}/daily-whole.json", "w"), ensure_ascii=False)
EOF

fi
[ "${PREPARE:-}" = only ] && exit 0
rm -rf "$work"
mkdir -p "$work"
cat "$city"/*.ndjson "$city"/*.jsonl "$city"/*.csv >/dev/null 2>&1 || true  # warm the page cache
report() {  # LABEL OUT_DIR TIME_FILE
  read -r wall rss_kb <"$3"
  python3 - "$1" "$2/summary.json" "$wall" "$rss_kb" "$persons" <<'EOF'
import json, sys
label, summary, wall, rss_kb, persons = sys.argv[1], json.load(open(sys.argv[2])), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
t = summary["timings_seconds"]
read = sum(f["read"] for f in summary["feeds"] if not f.get("index_reused"))
state = t.get('state_open', 0) + t.get('state', 0)
print(f"persons {persons} {label:<22} wall {wall:7.2f}s  ingest {t.get('ingest', 0):6.2f}s ({read} records read)  "
      f"link {t.get('link', 0):5.2f}s (from {summary.get('links_from_feeds', 0)} feeds)  match+write {t.get('match_and_write', 0):6.2f}s  state {state:5.2f}s "
      f"({100 * state / wall:4.1f}%: open {t.get('state_open', 0):.2f}s)  feeds {len(summary['feeds'])}  peak RSS {rss_kb // 1024} MB",
      flush=True)
EOF
}
timed() {  # LABEL OUT_DIR COMMAND...
  local label="$1" out="$2"
  shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" --out "$out" --threads "$threads" >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
  report "$label" "$out" "$work/time"
}
timed "cold run" "$work/out" "$bin" run "$city/manifest.json" --rebuild-index
timed "reused-index run" "$work/out" "$bin" run "$city/manifest.json"
for d in $(seq 1 "$deliveries"); do
  timed "apply delivery $d" "$work/out" "$bin" apply "$city/daily-$(printf %03d "$d").json"
done
timed "rerun after $deliveries" "$work/out" "$bin" run "$city/daily-whole.json"
[ "${FRESH:-1}" = 0 ] && exit 0
timed "fresh index (cold)" "$work/fresh" "$bin" run "$city/daily-whole.json" --state "$work/fresh.state.db"
timed "fresh index (reused)" "$work/fresh" "$bin" run "$city/daily-whole.json" --state "$work/fresh.state.db"
# actions.csv's deadlines come from the case ledger (the applied state has D + 2 runs, the fresh one 1).
for f in registry outreach duplicates benefits plan quarantine newborns; do
  cmp -s "$work/out/$f.csv" "$work/fresh/$f.csv" || echo "bench: $f.csv differs between the applied and the fresh index" >&2
done
