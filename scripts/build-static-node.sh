#!/usr/bin/env bash
# build-static-node.sh [BUILD_DIR] — re6stnet linked against a static Qt, for hosts
# where the daemon's memory matters (README, "A smaller re6stnet").
#
# Debian 12 ships Qt 6 only as shared libraries, and those alone keep any Qt daemon
# above 18 MB of RSS (bench/library_floor.cpp). Debian also publishes the source of
# that same Qt (apt-get source qt6-base, its security patches applied), so this script
# builds from it a static QtCore, QtNetwork, QtDBus and QtSql (SQLite driver), optimised
# for size, without GUI, ICU or GLib, then re6stnet alone against it
# (-DRE6ST_NODE_ONLY=ON: libstdc++, OpenSSL's libcrypto, SQLite and zlib linked
# statically too). Each step is skipped when done:
#   1. deb-src entries for Debian 12 (a sources file of its own) and the packages;
#   2. the qt6-base source, unpacked and patched by dpkg-source;
#   3. Qt configured, built and installed into $QT_STATIC_DIR/install;
#   4. re6stnet built into BUILD_DIR/bin (default <source>/build-static).
# The first run takes about 20 min on 2 cores (later runs reuse the built Qt);
# steps 1-2 need root (apt).
# Env: QT_STATIC_DIR (default /var/cache/re6st-qt/qt6-static), JOBS (default: cores).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/scripts/missing-packages.sh"
BUILD=${1:-$SRC/build-static}
QT_STATIC_DIR=${QT_STATIC_DIR:-/var/cache/re6st-qt/qt6-static}
JOBS=${JOBS:-$(nproc)}
PREFIX=$QT_STATIC_DIR/install
# Only what re6stnet links: Core, Network, DBus (libdbus loaded at run time), Sql with
# the SQLite driver; OpenSSL for TLS loaded at run time; optimised for size (-Os: 1.4 MB
# less RSS than -O2, README). A Qt built with other arguments is built again.
QT_CONFIGURE=(-prefix "$PREFIX" -static -release -optimize-size -gc-binaries
  -nomake examples -nomake tests -no-gui -no-widgets -no-icu -no-glib -no-opengl
  -qt-pcre -qt-zlib -qt-doubleconversion -sql-sqlite -system-sqlite
  -no-sql-odbc -no-sql-psql -no-sql-mysql
  -no-feature-testlib -no-feature-concurrent -no-feature-xml -no-feature-gssapi
  -no-feature-libproxy -no-feature-brotli -no-feature-zstd -no-feature-journald -no-feature-sctp
  -openssl-runtime -dbus-runtime)
STAMP=$PREFIX/.re6st-configure
PACKAGES=(cmake ninja-build ccache g++ pkg-config dpkg-dev xz-utils perl
  libssl-dev zlib1g-dev libsqlite3-dev libminiupnpc-dev)

step() { echo "== $*"; }

if [ "$(cat "$STAMP" 2>/dev/null)" != "${QT_CONFIGURE[*]}" ]; then
  mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
  if [ ${#missing[@]} -gt 0 ] || ! apt-cache showsrc qt6-base 2>/dev/null | grep -q '^Version: 6\.4'; then
    [ "$(id -u)" -eq 0 ] || { echo "build-static-node.sh: run as root once (apt: packages and deb-src)" >&2; exit 1; }
    if ! apt-cache showsrc qt6-base 2>/dev/null | grep -q '^Version: 6\.4'; then
      step "1. deb-src entries for Debian 12 (/etc/apt/sources.list.d/re6st-debian-src.sources)"
      cat >/etc/apt/sources.list.d/re6st-debian-src.sources <<'EOF'
# Written by re6st-qt's scripts/build-static-node.sh: the source of Debian's Qt.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    [ ${#missing[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi

  mkdir -p "$QT_STATIC_DIR"
  qt_source() { ls -d "$QT_STATIC_DIR"/qt6-base-6.4*/ 2>/dev/null | head -1 | xargs -r realpath; }
  QT_SRC=$(qt_source)
  if [ -z "$QT_SRC" ]; then
    step "2. qt6-base source from Debian (apt-get source: download, unpack, patches)"
    (cd "$QT_STATIC_DIR" && apt-get source -qq qt6-base 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
    QT_SRC=$(qt_source)
    [ -n "$QT_SRC" ] || { echo "build-static-node.sh: apt-get source qt6-base gave no source tree" >&2; exit 1; }
  fi

  step "3. static Qt from $QT_SRC into $PREFIX (about 20 min on 2 cores)"
  QT_BUILD=$QT_STATIC_DIR/build
  mkdir -p "$QT_BUILD"
  (cd "$QT_BUILD" && "$QT_SRC/configure" "${QT_CONFIGURE[@]}" \
    -- -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >configure.log 2>&1) ||
    { echo "build-static-node.sh: Qt's configure failed, see $QT_BUILD/configure.log" >&2; exit 1; }
  ninja -C "$QT_BUILD" -j"$JOBS"
  ninja -C "$QT_BUILD" install >/dev/null
  printf '%s' "${QT_CONFIGURE[*]}" >"$STAMP"
fi

step "4. re6stnet against the static Qt in $BUILD"
# A build directory made against another Qt starts again (CMake keeps Qt's paths).
if [ -f "$BUILD/CMakeCache.txt" ] && ! grep -q "^CMAKE_PREFIX_PATH:[A-Z]*=$PREFIX\$" "$BUILD/CMakeCache.txt"; then
  rm -f "$BUILD/CMakeCache.txt"
fi
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRE6ST_NODE_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
ninja -C "$BUILD" -j"$JOBS" re6stnet
echo "built: $BUILD/bin/re6stnet"
