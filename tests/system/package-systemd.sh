#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# package-systemd.sh WORKDIR LOWER — run by package-inside.sh (same namespaces) once the
# package is installed in its overlay: the hardened units at work under a real systemd.
# Boots that root (the overlay's upper layer copied over LOWER, in a further overlay)
# with systemd-nspawn --boot, private network, /dev/net/tun bound in, and checks:
# re6stnet.path is active; re6st-registry.service starts; re6st-conf enrolls against it,
# whereupon re6stnet.path starts re6stnet.service, which brings up the node under the
# unit's sandbox: OpenVPN's tap device, babeld, the address and routes (CAP_NET_ADMIN),
# no permission error in its journal or logs; SIGUSR1 from systemctl (logrotate's
# postrotate) reopens re6stnet.log; stopping the unit undoes the network changes.
# What applies here: the kernel-enforced options, i.e. capabilities (checked: without
# CAP_NET_ADMIN the node fails), seccomp filters (SystemCallFilter,
# RestrictAddressFamilies, MemoryDenyWriteExecute), the read-only mounts. What does
# not: DevicePolicy and
# DeviceAllow (the container's systemd gets no device cgroup here; checked by removing
# DeviceAllow=, which still passed), so /dev/net/tun access rests on the unit's text.
# A root without systemd or systemd-nspawn: a note, not a failure.
set -uo pipefail
T=$1 LOWER=$2
S="$T/ovl/sd-root"
fail=0
bad() { echo "FAIL: systemd: $*"; fail=1; }
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.2
    done
}
if ! command -v systemd-nspawn >/dev/null || [ ! -x "${LOWER%/}/lib/systemd/systemd" ]; then
    echo "note: systemd-nspawn or systemd missing: the units were not run under systemd"
    exit 0
fi
cp -a "$T/ovl/upper" "$T/ovl/sd-lower"
mkdir -p "$T/ovl/sd-upper" "$T/ovl/sd-work" "$S"
mount -t overlay overlay -o "lowerdir=$T/ovl/sd-lower:$LOWER,upperdir=$T/ovl/sd-upper,workdir=$T/ovl/sd-work" "$S" \
    || { bad "cannot mount the container's root"; exit 1; }
rm -f "$S/var/lib/re6st-registry/registry.db"*

systemd-nspawn -q -D "$S" --boot --private-network --register=no --keep-unit --console=passive \
    --bind=/dev/net/tun -M re6st-pkgtest >"$T/nspawn.out" 2>&1 &
nspawn=$!
# The container's init: the child of systemd-nspawn in another PID namespace. (Its
# first child is a short-lived helper that forks init and exits: taking it would
# leave L naming a process that is gone.)
leader() {
    local p own
    own=$(readlink /proc/self/ns/pid)
    for p in $(pgrep -P "$nspawn"); do
        if [ "$(readlink "/proc/$p/ns/pid" 2>/dev/null)" != "$own" ] && [ -e "/proc/$p/ns/pid" ]; then
            L=$p
            return 0
        fi
    done
    return 1
}
ct() { nsenter -t "$L" -a "$@"; }
# Up enough: the system bus runs and re6stnet.path watches. (Not "running": the
# machine's other units, e.g. a wait-online service without network, may hold the boot.)
booted() { leader && ct systemctl is-active --quiet dbus.service && ct systemctl is-active --quiet re6stnet.path; }
if ! wait_for 30 leader || ! wait_for 120 booted; then
    bad "the container did not boot (or re6stnet.path is not active):"; cat "$T/nspawn.out"
    [ -n "${L:-}" ] && { ct systemctl is-system-running; ct systemctl --no-pager list-jobs | head -20; }
    kill "$nspawn" 2>/dev/null; wait "$nspawn" 2>/dev/null; exit 1
fi
echo "ok: systemd booted the installed root ($(ct systemctl is-system-running)); re6stnet.path active"
if ct systemctl start re6st-registry.service && wait_for 30 nsenter -t "$L" -n curl -sf -o /dev/null http://127.0.0.1/getCa; then
    echo "ok: re6st-registry.service (hardened) serves getCa"
else
    bad "re6st-registry.service:"; ct journalctl --no-pager -u re6st-registry | tail -20
fi
fp=$(openssl x509 -in "$S/etc/re6st-registry/ca.crt" -outform DER | sha256sum | cut -d' ' -f1)
if ! ct sh -c "re6st-conf --registry http://127.0.0.1/ --fingerprint sha256:$fp --anonymous -d /etc/re6stnet </dev/null" >"$T/conf.out" 2>&1; then
    bad "re6st-conf --anonymous:"; cat "$T/conf.out"
fi
echo ovpnlog >>"$S/etc/re6stnet/re6stnet.conf"
node_up() {
    ct systemctl is-active re6stnet.service && ct ip link show re6stnet-tcp \
        && ct ip -6 addr show dev lo | grep -q '2001:db8:42::1/64' \
        && ct systemd-cgls --no-pager -u re6stnet.service | grep -q babeld \
        && ct systemd-cgls --no-pager -u re6stnet.service | grep -q openvpn
}
if wait_for 90 node_up; then
    echo "ok: re6stnet.path started re6stnet.service once enrolled; under its sandbox the node runs openvpn (tap re6stnet-tcp) and babeld, with its address and routes"
else
    bad "the node did not come up under re6stnet.service:"
    ct systemctl --no-pager status re6stnet.service | head -30; tail -20 "$S/var/log/re6stnet/re6stnet.log"
fi
if denied=$(cat "$S"/var/log/re6stnet/*.log 2>/dev/null; ct journalctl --no-pager -u re6stnet -u re6st-registry) \
   && grep -Ei 'permission denied|operation not permitted|read-only file system|bad system call' <<<"$denied"; then
    bad "permission errors under the sandbox (above)"
fi
mv "$S/var/log/re6stnet/re6stnet.log" "$S/var/log/re6stnet/re6stnet.log.1"
ct systemctl kill --kill-who=main --signal=USR1 re6stnet.service
wait_for 20 test -e "$S/var/log/re6stnet/re6stnet.log" \
    && echo "ok: SIGUSR1 through systemctl (logrotate's postrotate) reopened re6stnet.log" \
    || bad "re6stnet.log not reopened on SIGUSR1"
ct systemctl stop re6stnet.path re6stnet.service re6st-registry.service
node_down() { ! ct ip link show re6stnet-tcp && ! ct ip -6 addr show dev lo | grep -q 2001:db8:42::1; }
wait_for 30 node_down && echo "ok: stopping re6stnet.service removed its tunnel and address" \
    || bad "re6stnet.service left its tunnel or address behind"

kill "$nspawn" 2>/dev/null # SIGTERM: the container powers off
wait_for 60 sh -c "! kill -0 $nspawn" || kill -KILL "$nspawn" 2>/dev/null
wait "$nspawn" 2>/dev/null
umount "$S" 2>/dev/null
exit $fail
