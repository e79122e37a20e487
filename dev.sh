#!/usr/bin/env bash
# re6st-qt developer entry point (see README.md):
#   ./dev.sh demo   install packages, build, run the demo network (root: namespaces)
#   ./dev.sh test   install packages, build, run the whole test suite (CI)
#   ./dev.sh build  install packages and build only
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=${RE6ST_BUILD_DIR:-$ROOT/build}

# Debian 12 packages: build, run, and what the tests start for real.
PACKAGES=(
  cmake ninja-build ccache g++ clang libclang-rt-14-dev pkg-config
  qt6-base-dev libqt6sql6-sqlite libsqlite3-dev
  libssl-dev zlib1g-dev libcurl4-openssl-dev libmaxminddb-dev
  libmaxmind-db-writer-perl python3-aiosmtpd openssl sqlite3 curl iproute2 procps
  openvpn babeld libminiupnpc-dev miniupnpc miniupnpd miniupnpd-nftables nftables iptables iputils-ping dbus dbus-bin polkitd network-manager libxml2-utils util-linux passwd
  groff-base man-db libqt6svg6 qt6-tools-dev qt6-l10n-tools qt6-translations-l10n
  systemd systemd-container logrotate desktop-file-utils appstream flatpak-builder python3-jsonschema python3-yaml dpkg-dev file
  xvfb trayer x11-apps x11-utils imagemagick
)

. "$ROOT/scripts/missing-packages.sh"

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages: ${missing[*]} — run as root (or install them) and retry." >&2
    exit 1
  fi
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER=clang++ -DRE6ST_FUZZ=ON >/dev/null
  cmake --build "$BUILD" -j"$(nproc)"
}

case "${1:-}" in
  demo)  install_packages; build; exec "$ROOT/scripts/demo.sh" "$BUILD/bin" ;;
  test)  install_packages; build
         cd "$BUILD" && exec ctest --output-on-failure -j2 --timeout 900 ;;
  build) install_packages; build ;;
  *) sed -n '2,6p' "$0"; exit 2 ;;
esac
