#!/usr/bin/env bash
# lab_upnp BIN_DIR — node-protocol.md §9.1, §9.2, §2.6: a node behind a NAT router
# running the real miniupnpd (Debian miniupnpd-nftables) starts with `--ip upnp`,
# maps its two IPv4 servers (1194/tcp, 1195/udp) on the router, advertises the
# router's external address with the external ports, and a node outside opens a
# client tunnel TO it through the mapping (lab_nat shows that, without a mapping,
# nobody can). At a graceful stop the mappings are gone from the router; after a
# SIGKILL they stay, and the next start deletes them before mapping anew.
#
# Topology (lab.sh): h1 registry host, h2 outside with no server of its own
# (--max-clients 0: it only opens client tunnels), h3 behind NAT router r3.
# h3 connects to h1 (h2 has no server), so for h2 host 3 is a distant peer it
# opens a tunnel to, with the address h3 advertises.
#
# The lab's "internet" uses 11.77.0.0/24 here, not lab.sh's 10.77.0.0/24:
# miniupnpd refuses to forward anything when its external address is private
# ("Reserved / private IP address ... Port forwarding is impossible"), as it should
# at home. The range only exists inside this run's namespaces.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
LAB_NET=${LAB_UPNP_NET:-11.77.0}

if [ "$(id -u)" -eq 0 ]; then
  for t in miniupnpd upnpc; do
    command -v "$t" >/dev/null 2>&1 || {
      echo "SKIP: $t is not installed (Debian packages miniupnpd miniupnpd-nftables miniupnpc; ./dev.sh build installs them)"
      exit 77
    }
  done
  # The checks below read miniupnpd's rules in nftables (Debian's iptables flavour
  # would put them elsewhere).
  grep -q "netfilter(nftables)" "$(command -v miniupnpd)" || {
    echo "SKIP: miniupnpd is not the nftables flavour (Debian package miniupnpd-nftables)"; exit 77; }
fi
lab_test_setup "${1:?usage: lab_upnp.sh BIN_DIR}"

natted=3 outside=2
lab_hosts 3 "$natted" || lab_fail "could not set the network up"
router=$LAB_PREFIX-r$natted
lan_ip=192.168.$natted.2
ext_ip=$LAB_NET.$natted

# ---- miniupnpd on the NAT router -------------------------------------------------
# Its nftables backend adds rules to chains it expects to exist (table inet filter).
ip netns exec "$router" nft -f - <<EOF || lab_fail "cannot create miniupnpd's nftables chains on the router"
table inet filter {
  chain forward {
    type filter hook forward priority filter; policy accept;
    jump forwardUPnP
  }
  chain forwardUPnP {
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    jump prerouting_miniupnpd
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    jump postrouting_miniupnpd
  }
  chain postrouting_miniupnpd {
  }
}
EOF
updir=$LAB_WORK/miniupnpd
mkdir -p "$updir"
cat >"$updir/miniupnpd.conf" <<EOF
ext_ifname=up0
listening_ip=lan0
port=0
enable_upnp=yes
enable_natpmp=no
secure_mode=yes
system_uptime=no
notify_interval=60
uuid=6c8e1d5e-2f0a-4c55-9d3e-7265367374c1
lease_file=$updir/leases
upnp_forward_chain=forwardUPnP
upnp_nat_chain=prerouting_miniupnpd
upnp_nat_postrouting_chain=postrouting_miniupnpd
allow 1024-65535 192.168.$natted.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
EOF
: >"$updir/leases"
ip netns exec "$router" miniupnpd -d -f "$updir/miniupnpd.conf" -P "$updir/miniupnpd.pid" >"$updir/miniupnpd.log" 2>&1 &
LAB_OTHER_PIDS+=($!)
miniupnpd_pid=$!

# upnp_list — the router's mappings as "PROTO EXT INTERNAL_IP:PORT 'DESC'" lines, asked
# with upnpc from host 3's namespace (the UPnP view), one round (no discovery wait).
upnp_list() {
  ip netns exec "$(lab_ns "$natted")" upnpc -l 2>/dev/null |
    sed -n "s/^ *[0-9][0-9]* \(TCP\|UDP\) *\([0-9]*\)->\([0-9.:]*\) *'\([^']*\)'.*/\1 \2 \3 '\4'/p"
}
# nat_rules — the router's DNAT rules as miniupnpd wrote them (the kernel's view).
nat_rules() { ip netns exec "$router" nft list chain inet filter prerouting_miniupnpd | grep -c "dnat" || true; }
# wait_for SECONDS DESCRIPTION CMD... — poll CMD every 0.2 s until it succeeds.
wait_for() {
  local seconds=$1 what=$2 i; shift 2
  for i in $(seq $((seconds * 5))); do
    "$@" && return 0
    sleep 0.2
  done
  echo "timed out after ${seconds}s waiting for: $what"
  return 1
}
gateway_answers() { ip netns exec "$(lab_ns "$natted")" upnpc -s 2>/dev/null | grep -q "ExternalIPAddress = $ext_ip"; }
ours_mapped() { [ "$(upnp_list | grep -c "$lan_ip:.*re6stnet openvpn server")" -eq 2 ]; }
none_of_ours() { ! upnp_list | grep -q "re6stnet openvpn server" && [ "$(nat_rules)" -eq 0 ]; }

wait_for 30 "miniupnpd answering upnpc from host $natted" gateway_answers || {
  cat "$updir/miniupnpd.log"; lab_fail "miniupnpd does not answer on router $router"; }
echo "miniupnpd (pid $miniupnpd_pid) answers on the router: external address $ext_ip"
[ "$(nat_rules)" -eq 0 ] || lab_fail "the router forwards ports before any node asked"

lab_ca || lab_fail "no CA"
lab_registry_start || lab_fail "no registry"
for k in 1 2 3; do lab_enroll "$k" || lab_fail "host $k could not enroll"; done
lab_node_start 1
lab_node_start "$outside" --max-clients 0
upnp_args=(--ip upnp --disable-proto none --pp 1194 tcp --pp 1195 udp)
lab_node_start "$natted" "${upnp_args[@]}"

# ---- mappings and the address advertised --------------------------------------
lab_wait_log "$natted" "UPnP: gateway $ext_ip maps" 150 ||
  lab_fail "host $natted did not map its ports on the gateway within 150 s" "$natted"
wait_for 10 "both mappings listed by the router" ours_mapped || {
  upnp_list; lab_fail "the router does not list host $natted's two mappings" "$natted"; }
echo "router's mappings:"; upnp_list | sed 's/^/  /'
tcp_ext=$(upnp_list | awk -v c="$lan_ip:1194" '$1 == "TCP" && $3 == c { print $2 }')
udp_ext=$(upnp_list | awk -v c="$lan_ip:1195" '$1 == "UDP" && $3 == c { print $2 }')
for p in "$tcp_ext" "$udp_ext"; do
  [ -n "$p" ] && [ "$p" -ge 32768 ] && [ "$p" -le 40959 ] || lab_fail "external port '$p' is not in 32768-40959"
done
[ "$(nat_rules)" -eq 2 ] || lab_fail "the router's nftables has $(nat_rules) DNAT rules, not 2"
advertised="$ext_ip,$tcp_ext,tcp;$ext_ip,$udp_ext,udp"
lab_wait_log "$natted" "our address, with UPnP: $advertised" 10 ||
  lab_fail "host $natted does not advertise $advertised" "$natted"
echo "host $natted advertises $advertised"

# ---- a node outside connects TO the NATed node through the mapping -------------
lab_wait_mesh 150 || lab_fail "no full mesh within 150 s" 1 2 3
inbound() { lab_tunnel_edges | awk -v n="$natted" '$2 == n { print $1 }' | head -1; }
has_inbound() { [ -n "$(inbound)" ]; }
wait_for 120 "an outside node's client tunnel to host $natted" has_inbound || true
from=$(inbound)
[ -n "$from" ] || lab_fail "no node opened a tunnel to host $natted; tunnels (client server): $(lab_tunnel_edges | tr '\n' ',')" "$natted" "$outside"
remote_args=$(for p in $(ip netns pids "$(lab_ns "$from")"); do
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = openvpn ] && tr '\0' ' ' <"/proc/$p/cmdline"; echo; done | grep -o -- "--remote $ext_ip [0-9]* [a-z0-9-]*" | head -1)
[[ "$remote_args" == "--remote $ext_ip $tcp_ext "* ]] ||
  lab_fail "host $from's tunnel to host $natted does not use the mapping: '$remote_args'" "$from"
established() {
  ip netns exec "$(lab_ns "$natted")" ss -Htn state established "( sport = :1194 )" | grep -q " $LAB_NET.$from:"
}
wait_for 60 "host $from's TCP connection arriving at $lan_ip:1194" established ||
  lab_fail "host $from's tunnel never reached host $natted's server" "$natted" "$from"
echo "host $from -> host $natted: OpenVPN client to $ext_ip:$tcp_ext, arriving at $lan_ip:1194 through the mapping"
lab_reach_table

# ---- exit: mappings deleted ------------------------------------------------------
lab_node_kill "$natted" TERM
wait_for 10 "host $natted's mappings gone from the router" none_of_ours ||
  { upnp_list; lab_fail "host $natted's mappings are still on the router after it stopped" "$natted"; }
kill -0 "$miniupnpd_pid" || lab_fail "miniupnpd died"
echo "after a graceful stop: no mapping of host $natted left (upnpc -l and the router's nftables agree)"

# A SIGKILL leaves them (nothing can run); the next start removes them first.
lab_node_start "$natted" "${upnp_args[@]}"
wait_for 150 "host $natted mapped again" ours_mapped || lab_fail "host $natted did not map again after a restart" "$natted"
lab_node_kill "$natted" KILL
ours_mapped || lab_fail "the mappings disappeared without their owner's help?"
stale=$(upnp_list | grep -c "$lan_ip:" || true)
lab_node_start "$natted" "${upnp_args[@]}"
lab_wait_log "$natted" "left by an earlier run: deleted" 150 ||
  lab_fail "host $natted did not delete the mappings its killed predecessor left" "$natted"
wait_for 30 "exactly host $natted's two new mappings" ours_mapped || lab_fail "host $natted: not two mappings after restart" "$natted"
echo "after a SIGKILL: $stale stale mappings, deleted by the next start ($(upnp_list | grep -c "$lan_ip:") mappings now)"
lab_node_kill "$natted" TERM
wait_for 10 "host $natted's mappings gone again" none_of_ours || lab_fail "mappings left after the second stop" "$natted"
echo "PASS: UPnP mappings made, advertised, used by host $from, and deleted at exit"
