#!/bin/bash
# Scenario 7: a hung ganesha (SIGSTOP). Its process is alive, so only the
# level-10 monitor of nfs-mon (a bounded D-Bus get_grace round trip) can see
# it; it must fail over like a death: survivors in grace and acked before the
# VIP comes up on a survivor (the invariant). nfs-mon kills the hung daemon
# before that release (kill_hung); started again, the VIP returns home.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

VICTIM=${GOCF_VICTIM:-n3}
sbx_begin --nodes 3
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home before the hang"
sbx plant-clients
wait_until 60 "no ganesha in grace" no_grace_anywhere
failover_check "$VICTIM" --acks --timeout 120 -- sbx freeze-ganesha "$VICTIM"
[[ $(ganesha_state "$VICTIM") == dead ]]
ok $? "$VICTIM's hung ganesha was killed before the release (kill_hung: its locks are free for the survivors)"

sbx_q start-ganesha "$VICTIM"
ok $? "the hung ganesha replaced by a fresh one"
wait_until 120 "VIP of $VICTIM home" vip_home "$VICTIM"
ok $? "VIP of $VICTIM back home"
wait_until 120 "cluster idle" sbx_q wait-idle 5
check_no_failed_actions
sbx_end
