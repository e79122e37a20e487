#!/usr/bin/env bash
# lab_mesh BIN_DIR — issue 3 §2 (a): the registry node and 5 nodes enroll with
# re6st-conf; every node pings every other node's re6st address within 120 s; one
# node SIGKILLed (with its children, as systemd would) leaves the others connected,
# and once restarted it rejoins (within 100 s, upstream's test_reboot budget).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
lab_test_setup "${1:?usage: lab_mesh.sh BIN_DIR}"

lab_start_network 6 || lab_fail "could not set the network up"
lab_wait_mesh 120 || lab_fail "6 nodes did not reach a full mesh within 120 s"
lab_reach_table

# The registry answers versions/topology through its own node (registry-protocol.md §10,
# node-protocol.md §6.8): every node must answer, relayed over the peer protocol.
answer=
for _ in $(seq 30); do
  answer=$(lab_registry_private versions 2>&1 || true)
  grep -q '^HTTP 200$' <<<"$answer" && ! grep -q 'null' <<<"$answer" && break
  sleep 1
done
grep -q '^HTTP 200$' <<<"$answer" && ! grep -q 'null' <<<"$answer" ||
  lab_fail "versions through the registry node: $answer" 1
[ "$(grep -o '"[01]*": "' <<<"$answer" | wc -l)" -eq 6 ] || lab_fail "versions lists not 6 nodes: $answer" 1
echo "versions: $(head -1 <<<"$answer" | cut -c1-160)..."

victim=4
lab_node_kill "$victim" KILL
read -ra others <<<"$(lab_others "$victim")"
# The others notice (Babel retracts the dead node's routes) and stay connected.
lab_wait_unreachable 90 "$victim" "${others[@]}" ||
  lab_fail "host $victim, killed, is still routed" "${others[@]}"
lab_wait_mesh 60 "${others[@]}" || lab_fail "the others lost each other after host $victim was killed" "${others[@]}"

lab_node_start "$victim"
lab_wait_mesh 100 || lab_fail "host $victim did not rejoin within 100 s after its restart" "$victim" 1
lab_reach_table
echo "PASS: full mesh of 6 in ${LAB_MESH_SECONDS}s after the restart of host $victim"
