#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Convergence figures of a namespace network (tests/lab/lab.sh), registry --hello 4
# (issue 3 §4), for 5, 10 and 20 machines (registry node included):
#  - start: seconds from the start of the nodes to full-mesh reachability (every node
#    pings every other node's re6st address in one round);
#  - tunnel kill (TUNNEL_SETTLE seconds after the full mesh): the client tunnel
#    (re6stnetN, an openvpn child of a re6stnet) that carries the most Babel routes in
#    the whole network has its openvpn SIGKILLed; from 2 s before the kill to the end
#    every ordered pair is pinged continuously, one probe every 0.2 s (timestamped
#    ping -D -O per pair, files kept in <work>/tk-ping/I-J with KEEP_WORK=1). The
#    figure: seconds from the kill until the last pair that lost probes answers again
#    for good (resolution: the 0.2 s probe interval, plus the probe's RTT), 0 when no
#    probe was lost ("never broken"), compared with the target of 3 hello intervals;
#    the per-pair outages are in the detail lines. The run lasts until ping rounds
#    (below) see a full mesh for HOLD seconds after a break, or for QUIET seconds;
#    the old round-based figure (end of the first full round) is kept in the detail;
#  - node kill: one node SIGKILLed: seconds until no other node routes to it any more
#    (Babel noticed) and until the remaining nodes form a full mesh again (counted
#    from the kill); then seconds for that node to rejoin after its restart.
# Other reachability figures are sampled by rounds of parallel pings between every
# ordered pair: such a figure is known to the duration of a round plus a 1 s pause
# (printed; a few seconds for 20 nodes on 2 cores), taken at the end of a round
# (upper bounds).
# Figures only, no assertion. Needs root.
# Usage: bench/run-converge-bench.sh [BIN_DIR] [SIZES...]   (default: <source>/build/bin, 5 10)
# Env: BUILD_DIR (used when BIN_DIR is not given: builds re6st-registry, re6st-conf,
#      re6stnet there, RelWithDebInfo), JOBS (2), BOUND (seconds per wait, 600),
#      HOLD (seconds a repaired mesh must stay full, default 3 x hello), QUIET (seconds
#      of full rounds after a tunnel kill before it counts as never broken, default
#      6 x hello), TUNNEL_SETTLE (seconds between the full mesh and the tunnel kill,
#      60), PICK=alt (see busiest_tunnel), LAB_HELLO (4), LAB_CLIENT_COUNT (default
#      (n+1)/2), KEEP_WORK=1 keeps the lab work directories (logs), BABEL_MONITOR=1
#      records every babeld's "monitor" stream (local interface), "ip monitor link
#      address" and the Babel packets (TLV types, AF_PACKET capture) around the tunnel
#      kill in <work>/tk-babel/K, K.ip and K.pkt (with KEEP_WORK=1),
#      NODAD=1 (experiment) sets net.ipv6.conf.default.accept_dad=0 in every host
#      namespace before the nodes start: their taps' link-local addresses are usable
#      at once (no tentative period), as a node that disabled DAD on its taps would.
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

# tk_probes_start HOST... — one continuous, timestamped ping per ordered pair (i -> j,
# from host i's namespace to host j's re6st address, as lab__ping pings: ping -6 -n,
# default source), a probe every 0.2 s (-D: epoch of each line; -O: "no answer yet"
# for a probe unanswered when the next one leaves). One file per pair under
# $LAB_WORK/tk-ping/I-J. Sets TK_PROBE_PIDS (the ping processes themselves: ip netns
# exec execs ping).
tk_probes_start() {
  local i j dir=$LAB_WORK/tk-ping
  rm -rf "$dir"; mkdir -p "$dir"
  TK_PROBE_PIDS=() TK_MONITOR_PIDS=()
  for i in "$@"; do
    for j in "$@"; do
      [ "$i" = "$j" ] && continue
      ip netns exec "$(lab_ns "$i")" ping -6 -n -D -O -i 0.2 -W 1 "${LAB_ADDR[$j]}" >"$dir/$i-$j" 2>&1 &
      TK_PROBE_PIDS+=($!)
    done
  done
  if [ "${BABEL_MONITOR:-0}" = 1 ]; then
    # babeld's local interface ("monitor": neighbour/route changes), one timestamped
    # log per host in $LAB_WORK/tk-babel/K (observation only: nothing is sent but
    # "monitor"; babeld accepts several local connections).
    mkdir -p "$LAB_WORK/tk-babel"
    cat >"$LAB_WORK/tk-babel/sniff.py" <<'PYEOF'
import socket, struct, sys, time
# Babel packets (UDP 6696) seen on every interface of this namespace: time, in/out, ifname, src, dst, TLV types
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL: outgoing too
T = {0:'pad1',1:'padn',2:'ackreq',3:'ack',4:'hello',5:'ihu',6:'rid',7:'nh',8:'upd',9:'req',10:'mhreq',16:'mac',17:'pc',18:'chreq',19:'chrep'}  # RFC 8966/8967
while True:
    data, addr = s.recvfrom(65535)
    ifi, ptype = addr[0], addr[2]
    if len(data) < 14 + 40 + 8 or data[12:14] != b'\x86\xdd': continue
    ip = data[14:]
    if ip[6] != 17: continue
    sport, dport = struct.unpack('!HH', ip[40:44])
    if dport != 6696: continue
    body = ip[48:]
    if len(body) < 4 or body[0] != 42: continue
    n = struct.unpack('!H', body[2:4])[0]; i = 4; tl = []
    while i < 4 + n and i < len(body):
        t = body[i]
        if t == 0: tl.append('pad1'); i += 1; continue
        ln = body[i+1]
        name = T.get(t, str(t))
        if t == 4: name += '(%s seq %d)' % ('u' if body[i+2] & 0x80 else 'm', struct.unpack('!H', body[i+4:i+6])[0])
        tl.append(name); i += 2 + ln
    sys.stdout.write('%.3f %s %s %s > %s %s\n' % (time.time(), 'out' if ptype == 4 else 'in', ifi, socket.inet_ntop(socket.AF_INET6, ip[8:24]), socket.inet_ntop(socket.AF_INET6, ip[24:40]), ','.join(tl)))
    sys.stdout.flush()
PYEOF
    for i in "$@"; do
      [ -S "$(lab_dir "$i")/run/babeld.sock" ] || continue
      python3 -u -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"monitor\n")
for l in s.makefile("rb"): sys.stdout.write("%.3f %s" % (time.time(), l.decode(errors="replace")))' \
        "$(lab_dir "$i")/run/babeld.sock" >"$LAB_WORK/tk-babel/$i" 2>&1 &
      TK_MONITOR_PIDS+=($!)
      # links and addresses (tap up/down, link-local tentative/dadfailed)
      ip netns exec "$(lab_ns "$i")" ip -ts monitor link address >"$LAB_WORK/tk-babel/$i.ip" 2>&1 &
      TK_MONITOR_PIDS+=($!)
      # Babel packets on every interface of the namespace: time, in/out, interface,
      # source > destination, TLV types (hello seqnos)
      ip netns exec "$(lab_ns "$i")" python3 -u "$LAB_WORK/tk-babel/sniff.py" >"$LAB_WORK/tk-babel/$i.pkt" 2>&1 &
      TK_MONITOR_PIDS+=($!)
    done
  fi
  TK_PROBE_PIDS+=("${TK_MONITOR_PIDS[@]}")
  LAB_OTHER_PIDS+=("${TK_PROBE_PIDS[@]}") # lab_down stops them if the run is interrupted
}

# tk_probes_stop — each process started by tk_probes_start stopped by pid and reaped:
# SIGINT for ping (it prints its last lines and exits), SIGTERM for the monitors
# (background commands of a non-interactive shell ignore SIGINT).
tk_probes_stop() {
  local p m
  for p in "${TK_PROBE_PIDS[@]}"; do
    for m in "${TK_MONITOR_PIDS[@]}"; do [ "$m" = "$p" ] && { kill -TERM "$p" 2>/dev/null || true; continue 2; }; done
    kill -INT "$p" 2>/dev/null || true
  done
  for p in "${TK_PROBE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  local keep=() q
  for q in "${LAB_OTHER_PIDS[@]}"; do
    for p in "${TK_PROBE_PIDS[@]}"; do [ "$q" = "$p" ] && continue 2; done
    keep+=("$q")
  done
  LAB_OTHER_PIDS=("${keep[@]}")
  TK_PROBE_PIDS=() TK_MONITOR_PIDS=()
}

# tk_outages DIR KILL STOP — one line per pair file DIR/I-J:
#   "I J LOST FIRST LASTLOST RECOVERED BEFORE"
# LOST: probes sent after KILL (epoch) and at least 1 s before STOP (so every one had
# its -W 1 s to be answered) that got no answer within 1 s; FIRST: send instant of the
# first of them; LASTLOST: send instant of the last one; RECOVERED: receive instant of
# the first answer after LASTLOST (from then on every probe was answered), "-" when
# none; BEFORE: probes answered before KILL (the baseline). Instants are seconds
# after KILL, 2 decimals. When LOST is 0: "I J 0 - - - BEFORE".
# Send instants: answer epoch - rtt for answered probes; "no answer yet for seq N"
# is printed as probe N+1 leaves; the others are interpolated over the sequence.
tk_outages() {
  local dir=$1 kill=$2 stop=$3 f
  for f in "$dir"/*-*; do
    [ -e "$f" ] || continue
    awk -v pair="$(basename "$f" | tr - ' ')" -v kill="$kill" -v stop="$stop" '
      function ts(s) { return substr(s, 2, index(s, "]") - 2) + 0 }
      /^\[[0-9.]+\] .*bytes from .*icmp_seq=[0-9]+ .*time=[0-9.]+ ms/ {
        t = ts($1); seq = $0; sub(/.*icmp_seq=/, "", seq); seq += 0
        rtt = $0; sub(/.*time=/, "", rtt); rtt += 0
        if (rtt <= 1000) { ans[seq] = t } # later than -W 1 s counts as lost
        send[seq] = t - rtt / 1000
        if (seq > max) max = seq
        next
      }
      /^\[[0-9.]+\] no answer yet for icmp_seq=[0-9]+/ {
        t = ts($1); seq = $0; sub(/.*icmp_seq=/, "", seq); seq += 0
        if (!((seq + 1) in send)) send[seq + 1] = t
        if (seq + 1 > max) max = seq + 1
      }
      END {
        # interpolate the send instants not known (linear over the sequence numbers)
        for (s = 1; s <= max; s++) {
          if (s in send) { last = s; continue }
          for (n = s + 1; n <= max && !(n in send); n++) ;
          if (last && n <= max) est[s] = send[last] + (send[n] - send[last]) * (s - last) / (n - last)
          else if (last) est[s] = send[last] + 0.2 * (s - last)
          else if (n <= max) est[s] = send[n] - 0.2 * (n - s)
        }
        for (s in est) send[s] = est[s]
        lost = 0; first = ""; lastlost = ""; before = 0
        for (s = 1; s <= max; s++) {
          if (!(s in send)) continue
          if (send[s] < kill) { if (s in ans) before++; continue }
          if (send[s] > stop - 1) break
          if (!(s in ans)) { lost++; if (first == "") first = s; lastlost = s }
        }
        if (!lost) { print pair, 0, "-", "-", "-", before; exit }
        rec = "-"
        for (s = lastlost + 1; s <= max; s++) if (s in ans) { rec = sprintf("%.2f", ans[s] - kill); break }
        printf "%s %d %.2f %.2f %s %d\n", pair, lost, send[first] - kill, send[lastlost] - kill, rec, before
      }' "$f"
  done
}

# tunnel_kill — SIGKILL the busiest client tunnel's openvpn, then ping rounds until the
# mesh is full again for HOLD seconds (after a break) or for QUIET seconds (no break
# seen), bounded by BOUND. Meanwhile (from 2 s before the kill to the end) every ordered
# pair is pinged continuously every 0.2 s (tk_probes_start): the repair time is the
# latest instant, over all pairs, at which a pair that lost probes after the kill got
# the first answer of its final unbroken run of answers (0 when no probe was lost).
# Sets TK_* variables.
tunnel_kill() {
  local pick routes k pid dev peer
  TK_WHERE=- TK_ROUTES=- TK_REPAIRED=- TK_BROKEN=- TK_PAIRS=0 TK_FIRST=- TK_LAST=- TK_WORST="" TK_ROUND=- TK_LASTPAIRS=""
  TK_PRECISE=- TK_PLOW=- TK_PBROKEN=0 TK_POUT="" TK_PNOBASE=0 TK_KILLED=-
  pick=$(busiest_tunnel)
  [ -n "$pick" ] || { TK_WHERE="no-client-tunnel"; return 0; }
  read -r routes k pid dev peer <<<"$pick"
  TK_WHERE="h$k:$dev->$peer(pid$pid)" TK_ROUTES=$routes
  tk_probes_start "${LAB_HOSTS[@]}"
  sleep 2 # baseline of answered probes before the kill (an observation window)
  progress "n=${#LAB_HOSTS[@]}: SIGKILL openvpn pid $pid of host $k ($dev to $peer, $routes Babel routes)"
  local t ok_since="" broken=0 e fails nf rounds=0 rstart rtotal=0
  kill -KILL "$pid"
  t=$(lab_now)
  TK_KILLED=$t
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
  local stop
  stop=$(lab_now)
  tk_probes_stop
  TK_BROKEN=$([ "$broken" = 1 ] && echo yes || echo no)
  TK_ROUND=$(awk -v a="$rtotal" -v n="$rounds" 'BEGIN { printf "%.1f", a / n }')
  # Continuous probes: per-pair outages, sorted by recovery (not recovered first).
  local out
  out=$(tk_outages "$LAB_WORK/tk-ping" "$t" "$stop")
  printf '%s\n' "$out" >"$LAB_WORK/tk-outages"
  TK_PNOBASE=$(awk '$6 == 0' <<<"$out" | wc -l)
  TK_PBROKEN=$(awk '$3 > 0' <<<"$out" | wc -l)
  if [ "$TK_PBROKEN" = 0 ]; then
    TK_PRECISE=0 TK_PLOW=0
  elif awk '$3 > 0 && $6 == "-" { f = 1 } END { exit !f }' <<<"$out"; then
    TK_PRECISE=- TK_PLOW=-
  else
    TK_PRECISE=$(awk '$3 > 0 && $6 > m { m = $6 } END { printf "%.1f", m }' <<<"$out")
    TK_PLOW=$(awk '$3 > 0 && $5 > m { m = $5 } END { printf "%.1f", m }' <<<"$out")
  fi
  TK_POUT=$(awk '$3 > 0 { r = ($6 == "-" ? 1e9 : $6); printf "%s h%s->h%s %s-%ss(%d lost)\n", r, $1, $2, $4, $6, $3 }' <<<"$out" |
            sort -k1,1gr | awk '{ $1 = ""; sub(/^ /, "") } NR <= 12 { printf "%s%s", (NR > 1 ? ", " : ""), $0 } END { if (NR > 12) printf ", +%d more", NR - 12 }')
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
    if [ "${NODAD:-0}" = 1 ]; then # experiment: interfaces created from now on skip IPv6 DAD
      for k in "${LAB_HOSTS[@]}"; do lab_exec "$k" sysctl -qw net.ipv6.conf.default.accept_dad=0; done
    fi
    for k in "${LAB_HOSTS[@]}"; do lab_enroll "$k"; done
    local start
    start=$(lab_now)
    progress "n=$n: starting $n nodes (client-count $LAB_CLIENT_COUNT, hello $LAB_HELLO)"
    for k in "${LAB_HOSTS[@]}"; do lab_node_start "$k"; done
    local converge=- unrouted=- restore=- rejoin=- victim=$(( n / 2 + 1 )) load_mesh=-
    TK_WHERE=- TK_ROUTES=- TK_REPAIRED=- TK_BROKEN=- TK_PAIRS=0 TK_FIRST=- TK_LAST=- TK_WORST="" TK_ROUND=- TK_LASTPAIRS=""
    TK_PRECISE=- TK_PLOW=- TK_PBROKEN=0 TK_POUT="" TK_PNOBASE=0 TK_KILLED=- load_tk=-
    if lab_wait_mesh "$BOUND" >/dev/null; then
      converge=$(lab_elapsed "$start")
      load_mesh=$(load)
      progress "n=$n: full mesh after ${converge}s (load $load_mesh)"
      # Right after the full mesh most routes still go through the first (bootstrap)
      # tunnel of each node; TUNNEL_SETTLE lets Babel spread them over the tunnels
      # opened since (an observation delay on an idle network, not a synchronisation).
      [ "$TUNNEL_SETTLE" = 0 ] || sleep "$TUNNEL_SETTLE"
      tunnel_kill
      load_tk=$(load)
      progress "n=$n: tunnel kill: $TK_PBROKEN pairs lost probes, repaired at ${TK_PRECISE}s (probes), ${TK_REPAIRED}s (rounds) (load $load_tk)"
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
    echo "detail n=$n: load at full mesh $load_mesh, after the tunnel kill $load_tk, at the end $(load) ($(nproc) CPUs), client-count $LAB_CLIENT_COUNT, hello $LAB_HELLO s$([ "${NODAD:-0}" = 0 ] || echo ", NODAD=1 (no IPv6 DAD on the taps)")$([ "${KEEP_WORK:-0}" = 0 ] || echo ", logs in $LAB_WORK")"
    echo "detail n=$n: tunnel kill $TK_WHERE, $TK_ROUTES routes, at epoch $TK_KILLED, ${TUNNEL_SETTLE}s after the full mesh"
    echo "detail n=$n:   continuous probes (every 0.2 s per ordered pair): $TK_PBROKEN pairs lost probes; repaired at ${TK_PRECISE}s after the kill (first answer of the last broken pair's final unbroken run; its last lost probe left at ${TK_PLOW}s)${TK_POUT:+; outages (pair first-lost-probe-recovered, seconds after the kill): $TK_POUT}$([ "$TK_PNOBASE" = 0 ] || echo "; $TK_PNOBASE pairs had no answer in the 2 s before the kill")"
    echo "detail n=$n:   ping rounds (old figure): broken: $TK_BROKEN (at most $TK_PAIRS pairs failing in one round${worst:+: $worst}; failing rounds from ${TK_FIRST}s to ${TK_LAST}s, the last one: ${TK_LASTPAIRS:-none}); full mesh again at ${TK_REPAIRED}s (end of round), held ${HOLD}s; ping round ${TK_ROUND}s + 1 s pause"
    echo "RESULT $n $converge $TK_PRECISE $TK_PBROKEN $TK_PAIRS $unrouted $restore $rejoin $HOLD $QUIET $TK_REPAIRED $TK_BROKEN"
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
  read -r _ _ c tr pb tp u r j _ quiet _ _ <<<"$(grep '^RESULT ' <<<"$res" | tail -1 || true)"
  hello=${LAB_HELLO:-4}
  case ${pb:--} in
    -) tk="$(fmt "${tr:-}")" ;;
    0) tk="never broken (${quiet}s)" ;;
    *) tk="$(fmt "$tr") ($pb pairs broken)" ;;
  esac
  if [ "${pb:--}" != - ] && [ "${pb:-0}" != 0 ] && [ "${tr:--}" != - ]; then
    tk="$tk $(ge "$tr" "$((3 * hello))" && echo ">=" || echo "<") $((3 * hello))s"
  fi
  ROWS+=("$(printf '%-8s %-22s %-36s %-22s %-24s %-22s' "$n" "$(fmt "${c:-}")" "$tk" "$(fmt "${u:-}")" "$(fmt "${r:-}")" "$(fmt "${j:-}")")")
done
printf '%-8s %-22s %-36s %-22s %-24s %-22s\n' machines "full mesh after start" "tunnel kill: repaired (0.2s res.)" "node kill: unrouted" "node kill: others mesh" "restarted node rejoined"
printf '%s\n' "${ROWS[@]}"
printf '%s\n' "${DETAILS[@]}"
echo "load after: $(load)"
