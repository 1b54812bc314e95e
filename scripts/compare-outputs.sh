#!/usr/bin/env bash
# Byte-for-byte comparison of two canbao binaries' outputs (for refactors that must not change
# them): the sample city and synthetic cities of the given sizes, every CSV, the district lists
# (--split-by district --mask-ids --mask-names) and `query` answers for a sample of IDs.
#   scripts/compare-outputs.sh OLD_CANBAO NEW_CANBAO [persons...]     (default: 100000 1000000)
# Exit 0 when everything is identical. Work directory: CANBAO_COMPARE_DIR (default /tmp/canbao-compare).
set -euo pipefail
old="$(realpath "${1:?usage: compare-outputs.sh OLD_CANBAO NEW_CANBAO [persons...]}")"
new="$(realpath "${2:?usage: compare-outputs.sh OLD_CANBAO NEW_CANBAO [persons...]}")"
shift 2
sizes=("$@")
((${#sizes[@]})) || sizes=(100000 1000000)
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${CANBAO_COMPARE_DIR:-/tmp/canbao-compare}"
mkdir -p "$work"
status=0
compare_city() {  # name manifest
  local name=$1 manifest=$2
  for which in old new; do
    local bin=$old; [ $which = new ] && bin=$new
    "$bin" run "$manifest" --out "$work/$name-$which" --threads 2 --split-by district --mask-ids --mask-names >/dev/null
  done
  local files=0
  for f in "$work/$name-old"/*.csv "$work/$name-old"/outreach/*.csv; do
    local rel=${f#"$work/$name-old/"}
    files=$((files + 1))
    cmp -s "$f" "$work/$name-new/$rel" || { echo "DIFFERENT: $name/$rel"; status=1; }
  done
  local ids
  ids=$(python3 -c "
import csv,sys
rows=[]
for f in ('duplicates.csv','outreach.csv','registry.csv'):
    rows+=list(csv.reader(open(sys.argv[1]+'/'+f)))[1:60]
print(' '.join(sorted(set(r[0] for r in rows))))" "$work/$name-old")
  "$old" query --index "$work/$name-old.index" $ids >"$work/$name-old.query" || true
  "$new" query --index "$work/$name-new.index" $ids >"$work/$name-new.query" || true
  cmp -s "$work/$name-old.query" "$work/$name-new.query" || { echo "DIFFERENT: $name query answers"; status=1; }
  echo "$name: $files files and $(wc -l <"$work/$name-new.query") query answers compared"
}
sample="$here/../shared/examples/sample-city/manifest.json"
[ -f "$sample" ] && compare_city sample "$sample"
for persons in "${sizes[@]}"; do
  city="$work/city-$persons"
  [ -f "$city/manifest.json" ] || "$new" synth --persons "$persons" --seed 1 --out "$city" >/dev/null
  compare_city "city-$persons" "$city/manifest.json"
done
[ $status = 0 ] && echo "identical" || echo "outputs differ"
exit $status
