#!/usr/bin/env bash
# run-fuzzer.sh BINARY CORPUS_DIR SEED_DIR SECONDS — bounded libFuzzer run.
set -euo pipefail
bin=$1 corpus=$2 seeds=$3 seconds=$4
mkdir -p "$corpus"
[ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
cd "$(dirname "$corpus")"
exec "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$corpus"
