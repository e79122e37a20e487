# lab.sh — sourceable bash harness: a re6st network of namespaces on one machine.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Topology (all inside namespaces this run creates, names prefixed by $LAB_PREFIX):
#   <P>-inet        "internet": bridge br0 joining every host's uplink (10.77.0.0/24)
#   <P>-h1          registry host: re6st-registry + its own re6stnet node, 10.77.0.1
#   <P>-hK          node host K (K >= 2), 10.77.0.K
#   <P>-rK          NAT router of host K when K is NATed: uplink 10.77.0.K, LAN
#                   192.168.K.1/24, nft MASQUERADE; host K then is 192.168.K.2
# Nothing is created in the caller's namespace. Every process is started by this
# file and stopped by lab_down, which also deletes the namespaces (call it from a trap).
#
# Usage:
#   source tests/lab/lab.sh
#   lab_require || exit 77              # root, openvpn, babeld, ip, ping, nft
#   lab_init BIN_DIR [WORKDIR]          # WORKDIR default: mktemp -d /tmp/re6st-lab.XXXXXX
#   trap lab_down EXIT
#   lab_hosts 6 [NAT_HOSTS...]          # namespaces and links for hosts 1..6
#   lab_ca; lab_registry_start
#   for i in 1..6: lab_enroll i; lab_node_start i
#   lab_wait_mesh 120 || { lab_report_failure; exit 1; }
#   lab_reach_table
#
# Tunables (environment, before lab_init): LAB_HELLO (4), LAB_CLIENT_COUNT (default
# (hosts+1)/2, at least 2), LAB_VERBOSE (3), LAB_TERM_BOUND (20 s), LAB_QUIET;
# LAB_REGISTRY_ARGS (extra re6st-registry options for lab_start_network, split on blanks).

LAB_NET=10.77.0

lab_log() { [ -n "${LAB_QUIET:-}" ] || echo "lab: $*" >&2; }
lab_die() { echo "lab: ERROR: $*" >&2; return 1; }
lab_now() { local t=${EPOCHREALTIME:-$(date +%s.%N)}; echo "${t/,/.}"; }
# lab_elapsed START — seconds since START (a lab_now value), one decimal.
lab_elapsed() { awk -v a="$1" -v b="$(lab_now)" 'BEGIN { printf "%.1f", b - a }'; }

# lab_require — returns 77 (the CTest skip code) with a message when something is missing.
lab_require() {
  if [ "$(id -u)" -ne 0 ]; then echo "SKIP: the lab needs root (network namespaces)"; return 77; fi
  local t
  for t in ip openvpn babeld ping curl openssl nft sqlite3; do
    command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed (./dev.sh build installs it)"; return 77; }
  done
  [ -c /dev/net/tun ] || { echo "SKIP: /dev/net/tun is missing"; return 77; }
  return 0
}

# lab_init BIN_DIR [WORKDIR]
lab_init() {
  LAB_BIN=$(cd "${1:?lab_init BIN_DIR [WORKDIR]}" && pwd) || return 1
  local b
  for b in re6st-registry re6st-conf; do
    [ -x "$LAB_BIN/$b" ] || { lab_die "$LAB_BIN/$b is missing: build it first"; return 1; }
  done
  if [ -n "${2:-}" ]; then LAB_WORK=$2; mkdir -p "$LAB_WORK"; else LAB_WORK=$(mktemp -d /tmp/re6st-lab.XXXXXX); fi
  LAB_WORK=$(cd "$LAB_WORK" && pwd)
  # Short unique prefix (interface/namespace names are limited): pid + random.
  LAB_PREFIX=${LAB_PREFIX:-r6l$$x$RANDOM}
  LAB_HELLO=${LAB_HELLO:-4}
  LAB_VERBOSE=${LAB_VERBOSE:-3}
  LAB_TERM_BOUND=${LAB_TERM_BOUND:-20}
  LAB_NAMESPACES=()
  LAB_HOSTS=()
  declare -gA LAB_NODE_PID=() LAB_NAT=() LAB_CN=() LAB_ADDR=()
  LAB_REGISTRY_PID=
  LAB_OTHER_PIDS=()
  LAB_DOWN_DONE=
  lab_log "work dir $LAB_WORK, namespace prefix $LAB_PREFIX"
}

lab_ns() { echo "$LAB_PREFIX-h$1"; }
# lab_exec K CMD... — run CMD in host K's namespace.
lab_exec() { local k=$1; shift; ip netns exec "$(lab_ns "$k")" "$@"; }
lab_dir() { echo "$LAB_WORK/h$1"; }

lab__netns_add() {
  ip netns add "$1" || return 1
  LAB_NAMESPACES+=("$1")
  ip -n "$1" link set lo up
}

# lab_hosts COUNT [NAT_HOST...] — internet + hosts 1..COUNT (host 1 = registry host).
lab_hosts() {
  local count=${1:?lab_hosts COUNT [NAT_HOST...]} k
  shift
  local nat
  for nat in "$@"; do LAB_NAT[$nat]=1; done
  local inet=$LAB_PREFIX-inet
  lab__netns_add "$inet" || return 1
  ip -n "$inet" link add br0 type bridge || return 1
  ip -n "$inet" link set br0 up
  for k in $(seq 1 "$count"); do lab_host_add "$k" || return 1; done
  : "${LAB_CLIENT_COUNT:=$(( (count + 1) / 2 < 2 ? 2 : (count + 1) / 2 ))}"
}

# lab_host_add K — one host (NATed if LAB_NAT[K] is set).
lab_host_add() {
  local k=$1 inet=$LAB_PREFIX-inet ns
  ns=$(lab_ns "$k")
  lab__netns_add "$ns" || return 1
  mkdir -p "$(lab_dir "$k")"/{state,run,log,conf}
  chmod 700 "$(lab_dir "$k")/run"
  local up=$ns # the namespace holding the "public" 10.77.0.K address
  if [ -n "${LAB_NAT[$k]:-}" ]; then
    up=$LAB_PREFIX-r$k
    lab__netns_add "$up" || return 1
    ip -n "$up" link add lan0 type veth peer name eth0 netns "$ns" || return 1
    ip -n "$up" addr add "192.168.$k.1/24" dev lan0
    ip -n "$up" link set lan0 up
    ip -n "$ns" addr add "192.168.$k.2/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "192.168.$k.1"
    ip netns exec "$up" sysctl -qw net.ipv4.ip_forward=1
    ip netns exec "$up" nft -f - <<EOF || return 1
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "up0" masquerade
  }
}
EOF
  fi
  ip -n "$inet" link add "p$k" type veth peer name up0 netns "$up" || return 1
  ip -n "$inet" link set "p$k" master br0
  ip -n "$inet" link set "p$k" up
  ip -n "$up" addr add "$LAB_NET.$k/24" dev up0
  ip -n "$up" link set up0 up
  LAB_HOSTS+=("$k")
  [ "$k" -eq 1 ] && return 0
  # The link is usable once the host reaches the registry host's address.
  local i
  for i in $(seq 50); do
    ip netns exec "$ns" ping -c1 -W1 "$LAB_NET.1" >/dev/null 2>&1 && return 0
  done
  lab_die "host $k cannot reach $LAB_NET.1"
}

# lab_dh — DH parameters for the registry's getDh: the upstream-produced vector when it
# is there (instant), else generated once in the work dir.
lab_dh() {
  local v
  for v in "${RE6ST_VECTORS:-}" "$LAB_BIN/../../../shared/vectors" "$(dirname "${BASH_SOURCE[0]}")/../../../shared/vectors"; do
    [ -n "$v" ] && [ -s "$v/crypto/dh2048.pem" ] && { echo "$v/crypto/dh2048.pem"; return 0; }
  done
  [ -s "$LAB_WORK/dh2048.pem" ] || openssl dhparam -out "$LAB_WORK/dh2048.pem" 2048 2>/dev/null || return 1
  echo "$LAB_WORK/dh2048.pem"
}

# lab_ca — CA for 2001:db8:42::/48 made with the commands of re6stnet(8).
# LAB_SHOW_COMMANDS=1 echoes them.
lab_ca() {
  local d=$LAB_WORK/ca
  mkdir -p "$d"
  local c1=(openssl genpkey -out ca.key -algorithm rsa -pkeyopt rsa_keygen_bits:2048)
  local c2=(openssl req -nodes -new -x509 -key ca.key -set_serial 0x120010db80042 -days 365
            -subj "/CN=lab.re6st.example/emailAddress=re6st@example.com" -out ca.crt)
  if [ -n "${LAB_SHOW_COMMANDS:-}" ]; then
    echo "   \$ cd $d"; echo "   \$ ${c1[*]}"; echo "   \$ ${c2[*]}"
  fi
  (cd "$d" && "${c1[@]}" 2>/dev/null) || { lab_die "openssl genpkey failed"; return 1; }
  (cd "$d" && "${c2[@]}" 2>/dev/null) || { lab_die "openssl req failed"; return 1; }
  LAB_CA=$d/ca.crt
  LAB_CA_KEY=$d/ca.key
  LAB_FINGERPRINT=sha256:$(openssl x509 -in "$LAB_CA" -outform der | sha256sum | cut -d' ' -f1)
}

# lab_registry_start [extra re6st-registry args] — in host 1, port 80, tokens to an mbox.
lab_registry_start() {
  local d
  d=$(lab_dir 1)
  mkdir -p "$d/registry"
  LAB_MBOX=$d/registry/mail.mbox
  touch "$LAB_MBOX"
  local dh
  dh=$(lab_dh) || { lab_die "no DH parameters"; return 1; }
  # ip netns exec execs the program: $! is its pid (a function call would fork a subshell).
  ip netns exec "$(lab_ns 1)" "$LAB_BIN/re6st-registry" --ca "$LAB_CA" --key "$LAB_CA_KEY" --dh "$dh" \
      --mailhost "$LAB_MBOX" --db "$d/registry/registry.db" --run "$d/run" \
      --logfile "$d/registry/registry.log" -v 3 --hello "$LAB_HELLO" \
      --client-count "$LAB_CLIENT_COUNT" "$@" >"$d/registry/stdout.log" 2>&1 &
  LAB_REGISTRY_PID=$!
  local i
  for i in $(seq 300); do
    lab_exec 1 curl -fsS "http://$LAB_NET.1/getCa" -o /dev/null 2>/dev/null && return 0
    kill -0 "$LAB_REGISTRY_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$d/registry/registry.log" "$d/registry/stdout.log" >&2 2>/dev/null
  lab_die "re6st-registry did not answer on http://$LAB_NET.1/"
}

lab_registry_stop() {
  [ -n "$LAB_REGISTRY_PID" ] || return 0
  lab__stop_pids TERM "$LAB_REGISTRY_PID"
  LAB_REGISTRY_PID=
}

# lab_registry_private PATH_AND_QUERY — call a private method (from 127.0.0.1 in host 1).
lab_registry_private() {
  lab_exec 1 curl -sS -w '\nHTTP %{http_code}\n' "http://127.0.0.1/$1"
}

# lab_enroll K — re6st-conf in host K: token requested by mail, read from the mbox and
# typed at re6st-conf's prompt, as a user would.
lab_enroll() {
  local k=$1 d
  d=$(lab_dir "$k")/conf
  local email="host$k@lab.example" before token= i
  before=$(grep -c "your token to join re6st network is" "$LAB_MBOX" || true)
  rm -f "$d/answers"; mkfifo "$d/answers"
  ip netns exec "$(lab_ns "$k")" "$LAB_BIN/re6st-conf" --registry "http://$LAB_NET.1/" --fingerprint "$LAB_FINGERPRINT" \
      --dir "$d" --email "$email" -r O "re6st-qt lab" <"$d/answers" >"$d/conf.out" 2>&1 &
  local conf=$!
  exec {LAB_FIFO_FD}>"$d/answers"
  for i in $(seq 600); do
    token=$(sed -n 's/.*your token to join re6st network is: \([a-z]*\).*/\1/p' "$LAB_MBOX" | sed -n "$((before + 1))p")
    [ -n "$token" ] && break
    kill -0 "$conf" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$token" ]; then
    exec {LAB_FIFO_FD}>&-
    wait "$conf" 2>/dev/null
    cat "$d/conf.out" >&2
    lab_die "host $k: no token mail arrived"; return 1
  fi
  echo "$token" >&"$LAB_FIFO_FD"
  exec {LAB_FIFO_FD}>&-
  if ! wait "$conf"; then cat "$d/conf.out" >&2; lab_die "host $k: re6st-conf failed"; return 1; fi
  local line subnet base
  line=$(grep '^Your subnet: ' "$d/conf.out") || { cat "$d/conf.out" >&2; lab_die "host $k: no subnet in re6st-conf output"; return 1; }
  subnet=$(sed 's/^Your subnet: \([^ ]*\).*/\1/' <<<"$line")
  LAB_CN[$k]=$(sed -n 's/.*(CN=\([^)]*\)).*/\1/p' <<<"$line")
  base=${subnet%%/*}
  case $base in *::) LAB_ADDR[$k]=${base}1 ;; *) lab_die "host $k: unexpected subnet $subnet"; return 1 ;; esac
  lab_log "host $k enrolled: subnet $subnet (CN=${LAB_CN[$k]}), address ${LAB_ADDR[$k]}"
}

lab_node_ip() { echo "${LAB_ADDR[$1]}"; }
lab_node_cn() { echo "${LAB_CN[$1]}"; }

# lab_node_start K [extra re6stnet args]
lab_node_start() {
  local k=$1; shift
  [ -x "$LAB_BIN/re6stnet" ] || { lab_die "$LAB_BIN/re6stnet is missing: build target re6stnet"; return 1; }
  local d c ipopt=()
  d=$(lab_dir "$k"); c=$d/conf
  # A NATed host advertises nothing: it learns its public IPv4 from peers.
  [ -n "${LAB_NAT[$k]:-}" ] || ipopt=(--ip "$LAB_NET.$k")
  if [ -n "${LAB_NODE_PID[$k]:-}" ] && kill -0 "${LAB_NODE_PID[$k]}" 2>/dev/null; then
    lab_die "host $k: re6stnet already running (pid ${LAB_NODE_PID[$k]})"; return 1
  fi
  echo "=== start $(date -u +%T) ===" >>"$d/stdout.log"
  ip netns exec "$(lab_ns "$k")" "$LAB_BIN/re6stnet" --registry "http://$LAB_NET.1/" \
      --ca "$c/ca.crt" --cert "$c/cert.crt" --key "$c/cert.key" \
      -s "$d/state" -r "$d/run" -l "$d/log" "${ipopt[@]}" -v "$LAB_VERBOSE" --ovpnlog \
      "$@" >>"$d/stdout.log" 2>&1 &
  LAB_NODE_PID[$k]=$!
  lab_log "host $k: re6stnet pid ${LAB_NODE_PID[$k]}"
}

# lab_wait_log K TEXT TIMEOUT — poll host K's re6stnet.log until it contains TEXT.
lab_wait_log() {
  local k=$1 text=$2 timeout=$3 i
  for i in $(seq $((timeout * 10))); do
    grep -qF -- "$text" "$(lab_dir "$k")/log/re6stnet.log" 2>/dev/null && return 0
    lab_node_alive "$k" || return 1
    sleep 0.1
  done
  return 1
}

lab_node_alive() { [ -n "${LAB_NODE_PID[$1]:-}" ] && kill -0 "${LAB_NODE_PID[$1]}" 2>/dev/null; }

# lab__stop_pids SIGNAL PID... — signal, then SIGKILL whatever is left after the bound.
lab__stop_pids() {
  local sig=$1; shift
  local p i left
  for p in "$@"; do kill -s "$sig" "$p" 2>/dev/null || true; done
  for i in $(seq $((LAB_TERM_BOUND * 10))); do
    left=
    for p in "$@"; do kill -0 "$p" 2>/dev/null && left=1; done
    [ -z "$left" ] && break
    sleep 0.1
  done
  for p in "$@"; do
    if kill -0 "$p" 2>/dev/null; then
      lab_log "pid $p still alive ${LAB_TERM_BOUND}s after SIG$sig: SIGKILL"
      kill -KILL "$p" 2>/dev/null || true
    fi
    wait "$p" 2>/dev/null || true
  done
}

# lab_ns_pids K — every process left in host K's namespace (all started by this lab).
lab_ns_pids() { ip netns pids "$(lab_ns "$1")" 2>/dev/null | grep -vx "$LAB_REGISTRY_PID" || true; }

# lab_node_kill K [SIGNAL] — TERM (default): graceful stop, bounded by LAB_TERM_BOUND.
# KILL: the daemon dies at once; its children (openvpn, babeld) must follow by
# themselves (the daemon arranges parent-death signals). Whatever is still in the
# namespace after the bound is reported and killed (as systemd would kill a service's
# control group); kernel state (taps, routes, addresses) stays, as after a crash.
lab_node_kill() {
  local k=$1 sig=${2:-TERM}
  local pid=${LAB_NODE_PID[$k]:-}
  [ -n "$pid" ] || return 0
  if [ "$sig" = KILL ]; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  else
    lab__stop_pids "$sig" "$pid"
  fi
  LAB_NODE_PID[$k]=
  local rest=() i p
  for i in $(seq $((LAB_TERM_BOUND * 10))); do
    mapfile -t rest < <(lab_ns_pids "$k")
    [ ${#rest[@]} -eq 0 ] && return 0
    sleep 0.1
  done
  echo "lab: host $k: ${LAB_TERM_BOUND}s after SIG$sig of re6stnet, still running in its namespace:" \
       "$(ps -o pid=,args= -p "$(IFS=,; echo "${rest[*]}")" | cut -c1-100 | tr -s ' ' | paste -sd ';')" \
       "— SIGKILLed" >&2
  LAB_LEFTOVERS="${LAB_LEFTOVERS:-} h$k:${#rest[@]}"
  for p in "${rest[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}

# lab__ping FROM TO_ADDR — prints the RTT in ms, fails when no answer.
lab__ping() {
  local out
  out=$(ip netns exec "$(lab_ns "$1")" ping -6 -n -c1 -W2 "$2" 2>/dev/null) || return 1
  sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' <<<"$out" | head -1
}

# lab__round HOST... — one parallel round of pings between every ordered pair; writes
# "$i $j rtt|-" lines to $LAB_WORK/round.
lab__round() {
  local i j dir=$LAB_WORK/round.d
  rm -rf "$dir"; mkdir -p "$dir"
  local pids=()
  for i in "$@"; do
    for j in "$@"; do
      [ "$i" = "$j" ] && continue
      ( r=$(lab__ping "$i" "${LAB_ADDR[$j]}") && echo "$r" >"$dir/$i-$j" || echo - >"$dir/$i-$j" ) &
      pids+=($!)
    done
  done
  wait "${pids[@]}" 2>/dev/null
  : >"$LAB_WORK/round"
  for i in "$@"; do
    for j in "$@"; do
      [ "$i" = "$j" ] && continue
      echo "$i $j $(cat "$dir/$i-$j" 2>/dev/null || echo -)" >>"$LAB_WORK/round"
    done
  done
}

lab__hosts_or() { if [ $# -gt 0 ]; then echo "$@"; else echo "${LAB_HOSTS[@]}"; fi; }

# lab_wait_mesh TIMEOUT [HOST...] — poll until every host pings every other host's
# re6st address in one round. Sets LAB_MESH_SECONDS. Prints the time or the failing pairs.
lab_wait_mesh() {
  local timeout=$1; shift
  local hosts start fails
  read -ra hosts <<<"$(lab__hosts_or "$@")"
  start=$(lab_now)
  while :; do
    lab__round "${hosts[@]}"
    fails=$(awk '$3 == "-" { printf "%s->%s ", $1, $2 }' "$LAB_WORK/round")
    if [ -z "$fails" ]; then
      LAB_MESH_SECONDS=$(lab_elapsed "$start")
      echo "full mesh between hosts ${hosts[*]} after ${LAB_MESH_SECONDS}s"
      return 0
    fi
    if awk -v e="$(lab_elapsed "$start")" -v t="$timeout" 'BEGIN { exit !(e >= t) }'; then
      echo "no full mesh between hosts ${hosts[*]} within ${timeout}s; failing pairs: $fails"
      return 1
    fi
    local h
    for h in "${hosts[@]}"; do
      [ -n "${LAB_NODE_PID[$h]:-}" ] || continue
      lab_node_alive "$h" && continue
      wait "${LAB_NODE_PID[$h]}" 2>/dev/null; local rc=$?
      echo "host $h: re6stnet exited with status $rc (see $(lab_dir "$h")/stdout.log)"
      LAB_NODE_PID[$h]=
    done
    sleep 1 # pace between rounds (not a synchronisation)
  done
}

# lab_wait_unreachable TIMEOUT TARGET HOST... — poll until no HOST reaches TARGET's address.
lab_wait_unreachable() {
  local timeout=$1 target=$2; shift 2
  local start h ok
  start=$(lab_now)
  while :; do
    ok=
    for h in "$@"; do lab__ping "$h" "${LAB_ADDR[$target]}" >/dev/null && ok="$ok $h"; done
    if [ -z "$ok" ]; then
      LAB_UNREACH_SECONDS=$(lab_elapsed "$start")
      echo "host $target unreachable from hosts $* after ${LAB_UNREACH_SECONDS}s"
      return 0
    fi
    if awk -v e="$(lab_elapsed "$start")" -v t="$timeout" 'BEGIN { exit !(e >= t) }'; then
      echo "host $target still reachable from:$ok after ${timeout}s"
      return 1
    fi
    sleep 1
  done
}

# lab_hold_unreachable SECONDS TARGET HOST... — observe for SECONDS that no HOST
# reaches TARGET's address (an observation window, not a synchronisation).
lab_hold_unreachable() {
  local seconds=$1 target=$2; shift 2
  local start h
  start=$(lab_now)
  while awk -v e="$(lab_elapsed "$start")" -v t="$seconds" 'BEGIN { exit !(e < t) }'; do
    for h in "$@"; do
      if lab__ping "$h" "${LAB_ADDR[$target]}" >/dev/null; then
        echo "host $h reached host $target again $(lab_elapsed "$start")s into the ${seconds}s window"
        return 1
      fi
    done
    sleep 1
  done
  echo "host $target stayed unreachable from hosts $* for ${seconds}s"
}

# lab_tunnel_edges — "K J" per client OpenVPN of host K whose --remote is host J's
# uplink address (10.77.0.J): the tunnel graph, read from the running processes.
lab_tunnel_edges() {
  local k p args
  for k in "${LAB_HOSTS[@]}"; do
    for p in $(ip netns pids "$(lab_ns "$k")" 2>/dev/null); do
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = openvpn ] || continue
      args=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
      sed -n "s/.*--remote ${LAB_NET//./\\.}\.\([0-9]*\) .*/$k \1/p" <<<"$args"
    done
  done | sort -u
}

# lab__graph_connected HOST... — stdin: edges "K J"; true when the hosts given are
# connected using only edges between two of them.
lab__graph_connected() {
  awk -v hosts="$*" '
    BEGIN { n = split(hosts, h, " "); for (i = 1; i <= n; i++) { in_[h[i]] = 1; comp[h[i]] = h[i] } }
    function find(x) { while (comp[x] != x) x = comp[x]; return x }
    in_[$1] && in_[$2] { a = find($1); b = find($2); if (a != b) comp[a] = b }
    END { r = find(h[1]); for (i = 2; i <= n; i++) if (find(h[i]) != r) exit 1; exit 0 }'
}

# lab_wait_tunnels_without TIMEOUT EXCLUDED... — poll until the client tunnels alone
# connect every other host (the network no longer depends on the excluded hosts).
lab_wait_tunnels_without() {
  local timeout=$1; shift
  local rest start edges
  read -ra rest <<<"$(lab_others "$@")"
  start=$(lab_now)
  while :; do
    edges=$(lab_tunnel_edges)
    if lab__graph_connected "${rest[@]}" <<<"$edges"; then
      echo "client tunnels connect hosts ${rest[*]} without host(s) $* after $(lab_elapsed "$start")s"
      return 0
    fi
    if awk -v e="$(lab_elapsed "$start")" -v t="$timeout" 'BEGIN { exit !(e >= t) }'; then
      echo "after ${timeout}s the client tunnels still do not connect hosts ${rest[*]} without host(s) $*;" \
           "tunnels (client server): $(tr '\n' ',' <<<"$edges")"
      return 1
    fi
    sleep 1
  done
}

# lab_reach_table [HOST...] — matrix of RTTs (ms) from row to column, '-' = no answer.
lab_reach_table() {
  local hosts i j
  read -ra hosts <<<"$(lab__hosts_or "$@")"
  lab__round "${hosts[@]}"
  printf '%-24s' "from \\ to"
  for j in "${hosts[@]}"; do printf '%9s' "h$j"; done
  echo
  for i in "${hosts[@]}"; do
    printf '%-24s' "h$i ${LAB_ADDR[$i]}"
    for j in "${hosts[@]}"; do
      if [ "$i" = "$j" ]; then printf '%9s' "."; continue; fi
      printf '%9s' "$(awk -v a="$i" -v b="$j" '$1 == a && $2 == b { print ($3 == "-" ? "-" : $3 "ms") }' "$LAB_WORK/round")"
    done
    echo
  done
}

# lab_tails K [LINES] — last lines of host K's logs.
lab_tails() {
  local k=$1 n=${2:-40} d f
  d=$(lab_dir "$k")
  for f in "$d/stdout.log" "$d/log/re6stnet.log" "$d/log/babeld.log" "$d/registry/registry.log"; do
    [ -s "$f" ] || continue
    echo "----- host $k: $f (last $n lines)"
    tail -n "$n" "$f"
  done
}

# lab_report_failure [HOST...] — log tails of the given hosts (default: all).
lab_report_failure() {
  local hosts k
  read -ra hosts <<<"$(lab__hosts_or "$@")"
  for k in "${hosts[@]}"; do lab_tails "$k" "${LAB_TAIL_LINES:-40}"; done
}

# lab_down — stop everything this lab started, delete its namespaces. Idempotent.
lab_down() {
  local -; set +e # runs from traps: never stop half-way
  [ -n "${LAB_DOWN_DONE:-}" ] && return 0
  LAB_DOWN_DONE=1
  [ -n "${LAB_PREFIX:-}" ] || return 0
  local k pids=() ns p
  for k in "${!LAB_NODE_PID[@]}"; do
    [ -n "${LAB_NODE_PID[$k]}" ] && pids+=("${LAB_NODE_PID[$k]}")
  done
  [ ${#pids[@]} -gt 0 ] && lab__stop_pids TERM "${pids[@]}"
  [ -n "${LAB_REGISTRY_PID:-}" ] && lab__stop_pids TERM "$LAB_REGISTRY_PID"
  [ ${#LAB_OTHER_PIDS[@]} -gt 0 ] && lab__stop_pids TERM "${LAB_OTHER_PIDS[@]}"
  # Whatever is still inside our namespaces (children of the daemons) dies now.
  for ns in "${LAB_NAMESPACES[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  done
  for ns in "${LAB_NAMESPACES[@]}"; do
    for p in $(seq 50); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
    ip netns del "$ns" 2>/dev/null || true
  done
  LAB_NAMESPACES=()
  [ -n "${LAB_LEFTOVERS:-}" ] && echo "lab: processes that outlived a stopped re6stnet (host:count):$LAB_LEFTOVERS" >&2
  if [ "${LAB_KEEP_WORK:-1}" != 0 ]; then
    echo "lab: stopped; logs in $LAB_WORK (h<K>/stdout.log, h<K>/log/, h1/registry/)" >&2
  else
    rm -rf "$LAB_WORK"
  fi
}

# ---- test scaffolding (used by tests/lab/lab_*.sh) --------------------------------

# lab_test_setup BIN_DIR — in a test script: skip (exit 77) when the lab cannot run,
# else lab_init and install the traps: on exit, log tails of the hosts in
# LAB_FAILING (default: all) when the test failed, then lab_down; the work dir is
# removed after a success, kept after a failure.
lab_test_setup() {
  local rc=0
  lab_require || rc=$?
  [ "$rc" -eq 0 ] || exit "$rc"
  if [ ! -x "${1:?lab_test_setup BIN_DIR}/re6stnet" ]; then
    echo "SKIP: $1/re6stnet is not built (target re6stnet)"; exit 77
  fi
  lab_init "$1" || exit 1
  trap 'lab__test_exit $?' EXIT
  trap 'exit 130' INT TERM
  LAB_TEST_START=$(lab_now)
}

lab__test_exit() {
  local rc=$1
  set +e
  trap - EXIT
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    echo "===== test failed (status $rc) after $(lab_elapsed "$LAB_TEST_START")s; log tails:"
    # shellcheck disable=SC2086
    lab_report_failure ${LAB_FAILING:-}
    LAB_KEEP_WORK=1
  else
    LAB_KEEP_WORK=${LAB_KEEP_WORK:-0}
  fi
  lab_down
  exit "$rc"
}

# lab_fail MESSAGE [HOST...] — fail the test; the hosts named get their logs printed.
lab_fail() {
  local msg=$1; shift
  [ $# -gt 0 ] && LAB_FAILING="$*"
  echo "FAIL: $msg"
  exit 1
}

# lab_others EXCLUDED... — the hosts of the lab except the ones given.
lab_others() {
  local h x out=()
  for h in "${LAB_HOSTS[@]}"; do
    for x in "$@"; do [ "$h" = "$x" ] && continue 2; done
    out+=("$h")
  done
  echo "${out[@]}"
}

# lab_start_network COUNT [NAT_HOST...] — hosts, CA, registry, every host enrolled
# (host 1 first: it is the registry node), every node started (host 1 first).
lab_start_network() {
  lab_hosts "$@" || return 1
  lab_ca || return 1
  local extra=()
  read -r -a extra <<<"${LAB_REGISTRY_ARGS:-}"
  lab_registry_start "${extra[@]}" || return 1
  local k
  for k in "${LAB_HOSTS[@]}"; do lab_enroll "$k" || return 1; done
  for k in "${LAB_HOSTS[@]}"; do lab_node_start "$k" || return 1; done
}
