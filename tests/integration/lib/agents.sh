# shellcheck shell=bash
# lib/agents.sh: shared helpers of the integration tests (sourced, bash).
# shellcheck disable=SC2034 # the variables set here are read by the tests
# TAP output, where the installed agents are, and running one agent action
# with a clean environment while capturing its exit code and stderr.

OCF_ROOT=${OCF_ROOT:-/usr/lib/ocf}
export OCF_ROOT
# GOCF_AGENT_DIR lets a developer point the tests at a build tree.
AGENT_DIR=${GOCF_AGENT_DIR:-$OCF_ROOT/resource.d/heartbeat}
AGENTS="ganesha_mon ganesha_grace ganesha_nfsd ganesha_handoff ganesha_smnotify"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)

# shellcheck source=tests/lib/tap.sh
. "$TOP/tests/lib/tap.sh"

agents_installed() {
    local a
    for a in $AGENTS; do
        [[ -x $AGENT_DIR/$a ]] || return 1
    done
}

# run_agent AGENT ACTION [VAR=VALUE...]: runs the agent with only the
# given environment (plus PATH, OCF_ROOT, logging off, HA_RSCTMP); an empty
# ACTION runs it with no argument. Sets $rc, $out (stdout), $err (stderr)
# and $reasons (number of exit-reason lines). $RUN_PREFIX (an array) wraps
# the agent, e.g. in valgrind.
run_agent() {
    local agent=$1 action=$2
    shift 2
    local errf outf
    errf=$(mktemp) outf=$(mktemp)
    env -i PATH="$PATH" OCF_ROOT="$OCF_ROOT" HA_LOGFACILITY=none \
        HA_RSCTMP="${HA_RSCTMP:-/run/resource-agents}" \
        OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 \
        OCF_RESOURCE_INSTANCE="${INSTANCE:-gocf-test}" "$@" \
        ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$AGENT_DIR/$agent" \
        ${action:+"$action"} >"$outf" 2>"$errf" </dev/null
    rc=$?
    out=$(cat "$outf")
    err=$(cat "$errf")
    reasons=$(grep -c '^ocf-exit-reason:' "$errf")
    rm -f "$errf" "$outf"
}
