#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# units-verify.sh BUILD_DIR — the systemd side of dist/ (issue 6 §4), on the files as
# `cmake --install` lays them out (DESTDIR staging, prefix /usr):
#  - `systemd-analyze verify` on every unit, with the programs they run and the man
#    pages they cite present (the staged ones: ExecStart paths point into the staging
#    tree, MANPATH at its man pages); any message is a failure, since the analyzer only
#    warns about unknown keys or bad values;
#  - `systemd-analyze security --offline` scores the hardening (a regression guard; it
#    proves nothing about the daemon working under it: that needs systemd as PID 1);
#  - systemd-tmpfiles creates the directories with the units' modes (--root, staging);
#  - logrotate accepts the configuration (--debug: nothing rotated);
#  - the D-Bus files are well-formed XML / a valid activation file.
# The installed package is checked by tests/system/package.sh.
set -euo pipefail
BUILD=$1
for tool in systemd-analyze systemd-tmpfiles logrotate xmllint; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (apt: systemd, logrotate, libxml2-utils)"; exit 77; }
done
T=$(mktemp -d /tmp/re6st-units.XXXXXX)
trap 'rm -rf "$T"' EXIT
R="$T/root"
DESTDIR="$R" cmake --install "$BUILD" --prefix /usr >"$T/install.log" 2>&1 || { cat "$T/install.log"; exit 1; }
fail=0

# 1. systemd-analyze verify.
mkdir "$T/units"
units=(re6stnet.service re6stnet.path re6st-registry.service)
for u in "${units[@]}"; do
    [ -f "$R/usr/lib/systemd/system/$u" ] || { echo "FAIL: $u not installed in /usr/lib/systemd/system"; fail=1; continue; }
    sed -e "s#=/usr/sbin/#=$R/usr/sbin/#g" -e "s#=/usr/bin/#=$R/usr/bin/#g" \
        "$R/usr/lib/systemd/system/$u" >"$T/units/$u"
done
for bin in usr/sbin/re6stnet usr/bin/re6st-registry; do
    [ -x "$R/$bin" ] || { echo "FAIL: /$bin not installed (build it first)"; fail=1; }
done
if out=$(cd "$T/units" && MANPATH="$R/usr/share/man" SYSTEMD_LOG_COLOR=0 \
         systemd-analyze verify --man=yes "${units[@]/#/$T/units/}" 2>&1) && [ -z "$out" ]; then
    echo "ok: systemd-analyze verify ${units[*]}"
else
    echo "FAIL: systemd-analyze verify:"; echo "$out"; fail=1
fi
# Hardening stays in place: systemd's own exposure score (offline, 0–100 in tenths;
# re6stnet.service scores 27 and re6st-registry.service 21, an unhardened root service 96).
for u in re6stnet.service re6st-registry.service; do
    if (cd "$T/units" && systemd-analyze security --offline=yes --threshold=30 --no-pager "$T/units/$u" >"$T/security.$u" 2>&1); then
        echo "ok: $u $(tail -1 "$T/security.$u" | sed 's/^→ //')"
    else
        echo "FAIL: $u exposure above 3.0 (hardening removed?):"; cat "$T/security.$u"; fail=1
    fi
done
# The path unit starts the service once the configuration exists.
grep -qx 'PathExists=/etc/re6stnet/re6stnet.conf' "$R/usr/lib/systemd/system/re6stnet.path" \
    && grep -qx 'Unit=re6stnet.service' "$R/usr/lib/systemd/system/re6stnet.path" \
    || { echo "FAIL: re6stnet.path must start re6stnet.service on /etc/re6stnet/re6stnet.conf"; fail=1; }

# 2. tmpfiles: the directories, with the modes the units ask for.
if out=$(systemd-tmpfiles --create --root="$R" re6stnet.conf re6st-registry.conf 2>&1) && [ -z "$out" ]; then
    for want in "etc/re6stnet 755" "var/lib/re6stnet 700" "var/log/re6stnet 750" \
                "etc/re6st-registry 755" "var/lib/re6st-registry 700"; do
        set -- $want
        got=$(stat -c %a "$R/$1" 2>/dev/null || echo missing)
        [ "$got" = "$2" ] || { echo "FAIL: tmpfiles: /$1 is $got, want $2"; fail=1; }
    done
    echo "ok: systemd-tmpfiles --create (modes checked)"
else
    echo "FAIL: systemd-tmpfiles:"; echo "$out"; fail=1
fi
for pair in "re6stnet.service StateDirectoryMode=0700" "re6stnet.service LogsDirectoryMode=0750" \
            "re6st-registry.service StateDirectoryMode=0700"; do
    set -- $pair
    grep -qx "$2" "$R/usr/lib/systemd/system/$1" || { echo "FAIL: $1 lacks $2 (tmpfiles and unit disagree)"; fail=1; }
done

# 3. logrotate (--debug rotates nothing; the logs need not exist: missingok).
if out=$(logrotate --debug --state "$T/logrotate.state" "$R/etc/logrotate.d/re6stnet" 2>&1) \
   && ! grep -Eiq '^error|unknown|bad ' <<<"$out"; then
    echo "ok: logrotate --debug /etc/logrotate.d/re6stnet"
else
    echo "FAIL: logrotate:"; echo "$out"; fail=1
fi

# 4. D-Bus: policy well-formed, activation file runs the installed daemon under the unit.
xmllint --noout "$R/usr/share/dbus-1/system.d/org.re6st.Node.conf" \
    || { echo "FAIL: D-Bus policy is not well-formed"; fail=1; }
act="$R/usr/share/dbus-1/system-services/org.re6st.Node.service"
for line in 'Name=org.re6st.Node' 'Exec=/usr/sbin/re6stnet --dbus-service' 'SystemdService=re6stnet.service'; do
    grep -qx "$line" "$act" || { echo "FAIL: $act lacks '$line'"; fail=1; }
done
grep -qx 'BusName=org.re6st.Node' "$R/usr/lib/systemd/system/re6stnet.service" \
    || { echo "FAIL: re6stnet.service is not the D-Bus service org.re6st.Node"; fail=1; }
[ $fail -eq 0 ] && echo "ok: D-Bus policy and activation"
exit $fail
