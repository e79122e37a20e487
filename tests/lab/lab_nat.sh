#!/usr/bin/env bash
# lab_nat BIN_DIR — issue 3 §2 (d): a node behind an nft MASQUERADE router (no port
# forwarded, so nobody can reach its servers) joins the mesh through its own client
# tunnels.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
lab_test_setup "${1:?usage: lab_nat.sh BIN_DIR}"

natted=4
lab_start_network 4 "$natted" || lab_fail "could not set the network up"
lab_wait_mesh 150 || lab_fail "the NATed host $natted did not join within 150 s" "$natted" 1
lab_reach_table
edges=$(lab_tunnel_edges)
echo "client tunnels (client server): $(tr '\n' ',' <<<"$edges")"
grep -q "^$natted " <<<"$edges" || lab_fail "the NATed host $natted has no client tunnel of its own" "$natted"
echo "PASS: NATed host $natted in a full mesh of 4 after ${LAB_MESH_SECONDS}s"
