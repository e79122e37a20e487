#!/usr/bin/env bash
# demo.sh BIN_DIR — the README's main job: a re6st network of 5 machines on this
# computer, each one a network namespace on a private "internet" (10.77.0.0/24):
#   1. a CA for 2001:db8:42::/48 made with the openssl commands of re6stnet(8);
#   2. re6st-registry on the registry machine (tokens go to an mbox file);
#   3. every machine enrolled with re6st-conf through the real token flow;
#   4. re6stnet started on the registry machine and 4 others (OpenVPN + babeld);
#   5. wait until every machine pings every other one's re6st address, print the
#      round-trip times, keep the network running until Ctrl-C.
# Ctrl-C stops every process and deletes every namespace; logs stay in /tmp.
# Needs root (namespaces, tunnels). Options (environment): DEMO_NODES (4).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
BIN=$(cd "${1:?usage: demo.sh BIN_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/lab/lab.sh
source "$SRC/tests/lab/lab.sh"

if ! lab_require >/dev/null; then
  lab_require | sed 's/^SKIP: /demo: /' >&2
  echo "demo: run it as root: sudo ./dev.sh demo" >&2
  exit 1
fi
[ -x "$BIN/re6stnet" ] || { echo "demo: $BIN/re6stnet is missing: run ./dev.sh build" >&2; exit 1; }

NODES=${DEMO_NODES:-4}
HOSTS=$((NODES + 1))
lab_init "$BIN"
PAUSE_PID=
trap '[ -n "$PAUSE_PID" ] && kill "$PAUSE_PID" 2>/dev/null; lab_down' EXIT
trap 'echo; echo "Stopping the demo network..."; exit 0' INT TERM

echo "== 1. CA for 2001:db8:42::/48 (serial 0x120010db80042, as in re6stnet(8))"
LAB_SHOW_COMMANDS=1 lab_ca
echo "   fingerprint $(openssl x509 -in "$LAB_CA" -noout -fingerprint -sha256)"

echo "== 2. $HOSTS machines (namespaces $LAB_PREFIX-h1..h$HOSTS) on $LAB_NET.0/24;" \
     "re6st-registry on h1, http://$LAB_NET.1/"
lab_hosts "$HOSTS"
lab_registry_start
echo "   token mails go to $LAB_MBOX"

echo "== 3. re6st-conf on every machine (token read from the mail the registry sent)"
for k in "${LAB_HOSTS[@]}"; do
  LAB_QUIET=1 lab_enroll "$k"
  echo "   h$k: $(grep '^Your subnet: ' "$(lab_dir "$k")/conf/conf.out"), address $(lab_node_ip "$k")"
done

echo "== 4. re6stnet on every machine (h1 is the registry's own node)"
for k in "${LAB_HOSTS[@]}"; do
  LAB_QUIET=1 lab_node_start "$k"
  echo "   h$k: re6stnet pid ${LAB_NODE_PID[$k]}, logs in $(lab_dir "$k")/log"
done

echo "== 5. waiting until every machine reaches every other one (ping -6 over re6st)"
if ! lab_wait_mesh 300; then
  lab_report_failure
  echo "demo: the network did not converge; the logs above and in $LAB_WORK tell why." >&2
  exit 1
fi
echo
echo "Round-trip times (ms) between re6st addresses:"
lab_reach_table
echo
echo "Try: sudo ip netns exec $(lab_ns 2) ping -6 $(lab_node_ip "$HOSTS")"
echo "The network is running. Press Ctrl-C to stop it (everything is removed)."
while :; do
  sleep 60 & PAUSE_PID=$!
  wait "$PAUSE_PID" || true
  for k in "${LAB_HOSTS[@]}"; do
    if [ -n "${LAB_NODE_PID[$k]:-}" ] && ! lab_node_alive "$k"; then
      echo "h$k: re6stnet exited; see $(lab_dir "$k")/stdout.log"
      LAB_NODE_PID[$k]=
    fi
  done
done
