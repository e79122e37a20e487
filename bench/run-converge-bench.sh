#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Convergence figures of a namespace network (tests/lab/lab.sh), registry --hello 4
# (issue 3 §4), for 5, 10 and 20 machines (registry node included):
#  - start: seconds from the start of the nodes to full-mesh reachability (every node
#    pings every other node's re6st address in one round);
#  - tunnel kill (TUNNEL_SETTLE seconds after the full mesh): the client tunnel
#    (re6stnetN, an openvpn child of a re6stnet) that carries the most Babel routes in
#    the whole network has its openvpn SIGKILLed; seconds from the kill until
#    full-mesh reachability holds again (the first full round of a streak of full
#    rounds lasting HOLD seconds), whether some pair was broken in between (a path
#    repaired) or never (the others' routes did not need it), compared with the
#    target of 3 hello intervals;
#  - node kill: one node SIGKILLed: seconds until no other node routes to it any more
#    (Babel noticed) and until the remaining nodes form a full mesh again (counted
#    from the kill); then seconds for that node to rejoin after its restart.
# Reachability is sampled by rounds of parallel pings between every ordered pair: a
# figure is known to the duration of a round (printed; a few seconds for 20 nodes on 2
# cores), and times are taken at the end of a round (upper bounds).
# Figures only, no assertion. Needs root.
# Usage: bench/run-converge-bench.sh [BIN_DIR] [SIZES...]   (default: <source>/build/bin, 5 10)
# Env: BUILD_DIR (used when BIN_DIR is not given: builds re6st-registry, re6st-conf,
#      re6stnet there, RelWithDebInfo), JOBS (2), BOUND (seconds per wait, 600),
#      HOLD (seconds a repaired mesh must stay full, default 3 x hello), QUIET (seconds
#      of full rounds after a tunnel kill before it counts as never broken, default
#      6 x hello), TUNNEL_SETTLE (seconds between the full mesh and the tunnel kill,
#      60), PICK=alt (see busiest_tunnel), LAB_HELLO (4), LAB_CLIENT_COUNT (default
#      (n+1)/2), KEEP_WORK=1 keeps the lab work directories (logs).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ] && [ -d "$1" ]; then
  BIN=$(cd "$1" && pwd); shift
else
  BUILD_DIR=${BUILD_DIR:-$SRC/build}
  cmake -S "$SRC" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$BUILD_DIR" -j"${JOBS:-2}" re6st-registry re6st-conf re6stnet
  BIN=$BUILD_DIR/bin
fi
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(5 10)
BOUND=${BOUND:-600}
source "$SRC/tests/lab/lab.sh"
rc=0; lab_require || rc=$?
[ "$rc" -eq 0 ] || exit 1
[ -x "$BIN/re6stnet" ] || { echo "$BIN/re6stnet is missing: build target re6stnet"; exit 1; }

progress() { echo "[$(date -u +%T)] $*" >&2; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# arg_after PID OPTION — the argument following OPTION in the command line of PID.
arg_after() { tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | awk -v o="$2" 'f { print; exit } $0 == o { f = 1 }'; }

# busiest_tunnel — "ROUTES HOST PID IFACE PEER_HOST" of the client tunnel carrying the
# most Babel routes (ip -6 route show proto babel dev IFACE in the host's namespace)
# over every node: interface re6stnetN (N >= 1) of an openvpn child of the node's
# re6stnet. Ties: the first host, then the first process found. Nothing when none.
# PICK=alt: only tunnels of nodes that route some prefix through another interface
# (an alternative path exists: measures Babel rerouting rather than a new tunnel).
busiest_tunnel() {
  local k p dev remote routes total best="" bestn=-1
  for k in "${LAB_HOSTS[@]}"; do
    lab_node_alive "$k" || continue
    for p in $(pgrep -P "${LAB_NODE_PID[$k]}" -x openvpn || true); do
      dev=$(arg_after "$p" --dev)
      [[ $dev =~ ^re6stnet[1-9][0-9]*$ ]] || continue
      remote=$(arg_after "$p" --remote)
      routes=$({ lab_exec "$k" ip -6 route show proto babel dev "$dev" 2>/dev/null || true; } | wc -l)
      if [ "${PICK:-}" = alt ]; then # only a tunnel whose node also routes through another interface
        total=$({ lab_exec "$k" ip -6 route show proto babel 2>/dev/null || true; } | grep -c ' dev ' || true)
        [ "$total" -gt "$routes" ] || continue
      fi
      if [ "$routes" -gt "$bestn" ]; then
        bestn=$routes
        best="$routes $k $p $dev h${remote##*.}"
      fi
    done
  done
  [ -z "$best" ] || echo "$best"
}

# tunnel_kill — SIGKILL the busiest client tunnel's openvpn, then ping rounds until the
# mesh is full again for HOLD seconds (after a break) or for QUIET seconds (no break
# seen), bounded by BOUND. Sets TK_* variables.
tunnel_kill() {
  local pick routes k pid dev peer
  TK_WHERE=- TK_ROUTES=- TK_REPAIRED=- TK_BROKEN=- TK_PAIRS=0 TK_FIRST=- TK_LAST=- TK_WORST="" TK_ROUND=- TK_LASTPAIRS=""
  pick=$(busiest_tunnel)
  [ -n "$pick" ] || { TK_WHERE="no-client-tunnel"; return 0; }
  read -r routes k pid dev peer <<<"$pick"
  TK_WHERE="h$k:$dev->$peer(pid$pid)" TK_ROUTES=$routes
  progress "n=${#LAB_HOSTS[@]}: SIGKILL openvpn pid $pid of host $k ($dev to $peer, $routes Babel routes)"
  local t ok_since="" broken=0 e fails nf rounds=0 rstart rtotal=0
  kill -KILL "$pid"
  t=$(lab_now)
  while :; do
    rstart=$(lab_now)
    lab__round "${LAB_HOSTS[@]}"
    rtotal=$(awk -v a="$rtotal" -v d="$(lab_elapsed "$rstart")" 'BEGIN { print a + d }')
    rounds=$((rounds + 1))
    e=$(lab_elapsed "$t")
    fails=$(awk '$3 == "-" { printf "h%s->h%s ", $1, $2 }' "$LAB_WORK/round")
    if [ -n "$fails" ]; then
      nf=$(wc -w <<<"$fails")
      broken=1 ok_since=
      [ "$TK_FIRST" != - ] || TK_FIRST=$e
      TK_LAST=$e
      if [ "$nf" -gt "$TK_PAIRS" ]; then TK_PAIRS=$nf; TK_WORST=$fails; fi
      TK_LASTPAIRS=$fails
    else
      [ -n "$ok_since" ] || ok_since=$e
      if [ "$broken" = 1 ] && ge "$(sub "$e" "$ok_since")" "$HOLD"; then TK_REPAIRED=$ok_since; break; fi
      if [ "$broken" = 0 ] && ge "$e" "$QUIET"; then TK_REPAIRED=0; break; fi
    fi
    ge "$e" "$BOUND" && break
    sleep 1 # pace between rounds (not a synchronisation)
  done
  TK_BROKEN=$([ "$broken" = 1 ] && echo yes || echo no)
  TK_ROUND=$(awk -v a="$rtotal" -v n="$rounds" 'BEGIN { printf "%.1f", a / n }')
}

run_size() {
  local n=$1
  (
    LAB_QUIET=1 LAB_PREFIX="r6b$$n$n"
    lab_init "$BIN" >/dev/null
    trap 'LAB_KEEP_WORK=${KEEP_WORK:-0} lab_down 2>/dev/null' EXIT
    trap 'exit 130' INT TERM
    HOLD=${HOLD:-$((3 * LAB_HELLO))} QUIET=${QUIET:-$((6 * LAB_HELLO))} TUNNEL_SETTLE=${TUNNEL_SETTLE:-60}
    progress "n=$n: namespaces, CA, registry, $n enrollments"
    lab_hosts "$n"; lab_ca; lab_registry_start
    for k in "${LAB_HOSTS[@]}"; do lab_enroll "$k"; done
    local start
    start=$(lab_now)
    progress "n=$n: starting $n nodes (client-count $LAB_CLIENT_COUNT, hello $LAB_HELLO)"
    for k in "${LAB_HOSTS[@]}"; do lab_node_start "$k"; done
    local converge=- unrouted=- restore=- rejoin=- victim=$(( n / 2 + 1 )) load_mesh=-
    TK_WHERE=- TK_ROUTES=- TK_REPAIRED=- TK_BROKEN=- TK_PAIRS=0 TK_FIRST=- TK_LAST=- TK_WORST="" TK_ROUND=- TK_LASTPAIRS=""
    if lab_wait_mesh "$BOUND" >/dev/null; then
      converge=$(lab_elapsed "$start")
      load_mesh=$(load)
      progress "n=$n: full mesh after ${converge}s (load $load_mesh)"
      # Right after the full mesh most routes still go through the first (bootstrap)
      # tunnel of each node; TUNNEL_SETTLE lets Babel spread them over the tunnels
      # opened since (an observation delay on an idle network, not a synchronisation).
      [ "$TUNNEL_SETTLE" = 0 ] || sleep "$TUNNEL_SETTLE"
      tunnel_kill
      progress "n=$n: tunnel kill: broken=$TK_BROKEN repaired=${TK_REPAIRED}s"
      if lab_wait_mesh "$BOUND" >/dev/null; then
        lab_node_kill "$victim" KILL
        local t others
        t=$(lab_now)
        read -ra others <<<"$(lab_others "$victim")"
        lab_wait_unreachable "$BOUND" "$victim" "${others[@]}" >/dev/null && unrouted=$(lab_elapsed "$t")
        lab_wait_mesh "$BOUND" "${others[@]}" >/dev/null && restore=$(lab_elapsed "$t")
        progress "n=$n: node $victim killed: unrouted ${unrouted}s, others full mesh ${restore}s"
        t=$(lab_now)
        lab_node_start "$victim"
        lab_wait_mesh "$BOUND" >/dev/null && rejoin=$(lab_elapsed "$t")
      fi
    else
      progress "n=$n: no full mesh within ${BOUND}s: $(awk '$3 == "-"' "$LAB_WORK/round" | wc -l) pairs failing"
    fi
    local worst
    worst=$(awk '{ for (i = 1; i <= NF && i <= 6; i++) printf "%s%s", (i > 1 ? " " : ""), $i; if (NF > 6) printf " ..." }' <<<"$TK_WORST")
    echo "detail n=$n: load at full mesh $load_mesh, at the end $(load) ($(nproc) CPUs), client-count $LAB_CLIENT_COUNT, hello $LAB_HELLO s"
    echo "detail n=$n: tunnel kill $TK_WHERE, $TK_ROUTES routes; broken: $TK_BROKEN (at most $TK_PAIRS pairs failing in one round${worst:+: $worst}; failing rounds from ${TK_FIRST}s to ${TK_LAST}s, the last one: ${TK_LASTPAIRS:-none}); full mesh again at ${TK_REPAIRED}s, held ${HOLD}s; ping round ${TK_ROUND}s; killed ${TUNNEL_SETTLE}s after the full mesh"
    echo "RESULT $n $converge $TK_REPAIRED $TK_BROKEN $TK_PAIRS $unrouted $restore $rejoin $HOLD $QUIET"
  )
}

fmt() { case ${1:--} in -) echo "not reached" ;; *) echo "${1}s" ;; esac; }
echo "re6st convergence (hello ${LAB_HELLO:-4} s, client-count ${LAB_CLIENT_COUNT:-(n+1)/2}, nodes in namespaces, $(nproc) CPUs)"
echo "load before: $(load)"
ROWS=() DETAILS=()
for n in "${SIZES[@]}"; do
  res=$(run_size "$n") || true
  mapfile -t d < <(grep '^detail ' <<<"$res" | sed 's/^detail //' || true)
  DETAILS+=("${d[@]}")
  read -r _ _ c tr tb tp u r j _ quiet <<<"$(grep '^RESULT ' <<<"$res" | tail -1 || true)"
  hello=${LAB_HELLO:-4}
  case ${tb:-} in
    yes) tk="$(fmt "$tr") ($tp pairs broken)" ;;
    no) tk="never broken (${quiet}s)" ;;
    *) tk="$(fmt "${tr:-}")" ;;
  esac
  if [ "${tb:-}" = yes ] && [ "${tr:--}" != - ]; then
    tk="$tk $(ge "$tr" "$((3 * hello))" && echo ">=" || echo "<") $((3 * hello))s"
  fi
  ROWS+=("$(printf '%-8s %-22s %-36s %-22s %-24s %-22s' "$n" "$(fmt "${c:-}")" "$tk" "$(fmt "${u:-}")" "$(fmt "${r:-}")" "$(fmt "${j:-}")")")
done
printf '%-8s %-22s %-36s %-22s %-24s %-22s\n' machines "full mesh after start" "tunnel kill: full mesh again" "node kill: unrouted" "node kill: others mesh" "restarted node rejoined"
printf '%s\n' "${ROWS[@]}"
printf '%s\n' "${DETAILS[@]}"
echo "load after: $(load)"
