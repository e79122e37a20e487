#!/usr/bin/env bash
# lab_screenshot BIN_DIR [ARTIFACTS_DIR] — issue 5 §5: re6st-tray under Xvfb with a real
# tray host, fed by a running lab network, saved as PNG artifacts.
#
# A lab of 3 hosts (registry on host 1); only host 2's re6stnet is on a private system
# bus (tests/lab/labbus.sh). An X server (Xvfb), a tray host from Debian (trayer: an
# XEmbed system tray, which Qt 6.4's xcb QSystemTrayIcon docks into when no
# StatusNotifierWatcher is on a session bus — there is none here), and re6st-tray
# --window overview --screenshot ARTIFACTS_DIR --screenshot-nodes 2 on that bus. Checked:
#   - trayer owns _NET_SYSTEM_TRAY_S0 before re6st-tray starts (else Qt opens the window
#     instead of the icon), and re6st-tray's icon window (WM_CLASS re6st-tray, with
#     _XEMBED_INFO) ends up inside trayer's panel window;
#   - re6st-tray's window, once populated (its own condition: address, peers, tunnels,
#     routes, 2 other nodes in the neighbourhood), shows host 2's address and state
#     "connected", lists hosts 1 and 3 in the neighbourhood, and is mapped on the screen;
#   - ARTIFACTS_DIR/window-{overview,peers,tunnels,routes,neighbourhood}.png have the
#     window's size, tray.png the panel's, screen.png the screen's; none is one colour.
# Artifacts (default BIN_DIR/../artifacts): those PNGs and window.txt (what the window
# showed). Everything started here is stopped by PID from the EXIT trap.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
source "$HERE/lab.sh"
# shellcheck source=tests/lab/labbus.sh
source "$HERE/labbus.sh"

shot__skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || shot__skip "the lab needs root (network namespaces)"
for t in Xvfb trayer xwd xwininfo xprop identify dbus-daemon dbus-send setpriv timeout python3; do
  command -v "$t" >/dev/null 2>&1 ||
    shot__skip "$t is not installed (Debian packages xvfb, trayer, x11-apps, x11-utils, imagemagick, dbus-daemon, dbus-bin, util-linux, python3)"
done
# ImageMagick's own convert (another one may come first in PATH).
CONVERT=$(command -v /usr/bin/convert || command -v convert || true)
[ -n "$CONVERT" ] || shot__skip "convert is not installed (Debian package imagemagick)"
[ -x "${1:?usage: lab_screenshot.sh BIN_DIR [ARTIFACTS_DIR]}/re6st-tray" ] || shot__skip "$1/re6st-tray is not built (target re6st-tray)"
ART=${2:-$1/../artifacts}
mkdir -p "$ART"
ART=$(cd "$ART" && pwd)
rm -f "$ART"/tray.png "$ART"/screen.png "$ART"/window-*.png "$ART"/window.txt

lab_test_setup "$1"

D=$LAB_WORK/screenshot
mkdir -p "$D/xdg"
chmod 700 "$D/xdg"
XVFB_PID='' TRAYER_PID='' TRAY_PID=''
shot__exit() {
  local rc=$1
  set +e
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    for f in xvfb.log trayer.log re6st-tray.log bus.err; do
      echo "----- $f (last 30 lines):"; tail -n 30 "$D/$f" 2>/dev/null
    done
    echo "----- X windows:"; [ -n "${DISPLAY:-}" ] && xwininfo -root -tree 2>/dev/null | head -n 40
  fi
  # re6st-tray and trayer before the X server they draw on; the bus goes with the lab.
  local p
  for p in "$TRAY_PID" "$TRAYER_PID" "$XVFB_PID"; do
    [ -n "$p" ] && lab__stop_pids TERM "$p"
  done
  lab__test_exit "$rc"
}
trap 'shot__exit $?' EXIT

# x_selection_owner NAME — the X window owning selection NAME (0x0: none), via libX11.
x_selection_owner() {
  python3 - "$1" <<'EOF'
import ctypes, ctypes.util, sys
x = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x.XInternAtom.restype = ctypes.c_ulong
x.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
x.XGetSelectionOwner.restype = ctypes.c_ulong
d = x.XOpenDisplay(None)
if not d:
    sys.exit("cannot open the X display")
print(hex(x.XGetSelectionOwner(d, x.XInternAtom(d, sys.argv[1].encode(), 0))))
EOF
}
# png_check FILE WxH WHAT — FILE is a PNG of that size with more than one colour.
png_check() {
  [ -s "$1" ] || lab_fail "$3: $1 is missing or empty"
  local size colours
  size=$(identify -format '%wx%h' "$1" 2>/dev/null) || lab_fail "$3: $1 is not an image identify reads"
  [ "$size" = "$2" ] || lab_fail "$3: $1 is $size, expected $2"
  colours=$(identify -format '%k' "$1")
  [ "$colours" -gt 1 ] || lab_fail "$3: $1 is a single colour"
  echo "  $(basename "$1"): $size, $colours colours, $(stat -c %s "$1") bytes"
}
fact() { sed -n "s/^$1=//p" "$ART/window.txt"; }

# ---- 1. the lab, host 2 on the private system bus -----------------------------------
labbus_start "$D" || lab_fail "the private system bus did not start"
NODE=2
lab_hosts 3 || lab_fail "could not create the hosts"
lab_ca || lab_fail "could not create the CA"
lab_registry_start || lab_fail "re6st-registry did not start" 1
for k in 1 2 3; do lab_enroll "$k" || lab_fail "host $k could not enroll" "$k"; done
for k in 1 3; do
  DBUS_SYSTEM_BUS_ADDRESS="unix:path=$D/no-such-bus" lab_node_start "$k" || lab_fail "host $k did not start" "$k"
done
DBUS_SYSTEM_BUS_ADDRESS=$LABBUS_ADDRESS lab_node_start "$NODE" || lab_fail "host $NODE did not start" "$NODE"
labbus_wait_owner org.re6st.Node 30 "${LAB_NODE_PID[$NODE]}" ||
  lab_fail "host $NODE's re6stnet did not take org.re6st.Node on the private bus" "$NODE"
lab_wait_mesh 120 || lab_fail "3 nodes did not reach a full mesh within 120 s"
echo "lab up: host $NODE ($(lab_node_cn "$NODE"), $(lab_node_ip "$NODE")) on $LABBUS_ADDRESS, mesh in ${LAB_MESH_SECONDS}s"

# ---- 2. X server and tray host ------------------------------------------------------
# -displayfd: Xvfb picks a free display and writes its number once it accepts clients.
setpriv --pdeathsig KILL -- Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp -noreset \
  3>"$D/display" >"$D/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 100); do
  [ -s "$D/display" ] && break
  kill -0 "$XVFB_PID" 2>/dev/null || break
  sleep 0.1
done
[ -s "$D/display" ] || lab_fail "Xvfb did not start within 10 s"
DISPLAY=:$(head -n 1 "$D/display")
export DISPLAY
unset DBUS_SESSION_BUS_ADDRESS WAYLAND_DISPLAY
setpriv --pdeathsig KILL -- trayer --edge top --align right --widthtype request --height 32 \
  --transparent false --SetDockType true --expand true >"$D/trayer.log" 2>&1 &
TRAYER_PID=$!
owner=0x0
for _ in $(seq 100); do
  owner=$(x_selection_owner _NET_SYSTEM_TRAY_S0 2>/dev/null || echo 0x0)
  [ "$owner" != 0x0 ] && break
  kill -0 "$TRAYER_PID" 2>/dev/null || break
  sleep 0.1
done
[ "$owner" != 0x0 ] || lab_fail "trayer did not take the system tray selection _NET_SYSTEM_TRAY_S0 within 10 s"
echo "X display $DISPLAY (Xvfb pid $XVFB_PID); trayer (pid $TRAYER_PID) owns _NET_SYSTEM_TRAY_S0 (window $owner)"

# ---- 3. re6st-tray on host 2's bus ---------------------------------------------------
started=$(lab_now)
env DBUS_SYSTEM_BUS_ADDRESS="$LABBUS_ADDRESS" QT_QPA_PLATFORM=xcb QT_QPA_PLATFORMTHEME= \
    XDG_RUNTIME_DIR="$D/xdg" LC_ALL=C.UTF-8 LANGUAGE= \
  setpriv --pdeathsig KILL -- "$LAB_BIN/re6st-tray" --window overview --screenshot "$ART" --screenshot-nodes 2 \
  >"$D/re6st-tray.log" 2>&1 &
TRAY_PID=$!
for _ in $(seq 1200); do
  [ -s "$ART/window.txt" ] && break
  kill -0 "$TRAY_PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$TRAY_PID" 2>/dev/null || lab_fail "re6st-tray exited: $(tail -n 5 "$D/re6st-tray.log")"
[ -s "$ART/window.txt" ] ||
  lab_fail "re6st-tray's window was not populated within 120 s (address, peers, tunnels, routes, 2 other nodes)" "$NODE"
echo "window populated after $(lab_elapsed "$started")s:"
sed 's/^/  | /' "$ART/window.txt"

# ---- 4. what the window shows --------------------------------------------------------
python3 - "$(fact address)" "$(lab_node_ip "$NODE")" <<'EOF' || lab_fail "the window shows address '$(fact address)', host $NODE is $(lab_node_ip "$NODE")"
import ipaddress, sys
sys.exit(0 if sys.argv[1] and ipaddress.ip_address(sys.argv[1]) == ipaddress.ip_address(sys.argv[2]) else 1)
EOF
[ "$(fact state)" = connected ] || lab_fail "the window's state is '$(fact state)', expected connected" "$NODE"
[ "$(fact tray_available)" = 1 ] || lab_fail "re6st-tray found no system tray (QSystemTrayIcon::isSystemTrayAvailable() false)"
[ "$(fact direct)" -ge 1 ] || lab_fail "the neighbourhood shows no direct neighbour" "$NODE"
for k in 1 3; do
  fact nodes | tr ' ' '\n' | grep -qxF "$(lab_node_cn "$k")" ||
    lab_fail "the neighbourhood does not show host $k ($(lab_node_cn "$k")): $(fact nodes)" "$NODE"
done
[ "$(fact nodes | awk '{ print $1 }')" = "$(lab_node_cn "$NODE")" ] || lab_fail "the centre of the neighbourhood is not host $NODE"
size=$(fact window_size)
for tab in overview peers tunnels routes neighbourhood; do
  png_check "$ART/window-$tab.png" "$size" "tab $tab"
done

# ---- 5. the tray icon docked in trayer, the window on the screen --------------------
icon=''
for _ in $(seq 200); do
  icon=$(xwininfo -tree -name panel 2>/dev/null | awk '/\("re6st-tray" "re6st-tray"\)/ { print $1; exit }')
  [ -n "$icon" ] && break
  sleep 0.1
done
[ -n "$icon" ] || lab_fail "no re6st-tray window inside trayer's panel within 20 s: $(xwininfo -tree -name panel 2>&1 | head -n 20)"
xprop -id "$icon" _XEMBED_INFO | grep -q '= ' || lab_fail "the docked window $icon has no _XEMBED_INFO"
echo "tray icon: window $icon embedded in trayer's panel ($(xprop -id "$icon" _XEMBED_INFO))"
read -r pw ph < <(xwininfo -name panel | awk '/^ *Width:/ { w = $2 } /^ *Height:/ { h = $2 } END { print w, h }')
xwd -silent -name panel | "$CONVERT" xwd:- "$ART/tray.png" || lab_fail "xwd/convert of trayer's panel failed"
png_check "$ART/tray.png" "${pw}x${ph}" "tray"

win=$(xwininfo -root -tree | awk -v s="${size}+" '/\("re6st-tray" "re6st-tray"\)/ && index($0, s) { print $1; exit }')
[ -n "$win" ] || lab_fail "no $size re6st-tray window on the screen: $(xwininfo -root -tree | grep re6st)"
xwininfo -id "$win" | grep -q 'Map State: IsViewable' || lab_fail "re6st-tray's window $win is not mapped"
xwd -silent -root | "$CONVERT" xwd:- "$ART/screen.png" || lab_fail "xwd/convert of the screen failed"
png_check "$ART/screen.png" 1024x768 "screen"
echo "PASS: tray icon docked, window populated from host $NODE ($(fact direct) direct, $(fact via) via); artifacts in $ART; total $(lab_elapsed "$LAB_TEST_START")s"
