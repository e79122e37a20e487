#!/usr/bin/env bash
# lab_gateway BIN_DIR — node-protocol.md §9.3 `--gateway`: the registry node has an IPv6
# default route and exports it into the re6st network as a source-specific route
# (::/0 from the network); the other nodes install it as "default from <network>" only,
# so their own default route is untouched.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
lab_test_setup "${1:?usage: lab_gateway.sh BIN_DIR}"

lab_hosts 2 || lab_fail "could not create the hosts"
lab_ca || lab_fail "no CA"
lab_registry_start || lab_fail "registry did not start"
for k in 1 2; do lab_enroll "$k" || lab_fail "enrollment of host $k"; done
# Host 1's uplink gets an IPv6 default route (to a documentation address on the LAN);
# proto static: stock babeld does not redistribute proto boot routes (iproute2's default).
lab_exec 1 ip -6 addr add 2001:db8:ffff::1/64 dev up0 nodad
lab_exec 1 ip -6 route add default via 2001:db8:ffff::fe dev up0 proto static
lab_node_start 1 --gateway
lab_node_start 2
lab_wait_mesh 120 || lab_fail "no mesh within 120 s" 1 2
net=2001:db8:42::/48
for _ in $(seq 120); do
  grep -q "^default from $net .*proto babel" <<<"$(lab_exec 2 ip -6 route show from "$net")" && break
  sleep 1
done
grep -q "^default from $net .*proto babel" <<<"$(lab_exec 2 ip -6 route show from "$net")" ||
  lab_fail "host 2 did not install the gateway's default route from $net: $(lab_exec 2 ip -6 route show from "$net" | tr '\n' ';')" 1 2
if awk '/proto babel/ && !/ from / { found = 1 } END { exit !found }' <<<"$(lab_exec 2 ip -6 route show default)"; then
  lab_fail "host 2 installed a plain default route from Babel" 2
fi
echo "PASS: --gateway exports ::/0 from $net; host 2 installed it source-specific only"
