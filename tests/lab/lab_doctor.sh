#!/usr/bin/env bash
# lab_doctor BIN_DIR — issue 6 §2/§4: `re6stctl doctor` on a lab node with a
# deliberately broken setup reports exactly those problems, with fixes that work.
#
# Two hosts (host 1: registry + node; host 2: the node under test). Host 2's re6stnet
# is on a private system bus (dbus-daemon with dbus/org.re6st.Node.conf included), so
# the checks run twice each time: by the daemon (`re6stctl doctor`, org.re6st.Doctor1)
# and by re6stctl itself (`re6stctl doctor --local --config FILE`, run as root inside
# host 2's namespace, no bus). Steps:
#   1. healthy mesh: no problem, exit 0; source-routing, ipv6-forwarding, babel-port,
#      openvpn-ports, openvpn, babeld, certificate, registry all "ok";
#      networkmanager "ok" (the daemon sees no NetworkManager on the bus);
#   2. broken: net.ipv6.conf.all.forwarding=0 and an nft rule `udp dport 6696 drop`
#      in host 2: exit 1, the problems are exactly ipv6-forwarding and babel-port,
#      whose fixes are `sysctl -w net.ipv6.conf.all.forwarding=1` and the nft insert
#      of an accept rule (the detail names the offending rule and its delete command);
#   3. repaired by running the printed fixes (the sysctl.d persistence line is not run:
#      it would write the host's /etc): no problem again, exit 0.
# Everything started here is stopped by PID from the EXIT trap.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
source "$(dirname "$0")/lab.sh"
source "$(dirname "$0")/labbus.sh"

labdoc__skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || labdoc__skip "the lab needs root (network namespaces)"
for t in dbus-daemon dbus-send setpriv timeout python3; do
  command -v "$t" >/dev/null 2>&1 || labdoc__skip "$t is not installed (Debian packages dbus-daemon, dbus-bin, util-linux, python3)"
done
[ -x "${1:?usage: lab_doctor.sh BIN_DIR}/re6stctl" ] || labdoc__skip "$1/re6stctl is not built (target re6stctl)"

lab_test_setup "$1"

D=$LAB_WORK/doctor
mkdir -p "$D/out"
NODE=2
NOBUS="unix:path=$D/no-such-bus"

# ---- the private system bus (as lab_dbus.sh; no polkit: doctor only reads) ---------
labbus_start "$D" || lab_fail "the private system bus did not start"
BUS=$LABBUS_ADDRESS BUS_PID=$LABBUS_PID

# ---- the lab: 2 hosts, host 2 on the private bus ---------------------------------
lab_hosts 2 || lab_fail "could not create the hosts"
lab_ca || lab_fail "could not create the CA"
lab_registry_start || lab_fail "re6st-registry did not start" 1
for k in 1 2; do lab_enroll "$k" || lab_fail "host $k could not enroll" "$k"; done
DBUS_SYSTEM_BUS_ADDRESS=$NOBUS lab_node_start 1 || lab_fail "host 1 did not start" 1
DBUS_SYSTEM_BUS_ADDRESS=$BUS lab_node_start "$NODE" || lab_fail "host $NODE did not start" "$NODE"
lab_wait_log "$NODE" "D-Bus API on" 30 || lab_fail "host $NODE did not log 'D-Bus API on'" "$NODE"
lab_wait_mesh 180 || lab_fail "no mesh"

# The node's options, as re6stnet.conf would hold them (for --local).
c=$(lab_dir "$NODE")/conf
cat >"$D/re6stnet.conf" <<EOF2
registry http://$LAB_NET.1/
ca $c/ca.crt
cert $c/cert.crt
key $c/cert.key
run $(lab_dir "$NODE")/run
EOF2

# doctor NAME [ARGS...] — the daemon's checks (private bus) or, with --local, re6stctl's
# own, in host 2's namespace; output in $D/out/NAME.{out,err}, exit status in DOC_RC.
doctor() {
  local name=$1; shift
  local bus=$BUS
  case " $* " in *" --local "*) bus=$NOBUS ;; esac
  DOC_RC=0
  lab_exec "$NODE" env DBUS_SYSTEM_BUS_ADDRESS="$bus" timeout 120 "$LAB_BIN/re6stctl" "$@" \
    >"$D/out/$name.out" 2>"$D/out/$name.err" || DOC_RC=$?
}
show() { echo "----- re6stctl $1 (exit $DOC_RC):"; sed 's/^/  | /' "$D/out/$1.out" "$D/out/$1.err"; }
# expect NAME RC SOURCE PROBLEMS OK_CHECKS — the JSON of NAME: exit RC, "source" SOURCE,
# the checks with status "problem" are exactly PROBLEMS (comma list, may be empty), the
# checks in OK_CHECKS are "ok".
expect() {
  local name=$1 rc=$2 source=$3 problems=$4 oks=$5 err
  [ "$DOC_RC" -eq "$rc" ] || { show "$name"; lab_fail "doctor $name: exit $DOC_RC, expected $rc" "$NODE"; }
  if ! err=$(python3 - "$D/out/$name.out" "$source" "$problems" "$oks" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
source, problems, oks = sys.argv[2], set(filter(None, sys.argv[3].split(','))), set(filter(None, sys.argv[4].split(',')))
ids = [f["check"] for f in d["findings"]]
assert ids == ["source-routing", "ipv6-forwarding", "accept-ra", "networkmanager", "babel-port",
               "openvpn-ports", "openvpn", "babeld", "certificate", "registry"], ids
assert d["source"] == source, d["source"]
for f in d["findings"]:
    assert set(f) == {"check", "status", "summary", "detail", "fix"}, f
got = {f["check"] for f in d["findings"] if f["status"] == "problem"}
assert got == problems, "problems %s, expected %s" % (sorted(got), sorted(problems))
assert d["problems"] == len(problems)
bad = {f["check"]: f["status"] for f in d["findings"] if f["check"] in oks and f["status"] != "ok"}
assert not bad, "not ok: %s" % bad
nm = [f for f in d["findings"] if f["check"] == "networkmanager"][0]
# The daemon knows NetworkManager is not running here (org.re6st.HostNetwork1); --local
# asks the daemon too when a bus answers, else it cannot tell.
assert nm["status"] == "ok" if source == "daemon" else nm["status"] in ("ok", "skipped"), nm
PY
  ); then
    show "$name"
    lab_fail "doctor $name: $err" "$NODE"
  fi
}
# field NAME CHECK KEY — one value of the JSON of NAME.
field() {
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print([f for f in d["findings"] if f["check"] == sys.argv[2]][0][sys.argv[3]])' "$D/out/$1.out" "$2" "$3"
}

ALL_OK="source-routing,ipv6-forwarding,accept-ra,babel-port,openvpn-ports,openvpn,babeld,certificate,registry"

# ---- 1. healthy ----------------------------------------------------------------------
t0=$(lab_now)
doctor healthy-daemon --json doctor
echo "daemon's checks: $(lab_elapsed "$t0")s"
expect healthy-daemon 0 daemon "" "$ALL_OK"
t0=$(lab_now)
doctor healthy-local --json doctor --local --config "$D/re6stnet.conf"
echo "local checks: $(lab_elapsed "$t0")s"
expect healthy-local 0 local "" "$ALL_OK"
doctor healthy-text doctor
[ "$DOC_RC" -eq 0 ] || { show healthy-text; lab_fail "text doctor: exit $DOC_RC"; }
grep -q '^ok  *babel-port ' "$D/out/healthy-text.out" || { show healthy-text; lab_fail "no 'ok babel-port' line"; }
grep -q '^0 problem(s)' "$D/out/healthy-text.out" || { show healthy-text; lab_fail "no '0 problem(s)' line"; }
echo "healthy node: every check ok ($(field healthy-daemon networkmanager summary))"

# ---- 2. broken: forwarding off, Babel dropped -------------------------------------------
lab_exec "$NODE" sysctl -qw net.ipv6.conf.all.forwarding=0
lab_exec "$NODE" nft -f - <<'EOF2'
table inet labdoctor {
  chain input {
    type filter hook input priority 0; policy accept;
    udp dport 6696 drop
  }
}
EOF2
for mode in daemon local; do
  args=(--json doctor)
  [ "$mode" = local ] && args+=(--local --config "$D/re6stnet.conf")
  doctor "broken-$mode" "${args[@]}"
  expect "broken-$mode" 1 "$mode" ipv6-forwarding,babel-port \
    source-routing,accept-ra,openvpn-ports,openvpn,babeld,certificate,registry
  fwd_fix=$(field "broken-$mode" ipv6-forwarding fix)
  babel_fix=$(field "broken-$mode" babel-port fix)
  babel_detail=$(field "broken-$mode" babel-port detail)
  [ "$(head -n 1 <<<"$fwd_fix")" = "sysctl -w net.ipv6.conf.all.forwarding=1" ] ||
    { show "broken-$mode"; lab_fail "$mode: forwarding fix is '$fwd_fix'"; }
  [ "$babel_fix" = "nft insert rule inet labdoctor input ip6 saddr fe80::/10 udp dport 6696 accept" ] ||
    { show "broken-$mode"; lab_fail "$mode: babel-port fix is '$babel_fix'"; }
  if ! { grep -q 'nftables table inet labdoctor, chain input drops it' <<<"$babel_detail" &&
          grep -q 'udp dport 6696 drop (handle [0-9]*)' <<<"$babel_detail" &&
          grep -q 'nft delete rule inet labdoctor input handle [0-9]*' <<<"$babel_detail"; }; then
    show "broken-$mode"; lab_fail "$mode: babel-port detail does not name the rule: $babel_detail"
  fi
  echo "broken ($mode): problems ipv6-forwarding and babel-port; fixes: '$(head -n 1 <<<"$fwd_fix")', '$babel_fix'"
done
doctor broken-text doctor
[ "$DOC_RC" -eq 1 ] || { show broken-text; lab_fail "text doctor on the broken node: exit $DOC_RC, expected 1"; }
if ! { grep -q '^PROBLEM  *ipv6-forwarding ' "$D/out/broken-text.out" &&
        grep -q 'fix: sysctl -w net.ipv6.conf.all.forwarding=1' "$D/out/broken-text.out"; }; then
  show broken-text; lab_fail "the text output does not show the forwarding problem and its fix"
fi

# ---- 3. repaired with the printed fixes -----------------------------------------------
lab_exec "$NODE" sh -c "$(head -n 1 <<<"$fwd_fix")" >/dev/null
while IFS= read -r line; do lab_exec "$NODE" sh -c "$line"; done <<<"$babel_fix"
doctor repaired-daemon --json doctor
expect repaired-daemon 0 daemon "" "$ALL_OK"
doctor repaired-local --json doctor --local --config "$D/re6stnet.conf"
expect repaired-local 0 local "" "$ALL_OK"
echo "repaired with the printed fixes: no problem left"
lab_wait_mesh 60 || lab_fail "no mesh after the repair"
