#!/bin/bash
# Scenario 1: ganesha.nfsd is killed on one node. ganesha_mon there releases
# the node: the survivors' ganesha enter grace (on the watchers' hint, then
# confirmed by the post-stop notification of nfs-grace, which loads the
# node's clients only once) and ack, then the node's VIP comes up on a
# survivor.
# INVARIANT: every survivor's ganesha was in grace before the VIP came up
# anywhere. TAP; brings its own sandbox up and down (GOCF_SANDBOX_REUSE=1 to
# use a running one).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

VICTIM=${GOCF_VICTIM:-n3}
sbx_begin --nodes 3
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home before the failure"
sbx plant-clients
wait_until 60 "no ganesha in grace" no_grace_anywhere
declare -A glog0 plog0
for n in $(sbx_nodes); do
    glog0[$n]=$(sbx_log_size "$n")
    plog0[$n]=$(stat -c %s "$(sbx_pacemaker_log "$n")" 2>/dev/null || echo 0)
done
failover_check "$VICTIM" --acks -- sbx kill-ganesha "$VICTIM"
check_settled "cluster settles after the failover"
# early grace (README): each survivor took the node over on the watchers'
# hint, and its post-stop notification did not load the node's clients again
for n in $(sbx_nodes); do
    [[ $n == "$VICTIM" ]] && continue
    loads=$(sbx_log_since "$n" "${glog0[$n]}" | grep -c "recovery event 5 nodeid -1 ip $VICTIM\b")
    ok "$((loads == 1 ? 0 : 1))" "$n loaded $VICTIM's clients once ($loads recovery event 5)"
    # grep -c reads all of it: with -q it could stop first, and tail's
    # SIGPIPE would fail the pipeline (pipefail) although the line is there
    hinted=$(tail -c +"$((${plog0[$n]} + 1))" "$(sbx_pacemaker_log "$n")" 2>/dev/null |
        grep -c "ganesha took $VICTIM over .* on the watchers' hint")
    ok "$((hinted >= 1 ? 0 : 1))" "$n took $VICTIM over on the watchers' hint (early_grace)"
done
check_no_failed_actions
diag "attributes now: $(attrs_now | tr '\n' ';')"
sbx_end
