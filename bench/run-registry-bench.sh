#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds re6st-registry and re6st-bench-registry (Release) and runs the bench.
# Usage: bench/run-registry-bench.sh [bench options, e.g. --clients 16 --duration 5 --certs 10000]
# Env: BUILD_DIR (default <source>/build-bench), JOBS (default 2), FLOOR (default 1:
# re6st-bench-issuance-floor runs after it).
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC/build-bench}
JOBS=${JOBS:-2}
cmake -S "$SRC" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$BUILD_DIR" -j"$JOBS" re6st-registry re6st-bench-registry
"$BUILD_DIR/bench/re6st-bench-registry" --registry-bin "$BUILD_DIR/bin/re6st-registry" "$@"
# Then the floor to compare "registry CPU per certificate" with (FLOOR=0: not
# run; built only where libsqlite3-dev is installed).
if [ "${FLOOR:-1}" != 0 ] && ninja -C "$BUILD_DIR" -j"$JOBS" re6st-bench-issuance-floor >/dev/null 2>&1; then
  echo
  "$BUILD_DIR/bench/re6st-bench-issuance-floor"
fi
