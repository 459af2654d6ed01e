#!/bin/sh
# check-metadata: every agent's meta-data (TAP). It must exit 0 (also with
# OCF_TESTER_FAIL_HAVE_BINARY=1, as ocf-tester runs it), be valid against
# ra-api-1.dtd the way ocf-tester checks it (xmllint --valid, the DTD found
# through the DOCTYPE) and against the OCF 1.1 RelaxNG schema.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
dtd=${RA_API_DTD:-/usr/share/resource-agents/ra-api-1.dtd}
rng=$top_srcdir/doc/ra-api-1.1.rng

if ! command -v xmllint >/dev/null 2>&1; then
    echo "1..0 # SKIP xmllint not installed"
    exit 0
fi
if [ ! -r "$dtd" ]; then
    echo "1..0 # SKIP $dtd not found (resource-agents not installed)"
    exit 0
fi

set --
for src in "$top_srcdir"/agents/*.c; do
    [ -f "$src" ] || continue
    name=${src##*/}
    set -- "$@" "${name%.c}"
done
if [ $# -eq 0 ]; then
    echo "1..0 # SKIP no agents"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/check-metadata.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
# ocf-tester runs "xmllint --valid -" in the DTD's directory: the
# DOCTYPE's relative system id must resolve next to the document.
cp "$dtd" "$work/ra-api-1.dtd" || exit 99

n=0
failed=0
echo "1..$(($# * 4))"

report() { # report OK|FAIL DESCRIPTION [DETAIL FILE]
    n=$((n + 1))
    if [ "$1" = OK ]; then
        echo "ok $n - $2"
    else
        failed=$((failed + 1))
        echo "not ok $n - $2"
        if [ $# -ge 3 ] && [ -s "$3" ]; then
            sed -e 's/^/# /' "$3" | head -n 20
        fi
    fi
}

skip() { # skip DESCRIPTION REASON
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}

for agent in "$@"; do
    bin=$top_builddir/agents/$agent
    xml=$work/$agent.xml
    if grep -q "placeholder until implemented" "$top_srcdir/agents/$agent.c"; then
        for what in "exits 0" "exits 0 without binaries" "valid (DTD)" "valid (RNG)"; do
            skip "$agent meta-data $what" "agent is still a placeholder"
        done
        continue
    fi
    if OCF_ROOT=/usr/lib/ocf HA_LOGFACILITY=none "$bin" meta-data \
        >"$xml" 2>"$work/err"; then
        report OK "$agent meta-data exits 0"
    else
        report FAIL "$agent meta-data exits 0 (got $?)" "$work/err"
    fi
    if OCF_TESTER_FAIL_HAVE_BINARY=1 OCF_ROOT=/usr/lib/ocf HA_LOGFACILITY=none \
        "$bin" meta-data >/dev/null 2>"$work/err"; then
        report OK "$agent meta-data exits 0 without binaries"
    else
        report FAIL "$agent meta-data exits 0 without binaries" "$work/err"
    fi
    if (cd "$work" && xmllint --noout --nonet --valid - <"$xml") \
        >"$work/err" 2>&1; then
        report OK "$agent meta-data valid against ra-api-1.dtd"
    else
        report FAIL "$agent meta-data valid against ra-api-1.dtd" "$work/err"
    fi
    if xmllint --noout --nonet --relaxng "$rng" "$xml" >"$work/err" 2>&1; then
        report OK "$agent meta-data valid against the OCF 1.1 schema"
    else
        report FAIL "$agent meta-data valid against the OCF 1.1 schema" \
            "$work/err"
    fi
done
[ "$failed" -eq 0 ]
