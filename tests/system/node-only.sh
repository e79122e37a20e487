#!/usr/bin/env bash
# node-only.sh SOURCE_DIR — the re6stnet-only configuration (-DRE6ST_NODE_ONLY=ON, used
# by scripts/build-static-node.sh against a static Qt) still configures, here against
# Debian's shared Qt, and defines re6stnet and nothing else of ours; the script parses.
# Building the static Qt itself takes about 20 min: not done here (README).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
SRC=${1:?usage: node-only.sh SOURCE_DIR}
command -v cmake >/dev/null && command -v ninja >/dev/null || { echo "cmake or ninja missing: skipped"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
bash -n "$SRC/scripts/build-static-node.sh" || fail "scripts/build-static-node.sh does not parse"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cmake -S "$SRC" -B "$WORK" -G Ninja -DRE6ST_NODE_ONLY=ON >"$WORK/configure.log" 2>&1 ||
  { cat "$WORK/configure.log" >&2; fail "cmake -DRE6ST_NODE_ONLY=ON failed"; }
targets=$(ninja -C "$WORK" -t targets all)
grep -q '^bin/re6stnet:' <<<"$targets" || fail "no re6stnet target"
for other in re6st-registry re6st-conf re6stctl re6st-tray; do
  ! grep -q "^bin/$other:" <<<"$targets" || fail "$other is built in the node-only configuration"
done
# Against a shared Qt, none of the static-only link options.
grep -q 'static-libstdc++' "$WORK/build.ninja" && fail "static link options with a shared Qt"
echo "node-only configuration: re6stnet alone"
