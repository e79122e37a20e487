# shellcheck shell=bash
# labbus.sh — sourceable after lab.sh: a private dbus-daemon standing in for the system
# bus of one lab node (the bus configuration of tests/lab/lab_dbus.sh: anyone may connect,
# own and eavesdrop; dbus/org.re6st.Node.conf included).
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   labbus_start DIR     dbus-daemon listening on DIR/bus; sets LABBUS_ADDRESS and
#                        LABBUS_PID (also in LAB_OTHER_PIDS: lab_down stops it)
#   labbus_has_owner NAME
#   labbus_wait_owner NAME TIMEOUT [PID]   poll until NAME has an owner (while PID lives)

LABBUS_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

labbus_start() {
  local d=${1:?labbus_start DIR}
  mkdir -p "$d"
  cat >"$d/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>re6st-lab</type>
  <listen>unix:path=$d/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <include>$LABBUS_SRC/dbus/org.re6st.Node.conf</include>
</busconfig>
EOF
  setpriv --pdeathsig KILL -- dbus-daemon --config-file="$d/bus.conf" --nofork --nopidfile --print-address=1 \
    >"$d/bus.address" 2>"$d/bus.err" &
  LABBUS_PID=$!
  LAB_OTHER_PIDS+=("$LABBUS_PID")
  for _ in $(seq 100); do
    [ -s "$d/bus.address" ] && break
    kill -0 "$LABBUS_PID" 2>/dev/null || break
    sleep 0.1
  done
  LABBUS_ADDRESS=$(head -n 1 "$d/bus.address")
  [ -n "$LABBUS_ADDRESS" ] || { lab_die "dbus-daemon printed no address: $(cat "$d/bus.err")"; return 1; }
}

labbus_has_owner() {
  timeout 20 dbus-send --bus="$LABBUS_ADDRESS" --print-reply=literal --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}

labbus_wait_owner() {
  local name=$1 bound=$2 pid=${3:-}
  for _ in $(seq $((bound * 10))); do
    labbus_has_owner "$name" && return 0
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && break
    sleep 0.1
  done
  labbus_has_owner "$name"
}
