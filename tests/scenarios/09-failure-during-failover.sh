#!/bin/bash
# Scenario 9: a failure during a failover. ganesha is killed on n3; as soon
# as n3 has withdrawn grace-active (its failover is under way: the survivors
# are being put in grace and n3 waits for their acks), ganesha is killed on
# n2, one of the survivors n3 is waiting for. n3 must not wait for n2 to the
# end of grace_delay (n2 drops out of the expected survivors once it withdraws
# grace-active itself), and n1, the only survivor left, must be in grace and
# have acked both failures before either VIP comes up on it.
# INVARIANT (per VIP): n1's ganesha was in grace before the VIP came up.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

sbx_begin --nodes 3
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home before the failure"
sbx plant-clients
wait_until 60 "no ganesha in grace" no_grace_anywhere

# shellcheck disable=SC2016 # an awk condition
grace_withdrawn_on_n3() { [[ -n $(tl_first fail '$2=="attr" && $3=="n3" && $4=="grace-active=(deleted)"') ]]; }
kill_n3_then_n2() {
    sbx kill-ganesha n3 || return 1
    wait_until 20 "n3 withdrew grace-active" grace_withdrawn_on_n3 >/dev/null || return 1
    sbx kill-ganesha n2
}
failover_check "n3 n2" --acks --timeout 120 -- kill_n3_then_n2
wait_until 60 "both VIPs on n1" eval 'vip_on n3 n1 && vip_on n2 n1'
ok $? "n3's and n2's VIPs both end on n1"
check_invariant_each "n3 n2" "n1"
# n3 must not have waited out grace_delay for n2: its release log says whom
# it waited for (or that every survivor confirmed)
rel=$(grep -hE 'grace confirmed by all|no grace confirmation after' "$(sbx_pacemaker_log n3)" 2>/dev/null | tail -n 1)
diag "n3's release: ${rel:-(no release line found)}"
[[ $rel == *"grace confirmed by all"* ]]
ok $? "n3's release ended on confirmation, not on the grace_delay bound"
check_settled "cluster settles after both failovers"
check_no_failed_actions
sbx_end
