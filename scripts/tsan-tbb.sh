#!/usr/bin/env bash
# Builds oneTBB with -fsanitize=thread for the ThreadSanitizer pass of scripts/test.sh, because
# Debian's libtbb is not instrumented and TSan cannot see its synchronisation (every task hand-over
# would look like a race; docs/DECISIONS.md). The source is Debian's own source package of the
# libtbb-dev we build against (onetbb 2021.8.0, from deb.debian.org, checksum-pinned); only the
# core library is built (~20 s on 2 cores). Installs into ${TSAN_TBB_DIR:-build-tsan-tbb}/install,
# reuses an earlier build, and prints the install prefix on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(realpath -m "${TSAN_TBB_DIR:-build-tsan-tbb}")"
prefix="$dir/install"
version=2021.8.0
tarball="onetbb_${version}.orig.tar.xz"
sha256=7e9111b8bb59c8800bf6d0b06afe7b0891937443d2dae1ee1101c8e2ede6a7ef  # Debian bookworm Sources
url="http://deb.debian.org/debian/pool/main/o/onetbb/$tarball"
if [ -f "$prefix/.built-$version" ]; then
  echo "$prefix"
  exit 0
fi
if ! command -v curl >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl xz-utils) >/dev/null
fi
mkdir -p "$dir"
if ! echo "$sha256  $dir/$tarball" | sha256sum -c --status 2>/dev/null; then
  curl -sSfL --retry 3 -o "$dir/$tarball" "$url" || { echo "tsan-tbb: cannot download $url" >&2; exit 1; }
  echo "$sha256  $dir/$tarball" | sha256sum -c --status ||
    { echo "tsan-tbb: $tarball does not match the pinned sha256" >&2; exit 1; }
fi
rm -rf "$dir/src" "$dir/build" "$prefix"
mkdir -p "$dir/src"
tar -xf "$dir/$tarball" -C "$dir/src" --strip-components=1
cmake -S "$dir/src" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_SANITIZE=thread \
  -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build "$dir/build" -j "${JOBS:-2}" >/dev/null
cmake --install "$dir/build" >/dev/null
touch "$prefix/.built-$version"
echo "$prefix"
