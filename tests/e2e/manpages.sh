#!/usr/bin/env bash
# manpages.sh BIN_DIR SOURCE_DIR — dist/man/*.{1,8} against the programs' --help.
# For each program:
#  * every option printed by --help (long options, and short ones in option lists)
#    has an entry (.TP tag) in the OPTIONS section of its man page, and every entry
#    there is an option of --help (no stale or misspelt option);
#  * every long option mentioned anywhere in the page is an option of one of the four
#    programs (cross-references like re6st-conf's --registry in re6stnet(8) are fine);
#  * re6stctl: every command of `re6stctl --help` has an entry in COMMANDS, and every
#    command documented there is accepted (`re6stctl CMD --help` exits 0);
#  * `groff -man -ww -z` warns about nothing, `man -l` renders the page without error,
#    and every long option of --help appears in the rendered text.
# Long options: `--[a-z0-9][a-z0-9-]*` not glued to a preceding word, so that
# "-O--verb" (an OpenVPN argument passed through -O) is not taken for an option.
# Without groff/man-db (packages groff-base, man-db) the rendering checks are skipped
# and the test exits 77 once the source checks have passed.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
BIN=$(cd "$1" && pwd) SRC=$(cd "$2" && pwd)
MAN="$SRC/dist/man"
PAGES=(re6stnet:8 re6st-registry:8 re6st-conf:1 re6stctl:1)
# re6stctl commands whose own --help lists more options (enroll has its own).
CTL_COMMANDS_HELP=(status peers tunnels routes neighbours "neighbour add" "tunnel kill" start reload enroll)

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# long_options: long options in stdin, one per line, sorted, unique.
long_options() {
  grep -oE -- '(^|[^A-Za-z0-9-])--[a-z0-9][a-z0-9-]*' | sed -E 's/^[^-]*//' | sort -u || true
}
# short_options: short options written as such in an option list or usage ("-d DIR,", "[-h]").
short_options() {
  grep -oE -- '(^|[][ ,])-[A-Za-z0-9]([][ ,]|$)' | grep -oE -- '-[A-Za-z0-9]' | sort -u || true
}
# roff_text FILE: the page's source as plain text (comments dropped, escapes undone).
roff_text() {
  sed -e '/^\.\\"/d' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\(aq/'"'"'/g' \
      -e 's/\\(dq/"/g' -e 's/\\&//g' -e 's/\\e/\\/g' "$1"
}
# section_text FILE NAME: plain text of one .SH section.
section_text() {
  roff_text "$1" | awk -v want="$2" '/^\.SH /{ s = $0; sub(/^\.SH +"?/, "", s); sub(/"$/, "", s); on = (s == want); next } on'
}
# tags FILE SECTION: the tag lines (.TP/.TQ) of one section.
tags() {
  section_text "$1" "$2" | awk '/^\.(TP|TQ)/{ t = 1; next } t { print; t = 0 }'
}
# listed_options: the lines of a --help text that list options: usage lines (and
# their continuations) and lines starting with an option; prose that merely refers
# to another program's option ("like re6stnet's --neighbour") is left out.
listed_options() {
  awk '/^usage:/ { u = 1; print; next }
       u && /^ +(\[|re6st)/ { print; next }
       { u = 0 }
       /^ *-/ { print }'
}
# help_text PROGRAM: everything --help prints (re6stctl: and each command's --help).
help_text() {
  local prog=$1
  [ -x "$BIN/$prog" ] || { echo "FAIL: $BIN/$prog is not built" >&2; exit 1; }
  "$BIN/$prog" --help
  if [ "$prog" = re6stctl ]; then
    local c
    for c in "${CTL_COMMANDS_HELP[@]}"; do
      # shellcheck disable=SC2086 # "neighbour add" is two words
      "$BIN/re6stctl" $c --help
    done
  fi
}

WORK=$(mktemp -d /tmp/re6st-manpages.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# Long options of all four programs: what a page may mention in its prose.
for entry in "${PAGES[@]}"; do
  prog=${entry%%:*}
  help_text "$prog" >"$WORK/$prog.help" || { fail "$prog --help exited with $?"; continue; }
  listed_options <"$WORK/$prog.help" | long_options >"$WORK/$prog.long"
  [ -s "$WORK/$prog.long" ] || fail "$prog --help lists no long option"
done
sort -u "$WORK"/*.long >"$WORK/all.long"

have_groff=1
command -v groff >/dev/null || have_groff=0
command -v man >/dev/null || have_groff=0

for entry in "${PAGES[@]}"; do
  prog=${entry%%:*} section=${entry##*:}
  page="$MAN/$prog.$section"
  echo "== $prog($section)"
  [ -f "$page" ] || { fail "$page missing"; continue; }
  grep -q "^\.TH $(tr '[:lower:]' '[:upper:]' <<<"$prog") $section " "$page" ||
    fail "$page: .TH does not name $prog section $section"

  # --help → OPTIONS entries, and back.
  tags "$page" OPTIONS >"$WORK/$prog.tags"
  long_options <"$WORK/$prog.tags" >"$WORK/$prog.doc.long"
  short_options <"$WORK/$prog.tags" >"$WORK/$prog.doc.short"
  listed_options <"$WORK/$prog.help" | short_options >"$WORK/$prog.short"
  while read -r opt; do fail "$prog: $opt is in --help but has no entry in OPTIONS of $page"; done \
    < <(comm -23 "$WORK/$prog.long" "$WORK/$prog.doc.long")
  while read -r opt; do fail "$prog: $page documents $opt, which --help does not list (stale or misspelt?)"; done \
    < <(comm -13 "$WORK/$prog.long" "$WORK/$prog.doc.long")
  while read -r opt; do fail "$prog: short option $opt is in --help but has no entry in OPTIONS of $page"; done \
    < <(comm -23 "$WORK/$prog.short" "$WORK/$prog.doc.short")
  while read -r opt; do fail "$prog: $page documents short option $opt, which --help does not list"; done \
    < <(comm -13 "$WORK/$prog.short" "$WORK/$prog.doc.short")

  # Any long option in the page exists in one of the programs.
  roff_text "$page" | long_options >"$WORK/$prog.page.long"
  while read -r opt; do fail "$page mentions $opt, an option of none of the programs"; done \
    < <(comm -13 "$WORK/all.long" "$WORK/$prog.page.long")

  if [ "$prog" = re6stctl ]; then
    # Commands: the first column of the Queries/Actions lists of --help.
    "$BIN/re6stctl" --help | awk '/^(Queries|Actions)/{ on = 1; next } /^[^ ]/{ on = 0 } on && /^  [a-z]/' |
      sed -E 's/^  //; s/ {2,}.*//; s/ [A-Z].*//; s/\|.*//' | tr ',' '\n' | sed -E 's/^ +//; s/ +$//' |
      sort -u >"$WORK/ctl.commands"
    [ -s "$WORK/ctl.commands" ] || fail "no command found in re6stctl --help"
    # A tag's command: its leading lower-case words ("neighbour add PREFIX" → "neighbour add").
    tags "$page" COMMANDS | sed -E 's/^\.[A-Z]+ +//; s/"//g' |
      awk '{ c = ""; for (i = 1; i <= NF && $i ~ /^[a-z]+$/; i++) c = c (c == "" ? "" : " ") $i; if (c != "") print c }' |
      sort -u >"$WORK/ctl.doc.commands"
    while read -r cmd; do fail "re6stctl: command '$cmd' of --help has no entry in COMMANDS of $page"; done \
      < <(comm -23 "$WORK/ctl.commands" "$WORK/ctl.doc.commands")
    while read -r cmd; do
      # shellcheck disable=SC2086
      "$BIN/re6stctl" $cmd --help >/dev/null 2>&1 || fail "re6stctl: $page documents command '$cmd', which re6stctl refuses"
    done <"$WORK/ctl.doc.commands"
  fi

  [ "$have_groff" = 1 ] || continue
  warnings=$(groff -man -ww -z "$page" 2>&1) || fail "groff failed on $page"
  [ -z "$warnings" ] || fail "groff -man -ww warns about $page:"$'\n'"$warnings"
  # Rendered as a reader sees it (wide, no hyphenation, no overstrike).
  groff -man -Tascii -rLL=250n -rHY=0 -P-c -P-b -P-u "$page" 2>/dev/null >"$WORK/$prog.txt"
  long_options <"$WORK/$prog.txt" >"$WORK/$prog.rendered.long"
  while read -r opt; do fail "$prog: $opt of --help does not appear in the rendered $page"; done \
    < <(comm -23 "$WORK/$prog.long" "$WORK/$prog.rendered.long")
  errors=$(MANWIDTH=80 MAN_DISABLE_SECCOMP=1 man -l "$page" 2>&1 >/dev/null) || fail "man -l $page failed"
  [ -z "$errors" ] || fail "man -l $page printed errors:"$'\n'"$errors"
done

if [ "$failures" -gt 0 ]; then
  echo "FAIL: $failures problem(s) between the man pages and the programs" >&2
  exit 1
fi
if [ "$have_groff" = 0 ]; then
  echo "SKIP: options match, but groff/man are missing for the rendering checks (apt-get install groff-base man-db)"
  exit 77
fi
echo "PASS: the man pages match every program's --help and render cleanly"
