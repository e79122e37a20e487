#!/usr/bin/env bash
# lab_lan BIN_DIR — node-protocol.md §1.1 `-i IFACE`: nodes on one LAN find each other
# through babeld on that interface, without any tunnel (--client-count 0
# --max-clients 0: no OpenVPN at all), and every pair reaches the other's re6st address.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
lab_test_setup "${1:?usage: lab_lan.sh BIN_DIR}"

lab_hosts 3 || lab_fail "could not create the hosts"
lab_ca || lab_fail "no CA"
lab_registry_start || lab_fail "registry did not start"
for k in 1 2 3; do lab_enroll "$k" || lab_fail "enrollment of host $k"; done
# up0 is each host's link to the shared "internet" bridge: here, a LAN.
for k in 1 2 3; do lab_node_start "$k" -i up0 --client-count 0 --max-clients 0; done
lab_wait_mesh 120 || lab_fail "LAN discovery with -i did not connect the nodes within 120 s" 1 2 3
for k in 1 2 3; do
  if pgrep -P "${LAB_NODE_PID[$k]}" -x openvpn >/dev/null; then lab_fail "host $k runs OpenVPN with no tunnels asked" "$k"; fi
  grep -q "dev up0" <<<"$(lab_exec "$k" ip -6 route show proto babel)" || lab_fail "host $k has no Babel route over the LAN" "$k"
done
echo "PASS: -i LAN discovery, full mesh without tunnels in ${LAB_MESH_SECONDS}s"
