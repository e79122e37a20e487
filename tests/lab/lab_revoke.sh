#!/usr/bin/env bash
# lab_revoke BIN_DIR — issue 3 §2 (c): a node revoked at the registry (private
# /revoke?cn_or_serial=CN, registry-protocol.md §6.10) is refused by its peers once the
# new network config propagates: its address stops being reachable while the others
# stay connected.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
lab_test_setup "${1:?usage: lab_revoke.sh BIN_DIR}"

lab_start_network 4 || lab_fail "could not set the network up"
lab_wait_mesh 120 || lab_fail "4 nodes did not reach a full mesh within 120 s"

victim=4
cn=$(lab_node_cn "$victim")
answer=$(lab_registry_private "revoke?cn_or_serial=$cn" 2>&1 || true)
grep -q '^HTTP 204$' <<<"$answer" || lab_fail "revoke of CN $cn: $answer" 1
echo "revoked host $victim (CN $cn)"
LAB_REVOKED_AT=$(lab_now)
read -ra others <<<"$(lab_others "$victim")"
lab_wait_unreachable 180 "$victim" "${others[@]}" ||
  lab_fail "the revoked host $victim is still reachable" "$victim" "${others[@]}"
lab_wait_mesh 120 "${others[@]}" || lab_fail "the other nodes lost each other after the revocation" "${others[@]}"
# Every other node learns the new configuration (its CRL) from a peer that has it
# (node-protocol.md §6.6 code 0, §7.4). A node whose only control session was with
# the victim learns it once its next hello to another node is allowed (at most one per
# peer per 60 s, §6.3): until then it may still keep a tunnel to the victim, through
# which the others reach it (seen once: host 2 had asked host 4 for its address just
# before the revocation and tunnelled to it 1 s later).
for k in "${others[@]}"; do
  lab_wait_log "$k" "network configuration changed (version" 180 ||
    lab_fail "host $k never learned the new network configuration" "$k"
done
echo "the new configuration reached hosts ${others[*]} after $(lab_elapsed "$LAB_REVOKED_AT")s"
# Refused, not dead: the revoked node keeps running (its renewal fails: the CN is
# freed) and its peers keep refusing it.
lab_node_alive "$victim" || lab_fail "the revoked node's re6stnet exited instead of running refused" "$victim"
lab_hold_unreachable 30 "$victim" "${others[@]}" || lab_fail "a peer accepted the revoked host again" "$victim" "${others[@]}"
lab_reach_table
echo "PASS: host $victim refused ${LAB_UNREACH_SECONDS}s after its revocation"
