#!/bin/bash
# Scenario 4 (5 nodes): ganesha dies on two nodes at the same moment. Every
# survivor must enter grace for both failed nodes ("recovery event 5 ... ip
# <node>" in its ganesha log) and ack both, before either VIP comes up on a
# survivor (the invariant, per VIP). 5 nodes (not 4) only so that it shares
# its sandbox with scenario 10 in tests/run-all.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

sbx_begin --nodes 5
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home before the failure"
sbx plant-clients
wait_until 60 "no ganesha in grace" no_grace_anywhere

kill_both() {
    sbx kill-ganesha n3 &
    sbx kill-ganesha n4 &
    wait
}
failover_check "n3 n4" --acks --timeout 120 -- kill_both
check_invariant_each "n3 n4" "n1 n2 n5"
dc=$(sbx_exec n1 crmadmin -D -q 2>&1 | tail -n 1)
diag "the DC's ($dc) transitions that stopped nfs-grace:"
diag "$(grep -E 'Actions: Stop +nfs-grace|Calculated transition' "$(sbx_pacemaker_log "$dc")" | grep -B1 'Stop' | tail -n 8 | cut -c1-160)"
check_settled "cluster settles"
check_no_failed_actions
sbx_end
