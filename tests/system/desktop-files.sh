#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# desktop-files.sh SOURCE_DIR VERSION — re6st-tray's desktop integration (issue 5 §4):
# the desktop entry and the autostart entry pass desktop-file-validate, the AppStream
# metainfo passes `appstreamcli validate --no-net` without a single error, warning or
# info (pedantic notes allowed), its newest release is the project's VERSION, and the
# icon is well-formed SVG. Installed places: tests/system/package.sh.
set -euo pipefail
SRC=$1 VERSION=$2
D="$SRC/dist/desktop"
fail=0
for tool in desktop-file-validate appstreamcli xmllint; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (apt: desktop-file-utils, appstream, libxml2-utils)"; exit 77; }
done

for f in "$D/org.re6st.Tray.desktop" "$D/org.re6st.Tray.autostart.desktop"; do
    if out=$(desktop-file-validate "$f" 2>&1) && [ -z "$out" ]; then
        echo "ok: desktop-file-validate $(basename "$f")"
    else
        echo "FAIL: desktop-file-validate $(basename "$f"):"; echo "$out"; fail=1
    fi
done

out=$(appstreamcli validate --no-net --no-color "$D/org.re6st.Tray.metainfo.xml" 2>&1) || {
    echo "FAIL: appstreamcli validate:"; echo "$out"; fail=1; }
if grep -E '^[EWI]:' <<<"$out"; then
    echo "FAIL: appstreamcli reports the issues above"; fail=1
else
    echo "ok: appstreamcli validate --no-net org.re6st.Tray.metainfo.xml"
fi

newest=$(xmllint --xpath 'string(/component/releases/release[1]/@version)' "$D/org.re6st.Tray.metainfo.xml")
if [ "$newest" = "$VERSION" ]; then
    echo "ok: newest metainfo release is $VERSION"
else
    echo "FAIL: newest metainfo release is '$newest', the project is $VERSION: add a <release>"; fail=1
fi

if xmllint --noout "$D/org.re6st.Tray.svg" \
   && [ "$(xmllint --xpath 'local-name(/*)' "$D/org.re6st.Tray.svg")" = svg ]; then
    echo "ok: org.re6st.Tray.svg is SVG"
else
    echo "FAIL: org.re6st.Tray.svg is not well-formed SVG"; fail=1
fi
exit $fail
