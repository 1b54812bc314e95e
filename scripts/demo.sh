#!/usr/bin/env bash
# The main job on its embedded default: builds canbao, synthesizes a city, reconciles it and
# prints the headline numbers and where the outputs are. Extra args go to `canbao demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
exec ./build/canbao demo --dir out/demo "$@"
