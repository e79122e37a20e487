# Sourced by dev.sh and scripts/build-static-node.sh.
# SPDX-License-Identifier: GPL-2.0-or-later
# missing_packages NAME...: prints, one per line, the Debian packages among NAMEs that
# are not installed.
missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
