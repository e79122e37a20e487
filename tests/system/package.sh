#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# package.sh BUILD_DIR — the Debian package (issue 6 §3, §4), end to end:
#  1. `cpack -G DEB` on the build directory (built beforehand: ./dev.sh test builds all);
#  2. the .deb itself: control fields (dependencies from dpkg-shlibdeps plus the programs
#     and plugins used at run time), conffiles, maintainer scripts, and every file where
#     the D-Bus, polkit, systemd, tmpfiles, logrotate, XDG and man conventions want it;
#  3. tests/system/package-inside.sh, in private mount, PID and network namespaces, on a
#     copy-on-write overlay of this machine's root (tmpfs upper layer): installs the
#     package with dpkg, starts re6st-registry, re6stnet (by D-Bus activation on the
#     root's own system bus) and re6st-tray from the installed files; boots that root
#     with systemd-nspawn and runs the hardened units for real (package-systemd.sh:
#     registry, enrollment, the node with openvpn and babeld under re6stnet.service);
#     then purges the package and checks what is left. The machine itself is never written to: the
#     overlay disappears with the namespaces, even when the test is killed.
# "On the CI machine itself" (issue 6 §3): the dependencies come from this machine
# (dev.sh's PACKAGES), so a Depends missing from the package is only caught for shared
# libraries (dpkg-shlibdeps) and by step 2's list, not by a fresh Debian root.
# RE6ST_PKG_FRESH_ROOT=1 installs into a fresh Debian 12 root instead (mmdebstrap
# --variant=apt, cached as BUILD_DIR/pkgtest/bookworm.tar; the dependencies come from the
# Debian mirror, so a Depends missing from the package shows). Measured on a loaded
# 2-core machine: about 4 min to make the root once, then about 2.5 min of apt per run:
# too slow for CI's budget, hence opt-in.
# Needs root (namespaces, dpkg); exits 77 (skipped) otherwise.
set -euo pipefail
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
start=$SECONDS
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (namespaces, dpkg)"; exit 77; fi
for tool in cpack dpkg-deb unshare nsenter chroot curl openssl dbus-daemon dbus-send systemd-analyze desktop-file-validate; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (./dev.sh installs the packages)"; exit 77; }
done
T=$(mktemp -d /tmp/re6st-pkg.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. cpack.
if ! (cd "$T" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/cpack") >"$T/cpack.log" 2>&1; then
    cat "$T/cpack.log"; echo "FAIL: cpack -G DEB"; exit 1
fi
deb=$(ls "$T"/cpack/re6st-qt_*.deb)
echo "ok: cpack built $(basename "$deb") ($((SECONDS - start)) s)"

# 2. The package's metadata and layout.
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = re6st-qt ] || bad "Package is '$(field Package)'"
depends=$(field Depends)
for dep in openvpn babeld iproute2 dbus polkitd libqt6sql6-sqlite libqt6core6 libqt6dbus6 libqt6widgets6 libqt6network6 libssl3; do
    grep -Eq "(^|, )$dep( |,|$)" <<<"$depends" || bad "Depends lacks $dep: $depends"
done
mkdir "$T/control"
dpkg-deb -e "$deb" "$T/control"
for s in postinst prerm postrm; do
    [ -x "$T/control/$s" ] || bad "maintainer script $s missing or not executable"
done
printf '/etc/logrotate.d/re6stnet\n/etc/xdg/autostart/org.re6st.Tray.desktop\n' | diff - "$T/control/conffiles" \
    || bad "conffiles differ from the files the package puts in /etc"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$T/files"
want=(
    /usr/sbin/re6stnet /usr/bin/re6st-registry /usr/bin/re6st-tray /usr/bin/re6stctl /usr/bin/re6st-conf
    /usr/share/dbus-1/system.d/org.re6st.Node.conf
    /usr/share/dbus-1/system-services/org.re6st.Node.service
    /usr/share/dbus-1/interfaces/org.re6st.Node1.xml /usr/share/dbus-1/interfaces/org.re6st.Enrollment1.xml
    /usr/share/dbus-1/interfaces/org.re6st.HostNetwork1.xml /usr/share/dbus-1/interfaces/org.re6st.Doctor1.xml
    /usr/share/polkit-1/actions/org.re6st.policy
    /usr/lib/systemd/system/re6stnet.service /usr/lib/systemd/system/re6stnet.path
    /usr/lib/systemd/system/re6st-registry.service
    /usr/lib/tmpfiles.d/re6stnet.conf /usr/lib/tmpfiles.d/re6st-registry.conf
    /etc/logrotate.d/re6stnet
    /usr/share/applications/org.re6st.Tray.desktop /etc/xdg/autostart/org.re6st.Tray.desktop
    /usr/share/metainfo/org.re6st.Tray.metainfo.xml /usr/share/icons/hicolor/scalable/apps/org.re6st.Tray.svg
    /usr/share/man/man8/re6stnet.8.gz /usr/share/man/man8/re6st-registry.8.gz
    /usr/share/man/man1/re6stctl.1.gz /usr/share/man/man1/re6st-conf.1.gz
    /usr/share/doc/re6st-qt/copyright
)
for f in "${want[@]}"; do grep -qx "$f" "$T/files" || bad "the package lacks $f"; done
# Nothing outside /usr but the two conffiles' directories; nothing under /usr/local.
if grep -Ev '^/(usr/|etc/$|etc/logrotate\.d/|etc/xdg/)' "$T/files" | grep -v '^/$' | grep .; then
    bad "files outside /usr and the conffiles (above)"
fi
grep -q '^/usr/local' "$T/files" && bad "files under /usr/local"
[ $fail -eq 0 ] && echo "ok: control fields, conffiles, maintainer scripts, $(grep -vc '/$' "$T/files") files in place"

# 3. Install, start, purge, in namespaces (see package-inside.sh).
cp "$deb" "$T/re6st-qt.deb"
lower=/
if [ -n "${RE6ST_PKG_FRESH_ROOT:-}" ]; then
    command -v mmdebstrap >/dev/null || { echo "FAIL: RE6ST_PKG_FRESH_ROOT needs mmdebstrap (apt)"; exit 1; }
    base="$BUILD/pkgtest/bookworm.tar"
    if [ ! -s "$base" ]; then
        mkdir -p "$BUILD/pkgtest"
        mmdebstrap --quiet --variant=apt bookworm "$base.part" http://deb.debian.org/debian && mv "$base.part" "$base" \
            || { echo "FAIL: mmdebstrap"; exit 1; }
        echo "ok: fresh Debian 12 root made ($((SECONDS - start)) s)"
    fi
    lower="$T/fresh"
    mkdir "$lower" && tar -C "$lower" -xf "$base"
    cp "$deb" "$lower/tmp/re6st-qt.deb"
    cp /etc/resolv.conf "$lower/etc/resolv.conf"
    # apt installs the package with what its Depends pull from the mirror (network),
    # then the package alone is purged: the root keeps exactly its dependencies, and
    # package-inside.sh installs it again with dpkg, offline.
    unshare --mount --fork --propagation private sh -c "
        mount -t proc proc '$lower/proc' && mount --rbind /dev '$lower/dev' &&
        chroot '$lower' apt-get update -qq &&
        chroot '$lower' env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends /tmp/re6st-qt.deb &&
        chroot '$lower' dpkg --purge re6st-qt" >"$T/fresh.log" 2>&1 \
        || { cat "$T/fresh.log"; echo "FAIL: apt-get install of the package into the fresh root"; exit 1; }
    rm -f "$lower/tmp/re6st-qt.deb" "$lower/etc/resolv.conf"
    echo "ok: apt-get install resolved the package's dependencies in a fresh Debian 12 ($((SECONDS - start)) s)"
fi
unshare --mount --net --pid --fork --mount-proc --propagation private \
    bash "$HERE/package-inside.sh" "$T" "$T/re6st-qt.deb" "$lower" || fail=1
echo "package test: $((SECONDS - start)) s"
exit $fail
