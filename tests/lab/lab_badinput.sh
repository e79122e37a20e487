#!/usr/bin/env bash
# lab_badinput BIN_DIR — issue 3 §2 "bad input": garbage, truncated, foreign-signed
# and tampered datagrams sent to a running node's UDP port 326 (node-protocol.md §6)
# are dropped and counted (its debug log names each reason), and the node keeps
# working: the mesh stays whole, before and after. Then its OpenVPN server is
# SIGKILLed, then its babeld: the daemon notices, restarts each, and the mesh recovers.
# Last, its --up command hangs (the node stays responsive and stoppable) and fails.
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
log_start=$(wc -l <"$log")
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
# Counted, but logged at most once per reason per 10 s (audit F9: anyone can make a node
# drop datagrams). One more "too short" datagram a second, until the node's next line for
# that reason says how many it left out (bounded).
short=$(lab_exec 2 /usr/bin/python3 - "$anycast" "$log" "$log_start" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
def reported():
    with open(sys.argv[2], errors="replace") as f:
        lines = f.readlines()[int(sys.argv[3]):]
    return any("dropped: too short" in l and "more dropped for this reason" in l for l in lines)
for sent in range(1, 61):
    s.sendto(b"\x01", (sys.argv[1], 326))
    time.sleep(1)
    if reported():
        break
print(sent)
PY
)
lines=$(tail -n +"$((log_start + 1))" "$log" | grep -c 'dropped:' || true)
echo "host $target logged $lines drop lines for 280 + $short bad datagrams; reasons:"
tail -n +"$((log_start + 1))" "$log" | grep -o 'dropped: [a-z ]*' | sort | uniq -c | sed 's/^/  /'
left=$(tail -n +"$((log_start + 1))" "$log" | sed -n 's/.*dropped: too short.*\[\([0-9]*\) more dropped.*/\1/p' | awk '{s += $1} END {print s + 0}')
counted=$(( $(tail -n +"$((log_start + 1))" "$log" | grep -c 'dropped: too short' || true) + left ))
[ "$left" -gt 0 ] || lab_fail "no line said how many 'too short' drops were left out" "$target"
[ "$counted" -ge 40 ] || lab_fail "host $target accounted for only $counted of the 40 + $short 'too short' datagrams" "$target"
[ "$lines" -le 30 ] || lab_fail "drop logging is not rate-limited: $lines lines" "$target"
for reason in "too short" "malformed" "untrusted certificate"; do
  grep -q "dropped: $reason" <(tail -n +"$((log_start + 1))" "$log") || lab_fail "no '$reason' drop logged" "$target"
done
lab_node_alive "$target" || lab_fail "host $target died on bad input" "$target"
lab_wait_mesh 60 || lab_fail "the mesh broke after the bad datagrams" "$target"

# A dead OpenVPN server is noticed and restarted (node-protocol.md §3.3, §2.6).
server_pid() { # PID of host $1's OpenVPN server on re6stnet-tcp
  local p
  for p in $(pgrep -P "${LAB_NODE_PID[$1]}" -x openvpn || true); do
    grep -q -- "--dev re6stnet-tcp " <<<"$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" && { echo "$p"; return 0; }
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

# A hung --up command (node-protocol.md §2.4 step 18) holds the start back, as upstream's
# does, but no longer the event loop: the node answers its local channel (§6.8, code 4)
# meanwhile, a SIGTERM stops it at once, and a failing --up stops it with its status.
d=$(lab_dir "$target")
ups=$(grep -c "re6stnet is up" "$log" || true)
lab_node_kill "$target"
rm -f "$d/up-started" "$d/up-release"
lab_node_start "$target" --up "touch $d/up-started; while [ ! -e $d/up-release ]; do sleep 0.1; done"
for _ in $(seq 600); do [ -e "$d/up-started" ] && break; lab_node_alive "$target" || break; sleep 0.1; done
[ -e "$d/up-started" ] || lab_fail "host $target never ran its --up command" "$target"
cn=$(lab_node_cn "$target")
info=$(lab_exec "$target" /usr/bin/python3 - "$cn" <<'PY'
import socket, sys
value, length = sys.argv[1].split("/")
bits = format(int(value), "0%db" % int(length)).encode()
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(bits + b"\0\x04", ("::1", 326))
answer = s.recv(4096)
head = bits + b"\0\x04"
print(answer[len(head):].decode() if answer.startswith(head) else "unexpected answer %r" % answer[:64])
PY
) || lab_fail "host $target did not answer its local channel while --up ran" "$target"
echo "host $target answered while --up ran: $info"
[ "$(grep -c "re6stnet is up" "$log" || true)" -eq "$ups" ] || lab_fail "host $target came up before --up returned" "$target"
t0=$(lab_now)
lab_node_kill "$target"
echo "SIGTERM during --up: host $target stopped in $(lab_elapsed "$t0")s"
[ -z "${LAB_LEFTOVERS:-}" ] || lab_fail "processes left after stopping during --up:$LAB_LEFTOVERS" "$target"

lab_node_start "$target" --up "exit 3"
for _ in $(seq 600); do lab_node_alive "$target" || break; sleep 0.1; done
lab_node_alive "$target" && lab_fail "host $target kept running after its --up command failed" "$target"
grep -q -- "--up command failed with status 3: exit 3" "$log" || lab_fail "the failing --up was not reported" "$target"
wait "${LAB_NODE_PID[$target]}" 2>/dev/null || true
LAB_NODE_PID[$target]=

lab_node_start "$target" --up "touch $d/up-release"
lab_wait_mesh 120 || lab_fail "the mesh did not recover after restarting host $target with --up" "$target"
[ -e "$d/up-release" ] || lab_fail "host $target's --up command did not run" "$target"
echo "PASS: 280 + $short bad datagrams dropped and counted ($lines log lines); killed OpenVPN server (pid $old -> $new) and babeld (pid $bold -> $bnew) restarted; a hung --up left the node responsive and stoppable, a failing one stopped it"
