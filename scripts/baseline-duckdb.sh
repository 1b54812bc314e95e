#!/usr/bin/env bash
# The same job as SQL in DuckDB, as a bureau's analyst would write it (scripts/baseline/README.md):
# on the synthetic city of N persons, times canbao (index rebuilt, then reused), DuckDB (GBK
# conversion included) and the raw-read bound (cat, wc -l over the feeds), checks that DuckDB's
# uninsured set, R1 states and duplicate cases equal canbao's, and appends one line to
# bench/baseline.tsv. Exits non-zero on a mismatch.
#   scripts/baseline-duckdb.sh N            e.g. scripts/baseline-duckdb.sh 1000000
# Environment: CANBAO_BENCH_DIR (default /tmp/canbao-bench), SEED (default 1),
#   CANBAO_DUCKDB_MEMORY (DuckDB memory_limit, default DuckDB's own: 80% of RAM).
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:?usage: scripts/baseline-duckdb.sh N}"
root="${CANBAO_BENCH_DIR:-/tmp/canbao-bench}"
city="$root/city-$persons-seed${SEED:-1}"
bin="$PWD/build/canbao"

# Node.js, npm and the pinned @duckdb/node-api.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "baseline: installing nodejs and npm" >&2
  apt-get update && apt-get install -y nodejs npm
fi
(
  cd scripts/baseline
  if [ ! -f package-lock.json ]; then
    npm install --no-audit --no-fund
  elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
    [ ! -d node_modules/@duckdb/node-api ]; then
    npm ci --no-audit --no-fund
  fi
) >&2

# canbao and the city.
[ -x "$bin" ] || bash scripts/build.sh >&2
if [ ! -f "$city/manifest.json" ]; then
  echo "baseline: synthesizing $persons persons into $city" >&2
  "$bin" synth --persons "$persons" --seed "${SEED:-1}" --out "$city" >&2
fi

work="$root/baseline-$persons"
mkdir -p "$work" bench
exec node scripts/baseline/baseline.mjs --manifest "$city/manifest.json" --canbao "$bin" --threads 2 \
  --persons "$persons" --work "$work" --tsv bench/baseline.tsv
