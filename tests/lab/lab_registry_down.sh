#!/usr/bin/env bash
# lab_registry_down BIN_DIR — issue 3 §2 (b): with the registry host's processes
# stopped (re6st-registry and its node), the other nodes stay connected, and a node
# restarted meanwhile rejoins from its cache (no registry to ask).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
lab_test_setup "${1:?usage: lab_registry_down.sh BIN_DIR}"

lab_start_network 5 || lab_fail "could not set the network up"
lab_wait_mesh 120 || lab_fail "5 nodes did not reach a full mesh within 120 s"
# The nodes must not depend on the registry node alone: wait until their own client
# tunnels connect them (each node opens client-count tunnels to peers it discovers).
lab_wait_tunnels_without 180 1 || lab_fail "the network still hangs on the registry node" 2 3 4 5

lab_registry_stop
lab_node_kill 1 TERM
read -ra rest <<<"$(lab_others 1)"
lab_wait_mesh 60 "${rest[@]}" || lab_fail "the mesh fell apart without the registry host" "${rest[@]}"

victim=3
lab_node_kill "$victim" TERM
lab_node_start "$victim"
lab_wait_mesh 120 "${rest[@]}" ||
  lab_fail "host $victim did not rejoin from its cache while the registry is down" "$victim"
lab_reach_table "${rest[@]}"
echo "PASS: registry down, host $victim rejoined from its cache in ${LAB_MESH_SECONDS}s"
