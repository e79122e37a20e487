#!/usr/bin/env bash
# run-node-soak-bench.sh BIN_DIR — does re6stnet leak while its tunnels churn?
# A namespace network (tests/lab/lab.sh) of NODES nodes whose registry sets a short
# tunnel refresh (--tunnel-refresh REFRESH: every node replaces its least useful
# tunnel that often, node-protocol.md §5), run for DURATION seconds after the full
# mesh. Every SAMPLE seconds it records each daemon's private memory (USS) and RSS,
# its open file descriptors and its openvpn children. At the end: tunnels opened and
# closed per node (re6stnet.log), memory and descriptors first → last sample, the
# USS growth per hour from a least-squares fit over the samples, and whether every
# pair of nodes still answers. With HEAPTRACK=1, heaptrack (apt) is attached to host
# HT_HOST's daemon for the soak; that daemon is then stopped with SIGTERM and the
# bench prints what it leaked and its live heap over the run (allocations made during
# the soak and not yet freed), per fifth of the run. Prints figures, asserts nothing.
# Needs root.
# Env: NODES (6), REFRESH (10 s), DURATION (600 s), SAMPLE (30 s), BOUND (300 s to
#      the full mesh), HEAPTRACK (0), HT_HOST (2), LAB_HELLO (4), LAB_VERBOSE (3).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
BIN=$(cd "${1:?usage: run-node-soak-bench.sh BIN_DIR}" && pwd)
NODES=${NODES:-6} REFRESH=${REFRESH:-10} DURATION=${DURATION:-600} SAMPLE=${SAMPLE:-30} BOUND=${BOUND:-300}
source "$(dirname "$0")/../tests/lab/lab.sh"
export LAB_VERBOSE=${LAB_VERBOSE:-3} LAB_REGISTRY_ARGS="--tunnel-refresh $REFRESH"
lab_test_setup "$BIN"

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
lab_start_network "$NODES" || lab_fail "could not set the network up"
lab_wait_mesh "$BOUND" || lab_fail "no full mesh within $BOUND s"
echo "full mesh of $NODES nodes after ${LAB_MESH_SECONDS}s; soaking ${DURATION}s with --tunnel-refresh $REFRESH, a sample every ${SAMPLE}s"

uss() { awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s + 0 }' "/proc/$1/smaps_rollup"; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
ovpn() { { pgrep -P "$1" -x openvpn || true; } | wc -l; }
count_log() { local n; n=$(grep -E -c -- "$2" "$(lab_dir "$1")/log/re6stnet.log" 2>/dev/null) || true; echo "${n:-0}"; }

# Why a tunnel closes (core/TunnelManager.cpp, daemon/TunnelDriver.cpp).
CLOSED='closing the least useful tunnel|tunnel to [^ ]+ died|no address of [^ ]+ works|dropping our duplicate client tunnel|certificate of [^ ]+ is revoked|closing the tunnel to'
HT_HOST=${HT_HOST:-2} HT_OUT=$LAB_WORK/heaptrack-h${HT_HOST:-2} ht_pid=
if [ "${HEAPTRACK:-0}" = 1 ]; then
  command -v heaptrack >/dev/null || lab_fail "HEAPTRACK=1 needs heaptrack (apt-get install heaptrack)"
  heaptrack -o "$HT_OUT" -p "${LAB_NODE_PID[$HT_HOST]}" >"$LAB_WORK/heaptrack.log" 2>&1 & ht_pid=$!
  for _ in $(seq 600); do # injection through gdb: bounded wait for its report
    grep -q 'injection finished' "$LAB_WORK/heaptrack.log" 2>/dev/null && break
    kill -0 "$ht_pid" 2>/dev/null || lab_fail "heaptrack could not attach: $(tail -3 "$LAB_WORK/heaptrack.log")"
    sleep 0.1
  done
  echo "heaptrack attached to h$HT_HOST (pid ${LAB_NODE_PID[$HT_HOST]})"
fi

SAMPLES=$(mktemp) # t host uss rss fds openvpn
declare -A UP0 DOWN0
for k in "${LAB_HOSTS[@]}"; do UP0[$k]=$(count_log "$k" " is up"); DOWN0[$k]=$(count_log "$k" "$CLOSED"); done
start=$(lab_now)
while :; do
  t=$(lab_elapsed "$start")
  for k in "${LAB_HOSTS[@]}"; do
    pid=${LAB_NODE_PID[$k]}
    lab_node_alive "$k" || { echo "h$k: re6stnet exited at ${t}s (see $(lab_dir "$k")/stdout.log)"; continue; }
    echo "$t $k $(uss "$pid") $(rss "$pid") $(fds "$pid") $(ovpn "$pid")" >>"$SAMPLES"
  done
  awk -v t="$t" -v d="$DURATION" 'BEGIN { exit !(t >= d) }' && break
  sleep "$SAMPLE" # the sampling period of a soak: nothing waits on it
done

printf '%-5s %8s %8s %16s %16s %10s %9s %14s\n' host opened closed "USS first→last" "RSS first→last" "fds" openvpn "USS kB/hour"
for k in "${LAB_HOSTS[@]}"; do
  up=$(( $(count_log "$k" " is up") - UP0[$k] )); down=$(( $(count_log "$k" "$CLOSED") - DOWN0[$k] ))
  awk -v h="h$k" -v k="$k" -v up="$up" -v down="$down" '
    $2 == k { n++; t[n] = $1; u[n] = $3; r[n] = $4; f[n] = $5; o[n] = $6 }
    END {
      if (n == 0) { printf "%-5s (no sample)\n", h; exit }
      st = su = stt = stu = 0
      for (i = 1; i <= n; i++) { st += t[i]; su += u[i]; stt += t[i] * t[i]; stu += t[i] * u[i] }
      den = n * stt - st * st; slope = den > 0 ? (n * stu - st * su) / den : 0
      printf "%-5s %8d %8d %16s %16s %10s %9s %14.0f\n", h, up, down,
        sprintf("%.1f→%.1f MB", u[1] / 1024, u[n] / 1024), sprintf("%.1f→%.1f MB", r[1] / 1024, r[n] / 1024),
        f[1] "→" f[n], o[1] "→" o[n], slope * 3600 }' "$SAMPLES"
done
rm -f "$SAMPLES"
if lab_wait_mesh 120; then echo "after the soak: full mesh (every pair answers)"; else echo "after the soak: NOT a full mesh"; fi
if [ -n "$ht_pid" ]; then
  lab_node_kill "$HT_HOST" TERM
  for _ in $(seq 1200); do kill -0 "$ht_pid" 2>/dev/null || break; sleep 0.1; done # heaptrack writes its file at exit
  kill -0 "$ht_pid" 2>/dev/null && { kill "$ht_pid"; lab_fail "heaptrack did not finish"; }
  wait "$ht_pid" || true
  file=
  for f in "$HT_OUT.zst" "$HT_OUT.gz"; do [ -f "$f" ] && file=$f; done # heaptrack adds its compressor's suffix
  [ -n "$file" ] || lab_fail "no heaptrack output: $(tail -3 "$LAB_WORK/heaptrack.log")"
  echo "heaptrack on h$HT_HOST, from the attach to SIGTERM:"
  heaptrack_print -f "$file" 2>/dev/null | grep -E '^(total runtime|calls to allocation|peak heap memory|total memory leaked)' | sed 's/^/  /'
  heaptrack_print -f "$file" -M "$LAB_WORK/heaptrack.massif" >/dev/null 2>&1 || true
  # Live heap (allocated since the attach, not freed) per fifth of the run: max, and at its end.
  grep -E '^(time|mem_heap_B)=' "$LAB_WORK/heaptrack.massif" | paste - - | awk -F'[= \t]+' '
    { t[NR] = $2; m[NR] = $4 } END {
      if (NR == 0) exit; end = t[NR]
      for (i = 1; i <= NR; i++) { b = int(5 * t[i] / (end + 1e-9)); if (b > 4) b = 4
        if (m[i] > mx[b]) mx[b] = m[i]; last[b] = m[i] }
      printf "  live heap per fifth of the run (max / at its end, kB):"
      for (b = 0; b < 5; b++) printf " %.0f/%.0f", mx[b] / 1024, last[b] / 1024
      printf "\n" }'
fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
