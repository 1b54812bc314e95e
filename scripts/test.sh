#!/usr/bin/env bash
# Builds canbao and runs the whole test suite (unit, golden, end-to-end). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
# The report's browser test needs Chromium (and CJK fonts for a faithful screenshot); where they
# cannot be installed the test says so and is skipped.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null 2>&1 ||
    echo "test: Chromium could not be installed; the report's browser test will be skipped" >&2
fi
CANBAO_WERROR="${CANBAO_WERROR:-ON}" bash scripts/build.sh -DCANBAO_WERROR="${CANBAO_WERROR:-ON}"
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "${JOBS:-2}" --timeout 1200
