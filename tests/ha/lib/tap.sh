#!/bin/bash
# Shared TAP helpers for tests/ha/*.sh (sourced, not run).
# shellcheck shell=bash

HA_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HA_SRC_DIR=$(cd "$HA_TESTS_DIR/../.." && pwd)
# shellcheck disable=SC2034 # used by the test scripts
GHA=${GANESHA_HA_SH:-$HA_SRC_DIR/extras/ganesha-ha.sh}
# shellcheck disable=SC2034
FIXTURES=$HA_TESTS_DIR/fixtures

TAP_N=0
TAP_FAILED=0

tap_plan() { echo "1..$1"; }
tap_skip_all() { echo "1..0 # SKIP $*"; exit 0; }

ok() {   # ok COND-RC DESCRIPTION
    TAP_N=$((TAP_N + 1))
    if [[ $1 == 0 ]]; then
        echo "ok $TAP_N - $2"
    else
        echo "not ok $TAP_N - $2"
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
}

skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }

diag() { printf '# %s\n' "$@"; }

diag_file() { sed 's/^/#   /' "$1"; }

tap_done() { exit $((TAP_FAILED > 0)); }

# An offline CIB (the file CIB_file names) with nodes n1..nN and an admin's
# own no-quorum-policy (freeze), which teardown must give back.
offline_cib() {   # offline_cib N
    local i
    cibadmin --empty >"${CIB_file:?offline_cib needs CIB_file}"
    for ((i = 1; i <= $1; i++)); do cibadmin -C -o nodes -X "<node id=\"$i\" uname=\"n$i\"/>"; done
    crm_attribute --type crm_config --name no-quorum-policy --update freeze
}

# A scratch dir removed at exit.
T=$(mktemp -d "${TMPDIR:-/tmp}/ha-test.XXXXXX")
trap 'rm -rf -- "$T"' EXIT
# HA_NLM=auto reads HA_CONFDIR/ganesha.conf, else ganesha's own file (the
# host's): a test of what setup builds offline calls this first, so that
# only what it puts in HA_CONFDIR decides
no_host_ganesha_conf() { export GANESHA_CONF=$T/no-ganesha.conf; }

# A bin dir with fake pcs (records every call) placed first in PATH.
# Also fakes crm_mon/cibadmin as "no cluster" unless told otherwise.
fake_bin() {   # fake_bin [nocluster]
    mkdir -p "$T/bin"
    cat >"$T/bin/pcs" <<EOS
#!/bin/sh
printf '%s\n' "pcs \$*" >>"$T/pcs.calls"
exit 0
EOS
    chmod +x "$T/bin/pcs"
    : >"$T/pcs.calls"
    rm -f "$T/bin/crm_mon" "$T/bin/cibadmin" "$T/bin/crm_node"
    if [[ ${1:-} == nocluster ]]; then
        local t
        for t in crm_mon cibadmin crm_node; do
            printf '#!/bin/sh\necho "%s: Could not connect to the cluster (fake)" >&2\nexit 102\n' "$t" >"$T/bin/$t"
            chmod +x "$T/bin/$t"
        done
    fi
    PATH=$T/bin:$PATH
    export PATH
}

pcs_calls() { grep -c . "$T/pcs.calls" 2>/dev/null || true; }

# write_conf DIR <<EOF ... : writes DIR/ganesha-ha.conf
write_conf() { mkdir -p "$1"; cat >"$1/ganesha-ha.conf"; }

# Normalised pcs -f commands of a dry run: "pcs -f CIB ..." with --force dropped.
dry_pcs() {
    grep '^pcs ' | sed -E 's#^pcs -f [^ ]+ #pcs -f CIB #; s/ --force$//; s/ --force / /; s#cib-push [^ ]+ diff-against=[^ ]+#cib-push CIB diff-against=ORIG#'
}
