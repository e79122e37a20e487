#!/usr/bin/env bash
# run-node-idle-bench.sh BIN_DIR — re6stnet's own footprint while idle (issue 3 §4):
# a namespace network (tests/lab/lab.sh) of NODES nodes opening CLIENTS client tunnels
# each, left to settle, then for every node: tunnels (Babel neighbours, from babeld's
# dump on its control socket; the count of distinct next hops of Babel routes when the
# socket cannot be read), the daemon's RSS, private memory (USS) and proportional share (PSS), its CPU over
# WINDOW seconds (the daemon process alone, children excluded), and openvpn + babeld
# RSS measured separately. With the defaults (12 nodes, 5 client tunnels each, at most
# 10 server clients per node) a node has about 10 tunnels. Prints figures, asserts
# nothing. Needs root.
# Env: NODES (12), CLIENTS (5), SETTLE (60 s after the full mesh), WINDOW (60 s),
#      BOUND (seconds to the full mesh, 600), LAB_HELLO (4), LAB_VERBOSE (2),
#      SMAPS (1: also print where the busiest daemon's RSS lies, per mapped file).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
BIN=$(cd "${1:?usage: run-node-idle-bench.sh BIN_DIR}" && pwd)
NODES=${NODES:-12} CLIENTS=${CLIENTS:-5} SETTLE=${SETTLE:-60} WINDOW=${WINDOW:-60} BOUND=${BOUND:-600}
source "$(dirname "$0")/../tests/lab/lab.sh"
export LAB_CLIENT_COUNT=$CLIENTS LAB_VERBOSE=${LAB_VERBOSE:-2}
lab_test_setup "$BIN"

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
lab_start_network "$NODES" || lab_fail "could not set the network up"
lab_wait_mesh "$BOUND" || lab_fail "no full mesh within $BOUND s"
echo "full mesh of $NODES nodes (client-count $CLIENTS, hello $LAB_HELLO s) after ${LAB_MESH_SECONDS}s; settling ${SETTLE}s"
sleep "$SETTLE" # an observation delay: the network is idle, not a synchronisation

kb() { awk -v k="$2" '$1 == k":" { print $2 }' "$1"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime of the process itself
children_rss() { # sum of VmRSS (kB) of the daemon's children named $2
  local p total=0 r
  for p in $(pgrep -P "$1" -x "$2" || true); do r=$(kb "/proc/$p/status" VmRSS 2>/dev/null || true); total=$((total + ${r:-0})); done
  echo "$total"
}
arg_after() { tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | awk -v o="$2" 'f { print; exit } $0 == o { f = 1 }'; }
# babel_neighbours DAEMON_PID — "add neighbour" lines of babeld's dump (its control
# socket is a path: readable from this namespace). Nothing when it cannot be read.
babel_neighbours() {
  local b sock
  b=$(pgrep -P "$1" -x babeld | head -1 || true)
  [ -n "$b" ] || return 0
  sock=$(arg_after "$b" -G); [ -n "$sock" ] || sock=$(arg_after "$b" -g)
  [ -S "$sock" ] || return 0
  /usr/bin/python3 - "$sock" <<'EOF' 2>/dev/null || true
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
buf = b""
def block():
    # lines up to babeld's status line (ok / no / bad)
    global buf
    while True:
        lines = buf.split(b"\n")
        for i, l in enumerate(lines[:-1]):
            if l in (b"ok", b"bad") or l.startswith(b"no"):
                buf = b"\n".join(lines[i + 1:])
                return lines[:i]
        d = s.recv(65536)
        if not d:
            return []
        buf += d
block()
s.sendall(b"dump\n")
print(sum(1 for l in block() if l.startswith(b"add neighbour")))
EOF
}
declare -A T0
for k in "${LAB_HOSTS[@]}"; do T0[$k]=$(ticks "${LAB_NODE_PID[$k]}"); done
sleep "$WINDOW" # the measurement window
HZ=$(getconf CLK_TCK)
printf '%-5s %8s %10s %10s %10s %9s %14s %11s\n' host tunnels "RSS (MB)" "USS (MB)" "PSS (MB)" "CPU (%)" "openvpn (MB)" "babeld (MB)"
ROWS=$(mktemp)
for k in "${LAB_HOSTS[@]}"; do
  pid=${LAB_NODE_PID[$k]}
  lab_node_alive "$k" || { echo "h$k    re6stnet exited (see $(lab_dir "$k")/stdout.log)"; continue; }
  tunnels=$(babel_neighbours "$pid")
  if [ -z "$tunnels" ]; then # fallback: distinct next hops of Babel routes
    tunnels="$({ lab_exec "$k" ip -6 route show proto babel || true; } | grep -o 'via [^ ]* dev [^ ]*' | sort -u | wc -l)*"
  fi
  rss=$(kb "/proc/$pid/status" VmRSS)
  uss=$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' "/proc/$pid/smaps_rollup")
  # PSS: each shared library page divided by the processes mapping it
  pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")
  cpu=$(awk -v a="${T0[$k]}" -v b="$(ticks "$pid")" -v hz="$HZ" -v w="$WINDOW" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / w }')
  awk -v h="h$k" -v t="$tunnels" -v r="$rss" -v u="$uss" -v p="$pss" -v c="$cpu" -v o="$(children_rss "$pid" openvpn)" \
      -v b="$(children_rss "$pid" babeld)" \
      'BEGIN { printf "%-5s %8s %10.1f %10.1f %10.1f %9s %14.1f %11.1f\n", h, t, r / 1024, u / 1024, p / 1024, c, o / 1024, b / 1024 }' | tee -a "$ROWS"
done
if grep -q '\*' "$ROWS"; then echo "(* Babel neighbours not readable: distinct next hops of Babel routes)"; fi
awk '{ t = $2 + 0; if (t > mt || mt == "") { mt = t; mh = $1; mr = $3; mu = $4; mp = $5; mc = $6 }
       if ($3 > xr) xr = $3; if ($4 > xu) xu = $4; if ($5 > xp) xp = $5; if ($6 > xc) xc = $6 }
     END { if (NR) printf "busiest node %s: %d tunnels, RSS %.1f MB, USS %.1f MB, PSS %.1f MB, CPU %.2f %%; over all nodes at most RSS %.1f MB, USS %.1f MB, PSS %.1f MB, CPU %.2f %%\n", mh, mt, mr, mu, mp, mc, xr, xu, xp, xc }' "$ROWS"
# The floor: the daemon's libraries initialised with no re6st code (bench/library_floor.cpp).
FLOOR=$BIN/../bench/re6st-bench-floor
if [ -x "$FLOOR" ]; then
  "$FLOOR" "$(lab_dir 1)/conf/cert.key" & floor_pid=$!
  for _ in $(seq 100); do # its RSS stops growing once it idles (a bound, not a timing)
    r1=$(kb "/proc/$floor_pid/status" VmRSS 2>/dev/null || echo 0); sleep 0.2
    r2=$(kb "/proc/$floor_pid/status" VmRSS 2>/dev/null || echo 0)
    [ "${r1:-0}" -gt 0 ] && [ "$r1" = "$r2" ] && break
  done
  if kill -0 "$floor_pid" 2>/dev/null; then
    awk -v r="$(kb "/proc/$floor_pid/status" VmRSS)" \
        -v u="$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' "/proc/$floor_pid/smaps_rollup")" \
        -v p="$(awk '/^Pss:/ { print $2 }' "/proc/$floor_pid/smaps_rollup")" \
        'BEGIN { printf "library floor (re6st-bench-floor: the same Qt, SQLite and OpenSSL libraries initialised, no re6st code): RSS %.1f MB, USS %.1f MB, PSS %.1f MB\n", r / 1024, u / 1024, p / 1024 }'
    kill "$floor_pid"; wait "$floor_pid" 2>/dev/null || true
  else
    echo "re6st-bench-floor exited early"
  fi
fi
if [ "${SMAPS:-0}" = 1 ]; then
  busiest=$(awk '{ t = $2 + 0; if (t > mt || mt == "") { mt = t; mh = $1 } } END { print substr(mh, 2) }' "$ROWS")
  echo "RSS of the daemon on h$busiest by mapping (kB resident; private = mapped by this process only):"
  awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon]" : $6); next }
       /^Rss:/ { rss[name] += $2 } /^Private_(Clean|Dirty):/ { priv[name] += $2 }
       END { for (n in rss) if (rss[n] > 0) printf "%8d %8d  %s\n", rss[n], priv[n], n }' \
      "/proc/${LAB_NODE_PID[$busiest]}/smaps" | sort -rn | head -25
fi
rm -f "$ROWS"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (uptime: $(uptime))"
