#!/usr/bin/env bash
# Installs the Debian 12 packages canbao needs, only when some are missing (run as root).
set -euo pipefail
packages=(g++ cmake ninja-build pkg-config python3 libtbb-dev libsimdjson-dev libboost-dev
          libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libcpp-httplib-dev libxxhash-dev
          libxlsxwriter-dev libsqlite3-dev librapidcheck-dev
          libopenmpi-dev openmpi-bin  # issue #17: mpirun -np N canbao run
          libssl-dev openssl chromium)  # serve: TLS (libssl-dev), test certificates (openssl), the counter page's browser test
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
