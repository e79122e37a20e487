#!/usr/bin/env bash
# manpage-commands.sh BIN_DIR SOURCE_DIR — the commands of re6stnet(8)
# (../shared/seed/re6stnet.8.txt) typed exactly as written, with our programs.
# Runs in private mount + network namespaces (root): port 80 and 25, /etc/hosts
# (smtp.example.com, re6st.example.com -> loopback) and the default paths
# /var/lib/re6stnet, /var/log/re6stnet are the namespace's own, nothing leaks out.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
BIN=$(cd "$1" && pwd) SRC=$(cd "$2" && pwd)
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root for namespaces"; exit 77; fi
if [ -z "${RE6ST_IN_NS:-}" ]; then
  exec env RE6ST_IN_NS=1 unshare --mount --net --fork --propagation private "$0" "$@"
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
WORK=$(mktemp -d /tmp/re6st-manpage.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

ip link set lo up
mount -t tmpfs tmpfs /var/lib
mount -t tmpfs tmpfs /var/log
printf '127.0.0.1 localhost smtp.example.com re6st.example.com\n::1 localhost\n' >"$WORK/hosts"
mount --bind "$WORK/hosts" /etc/hosts
export PATH="$BIN:$PATH"

/usr/bin/python3 "$SRC/tests/e2e/smtp_sink.py" --dir "$WORK/mail" --port 25 >"$WORK/smtp.port" &
PIDS+=($!)
for _ in $(seq 200); do [ -s "$WORK/smtp.port" ] && break; sleep 0.1; done
[ -s "$WORK/smtp.port" ] || fail "SMTP sink did not start"

wait_registry() {
  for _ in $(seq 300); do
    curl -fsS "$1getCa" -o /dev/null 2>/dev/null && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || fail "re6st-registry exited"
    sleep 0.1
  done
  fail "re6st-registry did not answer on $1"
}

# enroll DIR URL EMAIL — re6st-conf as in the man page, answering its prompts.
enroll() {
  local dir=$1 url=$2 email=$3 token= before
  before=$(cat "$WORK"/mail/msg-*.eml 2>/dev/null | grep -c "your token" || true)
  mkfifo "$dir/answers"
  (cd "$dir" && re6st-conf --registry "$url") <"$dir/answers" >"$dir/out" 2>&1 &
  local conf=$!
  exec 3>"$dir/answers"
  echo "$email" >&3
  for _ in $(seq 300); do
    token=$(cat "$WORK"/mail/msg-*.eml 2>/dev/null | sed -n 's/.*your token to join re6st network is: \([a-z]*\).*/\1/p' | sed -n "$((before + 1))p" || true)
    [ -n "$token" ] && break
    sleep 0.1
  done
  [ -n "$token" ] || { cat "$dir/out"; fail "no token mail for $email"; }
  echo "$token" >&3
  exec 3>&-
  wait "$conf" || { cat "$dir/out"; fail "re6st-conf failed in $dir"; }
}

echo "== Setting a new network"
mkdir -p "$WORK/reg" && cd "$WORK/reg"
openssl genpkey -out ca.key -algorithm rsa -pkeyopt rsa_keygen_bits:2048 2>/dev/null
printf '\n\n\n\n\nre6st.example.com\nre6st@example.com\n' |
  openssl req -nodes -new -x509 -key ca.key -set_serial 0x120010db80042 \
              -days 365 -out ca.crt 2>/dev/null
cp ca.crt ca.crt.orig

re6st-registry --ca ca.crt --key ca.key --mailhost smtp.example.com &
PIDS+=($!)
wait_registry http://localhost/
enroll "$WORK/reg" http://localhost/ admin@example.com
grep -qx 'Your subnet: 2001:db8:42::/64 (CN=0/16)' out || { cat out; fail "first node is not 2001:db8:42::/64"; }
cmp -s ca.crt ca.crt.orig || fail "ca.crt was not overridden without harm"
for f in cert.crt cert.key re6stnet.conf; do [ -s "$f" ] || fail "$f missing"; done
grep -qx 'registry http://localhost/' re6stnet.conf || fail "re6stnet.conf lacks the registry"
[ -s /var/lib/re6stnet/registry.db ] || fail "registry.db not at its default path"
grep -q "From: re6st@example.com" "$WORK"/mail/msg-*.eml || fail "token mail not sent by the CA email"

echo "== Restart with --private"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'
re6st-registry --private 2001:db8:42::1 --ca ca.crt --key ca.key --mailhost smtp.example.com &
PIDS+=($!)
wait_registry http://localhost/
[ "$(curl -fsS 'http://localhost/getNodePrefix?email=admin%40example.com')" = "0/16" ] ||
  fail "registry restarted with --private lost the first node"

echo "== Joining an existing network"
mkdir -p "$WORK/laptop"
enroll "$WORK/laptop" http://re6st.example.com/ laptop@example.com
grep -qx 'Your subnet: 2001:db8:42:1::/64 (CN=1/16)' "$WORK/laptop/out" || { cat "$WORK/laptop/out"; fail "second node"; }
(cd "$WORK/laptop" && ls ca.crt cert.crt cert.key re6stnet.conf >/dev/null) || fail "files missing"
# wait_up PID — until re6stnet logs that it is up (its log: /var/log/re6stnet/re6stnet.log).
wait_up() {
  for _ in $(seq 600); do
    grep -q "re6stnet is up" /var/log/re6stnet/re6stnet.log 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || { tail -20 /var/log/re6stnet/re6stnet.log; fail "re6stnet exited"; }
    sleep 0.1
  done
  tail -20 /var/log/re6stnet/re6stnet.log; fail "re6stnet did not come up"
}
# stop_node PID ADDRESS — SIGTERM, exit status 0, nothing left on lo.
stop_node() {
  kill "$1"; local rc=0; wait "$1" || rc=$?
  unset 'PIDS[-1]'
  [ "$rc" -eq 0 ] || fail "re6stnet exited with $rc on SIGTERM"
  # (grep on captured output: with pipefail, `ip | grep -q` fails when ip gets SIGPIPE)
  ! grep -q "$2" <<<"$(ip -6 addr show dev lo)" || fail "$2 left on lo after exit"
  [ ! -e /var/run/re6stnet ] || fail "/var/run/re6stnet left after exit"
  rm /var/log/re6stnet/re6stnet.log
}

echo "== re6stnet on the registry node"
mount -t tmpfs tmpfs /run
cd "$WORK/reg"
re6stnet --registry http://localhost/ --ip re6st.example.com --ca ca.crt --cert cert.crt --key cert.key &
NODE=$!
PIDS+=("$NODE")
wait_up "$NODE"
grep -q "2001:db8:42::1/64" <<<"$(ip -6 addr show dev lo)" || fail "registry node address not on lo"
grep -q "advertising 127.0.0.1,1194,tcp" /var/log/re6stnet/re6stnet.log || fail "--ip re6st.example.com not resolved"
stop_node "$NODE" 2001:db8:42::1/64

echo "== re6stnet on the joining node"
cd "$WORK/laptop"
cp "${RE6ST_VECTORS:-$SRC/../shared/vectors}/crypto/dh2048.pem" dh2048.pem
re6stnet --dh dh2048.pem --ca ca.crt --cert cert.crt --key cert.key \
         --registry http://re6st.example.com/ &
NODE=$!
PIDS+=("$NODE")
wait_up "$NODE"
grep -q "2001:db8:42:1::1/64" <<<"$(ip -6 addr show dev lo)" || fail "joining node address not on lo"
stop_node "$NODE" 2001:db8:42:1::1/64

echo "== --up/--daemon environment (re6stnet(8)), SIGHUP exit status"
re6stnet --dh dh2048.pem --ca ca.crt --cert cert.crt --key cert.key --registry http://re6st.example.com/ \
         --up "env | grep ^re6stnet_ | sort >$WORK/up.env" \
         --daemon "echo \$\$ >$WORK/daemon.pid; env | grep ^re6stnet_ | sort >$WORK/daemon.env; exec sleep 600" &
NODE=$!
PIDS+=("$NODE")
wait_up "$NODE"
printf '%s\n' re6stnet_iface=lo re6stnet_ip=2001:db8:42:1::1 re6stnet_network=2001:db8:42::/48 \
       re6stnet_subnet=2001:db8:42:1::/64 >"$WORK/expected.env"
cmp -s "$WORK/up.env" "$WORK/expected.env" || { cat "$WORK/up.env"; fail "--up environment"; }
for _ in $(seq 100); do [ -s "$WORK/daemon.env" ] && break; sleep 0.1; done
cmp -s "$WORK/daemon.env" "$WORK/expected.env" || { cat "$WORK/daemon.env"; fail "--daemon environment"; }
kill -HUP "$NODE"; rc=0; wait "$NODE" || rc=$?; unset 'PIDS[-1]'
[ "$rc" -eq 255 ] || fail "SIGHUP: exit status $rc, expected 255 (systemd restarts on failure)"
! kill -0 "$(cat "$WORK/daemon.pid")" 2>/dev/null || fail "--daemon command left running after exit"
rm /var/log/re6stnet/re6stnet.log
echo "PASS: every command of re6stnet(8) works as written"

