#!/bin/sh
# check-manpage: doc/ganesha-ha.sh.8 (written by hand) describes every
# command, option and environment variable that "ganesha-ha.sh help" lists,
# and the help text every command the man page does (TAP).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
script=$top_srcdir/extras/ganesha-ha.sh
page=$top_srcdir/doc/ganesha-ha.sh.8

work=$(mktemp -d "${TMPDIR:-/tmp}/check-manpage.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
if ! bash "$script" help >"$work/help" 2>&1; then
    echo "1..1"
    echo "not ok 1 - ganesha-ha.sh help exits 0"
    exit 1
fi
# the page's text with roff's escaped hyphens as plain ones
sed 's/\\-/-/g' "$page" >"$work/page"

# commands: "  <name> <HA_CONFDIR>..." lines, and "help"
sed -nE 's/^  ([a-z][a-z-]*)( .*)?$/\1/p' "$work/help" | sort -u >"$work/commands"
grep -oE -- '--[a-z][a-z-]+' "$work/help" | sort -u >"$work/options"
grep -oE 'GANESHA_[A-Z_]+' "$work/help" | sort -u >"$work/env"
# the page's commands: the tagged paragraphs of its COMMANDS section
sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$work/page" |
    sed -nE '/^\.TP/{n;s/^\.BI? "?([a-z][a-z-]*).*/\1/p;}' | sort -u >"$work/page-commands"

n=0
failed=0
point() { # point OK DESCRIPTION
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=$((failed + 1))
    fi
}

for f in commands options env; do
    [ -s "$work/$f" ] || point 1 "ganesha-ha.sh help lists $f (the parser of this test is out of date)"
done
while read -r c; do
    grep -qE "^\.BI? \"?$c( |\"|$)" "$work/page"
    point $? "man page describes the command $c"
done <"$work/commands"
while read -r o; do
    grep -qF -- "$o" "$work/page"
    point $? "man page describes the option $o"
done <"$work/options"
while read -r v; do
    grep -qE "^\.B $v\$" "$work/page"
    point $? "man page describes the environment variable $v"
done <"$work/env"
while read -r c; do
    grep -qE "^  $c( |\$)" "$work/help"
    point $? "the man page's command $c is in ganesha-ha.sh help"
done <"$work/page-commands"

echo "1..$n"
[ "$failed" -eq 0 ]
