#!/usr/bin/env bash
# demo.sh BIN_DIR — the README's main job: a CA for 2001:db8:42::/48 made with the
# openssl commands of re6stnet(8), re6st-registry on loopback, one node enrolled with
# re6st-conf through the real token flow, its subnet and address printed; the
# registry keeps running until Ctrl-C. Everything lives in a temporary directory.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
BIN=$(cd "${1:?usage: demo.sh BIN_DIR}" && pwd)
PORT=${RE6ST_DEMO_PORT:-80}
WORK=$(mktemp -d /tmp/re6st-demo.XXXXXX)
REGISTRY_PID=
cleanup() {
  [ -n "$REGISTRY_PID" ] && kill "$REGISTRY_PID" 2>/dev/null && wait "$REGISTRY_PID" 2>/dev/null || true
  echo "Demo stopped; files kept in $WORK"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Ports below 1024 need root: fall back to 18080+ otherwise.
[ "$(id -u)" -ne 0 ] && [ "$PORT" -lt 1024 ] && PORT=18080
if port_busy "$PORT"; then
  PORT=18080; while port_busy "$PORT"; do PORT=$((PORT + 1)); done
fi
URL="http://localhost:$PORT/"
cd "$WORK"
mkdir -p registry node

echo "== 1. CA for 2001:db8:42::/48 (serial 0x120010db80042, as in re6stnet(8))"
openssl genpkey -out registry/ca.key -algorithm rsa -pkeyopt rsa_keygen_bits:2048 2>/dev/null
openssl req -nodes -new -x509 -key registry/ca.key -set_serial 0x120010db80042 -days 365 \
        -subj "/CN=demo.re6st.example/emailAddress=re6st@example.com" -out registry/ca.crt
echo "   fingerprint $(openssl x509 -in registry/ca.crt -noout -fingerprint -sha256)"

echo "== 2. re6st-registry on loopback, port $PORT (token mail goes to registry/mail.mbox)"
touch registry/mail.mbox
"$BIN/re6st-registry" --ca registry/ca.crt --key registry/ca.key --mailhost "$WORK/registry/mail.mbox" \
    --db registry/registry.db -4 127.0.0.1 -6 ::1 --port "$PORT" --logfile registry/registry.log -v 2 &
REGISTRY_PID=$!
for _ in $(seq 100); do
  curl -fsS "${URL}getCa" -o /dev/null 2>/dev/null && break
  kill -0 "$REGISTRY_PID" 2>/dev/null || { echo "re6st-registry exited; see $WORK/registry/registry.log" >&2; exit 1; }
  sleep 0.1
done

echo "== 3. re6st-conf enrolls a node (token read from the mail the registry sent)"
FP=sha256:$(openssl x509 -in registry/ca.crt -outform der | sha256sum | cut -d' ' -f1)
mkfifo node/answers
"$BIN/re6st-conf" --registry "$URL" --fingerprint "$FP" --dir node --email demo@example.com \
    -r O "re6st-qt demo" <node/answers >node/conf.out 2>&1 &
CONF_PID=$!
exec 3>node/answers
TOKEN=
for _ in $(seq 300); do
  TOKEN=$(sed -n 's/.*your token to join re6st network is: \([a-z]*\).*/\1/p' registry/mail.mbox | tail -1)
  [ -n "$TOKEN" ] && break
  kill -0 "$CONF_PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$TOKEN" ] || { cat node/conf.out >&2; echo "no token mail arrived" >&2; exit 1; }
echo "   token from the mail: $TOKEN"
echo "$TOKEN" >&3
exec 3>&-
wait "$CONF_PID" || { cat node/conf.out >&2; exit 1; }
sed 's/^/   /' node/conf.out

SUBNET=$(sed -n 's/^Your subnet: \([^ ]*\).*/\1/p' node/conf.out)
ADDRESS=${SUBNET%%/*}1
echo
echo "Node enrolled: subnet $SUBNET, address $ADDRESS"
echo "Files: $WORK/node (ca.crt cert.crt cert.key re6stnet.conf)"
echo "Registry $URL running (pid $REGISTRY_PID). Press Ctrl-C to stop."
wait "$REGISTRY_PID"
