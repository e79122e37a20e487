#!/usr/bin/env bash
# lab_badinput BIN_DIR — issue 3 §2 "bad input": garbage, truncated, foreign-signed
# and tampered datagrams sent to a running node's UDP port 326 (node-protocol.md §6)
# are dropped and counted (its debug log names each reason), and the node keeps
# working: the mesh stays whole, before and after. Then its OpenVPN server is
# SIGKILLed, then its babeld: the daemon notices, restarts each, and the mesh recovers.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
lab_test_setup "${1:?usage: lab_badinput.sh BIN_DIR}"

lab_start_network 3 || lab_fail "could not set the network up"
lab_wait_mesh 120 || lab_fail "3 nodes did not reach a full mesh within 120 s"

target=3
addr=$(lab_node_ip "$target")
anycast=${addr%1}          # <subnet>:: (node-protocol.md §2.2)
log=$(lab_dir "$target")/log/re6stnet.log
# A certificate of another CA (same network serial: only the signature differs).
d=$(lab_dir 2)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/foreign.key" -subj "/CN=1\\/16" -days 1 \
        -set_serial 4 -outform der -out "$d/foreign.der" 2>/dev/null
# From host 2, over the re6st network (its source address is inside the network).
lab_exec 2 /usr/bin/python3 - "$anycast" "$d/foreign.der" <<'PY'
import os, socket, struct, sys
dst = (sys.argv[1], 326)
der = open(sys.argv[2], "rb").read()
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
datagrams = [os.urandom(n) for n in (1, 5, 64, 600, 1400)]                # garbage
datagrams += [b"\0\0\0\1", b"\0\0\0\2\x0a", b"\0\0\0\5" + b"x" * 10]      # truncated
datagrams += [b"\0\0\0\1\x05" + b"f" * 7]    # hello cut inside its fingerprint: always "malformed"
datagrams += [struct.pack(">I", 0) + der, struct.pack(">I", 0) + der[:-7]]  # foreign-signed, cut
datagrams += [struct.pack(">I", 9) + b"\x01" + os.urandom(20)] * 3        # forged data (bad HMAC)
for d in datagrams * 20:
    s.sendto(d, dst)
print(len(datagrams) * 20, "bad datagrams sent to", dst)
PY
# Counted: wait (bounded) until the node's log shows the drops.
for _ in $(seq 100); do
  [ "$(grep -c 'dropped:' "$log" || true)" -ge 200 ] && break
  sleep 0.2
done
n=$(grep -c 'dropped:' "$log" || true)
echo "host $target logged $n dropped datagrams; reasons:"
grep -o 'dropped: [a-z ]*' "$log" | sort | uniq -c | sed 's/^/  /'
[ "$n" -ge 200 ] || lab_fail "host $target counted only $n of the 280 bad datagrams" "$target"
for reason in "too short" "malformed" "untrusted certificate"; do
  grep -q "dropped: $reason" "$log" || lab_fail "no '$reason' drop logged" "$target"
done
lab_node_alive "$target" || lab_fail "host $target died on bad input" "$target"
lab_wait_mesh 60 || lab_fail "the mesh broke after the bad datagrams" "$target"

# A dead OpenVPN server is noticed and restarted (node-protocol.md §3.3, §2.6).
server_pid() { # PID of host $1's OpenVPN server on re6stnet-tcp
  local p
  for p in $(pgrep -P "${LAB_NODE_PID[$1]}" -x openvpn || true); do
    grep -q -- "--dev re6stnet-tcp " <<<"$(tr '\0' ' ' <"/proc/$p/cmdline")" && { echo "$p"; return 0; }
  done
  return 1
}
old=$(server_pid "$target") || lab_fail "host $target runs no OpenVPN server" "$target"
kill -KILL "$old"
new=
for _ in $(seq 300); do
  new=$(server_pid "$target" || true)
  [ -n "$new" ] && [ "$new" != "$old" ] && break
  sleep 0.1
done
[ -n "$new" ] && [ "$new" != "$old" ] || lab_fail "host $target did not restart its killed OpenVPN server" "$target"
grep -q "OpenVPN server re6stnet-tcp was killed" "$log" || lab_fail "the server's death was not logged" "$target"
lab_wait_mesh 120 || lab_fail "the mesh did not recover after the server restart" "$target"

# A dead babeld is restarted too (node-protocol.md §4; its supervisor backs off from 1 s).
bold=$(pgrep -P "${LAB_NODE_PID[$target]}" -x babeld) || lab_fail "host $target runs no babeld" "$target"
kill -KILL "$bold"
bnew=
for _ in $(seq 300); do
  bnew=$(pgrep -P "${LAB_NODE_PID[$target]}" -x babeld || true)
  [ -n "$bnew" ] && [ "$bnew" != "$bold" ] && break
  sleep 0.1
done
[ -n "$bnew" ] && [ "$bnew" != "$bold" ] || lab_fail "host $target did not restart its killed babeld" "$target"
lab_wait_mesh 120 || lab_fail "the mesh did not recover after the babeld restart" "$target"
echo "PASS: $n bad datagrams dropped and counted; killed OpenVPN server (pid $old -> $new) and babeld (pid $bold -> $bnew) restarted"
