#!/bin/bash
# Scenario 10 (5 nodes): two whole nodes crash at the same moment. Corosync
# loses both in one membership change, so the DC fences both and stops both
# nfs-grace instances in ONE transition. Pacemaker 2.1.5 then names only
# one of them in the survivors' post-stop notification (the pre-stop one
# names both); ganesha_grace must still handle both. Every survivor
# must enter grace for both, ack both, and be in grace before either VIP
# comes up (the invariant, per VIP). 5 nodes, so that 3 of 5 keep quorum.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

sbx_begin --nodes 5
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home before the crash"
sbx plant-clients
wait_until 60 "no ganesha in grace" no_grace_anywhere
declare -A plog=()
for s in n1 n2 n3; do plog[$s]=$(stat -c %s "$(sbx_pacemaker_log "$s")" 2>/dev/null || echo 0); done

crash_both() {
    sbx crash-node n4 &
    sbx crash-node n5 &
    wait
}
failover_check "n4 n5" --acks --timeout 180 -- crash_both
check_invariant_each "n4 n5" "n1 n2 n3"
# one transition: every survivor handled both nodes in one post-stop notify.
# Pacemaker 2.1.5 names only one of them there (each fencing gets its own
# post-stop notification and one is lost); ganesha_grace adds the names of
# the pre-stop notification that are gone (see its log notice).
for s in n1 n2 n3; do
    # read once, whole (a grep -q on the pipe would fail it under pipefail)
    since=$(tail -c +"$((plog[$s] + 1))" "$(sbx_pacemaker_log "$s")")
    if grep -q 'notify post-stop for 2 node(s)' <<<"$since"; then
        pass "$s handled both nodes in one post-stop notification"
        diag "$(grep -m1 'named by the pre-stop' <<<"$since" | cut -c1-200)"
    else
        fail "$s handled both nodes in one post-stop notification"
        diag "$(grep -E 'notify post-stop|grace entered' <<<"$since" | tail -n 6)"
    fi
done
check_settled "cluster settles without n4 and n5"
check_no_failed_actions
sbx_end
