#!/usr/bin/env bash
# lab_client_ipv4 BIN_DIR — node-protocol.md §3.6 and §2.5: a node in `--client` mode
# (one OpenVPN client, no servers, no tunnel manager) joins through the registry node,
# and with the network's IPv4 payload (registry --ipv4 10.42.0.0/16 8) every node gets
# its 10.42.<serial>.1 address routed by Babel; everything is removed at exit.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
lab_test_setup "${1:?usage: lab_client_ipv4.sh BIN_DIR}"

lab_hosts 3 || lab_fail "could not create the hosts"
lab_ca || lab_fail "no CA"
lab_registry_start --ipv4 10.42.0.0/16 8 || lab_fail "registry did not start"
for k in 1 2 3; do lab_enroll "$k" || lab_fail "enrollment of host $k"; done
# The --client node first: its first connection is refused (no server yet), so
# OpenVPN's own retry (a soft restart, held again by the management interface)
# must be released for it to join later.
lab_node_start 3 --client "$LAB_NET.1,1194,tcp"
lab_wait_log 3 "re6stnet is up" 60 || lab_fail "the --client node did not start" 3
lab_node_start 1
lab_node_start 2
lab_wait_mesh 120 || lab_fail "no full mesh with a --client node within 120 s" 3

# IPv4 payload: the subject serialNumber of host k's certificate picks 10.42.<serial>.1.
declare -A V4
for k in 1 2 3; do
  s=$(openssl x509 -in "$(lab_dir "$k")/conf/cert.crt" -noout -subject -nameopt multiline |
      awk -F' = ' '/serialNumber/ { print $2 }')
  [ -n "$s" ] || lab_fail "host $k: no serialNumber in its certificate"
  V4[$k]=10.42.$s.1
done
for i in 1 2 3; do for j in 1 2 3; do
  [ "$i" = "$j" ] && continue
  ok=
  for _ in $(seq 60); do
    lab_exec "$i" ping -c1 -W2 "${V4[$j]}" >/dev/null 2>&1 && { ok=1; break; }
    sleep 1
  done
  [ -n "$ok" ] || lab_fail "host $i cannot ping host $j's IPv4 payload address ${V4[$j]}" "$i" "$j"
done; done
echo "IPv4 payload reachable: ${V4[*]}"

lab_node_kill 3 TERM
grep -q "10\.42\." <<<"$(lab_exec 3 ip -4 addr show)" && lab_fail "host 3 kept its IPv4 payload address after exit" 3
grep -q "10\.42\." <<<"$(lab_exec 3 ip -4 route)" && lab_fail "host 3 kept IPv4 payload routes after exit" 3
echo "PASS: --client node and IPv4 payload"
