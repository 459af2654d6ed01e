#!/usr/bin/env bash
# attr-cluster.sh: lib/attr against a real one-node cluster (TAP).
# Starts tests/lib/onenode-cluster.sh, runs the unit test binary test_attr
# inside it in live mode (set/get/delete through attrd, crm_node name,
# snapshot), takes the cluster down and checks every call then reports
# -ENOTCONN, and checks that stopping leaves no process behind.
#
# The binary comes from GOCF_BUILD_DIR (default: _build, as tests/run-all
# builds it); it is built there if missing.
set -uo pipefail

# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh" # TOP, ok, not_ok, skip_all
CLUSTER=$TOP/tests/lib/onenode-cluster.sh
BUILD=${GOCF_BUILD_DIR:-$TOP/_build}
NODE=n1

[[ $(id -u) -eq 0 ]] || skip_all "needs root (namespaces)"
bash "$CLUSTER" usable || skip_all "corosync/pacemaker/util-linux not installed"
BIN=$BUILD/tests/unit/test_attr
if [[ ! -x $BIN && -f $BUILD/Makefile ]]; then
    make -C "$BUILD" tests/unit/test_attr >/dev/null 2>&1
fi
[[ -x $BIN ]] || {
    echo "1..0 # SKIP no test_attr binary in $BUILD (set GOCF_BUILD_DIR)"
    exit 0
}

WORK=$(mktemp -d /tmp/gocf-attr-cluster.XXXXXX)
cleanup() {
    bash "$CLUSTER" stop "$WORK/node" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

# relay MODE-LABEL OUTPUT: one test point per test_attr test point
relay() {
    local label=$1 output=$2 line seen=0
    while IFS= read -r line; do
        case $line in
        "ok "[0-9]*)
            seen=1
            ok "$label: ${line#ok * - }"
            ;;
        "not ok "[0-9]*)
            seen=1
            not_ok "$label: ${line#not ok * - }" "$output"
            ;;
        esac
    done <<<"$output"
    ((seen)) || not_ok "$label: test_attr ran" "$output"
}

run_test_attr() { # run_test_attr ENV=VALUE...: inside the node
    bash "$CLUSTER" exec "$WORK/node" env "$@" CMOCKA_MESSAGE_OUTPUT=TAP \
        HA_LOGFACILITY=none "$BIN" 2>&1
}

start=$(date +%s)
if out=$(bash "$CLUSTER" start "$WORK/node" "$NODE" 2>&1); then
    ok "one-node cluster up with $NODE online ($(($(date +%s) - start)) s)"
else
    not_ok "one-node cluster up with $NODE online" "$out"
    echo "1..$tap_n"
    exit 1
fi

name=$(bash "$CLUSTER" exec "$WORK/node" crm_node -n 2>&1)
if [[ $name == "$NODE" ]]; then
    ok "crm_node -n inside the node says $NODE"
else
    not_ok "crm_node -n inside the node says $NODE" "got: $name"
fi

relay "live" "$(run_test_attr GOCF_TEST_ATTR_LIVE="$NODE")"

# the cluster goes away, the node (namespaces) stays
bash "$CLUSTER" down "$WORK/node"
relay "cluster down" "$(run_test_attr GOCF_TEST_ATTR_DOWN=1)"

anchor=$(<"$WORK/node/anchor.pid")
bash "$CLUSTER" stop "$WORK/node"
left=0
if [[ -e /proc/$anchor ]] && ! grep -q '^State:[[:space:]]*[ZX]' "/proc/$anchor/status" 2>/dev/null; then
    left=1
fi
if ((left == 0)) && [[ ! -e $WORK/node/anchor.pid ]]; then
    ok "stop leaves no node process behind"
else
    not_ok "stop leaves no node process behind" "anchor $anchor still runs"
fi

done_testing
