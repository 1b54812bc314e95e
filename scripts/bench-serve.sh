#!/usr/bin/env bash
# Load test of `canbao serve` with wrk on loopback (issues #5, #14): the city of N persons (cached,
# as in bench-city.sh) is run once for its index, the server started with a per-user token
# (`canbao serve-token`, --tokens-file) and wrk sends GET /v1/persons/{id} over C keep-alive
# connections for IDs drawn at random from registry.csv (plus 1 in 20 unknown or invalid IDs).
# TLS=1 serves HTTPS with a self-signed P-256 certificate made for the run. RUNS=k repeats the wrk
# run k times against the same server and prints the median. Prints wrk's reports and appends
# requests/s and latency percentiles to bench/serve.tsv (bench/serve-tls.tsv with TLS=1).
#   scripts/bench-serve.sh N [connections] [seconds] [server-threads]   e.g. TLS=1 RUNS=3 scripts/bench-serve.sh 1000000 64
# Environment: CANBAO_BENCH_DIR (default /tmp/canbao-bench), SEED (default 1), PORT (default 18181),
# OUT (the run's output directory, default $CANBAO_BENCH_DIR/serve-N), TLS, RUNS (default 1),
# CANBAO_BIN (a built canbao to time instead of building this tree's).
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:?usage: scripts/bench-serve.sh N [connections] [seconds] [server-threads]}"
connections="${2:-32}"
seconds="${3:-20}"
server_threads="${4:-0}"
port="${PORT:-18181}"
runs="${RUNS:-1}"
tls="${TLS:-0}"
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [ -n "${CANBAO_BIN:-}" ]; then
  bin="$CANBAO_BIN"
else
  bash scripts/build.sh >/dev/null
  bin="$PWD/build/canbao"
fi
root="${CANBAO_BENCH_DIR:-/tmp/canbao-bench}"
city="$root/city-$persons-seed${SEED:-1}"
out="${OUT:-$root/serve-$persons}"
[ -f "$city/manifest.json" ] || "$bin" synth --persons "$persons" --seed "${SEED:-1}" --out "$city" >/dev/null
[ -f "$out.index/index.json" ] && [ -f "$out/registry.csv" ] || "$bin" run "$city/manifest.json" --out "$out" >/dev/null
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
"$bin" serve-token bench 2>/dev/null >"$work/made"
head -n1 "$work/made" >"$work/token"
tail -n1 "$work/made" >"$work/tokens"
chmod 600 "$work/tokens"
tls_args=()
scheme=http
if [ "$tls" = 1 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  chmod 600 "$work/key.pem"
  tls_args=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")
  scheme=https
fi
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
"$bin" serve --index "$out.index" --port "$port" --tokens-file "$work/tokens" "${tls_args[@]}" \
  --threads "$server_threads" --quiet &
server=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
results="$PWD/bench/serve.tsv"
[ "$tls" = 1 ] && results="$PWD/bench/serve-tls.tsv"
[ -f "$results" ] || printf 'date\thost_cpus\tpersons\tconnections\tseconds\tserver_threads\trequests_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\terrors\n' >"$results"
all=()
for run in $(seq 1 "$runs"); do
  report=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/wrk.lua" "$scheme://127.0.0.1:$port")
  echo "$report"
  result=$(echo "$report" | grep '^RESULT' | tr ' ' '\n' | grep = | cut -d= -f2 | paste -sd'\t')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$(nproc)" "$persons" "$connections" "$seconds" \
    "$server_threads" "$(echo "$result" | cut -f1-6)" >>"$results"
  all+=("$(echo "$result" | cut -f1)")
done
median=$(printf '%s\n' "${all[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "MEDIAN requests_per_s=$median over $runs run(s) ($scheme, $connections connections): ${all[*]}"
