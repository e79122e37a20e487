#!/usr/bin/env bash
# lab_dbus BIN_DIR — issue 4 §5: re6stctl output and --json checked against a running
# lab node; property-change signals arrive when a tunnel is opened and killed.
#
# A private system bus (dbus-daemon with its own config, dbus/org.re6st.Node.conf
# included) and the real polkitd on it (own mount/PID namespaces, only
# polkit/org.re6st.policy, no rules: as tests/dbus/PolkitFixture.h does it); a lab of 3
# nodes where only host 2's re6stnet is on that bus (hosts 1 and 3 get a bus address
# that does not exist: they log "D-Bus API off" and route anyway). Checked:
#   - no daemon on the bus / no bus at all: re6stctl exits 3;
#   - polkit not running: root's `tunnel kill` is refused (exit 4, says polkit is down);
#   - status, --json status, --json tunnels/routes/peers, peers agree with the lab
#     (prefix, address, subnet, registry, certificate end, the other nodes);
#   - PropertiesChanged(TunnelCount) and TunnelsChanged were emitted when tunnels opened;
#   - an unprivileged user reads the status (exit 0) and is refused `tunnel kill`
#     (exit 4, the tunnel stays); root kills a client tunnel (exit 0): TunnelsChanged
#     follows and that tunnel (interface, peer, since) is gone from Tunnels();
#   - `tunnel kill re6stnet99`: exit 1 with "no such tunnel".
# Everything started here is stopped by PID from the EXIT trap.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/labbus.sh"
LABDBUS_SRC=$(cd "$(dirname "$0")/../.." && pwd)

# ---- skip when the D-Bus half cannot run here ------------------------------------
labdbus__skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || labdbus__skip "the lab needs root (network namespaces, polkitd)"
for t in dbus-daemon dbus-monitor dbus-send unshare setpriv mount timeout; do
  command -v "$t" >/dev/null 2>&1 || labdbus__skip "$t is not installed (Debian packages dbus-daemon, dbus-bin, util-linux, mount)"
done
LABDBUS_POLKITD=/usr/lib/polkit-1/polkitd
[ -x "$LABDBUS_POLKITD" ] || labdbus__skip "$LABDBUS_POLKITD not found: install Debian package polkitd"
getent passwd polkitd >/dev/null || labdbus__skip "user polkitd does not exist (reinstall Debian package polkitd)"
for d in /usr/share/polkit-1/actions /etc/polkit-1/rules.d /usr/share/polkit-1/rules.d; do
  [ -d "$d" ] || labdbus__skip "$d does not exist: this polkit has another layout"
done
unshare --pid --fork --mount --propagation private true 2>/dev/null ||
  labdbus__skip "cannot create mount and PID namespaces here (no CAP_SYS_ADMIN?)"
LABDBUS_PY=$(command -v /usr/bin/python3 || command -v python3 || true)
[ -n "$LABDBUS_PY" ] || labdbus__skip "python3 is not installed (JSON checks)"
[ -x "${1:?usage: lab_dbus.sh BIN_DIR}/re6stctl" ] || labdbus__skip "$1/re6stctl is not built (target re6stctl)"
NOBODY_UID=$(id -u nobody 2>/dev/null || echo 65534)
NOBODY_GID=$(id -g nobody 2>/dev/null || echo 65534)

lab_test_setup "$1"

# ---- our own processes, stopped from the EXIT trap ------------------------------
BUS_PID='' MON_PID='' PK_PID='' PKD_PID=''
# Work dir: $LAB_WORK/dbus. polkitd (user polkitd) and the unprivileged caller (nobody)
# must reach the bus socket, the actions directory and the re6stctl copy: the work dir
# becomes traversable, not listable (0711); keys stay 0600 as re6st-conf wrote them.
D=$LAB_WORK/dbus
mkdir -p "$D/out" "$D/bin" "$D/polkit/actions" "$D/polkit/rules" "$D/polkit/no-rules"
chmod 711 "$LAB_WORK" "$D"
chmod 755 "$D/bin" "$D/polkit" "$D/polkit/actions" "$D/polkit/rules" "$D/polkit/no-rules"
p=$(dirname "$LAB_WORK")
while :; do
  [ "$(( $(stat -c %a "$p" | sed 's/^.*\(.\)$/\1/') & 1 ))" -eq 1 ] ||
    lab_fail "$p is not traversable by other users: polkitd and the unprivileged caller cannot reach the private bus under it"
  [ "$p" = / ] && break
  p=$(dirname "$p")
done

labdbus__polkit_stop() {
  [ -n "$PK_PID" ] || return 0
  # SIGKILL: unshare --fork blocks SIGTERM while it waits; --kill-child then kills the
  # namespace's init (sh) and the kernel kills polkitd with the PID namespace.
  kill -KILL "$PK_PID" 2>/dev/null || true
  wait "$PK_PID" 2>/dev/null || true
  PK_PID=
  local i
  if [ -n "$PKD_PID" ]; then
    for i in $(seq 100); do kill -0 "$PKD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PKD_PID" 2>/dev/null && echo "lab_dbus: polkitd pid $PKD_PID outlived its namespace" >&2
    PKD_PID=
  fi
  return 0
}

labdbus__exit() {
  local rc=$1
  set +e
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    echo "----- dbus-daemon stderr:"; cat "$D/bus.err" 2>/dev/null
    echo "----- polkitd log (last 20 lines):"; tail -n 20 "$D/polkitd.log" 2>/dev/null
    echo "----- signals seen (last 40 monitor lines):"; tail -n 40 "$D/monitor.log" 2>/dev/null
  fi
  labdbus__polkit_stop
  # The bus and the monitor are in LAB_OTHER_PIDS: lab_down stops them after the nodes.
  lab__test_exit "$rc"
}
trap 'labdbus__exit $?' EXIT

# ---- helpers ---------------------------------------------------------------------
# labdbus_bus_call METHOD ARGS... — a call to the bus driver, literal reply on stdout.
labdbus_bus_call() {
  timeout 20 dbus-send --bus="$BUS" --print-reply=literal --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus "org.freedesktop.DBus.$1" "${@:2}"
}
labdbus_has_owner() { labdbus_bus_call NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'; }

# ctl NAME ARGS... — root's re6stctl on the private bus; stdout/stderr in
# $D/out/NAME.{out,err}, exit status in CTL_RC (never fails the script by itself).
ctl() {
  local name=$1; shift
  CTL_RC=0
  DBUS_SYSTEM_BUS_ADDRESS=$BUS timeout 60 "$LAB_BIN/re6stctl" "$@" >"$D/out/$name.out" 2>"$D/out/$name.err" || CTL_RC=$?
}
# ctl_nobody NAME ARGS... — the same as user nobody (no groups, no capabilities).
ctl_nobody() {
  local name=$1; shift
  CTL_RC=0
  (cd / && setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups --inh-caps=-all -- \
     env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME=/ DBUS_SYSTEM_BUS_ADDRESS="$BUS" \
     timeout 60 "$D/bin/re6stctl" "$@") >"$D/out/$name.out" 2>"$D/out/$name.err" || CTL_RC=$?
}
ctl_show() { echo "\$ re6stctl $2 -> exit $CTL_RC"; sed 's/^/  | /' "$D/out/$1.out" "$D/out/$1.err"; }
expect_rc() { # NAME WANT DESCRIPTION
  [ "$CTL_RC" -eq "$2" ] || { ctl_show "$1" "$3"; lab_fail "re6stctl $3: exit $CTL_RC, expected $2" 2; }
}
# has_field FILE WORD — WORD is a whitespace-separated field of some line of FILE.
has_field() { awk -v w="$2" '{ for (i = 1; i <= NF; i++) if ($i == w) f = 1 } END { exit !f }' "$1"; }
# Signals in the monitor log: count_signal MEMBER [AFTER_LINE]
count_signal() {
  awk -v m="member=$1" -v from="${2:-0}" 'NR > from && /^signal / && index($0, "path=/org/re6st/Node;") && index($0, m) == length($0) - length(m) + 1 { n++ } END { print n + 0 }' "$D/monitor.log"
}
# tunnelcount_values [AFTER_LINE] — the TunnelCount values of PropertiesChanged signals.
tunnelcount_values() {
  awk -v from="${1:-0}" '
    /^signal / { pc = NR > from && index($0, "path=/org/re6st/Node;") && /member=PropertiesChanged$/; want = 0; next }
    pc && /string "TunnelCount"/ { want = 1; next }
    pc && want && /variant/ { print $NF; want = 0 }' "$D/monitor.log"
}
# json_check NAME PYTHON ARGS... — PYTHON runs with `d` = the JSON of $D/out/NAME.out and
# `a` = ARGS; it raises (assert) on a mismatch. Invalid JSON fails too.
json_check() {
  local name=$1 code=$2; shift 2
  local err
  if ! err=$("$LABDBUS_PY" - "$D/out/$name.out" "$@" 2>&1 <<EOF
import ipaddress, json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
a = sys.argv[2:]
$code
EOF
  ); then
    sed 's/^/  | /' "$D/out/$name.out" | head -n 80
    lab_fail "JSON check on re6stctl output $name: $err" 2
  fi
}
subnet_of() { sed -n 's/^Your subnet: \([^ ]*\).*/\1/p' "$(lab_dir "$1")/conf/conf.out"; }

# ---- 1. the private system bus -----------------------------------------------------
labbus_start "$D" || lab_fail "the private system bus did not start"
BUS=$LABBUS_ADDRESS BUS_PID=$LABBUS_PID
echo "private system bus: $BUS (pid $BUS_PID)"

# Signals of /org/re6st/Node, from now on (before the node starts).
setpriv --pdeathsig KILL -- dbus-monitor --address "$BUS" "type='signal',path='/org/re6st/Node'" \
  >"$D/monitor.log" 2>&1 &
MON_PID=$!
LAB_OTHER_PIDS+=("$MON_PID")
# It is monitoring once it has given up its unique name (dbus-monitor's BecomeMonitor).
for _ in $(seq 100); do
  grep -q 'member=NameLost$' "$D/monitor.log" 2>/dev/null && break
  kill -0 "$MON_PID" 2>/dev/null || break
  sleep 0.1
done
grep -q 'member=NameLost$' "$D/monitor.log" || lab_fail "dbus-monitor did not start monitoring: $(cat "$D/monitor.log")"

install -m 755 "$LAB_BIN/re6stctl" "$D/bin/re6stctl"

# No daemon on the bus, then no bus at all: exit 3 with a message saying so.
ctl nodaemon status
expect_rc nodaemon 3 "status (nobody owns org.re6st.Node)"
grep -q 'not running' "$D/out/nodaemon.err" || { ctl_show nodaemon status; lab_fail "no 'not running' in the message"; }
CTL_RC=0
DBUS_SYSTEM_BUS_ADDRESS="unix:path=$D/no-such-bus" timeout 60 "$LAB_BIN/re6stctl" status \
  >"$D/out/nobus.out" 2>"$D/out/nobus.err" || CTL_RC=$?
expect_rc nobus 3 "status (no bus at the address)"
grep -q 'cannot connect' "$D/out/nobus.err" || { ctl_show nobus status; lab_fail "no 'cannot connect' in the message"; }
echo "re6stctl without daemon: exit 3 ($(head -c 100 "$D/out/nodaemon.err")...); without bus: exit 3"

# ---- 2. the lab: 3 hosts, only host 2 on the private bus --------------------------
NODE=2
lab_hosts 3 || lab_fail "could not create the hosts"
lab_ca || lab_fail "could not create the CA"
lab_registry_start || lab_fail "re6st-registry did not start" 1
for k in 1 2 3; do lab_enroll "$k" || lab_fail "host $k could not enroll" 1; done
start=$(date +%s)
for k in 1 3; do
  DBUS_SYSTEM_BUS_ADDRESS="unix:path=$D/no-such-bus" lab_node_start "$k" || lab_fail "host $k did not start" "$k"
done
DBUS_SYSTEM_BUS_ADDRESS=$BUS lab_node_start "$NODE" || lab_fail "host $NODE did not start" "$NODE"

for _ in $(seq 300); do
  labdbus_has_owner org.re6st.Node && break
  lab_node_alive "$NODE" || break
  sleep 0.1
done
labdbus_has_owner org.re6st.Node || lab_fail "host $NODE's re6stnet did not take org.re6st.Node on the private bus" "$NODE"
lab_wait_log "$NODE" "D-Bus API on" 10 || lab_fail "host $NODE did not log 'D-Bus API on'" "$NODE"
for k in 1 3; do
  lab_wait_log "$k" "D-Bus API off" 10 || lab_fail "host $k (no bus) did not log 'D-Bus API off'" "$k"
done
echo "host $NODE owns org.re6st.Node; hosts 1 and 3 run with the D-Bus API off"

# polkit is not running yet: the daemon refuses every action, root included.
ctl nopolkit tunnel kill re6stnet99
expect_rc nopolkit 4 "tunnel kill while polkitd is not running"
{ grep -qi 'polkit' "$D/out/nopolkit.err" && grep -qi 'not running\|unavailable\|not available' "$D/out/nopolkit.err"; } ||
  { ctl_show nopolkit "tunnel kill re6stnet99"; lab_fail "the refusal does not say that polkit is not running"; }
echo "without polkitd: tunnel kill refused (exit 4): $(cat "$D/out/nopolkit.err")"

# ---- 3. the real polkitd on the private bus ---------------------------------------
install -m 644 "$LABDBUS_SRC/polkit/org.re6st.policy" "$D/polkit/actions/"
DBUS_SYSTEM_BUS_ADDRESS=$BUS setpriv --pdeathsig KILL -- \
  unshare --pid --fork --kill-child --mount --propagation private -- /bin/sh -c '
    set -e
    mount --bind "$1" /usr/share/polkit-1/actions
    mount --bind "$2" /etc/polkit-1/rules.d
    mount --bind "$3" /usr/share/polkit-1/rules.d
    "$4" &
    wait $!' sh "$D/polkit/actions" "$D/polkit/rules" "$D/polkit/no-rules" "$LABDBUS_POLKITD" \
  </dev/null >"$D/polkitd.log" 2>&1 &
PK_PID=$!
for _ in $(seq 300); do
  labdbus_has_owner org.freedesktop.PolicyKit1 && break
  kill -0 "$PK_PID" 2>/dev/null || break
  sleep 0.1
done
labdbus_has_owner org.freedesktop.PolicyKit1 || lab_fail "polkitd did not own org.freedesktop.PolicyKit1 within 30 s"
PKD_PID=$(labdbus_bus_call GetConnectionUnixProcessID string:org.freedesktop.PolicyKit1 | awk '{ print $NF }')
[ "$(cat "/proc/$PKD_PID/comm" 2>/dev/null)" = polkitd ] ||
  lab_fail "org.freedesktop.PolicyKit1 is owned by pid $PKD_PID, not by our polkitd"
echo "polkitd pid $PKD_PID on the private bus"

# ---- 4. the mesh, then re6stctl against host 2 --------------------------------------
lab_wait_mesh 120 || lab_fail "3 nodes did not reach a full mesh within 120 s"
others=(1 3)
state='' st='' tc=0 pc=0
for _ in $(seq 60); do
  ctl status-json --json status
  if [ "$CTL_RC" -eq 0 ]; then
    state=$("$LABDBUS_PY" -c 'import json,sys; p=json.load(sys.stdin)["properties"]; print(p["State"], p["TunnelCount"], p["PeerCount"])' \
            <"$D/out/status-json.out" 2>/dev/null || true)
    read -r st tc pc <<<"${state:-x 0 0}"
    [ "$st" = connected ] && [ "$tc" -ge 1 ] && [ "$pc" -ge 2 ] && break
  fi
  sleep 1
done
ctl_show status-json "--json status" | head -n 40
expect_rc status-json 0 "--json status"
{ [ "$st" = connected ] && [ "$tc" -ge 1 ] && [ "$pc" -ge 2 ]; } ||
  lab_fail "host $NODE: State/TunnelCount/PeerCount = ${state:-?} within 60 s of the mesh, expected connected, >= 1, >= 2" "$NODE"

not_after=$(date -d "$(openssl x509 -in "$(lab_dir "$NODE")/conf/cert.crt" -noout -enddate | cut -d= -f2)" +%s)
json_check status-json '
p = d["properties"]
keys = {"State", "StateDetail", "Prefix", "Address", "Subnet", "Network", "Registry", "RegistryReachable",
        "CertificateNotAfter", "NextRenewal", "Enrolled", "ConfigDirectory", "Neighbours", "PeerCount",
        "TunnelCount", "ProtocolVersion", "Version"}
assert keys <= set(p), "missing properties: %s" % sorted(keys - set(p))
assert p["State"] == "connected", p["State"]
assert p["Prefix"] == a[0], "Prefix %r, certificate CN %r" % (p["Prefix"], a[0])
assert ipaddress.ip_address(p["Address"]) == ipaddress.ip_address(a[1]), "Address %r, expected %r" % (p["Address"], a[1])
assert ipaddress.ip_network(p["Subnet"]) == ipaddress.ip_network(a[2]), "Subnet %r, re6st-conf said %r" % (p["Subnet"], a[2])
assert ipaddress.ip_network(p["Network"]) == ipaddress.ip_network("2001:db8:42::/48"), "Network %r" % p["Network"]
assert p["Registry"].rstrip("/") == a[3].rstrip("/"), "Registry %r" % p["Registry"]
assert p["RegistryReachable"] is True, "RegistryReachable %r" % p["RegistryReachable"]
assert p["Enrolled"] is True
assert p["CertificateNotAfter"] == int(a[4]), "CertificateNotAfter %r, cert.crt says %s" % (p["CertificateNotAfter"], a[4])
assert p["TunnelCount"] >= 1 and p["PeerCount"] >= 2, (p["TunnelCount"], p["PeerCount"])
assert p["ProtocolVersion"] > 0 and p["Version"], (p["ProtocolVersion"], p["Version"])
prefixes = sorted(x["prefix"] for x in d["peers"])
for cn in a[5:]:
    assert cn in prefixes, "peer %s missing from %s" % (cn, prefixes)
' "$(lab_node_cn "$NODE")" "$(lab_node_ip "$NODE")" "$(subnet_of "$NODE")" "http://$LAB_NET.1/" "$not_after" \
  "$(lab_node_cn 1)" "$(lab_node_cn 3)"
echo "--json status: properties match host $NODE (CN $(lab_node_cn "$NODE"), $(lab_node_ip "$NODE")), peers list hosts 1 and 3"

ctl status status
ctl_show status status
expect_rc status 0 "status"
has_field "$D/out/status.out" "$(lab_node_ip "$NODE")" || lab_fail "status does not show host $NODE's address"
grep -Eq '^State: +connected$' "$D/out/status.out" || lab_fail "status does not show 'State: connected'"
for k in "${others[@]}"; do
  has_field "$D/out/status.out" "$(lab_node_cn "$k")" || lab_fail "status does not list host $k's prefix $(lab_node_cn "$k")"
done

ctl peers peers
ctl_show peers peers
expect_rc peers 0 "peers"
for k in "${others[@]}"; do
  has_field "$D/out/peers.out" "$(lab_node_cn "$k")" || lab_fail "peers does not list host $k's prefix $(lab_node_cn "$k")"
done
ctl peers-json --json peers
expect_rc peers-json 0 "--json peers"
json_check peers-json '
keys = {"prefix", "address", "country", "protocol", "last_seen", "connected"}
for r in d:
    assert keys <= set(r), "peer record without %s: %r" % (sorted(keys - set(r)), r)
by = {r["prefix"]: r for r in d}
for cn, ip in zip(a[0::2], a[1::2]):
    assert cn in by, "no peer %s in %s" % (cn, sorted(by))
    assert ipaddress.ip_address(by[cn]["address"]) == ipaddress.ip_address(ip), "peer %s address %r" % (cn, by[cn]["address"])
' "$(lab_node_cn 1)" "$(lab_node_ip 1)" "$(lab_node_cn 3)" "$(lab_node_ip 3)"

ctl tunnels-text tunnels
ctl_show tunnels-text tunnels
expect_rc tunnels-text 0 "tunnels"
ctl tunnels-json --json tunnels
expect_rc tunnels-json 0 "--json tunnels"
json_check tunnels-json '
keys = {"interface", "peer", "protocol", "direction", "since", "rx_bytes", "tx_bytes"}
assert len(d) >= 1, "no tunnel"
for r in d:
    assert keys <= set(r), "tunnel record without %s: %r" % (sorted(keys - set(r)), r)
    assert r["direction"] in ("client", "server"), r
    assert r["protocol"] in ("udp", "udp6", "tcp", "tcp6"), r
    assert r["peer"] in a[1:], "tunnel to %r, not one of the other hosts %s" % (r["peer"], a[1:])
    assert int(a[0]) - 5 <= r["since"] <= int(a[0]) + 600, "since %r, node started at %s" % (r["since"], a[0])
    assert r["rx_bytes"] >= 0 and r["tx_bytes"] >= 0, r
    assert r["interface"], r
' "$start" "$(lab_node_cn 1)" "$(lab_node_cn 3)"
while read -r i; do
  has_field "$D/out/tunnels-text.out" "$i" || lab_fail "tunnels (text) does not show interface $i of --json tunnels"
done < <(sed -n 's/.*"interface": "\([^"]*\)".*/\1/p' "$D/out/tunnels-json.out")

routes_ok=
for _ in $(seq 30); do
  ctl routes-json --json routes
  if [ "$CTL_RC" -eq 0 ] && "$LABDBUS_PY" - "$D/out/routes-json.out" "$(subnet_of 1)" "$(subnet_of 3)" 2>/dev/null <<'EOF'
import ipaddress, json, sys
d = json.load(open(sys.argv[1]))
dest = {ipaddress.ip_network(r["destination"]) for r in d if r["installed"]}
sys.exit(0 if all(ipaddress.ip_network(s) in dest for s in sys.argv[2:]) else 1)
EOF
  then routes_ok=1; break; fi
  sleep 1
done
ctl_show routes-json "--json routes" | head -n 30
expect_rc routes-json 0 "--json routes"
json_check routes-json '
keys = {"destination", "source", "next_hop", "interface", "metric", "installed"}
for r in d:
    assert keys <= set(r), "route record without %s: %r" % (sorted(keys - set(r)), r)
' 
[ -n "$routes_ok" ] || lab_fail "--json routes has no installed route to host 1's subnet $(subnet_of 1) and host 3's $(subnet_of 3)" "$NODE"
ctl routes routes
expect_rc routes 0 routes
ctl neighbours-json --json neighbours
expect_rc neighbours-json 0 "--json neighbours"
json_check neighbours-json 'assert len(d) >= 1, "no babel neighbour"'
echo "--json tunnels/routes/peers/neighbours: contract keys, tunnels to hosts 1/3, routes to their subnets"

# Signals from when the tunnels opened (the monitor ran before the node started).
opened=$(tunnelcount_values | awk '$1 >= 1' | wc -l)
[ "$opened" -ge 1 ] || lab_fail "no PropertiesChanged with TunnelCount >= 1 on the bus (TunnelCount values seen: $(tunnelcount_values | paste -sd' '))"
[ "$(count_signal TunnelsChanged)" -ge 1 ] || lab_fail "no TunnelsChanged signal on the bus"
echo "signals so far: PropertiesChanged x$(count_signal PropertiesChanged) (TunnelCount: $(tunnelcount_values | paste -sd' ')), TunnelsChanged x$(count_signal TunnelsChanged), PeersChanged x$(count_signal PeersChanged), RoutesChanged x$(count_signal RoutesChanged)"

# ---- 5. an unprivileged user: reads, is refused actions ---------------------------
ctl_nobody nobody-status status
expect_rc nobody-status 0 "status as user nobody"
has_field "$D/out/nobody-status.out" "$(lab_node_ip "$NODE")" || { ctl_show nobody-status status; lab_fail "nobody's status does not show the address"; }
ctl_nobody nobody-tunnels --json tunnels
expect_rc nobody-tunnels 0 "--json tunnels as user nobody"

# The victim: a client tunnel (we connected to it; the manager may reopen one later).
iface='' peer='' since=''
for _ in $(seq 60); do
  ctl tunnels-victim --json tunnels
  if [ "$CTL_RC" -eq 0 ]; then
    read -r iface peer since < <("$LABDBUS_PY" - "$D/out/tunnels-victim.out" <<'EOF'
import json, sys
c = [r for r in json.load(open(sys.argv[1])) if r["direction"] == "client"]
if c:
    print(c[0]["interface"], c[0]["peer"], c[0]["since"])
EOF
    ) || true
  fi
  [ -n "$iface" ] && break
  sleep 1
done
[ -n "$iface" ] || { ctl_show tunnels-victim "--json tunnels"; lab_fail "host $NODE has no client tunnel to kill within 60 s" "$NODE"; }
tunnel_present() { # the exact tunnel iface+peer+since is listed by --json tunnels
  ctl tunnels-now --json tunnels
  [ "$CTL_RC" -eq 0 ] || { ctl_show tunnels-now "--json tunnels"; lab_fail "--json tunnels failed"; }
  "$LABDBUS_PY" - "$D/out/tunnels-now.out" "$iface" "$peer" "$since" <<'EOF'
import json, sys
i, p, s = sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.exit(0 if any(r["interface"] == i and r["peer"] == p and r["since"] == s for r in json.load(open(sys.argv[1]))) else 1)
EOF
}

ctl_nobody nobody-kill tunnel kill "$iface"
expect_rc nobody-kill 4 "tunnel kill $iface as user nobody"
grep -q 'not allowed' "$D/out/nobody-kill.err" || { ctl_show nobody-kill "tunnel kill $iface"; lab_fail "nobody's refusal does not say 'not allowed'"; }
tunnel_present || lab_fail "the tunnel $iface to $peer is gone after nobody's refused kill"
echo "user nobody: status exit 0, tunnel kill $iface exit 4 ($(cat "$D/out/nobody-kill.err")), the tunnel stays"

# ---- 6. root kills the client tunnel -------------------------------------------------
mark=$(wc -l <"$D/monitor.log")
last_before=$(tunnelcount_values | tail -n 1)
kill_at=$(lab_now)
ctl kill tunnel kill "$iface"
ctl_show kill "tunnel kill $iface"
expect_rc kill 0 "tunnel kill $iface as root"
grep -q "Tunnel $iface killed" "$D/out/kill.out" || lab_fail "no 'Tunnel $iface killed' confirmation"
# Within 30 s: the exact tunnel (interface, peer, since) is gone from Tunnels() and
# TunnelsChanged was emitted after the kill (the manager may reopen a tunnel to the
# same peer at once: a new `since`). The daemon announces a tunnel going down at once,
# so PropertiesChanged shows a TunnelCount below the one before the kill.
gone='' signalled='' dropped=''
for _ in $(seq 60); do
  [ -z "$gone" ] && ! tunnel_present && gone=$(lab_elapsed "$kill_at")
  [ -z "$signalled" ] && [ "$(count_signal TunnelsChanged "$mark")" -ge 1 ] && signalled=$(lab_elapsed "$kill_at")
  [ -z "$dropped" ] && tunnelcount_values "$mark" | awk -v b="$last_before" '$1 < b {f=1} END {exit !f}' && dropped=$(lab_elapsed "$kill_at")
  [ -n "$gone" ] && [ -n "$signalled" ] && [ -n "$dropped" ] && break
  sleep 0.5
done
[ -n "$signalled" ] || lab_fail "no TunnelsChanged within 30 s of the kill of $iface" "$NODE"
[ -n "$gone" ] || lab_fail "the killed tunnel $iface to $peer (since $since) is still listed 30 s later" "$NODE"
[ -n "$dropped" ] || lab_fail "no PropertiesChanged with TunnelCount below $last_before within 30 s of the kill (seen: $(tunnelcount_values "$mark" | paste -sd' '))" "$NODE"
after=$(tunnelcount_values "$mark" | paste -sd' ')
echo "root: tunnel kill $iface (to $peer) exit 0; gone from Tunnels() after ${gone}s, TunnelsChanged after ${signalled}s, TunnelCount drop announced after ${dropped}s ($last_before before, '${after:-}' since)"

ctl kill-unknown tunnel kill re6stnet99
expect_rc kill-unknown 1 "tunnel kill re6stnet99 (no such tunnel)"
grep -q 'no such tunnel' "$D/out/kill-unknown.err" || { ctl_show kill-unknown "tunnel kill re6stnet99"; lab_fail "the NotFound message does not say 'no such tunnel'"; }
echo "tunnel kill re6stnet99: exit 1: $(cat "$D/out/kill-unknown.err")"

# ---- 7. stop, start: from its cache, the node asks the registry nothing --------------
# (node-protocol.md §7.4: a valid cached configuration is not fetched again.) Its
# state must still come back to connected with RegistryReachable true: it used to
# say registry-unreachable until its next exchange with the registry, hours later.
ctl stop stop
expect_rc stop 0 "stop"
ctl start start
expect_rc start 0 "start"
restart_at=$(lab_now)
state=''
for _ in $(seq 90); do
  ctl status-restart --json status
  if [ "$CTL_RC" -eq 0 ]; then
    state=$("$LABDBUS_PY" -c 'import json,sys; p=json.load(sys.stdin)["properties"]; print(p["State"], p["RegistryReachable"])' \
            <"$D/out/status-restart.out" 2>/dev/null || true)
    [ "$state" = "connected True" ] && break
  fi
  sleep 1
done
[ "$state" = "connected True" ] || { ctl_show status-restart "--json status" | head -n 30;
  lab_fail "after stop and start: State RegistryReachable = '${state:-?}' within 90 s, expected 'connected True'" "$NODE"; }
echo "stop, start from the cache: connected, registry reachable, after $(lab_elapsed "$restart_at")s"

# The node keeps routing after all this.
lab_wait_mesh 90 || lab_fail "the mesh did not recover within 90 s after the tunnel kill" "$NODE"
echo "PASS: re6stctl against host $NODE (mesh in ${LAB_MESH_SECONDS}s), total $(lab_elapsed "$LAB_TEST_START")s"
