#!/usr/bin/env bash
# Builds canbao and runs the whole test suite (unit, golden, end-to-end). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
CANBAO_WERROR="${CANBAO_WERROR:-ON}" bash scripts/build.sh -DCANBAO_WERROR="${CANBAO_WERROR:-ON}"
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "${JOBS:-2}" --timeout 1200
