#!/usr/bin/env bash
# lab_remote_gateway BIN_DIR — node-protocol.md §1.1 / §9.4 `--remote-gateway GW`
# (repeatable): for each IPv4 remote of a client tunnel the node adds a /32 host route
# via one of the gateways, round-robin, and removes it when the tunnel goes.
#
# Topology: hosts 1-3 on the lab "internet" (10.77.0.0/24) as usual. Host 4 (K) is not
# on it: it has two links, gw1 to router namespace <P>-g1 (192.168.201.1, uplink
# 10.77.0.201) and gw2 to <P>-g2 (192.168.202.1, uplink 10.77.0.202), both masquerading
# onto the internet. K has NO default route and no route to 10.77.0.0/24; only the
# registry's HTTP (tcp port 80 to 10.77.0.1) is policy-routed via g1 (table 100), so
# enrolment and registry calls work. Every OpenVPN remote of K is therefore unreachable
# unless the daemon adds its /32 route via a gateway: a full mesh proves the routes work.
# Nobody can reach K's servers, so K is NATed for the tunnel manager: 2 client tunnels
# at most (§5.11). Host 3 advertises host 2's address 10.77.0.2 port 1195 (host 2
# forwards that port to it), as two servers behind one NAT would.
#
# Phase 1 (hosts 1, 2, K; K tunnels to 10.77.0.1 and 10.77.0.2): (2) full mesh; (1) each
# IPv4 --remote of K's openvpn clients (their command lines) has a "<remote> via GW1|GW2"
# route, no other such route exists, every client has its TCP connection established
# through it; the routes were added round-robin (ip monitor: the gateways of successive
# additions alternate, starting with the first --remote-gateway) and both routers
# forwarded OpenVPN traffic; (3) SIGKILL of K's openvpn to host 1 removes that route;
# (4) SIGTERM of K's re6stnet leaves none of the /32 routes it added.
# Phase 2 (host 3 joins, the routers refuse K's OpenVPN to host 1, K restarted; its two
# tunnels go to hosts 2 and 3, both at 10.77.0.2): the shared route is added once
# (§9.4 refcount); SIGKILL of one of the two clients must not delete it while the other
# runs; (4) again at exit.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
lab_test_setup "${1:?usage: lab_remote_gateway.sh BIN_DIR}"

K=4
GW1=192.168.201.1
GW2=192.168.202.1
REGISTRY_IP=$LAB_NET.1

# gw_host_add K — host K behind the two gateway routers (see the header).
gw_host_add() {
  local k=$1 inet=$LAB_PREFIX-inet ns g r
  ns=$(lab_ns "$k")
  lab__netns_add "$ns" || return 1
  mkdir -p "$(lab_dir "$k")"/{state,run,log,conf}
  chmod 700 "$(lab_dir "$k")/run"
  for g in 1 2; do
    r=$LAB_PREFIX-g$g
    lab__netns_add "$r" || return 1
    ip -n "$r" link add lan0 type veth peer name "gw$g" netns "$ns" || return 1
    ip -n "$r" addr add "192.168.20$g.1/24" dev lan0
    ip -n "$r" link set lan0 up
    ip -n "$ns" addr add "192.168.20$g.2/24" dev "gw$g"
    ip -n "$ns" link set "gw$g" up
    ip -n "$inet" link add "pg$g" type veth peer name up0 netns "$r" || return 1
    ip -n "$inet" link set "pg$g" master br0
    ip -n "$inet" link set "pg$g" up
    ip -n "$r" addr add "$LAB_NET.20$g/24" dev up0
    ip -n "$r" link set up0 up
    ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
    # Counter of the OpenVPN traffic (tcp 1194/1195) this router forwards for K.
    ip netns exec "$r" nft -f - <<EOF || return 1
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "up0" masquerade
  }
}
table ip count {
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "lan0" tcp dport { 1194, 1195 } counter
  }
}
EOF
  done
  # The registry's HTTP only (not its OpenVPN port): policy route via g1.
  ip -n "$ns" route add "$REGISTRY_IP/32" via "$GW1" table 100 proto static || return 1
  ip -n "$ns" rule add to "$REGISTRY_IP/32" ipproto tcp dport 80 lookup 100 priority 100 || return 1
  LAB_NAT[$k]=1 # no --ip: K has no address of its own on the internet
  LAB_HOSTS+=("$k")
  local i
  for i in $(seq 50); do
    ip netns exec "$(lab_ns 1)" ping -c1 -W1 "$LAB_NET.201" >/dev/null 2>&1 &&
      ip netns exec "$(lab_ns 1)" ping -c1 -W1 "$LAB_NET.202" >/dev/null 2>&1 && return 0
  done
  lab_die "the gateway routers of host $k are not reachable from host 1"
}

# k_routes — "DEST GW" per /32 route of K's main table via GW1 or GW2.
k_routes() {
  lab_exec "$K" ip -4 route show table main |
    awk -v a="$GW1" -v b="$GW2" '$1 ~ /^[0-9.]+$/ && $2 == "via" && ($3 == a || $3 == b) { print $1, $3 }' | sort
}
# k_clients — "PID REMOTE PORT" per openvpn client child of K's re6stnet.
k_clients() {
  local p
  for p in $(pgrep -P "${LAB_NODE_PID[$K]}" -x openvpn || true); do
    tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null |
      awk -v p="$p" 'f == 1 { r = $0 } f == 2 { print p, r, $0; exit } f { f++ } $0 == "--remote" { f = 1 }'
  done
}
# established PID REMOTE PORT — PID has an established TCP connection to REMOTE:PORT in K.
established() {
  lab_exec "$K" ss -Htnp state established dst "$2:$3" 2>/dev/null | grep -q "pid=$1,"
}
# k_consistent MIN [PATTERN...] — true when K has >= MIN openvpn clients, all with an
# established TCP connection to their remote, a "REMOTE PORT" matching each PATTERN, every
# remote has a /32 route via a gateway and every such route is to a remote. Sets K_STATE.
k_consistent() {
  local min=$1; shift
  local clients routes remotes dests p r port pat
  clients=$(k_clients); routes=$(k_routes)
  remotes=$(awk '{ print $2 }' <<<"$clients" | sed '/^$/d' | sort -u)
  dests=$(awk '{ print $1 }' <<<"$routes" | sed '/^$/d' | sort -u)
  K_STATE="openvpn clients (pid remote port): $(tr '\n' ',' <<<"$clients"); /32 routes (dest gw): $(tr '\n' ',' <<<"$routes")"
  [ "$(sed '/^$/d' <<<"$clients" | wc -l)" -ge "$min" ] && [ "$remotes" = "$dests" ] || return 1
  for pat in "$@"; do awk '{ print $2, $3 }' <<<"$clients" | grep -qx "$pat" || return 1; done
  while read -r p r port; do
    [ -n "$p" ] || continue
    established "$p" "$r" "$port" || return 1
  done <<<"$clients"
}
# k_wait_consistent TIMEOUT MIN [PATTERN...]
k_wait_consistent() {
  local timeout=$1 start; shift
  start=$(lab_now)
  until k_consistent "$@"; do
    awk -v e="$(lab_elapsed "$start")" -v t="$timeout" 'BEGIN { exit !(e >= t) }' && return 1
    lab_node_alive "$K" || return 1
    sleep 0.5
  done
}
# monitor_events [FROM_LINE] — "add|del DEST GW" per /32 route event in the ip monitor log.
monitor_events() {
  tail -n +"${1:-1}" "$MONITOR_LOG" |
    awk -v a="$GW1" -v b="$GW2" '
      / table / { next }
      { del = ($1 == "Deleted"); if (del) $0 = substr($0, 9) }
      $1 ~ /^[0-9.]+$/ && $2 == "via" && ($3 == a || $3 == b) { print (del ? "del" : "add"), $1, $3 }'
}
# router_count G — tcp 1194/1195 packets forwarded by gateway router G.
router_count() {
  ip netns exec "$LAB_PREFIX-g$1" nft list table ip count | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -1
}
# Failures that do not stop the test (so that the exit checks still run).
FAILURES=()
fail_later() { echo "FAIL: $1"; FAILURES+=("$1"); }

LAB_CLIENT_COUNT=${LAB_CLIENT_COUNT:-2}
lab_hosts 3 || lab_fail "could not create the hosts"
gw_host_add "$K" || lab_fail "could not create host $K behind its two gateways"
# Host 3 shares host 2's IPv4, as two servers behind one NAT would: it advertises
# 10.77.0.2 port 1195, which host 2 forwards to it (phase 2).
SHARED=$LAB_NET.2
lab_exec 2 sysctl -qw net.ipv4.ip_forward=1
lab_exec 2 nft -f - <<EOF2 || lab_fail "could not forward port 1195 of host 2 to host 3"
table ip fwd3 {
  chain pre { type nat hook prerouting priority dstnat; policy accept; ip daddr $SHARED tcp dport 1195 dnat to $LAB_NET.3; }
  chain out { type nat hook output priority -100; policy accept; ip daddr $SHARED tcp dport 1195 dnat to $LAB_NET.3; }
  chain post { type nat hook postrouting priority srcnat; policy accept; ip daddr $LAB_NET.3 tcp dport 1195 masquerade; }
}
EOF2
LAB_NAT[3]=1 # lab_node_start: no --ip 10.77.0.3 (--ip $SHARED given instead)
lab_ca || lab_fail "no CA"
lab_registry_start || lab_fail "registry did not start"
for k in 1 2 3 "$K"; do lab_enroll "$k" || lab_fail "enrollment of host $k"; done

# The premise: from K, the other hosts' OpenVPN ports are unreachable without /32 routes.
for j in 1 2 3; do
  if lab_exec "$K" ip -4 route get "$LAB_NET.$j" ipproto tcp dport 1194 >/dev/null 2>&1; then
    lab_fail "host $K has a route to $LAB_NET.$j:1194 before re6stnet runs: $(lab_exec "$K" ip -4 route get "$LAB_NET.$j" ipproto tcp dport 1194)"
  fi
done

# Every route change in K's namespace, in order, from before re6stnet starts.
MONITOR_LOG=$LAB_WORK/h$K-route-monitor.log
ip netns exec "$(lab_ns "$K")" ip -4 monitor route >"$MONITOR_LOG" 2>&1 &
MONITOR_PID=$!
LAB_OTHER_PIDS+=("$MONITOR_PID")

# k_start — (re)start K's re6stnet; PHASE_FROM: first monitor line of this run.
k_start() {
  PHASE_FROM=$(($(wc -l <"$MONITOR_LOG") + 1))
  lab_node_start "$K" --remote-gateway "$GW1" --remote-gateway "$GW2" || lab_fail "host $K did not start"
  KPID=${LAB_NODE_PID[$K]}
}

# check_round_robin MIN — at least MIN /32 additions since K started, whose gateways
# alternate GW1, GW2, GW1… (a restarted daemon starts again with GW1).
check_round_robin() {
  local min=$1 adds i=0 g want
  adds=$(monitor_events "$PHASE_FROM" | awk '$1 == "add" { print $3 }')
  echo "gateways of the successive /32 additions: $(tr '\n' ' ' <<<"$adds")"
  [ "$(sed '/^$/d' <<<"$adds" | wc -l)" -ge "$min" ] || lab_fail "host $K: fewer than $min /32 route additions seen: $(monitor_events "$PHASE_FROM" | tr '\n' ',')" "$K"
  while read -r g; do
    want=$([ $((i % 2)) -eq 0 ] && echo "$GW1" || echo "$GW2")
    [ "$g" = "$want" ] || lab_fail "host $K: /32 addition $((i + 1)) went via $g, round-robin wants $want; events: $(monitor_events "$PHASE_FROM" | tr '\n' ',')" "$K"
    i=$((i + 1))
  done <<<"$adds"
}

# check_routed — every client of K is routed via a gateway (ip route get).
check_routed() {
  local p r port got
  while read -r p r port; do
    [ -n "$p" ] || continue
    got=$(lab_exec "$K" ip -4 route get "$r" ipproto tcp dport "$port" 2>&1 | awk 'NR == 1' || true)
    grep -qE " via ($GW1|$GW2) " <<<"$got" || lab_fail "host $K: $r:$port (openvpn pid $p) is not routed via a gateway: $got" "$K"
  done <<<"$(k_clients)"
}

# k_stop — (4) SIGTERM K's re6stnet: none of the /32 routes it added is left.
k_stop() {
  local children rc=0 left p
  children=$(pgrep -P "$KPID" | tr '\n' ' ')
  kill -TERM "$KPID"
  for _ in $(seq 300); do kill -0 "$KPID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$KPID" 2>/dev/null; then lab_fail "host $K: re6stnet (pid $KPID) still runs 30 s after SIGTERM" "$K"; fi
  wait "$KPID" || rc=$?
  LAB_NODE_PID[$K]=
  echo "host $K: re6stnet exited with status $rc after SIGTERM"
  left=$(k_routes)
  [ -z "$left" ] || fail_later "host $K: /32 routes left after re6stnet exited: $(tr '\n' ',' <<<"$left"); events: $(monitor_events "$PHASE_FROM" | tr '\n' ',')"
  for p in $children; do
    for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then fail_later "host $K: child $p of re6stnet still runs 30 s after its exit"; fi
  done
  [ "$rc" -eq 0 ] || fail_later "host $K: re6stnet exited with status $rc after SIGTERM"
  # Whatever was left is removed so that the next phase starts clean.
  while read -r r g; do
    if [ -n "$r" ]; then lab_exec "$K" ip -4 route del "$r/32" via "$g" || true; fi
  done <<<"$left"
  return 0
}

echo "=== phase 1: hosts 1, 2 and $K (K's two tunnels go to 10.77.0.1 and $SHARED)"
lab_node_start 1 || lab_fail "host 1 did not start"
lab_node_start 2 || lab_fail "host 2 did not start"
k_start
# (2) full mesh: K's tunnels can only go through the gateway routes.
lab_wait_mesh 180 1 2 "$K" || lab_fail "no full mesh within 180 s (host $K reaches the others only via its /32 routes)" "$K" 1 2
lab_reach_table 1 2 "$K"
# (1) one /32 route via a gateway per IPv4 remote of K's openvpn clients, and no other,
# each client connected through it; added round-robin; both routers carried tunnels.
k_wait_consistent 180 2 "$LAB_NET.1 1194" "$SHARED 1194" ||
  lab_fail "host $K: within 180 s, no state with client tunnels to hosts 1 and 2 connected through /32 routes: $K_STATE" "$K"
echo "host $K: $K_STATE"
check_routed
check_round_robin 2
c1=$(router_count 1); c2=$(router_count 2)
echo "OpenVPN packets forwarded: gateway 1 $c1, gateway 2 $c2"
[ "${c1:-0}" -gt 0 ] && [ "${c2:-0}" -gt 0 ] || lab_fail "both gateways should have forwarded OpenVPN traffic of host $K (g1 ${c1:-?}, g2 ${c2:-?})" "$K"

# (3) SIGKILL the openvpn client of K to host 1: its /32 route goes.
read -r victim remote port <<<"$(k_clients | awk -v r="$LAB_NET.1" '$2 == r' | awk 'NR == 1')"
via=$(k_routes | awk -v d="$remote" '$1 == d { print $2 }')
from=$(($(wc -l <"$MONITOR_LOG") + 1))
echo "SIGKILL openvpn pid $victim (remote $remote:$port via $via, the only tunnel to it)"
kill -KILL "$victim"
ok=
for _ in $(seq 300); do
  monitor_events "$from" | grep -qx "del $remote $via" && { ok=1; break; }
  lab_node_alive "$K" || break
  sleep 0.1
done
[ -n "$ok" ] || lab_fail "host $K: the route $remote via $via was not removed within 30 s after its openvpn (pid $victim) died; events since: $(monitor_events "$from" | tr '\n' ',')" "$K"
echo "route $remote via $via removed after its tunnel died"
k_wait_consistent 120 1 || fail_later "host $K: routes and remotes disagree 120 s after the kill: $K_STATE"
echo "after the kill: $K_STATE"
k_stop

echo "=== phase 2: host 3 at $SHARED:1195 joins; K may not reach host 1's OpenVPN"
for g in 1 2; do
  ip netns exec "$LAB_PREFIX-g$g" nft add rule ip count forward iifname lan0 ip daddr "$LAB_NET.1" tcp dport 1194 reject with tcp reset ||
    lab_fail "could not block 10.77.0.1:1194 on gateway $g"
done
lab_node_start 3 --ip "$SHARED" --pp 1195 tcp || lab_fail "host 3 did not start"
k_start
lab_wait_mesh 180 || lab_fail "no full mesh within 180 s" "$K" 1 2 3
lab_reach_table
# K's two tunnels both go to $SHARED (hosts 2 and 3): one route, counted twice (§9.4).
k_wait_consistent 180 2 "$SHARED 1194" "$SHARED 1195" ||
  lab_fail "host $K: within 180 s, no state with client tunnels to hosts 2 and 3 (both $SHARED) connected: $K_STATE" "$K"
echo "host $K: $K_STATE"
check_routed
check_round_robin 1
adds=$(monitor_events "$PHASE_FROM" | awk -v r="$SHARED" '$1 == "add" && $2 == r' | wc -l)
dels=$(monitor_events "$PHASE_FROM" | awk -v r="$SHARED" '$1 == "del" && $2 == r' | wc -l)
echo "route $SHARED added $adds time(s), deleted $dels time(s) since K started"
[ "$((adds - dels))" -eq 1 ] || fail_later "host $K: the route to $SHARED was added $adds and deleted $dels times"
# SIGKILL the client to host 2: the route stays while the client to host 3 runs
# (observed for 20 s, while K replaces the dead tunnel).
read -r victim _ port <<<"$(k_clients | awk -v r="$SHARED" '$2 == r && $3 == 1194')"
read -r other _ oport <<<"$(k_clients | awk -v r="$SHARED" '$2 == r && $3 == 1195')"
via=$(k_routes | awk -v d="$SHARED" '$1 == d { print $2 }')
from=$(($(wc -l <"$MONITOR_LOG") + 1))
echo "SIGKILL openvpn pid $victim (remote $SHARED:$port via $via; pid $other still uses $SHARED:$oport)"
kill -KILL "$victim"
start=$(lab_now)
while awk -v e="$(lab_elapsed "$start")" 'BEGIN { exit !(e < 20) }'; do
  kill -0 "$other" 2>/dev/null || break
  if monitor_events "$from" | grep -q "^del $SHARED "; then
    fail_later "host $K: the route $SHARED via $via was deleted $(lab_elapsed "$start")s after the kill of pid $victim while pid $other (to $SHARED:$oport) still ran; events since: $(monitor_events "$from" | tr '\n' ',')"
    break
  fi
  sleep 0.2
done
if kill -0 "$other" 2>/dev/null; then
  echo "pid $other to $SHARED:$oport still runs $(lab_elapsed "$start")s after the kill"
else
  echo "pid $other ended during the observation: $(monitor_events "$from" | tr '\n' ',')"
fi
k_wait_consistent 120 1 || fail_later "host $K: routes and remotes disagree 120 s after the kill: $K_STATE"
echo "after the kill: $K_STATE"
k_stop

if [ ${#FAILURES[@]} -gt 0 ]; then
  echo "route events of host $K: $(monitor_events | tr '\n' ',')"
  lab_fail "${#FAILURES[@]} check(s) failed: ${FAILURES[*]}" "$K"
fi
echo "PASS: --remote-gateway: /32 routes via $GW1/$GW2 round-robin, full mesh through them, removed on tunnel death (kept while shared) and at exit"
