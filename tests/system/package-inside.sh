#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# package-inside.sh WORKDIR DEB [LOWER] — run by package.sh as PID 1 of private mount,
# PID and network namespaces. Builds a copy-on-write root over this machine's /
# (overlayfs, upper layer on a tmpfs) or over LOWER (a fresh Debian root where apt
# installed the package's dependencies: RE6ST_PKG_FRESH_ROOT, see package.sh), installs
# DEB there with dpkg, checks the installed files, starts the programs from them, purges
# the package and reads what is left from the overlay's upper layer. Everything it
# writes vanishes with the namespaces.
set -uo pipefail
T=$1 DEB=$2 LOWER=${3:-/}
R="$T/ovl/root"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
in_root() { chroot "$R" "$@"; }
# wait_for SECONDS COMMAND...: poll a condition, 0.1 s apart, until it holds or time is up.
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
}

ip link set lo up
phase() { echo "  [$((SECONDS))s] $*"; }
mkdir -p "$T/ovl"
mount -t tmpfs -o size=2G,mode=0755 re6st-pkg "$T/ovl"
mkdir "$T/ovl/upper" "$T/ovl/work" "$R"
if ! mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$T/ovl/upper,workdir=$T/ovl/work" "$R"; then
    echo "SKIP: no overlayfs over / here"; exit 77
fi
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount --rbind /sys "$R/sys"
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs tmpfs "$R/tmp"
cp "$DEB" "$R/tmp/re6st-qt.deb"
# man-db's trigger rebuilds the whole index (half a minute here): off, in the overlay.
rm -f "$R/var/lib/man-db/auto-update"

# A re6st-qt installed on this machine is removed first (in the overlay only).
if in_root dpkg-query -W -f='${Status}' re6st-qt 2>/dev/null | grep -q installed; then
    echo "note: this machine has re6st-qt installed; purged inside the overlay first"
    in_root dpkg --purge re6st-qt >/dev/null
fi
# What the package does to the root is read from the overlay's upper layer: whatever
# was created there and is not on this machine's / is left over, a whiteout is a file
# of this machine removed. (Comparing two listings of the whole root would also see
# whatever else changes on this machine meanwhile.)
leftovers() {
    (cd "$T/ovl/upper" && find . \( -path ./var/lib/dpkg -o -path ./var/cache -o -path ./var/log/apt \
        -o -path ./var/log/dpkg.log -o -path ./var/lib/apt -o -path ./tmp -o -path ./run -o -path ./var/lib/man-db/auto-update \) -prune -o -print) |
    sed 's#^\.##' | grep . | sort | while read -r p; do
        if [ -c "$T/ovl/upper$p" ] && [ "$(stat -c %t:%T "$T/ovl/upper$p")" = 0:0 ]; then
            echo "removed: $p"
        elif [ ! -e "${LOWER%/}$p" ] && [ ! -L "${LOWER%/}$p" ]; then
            echo "left: $p"
        fi
    done
}

phase install
# Install.
install_cmd=(dpkg -i /tmp/re6st-qt.deb)
if ! in_root "${install_cmd[@]}" >"$T/dpkg-install.log" 2>&1; then
    cat "$T/dpkg-install.log"
    bad "dpkg -i failed (missing dependencies? ./dev.sh installs them on this machine)"
    exit 1
fi
echo "ok: ${install_cmd[*]} (maintainer scripts ran)"

# Directories of postinst (tmpfiles), systemd state.
for want in "etc/re6stnet 755" "var/lib/re6stnet 700" "var/log/re6stnet 750" "var/lib/re6st-registry 700"; do
    set -- $want
    got=$(stat -c %a "$R/$1" 2>/dev/null || echo missing)
    [ "$got" = "$2" ] || bad "postinst: /$1 is $got, want $2"
done
if in_root sh -c 'command -v systemctl' >/dev/null; then
    [ "$(in_root systemctl --root=/ is-enabled re6stnet.path 2>&1)" = enabled ] || bad "re6stnet.path is not enabled"
    state=$(in_root systemctl --root=/ is-enabled re6st-registry.service 2>&1)
    [ "$state" = disabled ] || bad "re6st-registry.service is '$state', want disabled (one machine per network runs it)"
    if out=$(in_root systemd-analyze verify --man=no re6stnet.service re6stnet.path re6st-registry.service 2>&1) \
       && [ -z "$out" ]; then
        echo "ok: installed units pass systemd-analyze verify; re6stnet.path enabled, re6st-registry disabled"
    else
        bad "systemd-analyze verify on the installed units:"; echo "$out"
    fi
else
    echo "note: no systemd in this root: unit state and verify skipped here (system_units_verify does it)"
fi
for f in /usr/share/applications/org.re6st.Tray.desktop /etc/xdg/autostart/org.re6st.Tray.desktop; do
    desktop-file-validate "$R$f" || bad "$f does not validate"
done

phase registry
# re6st-registry, started with the unit's ExecStart, answers getCa on loopback.
mkdir -p "$R/etc/re6st-registry"
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$R/etc/re6st-registry/ca.key" 2>/dev/null
openssl req -new -x509 -key "$R/etc/re6st-registry/ca.key" -set_serial 0x120010db80042 -days 30 \
    -subj "/CN=re6st package test/emailAddress=ca@example.com" -out "$R/etc/re6st-registry/ca.crt"
printf 'ca /etc/re6st-registry/ca.crt\nkey /etc/re6st-registry/ca.key\nport 80\nanonymous-prefix-length 16\n' >"$R/etc/re6st-registry/re6st-registry.conf"
exec_start=$(sed -n 's/^ExecStart=//p' "$R/usr/lib/systemd/system/re6st-registry.service")
# shellcheck disable=SC2086 # the unit's command line, split as systemd splits it (no quotes in it)
chroot "$R" $exec_start >"$T/registry.out" 2>&1 &
registry=$!
if wait_for 60 curl -sf -o "$T/getCa" http://127.0.0.1/getCa; then
    if [ "$(openssl x509 -in "$T/getCa" -noout -fingerprint -sha256)" = \
         "$(openssl x509 -in "$R/etc/re6st-registry/ca.crt" -noout -fingerprint -sha256)" ]; then
        echo "ok: installed re6st-registry (unit's ExecStart) answers getCa with the CA"
    else
        bad "getCa answered another certificate"
    fi
    [ -s "$R/var/lib/re6st-registry/registry.db" ] || bad "the registry's database is not in /var/lib/re6st-registry"
else
    bad "re6st-registry did not answer getCa within 60 s:"; cat "$T/registry.out"
fi
kill "$registry" 2>/dev/null; wait "$registry" 2>/dev/null

phase re6stnet
# re6stnet: --help, then D-Bus activation on the root's own system bus (its
# /usr/share/dbus-1/system.conf, our policy and activation file), called by nobody.
in_root /usr/sbin/re6stnet --help >/dev/null || bad "re6stnet --help"
mkdir -p "$R/run/dbus"
if in_root dbus-daemon --system --fork >"$T/dbus.out" 2>&1 && wait_for 20 test -S "$R/run/dbus/system_bus_socket"; then
    as_nobody() { chroot --userspec=nobody:nogroup "$R" env -i PATH=/usr/bin:/bin "$@"; }
    state=$(as_nobody dbus-send --system --print-reply=literal --reply-timeout=60000 --dest=org.re6st.Node \
            /org/re6st/Node org.freedesktop.DBus.Properties.Get string:org.re6st.Node1 string:State 2>&1)
    if [ $? -eq 0 ]; then
        owner=$(as_nobody dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus.GetConnectionUnixProcessID string:org.re6st.Node | awk '{print $2}')
        exe=$(readlink "$R/proc/$owner/exe")
        if [ "$exe" = "$R/usr/sbin/re6stnet" ]; then
            echo "ok: D-Bus activation started the installed re6stnet (State: $(awk '{print $NF}' <<<"$state")) for user nobody"
        else
            bad "org.re6st.Node is owned by '$exe' (pid $owner), not /usr/sbin/re6stnet"
        fi
    else
        bad "calling org.re6st.Node as nobody failed: $state"
    fi

    # re6st-tray as nobody, offscreen: it connects to the system bus and stays up.
    mkdir -p "$R/tmp/tray" && chmod 1777 "$R/tmp/tray"
    chroot --userspec=nobody:nogroup "$R" env -i PATH=/usr/bin:/bin HOME=/tmp/tray XDG_RUNTIME_DIR=/tmp/tray \
        QT_QPA_PLATFORM=offscreen /usr/bin/re6st-tray >"$T/tray.out" 2>&1 &
    tray=$!
    tray_on_bus() {
        local name pid
        for name in $(as_nobody dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus \
                      /org/freedesktop/DBus org.freedesktop.DBus.ListNames | tr -s ' ' '\n' | grep '^:'); do
            pid=$(as_nobody dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
                  org.freedesktop.DBus.GetConnectionUnixProcessID "string:$name" 2>/dev/null | awk '{print $2}')
            [ "$pid" = "$tray" ] && return 0
        done
        return 1
    }
    if wait_for 60 tray_on_bus && kill -0 "$tray" 2>/dev/null; then
        # Up and connected; still up once the daemon's answers had time to arrive: wait
        # for the bus to deliver a round trip of ours, then check again.
        as_nobody dbus-send --system --print-reply --dest=org.re6st.Node /org/re6st/Node \
            org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1
        if kill -0 "$tray" 2>/dev/null; then
            echo "ok: installed re6st-tray (offscreen, user nobody) runs and is on the system bus"
        else
            bad "re6st-tray exited:"; cat "$T/tray.out"
        fi
    else
        bad "re6st-tray did not connect to the system bus within 60 s:"; cat "$T/tray.out"
    fi
    kill "$tray" 2>/dev/null; wait "$tray" 2>/dev/null
    [ -n "${owner:-}" ] && kill "$owner" 2>/dev/null
    wait_for 30 sh -c "! kill -0 ${owner:-0} 2>/dev/null" || bad "re6stnet did not stop on SIGTERM"
    kill "$(cat "$R/run/dbus/pid")" 2>/dev/null
else
    bad "the root's system bus did not start:"; cat "$T/dbus.out"
fi

phase systemd
# The units under a real systemd (package-systemd.sh, on a copy of this root).
bash "$(dirname "$0")/package-systemd.sh" "$T" "$LOWER" || fail=1

phase purge
# Purge, then compare with the root before installation. Expected difference: the
# files this test wrote (CA, options) and the registry's database, which postrm keeps
# on purpose (a network's allocations cannot be rebuilt).
rm -f "$R/etc/re6st-registry/ca.key" "$R/etc/re6st-registry/ca.crt" "$R/etc/re6st-registry/re6st-registry.conf"
if in_root dpkg --purge re6st-qt >"$T/dpkg-purge.log" 2>&1; then
    expected=$(printf 'left: %s\n' /var/lib/re6st-registry /var/lib/re6st-registry/registry.db \
               /var/lib/re6st-registry/registry.db-shm /var/lib/re6st-registry/registry.db-wal)
    diff=$(leftovers | grep -vxF "$expected")
    if [ -z "$diff" ]; then
        echo "ok: dpkg --purge leaves nothing but the registry's database (kept on purpose)"
    else
        bad "after purge (left: created and not removed; removed: this machine's files deleted):"
        echo "$diff"
    fi
else
    cat "$T/dpkg-purge.log"; bad "dpkg --purge failed"
fi
phase finished
exit $fail
