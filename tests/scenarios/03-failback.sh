#!/bin/bash
# Scenario 3: failback. ganesha was killed on a node and its VIP moved to a
# survivor; ganesha is started again: ganesha_mon sets the attributes,
# nfs-grace starts there, the survivors get the pre-start notification and
# re-enter grace, and the VIP returns home. Checks the survivors were in
# grace before the VIP came up at home, and that the cluster settles with
# every VIP home, both attributes set and no failed action.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

VICTIM=${GOCF_VICTIM:-n3}
sbx_begin --nodes 3
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home at the start"

sbx kill-ganesha "$VICTIM"
wait_until 90 "VIP of $VICTIM moved" vip_moved_off "$VICTIM"
ok $? "VIP of $VICTIM moved to $(sbx_vip_node "$VICTIM") after its ganesha died"
wait_until 120 "cluster idle" sbx_q wait-idle 5
# the takeover grace must be over, so that a grace seen later is the failback's
wait_until 90 "no ganesha in grace" no_grace_anywhere
ok $? "the survivors' takeover grace is over"

survivors=()
for s in $(sbx_nodes); do [[ $s == "$VICTIM" ]] || survivors+=("$s"); done
declare -A logpos=()
for s in "${survivors[@]}"; do logpos[$s]=$(sbx_log_size "$s"); done
: >"$SBX_TL"
tl_start
tl_mark failback start-ganesha "$VICTIM"
sbx_q start-ganesha "$VICTIM"
ok $? "ganesha started again on $VICTIM"
wait_until 120 "VIP of $VICTIM home" vip_home "$VICTIM"
ok $? "VIP of $VICTIM back home"
sleep 1.5
tl_stop
diag "timeline (ms after the restart):"
diag "$(tl_show --since failback)"
out=$(tl_check --since failback --victims "$VICTIM" --survivors "${survivors[*]}" 2>&1)
ok $? "every survivor (${survivors[*]}) re-entered grace (pre-start) before the VIP came up at home"
diag "$out"
for s in "${survivors[@]}"; do
    if sbx_log_since "$s" "${logpos[$s]}" | grep -E "recovery event 3 " >/dev/null; then
        pass "$s's ganesha got the pre-start grace (recovery event 3)"
    else
        fail "$s's ganesha got the pre-start grace (recovery event 3)"
        diag "$(sbx_log_since "$s" "${logpos[$s]}" | tail -n 10)"
    fi
done
check_settled "cluster settles"
a=$(attrs_now)
grep -q "^$VICTIM ganesha-active=1$" <<<"$a" && grep -q "^$VICTIM grace-active=1$" <<<"$a"
ok $? "ganesha-active and grace-active are 1 on $VICTIM again"
all_vips_home
ok $? "every VIP at home"
check_no_failed_actions
sbx_end
