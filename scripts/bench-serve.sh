#!/usr/bin/env bash
# Load test of `canbao serve` with wrk on loopback (issue #5): the city of N persons (cached, as in
# bench-city.sh) is run once for its index, the server started with a token, and wrk sends
# GET /v1/persons/{id} for IDs drawn at random from registry.csv (plus 1 in 20 unknown or invalid
# IDs). Prints wrk's report and appends requests/s and latency percentiles to bench/serve.tsv.
#   scripts/bench-serve.sh N [connections] [seconds] [server-threads]   e.g. scripts/bench-serve.sh 1000000
# Environment: CANBAO_BENCH_DIR (default /tmp/canbao-bench), SEED (default 1), PORT (default 18181).
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:?usage: scripts/bench-serve.sh N [connections] [seconds] [server-threads]}"
connections="${2:-32}"
seconds="${3:-20}"
server_threads="${4:-0}"
port="${PORT:-18181}"
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
bash scripts/build.sh >/dev/null
bin="$PWD/build/canbao"
root="${CANBAO_BENCH_DIR:-/tmp/canbao-bench}"
city="$root/city-$persons-seed${SEED:-1}"
out="$root/serve-$persons"
[ -f "$city/manifest.json" ] || "$bin" synth --persons "$persons" --seed "${SEED:-1}" --out "$city" >/dev/null
[ -f "$out.index/index.json" ] && [ -f "$out/registry.csv" ] || "$bin" run "$city/manifest.json" --out "$out" >/dev/null
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$work/token"
# 100,000 IDs of the registry at random, and 1 in 20 that is unknown (valid) or invalid.
python3 - "$out/registry.csv" "$work/ids.txt" <<'PY'
import random, sys
ids = [line.split(',', 1)[0] for line in open(sys.argv[1], encoding='utf-8')][1:]
random.seed(1)
pick = [random.choice(ids) for _ in range(100000)]
for i in range(0, len(pick), 20):
    pick[i] = '110101199003074477' if i % 40 == 0 else pick[i][:17] + ('0' if pick[i][17] != '0' else '1')
open(sys.argv[2], 'w').write('\n'.join(pick) + '\n')
PY
cat >"$work/wrk.lua" <<LUA
local ids = {}
for line in io.lines("$work/ids.txt") do ids[#ids + 1] = line end
local token = io.open("$work/token"):read("*l")
local counter = 0
request = function()
  counter = counter + 1
  local id = ids[(counter * 7919) % #ids + 1]
  return wrk.format("GET", "/v1/persons/" .. id, { ["Authorization"] = "Bearer " .. token })
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests_per_s=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d non2xx_counted_by_wrk\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
"$bin" serve --index "$out.index" --port "$port" --token-file "$work/token" --threads "$server_threads" --quiet &
server=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
report=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/wrk.lua" "http://127.0.0.1:$port")
echo "$report"
result=$(echo "$report" | grep '^RESULT' | tr ' ' '\n' | grep = | cut -d= -f2 | paste -sd'\t')
results="$PWD/bench/serve.tsv"
[ -f "$results" ] || printf 'date\thost_cpus\tpersons\tconnections\tseconds\tserver_threads\trequests_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\terrors\n' >"$results"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$(nproc)" "$persons" "$connections" "$seconds" "$server_threads" \
  "$(echo "$result" | cut -f1-6)" >>"$results"
