#!/bin/bash
# Scenario 2: a whole node crashes (every process frozen then killed, its
# link down). The survivors fence it (fence_gocf_sandbox), nfs-grace's
# post-stop notification puts every survivor's ganesha into grace, and the
# node's VIP comes up on a survivor. INVARIANT: every survivor's ganesha
# was in grace before the VIP came up anywhere (in a crash only the order
# "stop nfs-grace-clone then start <n>-cluster_ip-1" provides this). Then the node
# is restarted and the cluster must settle with every VIP home and no failed
# action.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

VICTIM=${GOCF_VICTIM:-n3}
sbx_begin --nodes 3
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home before the crash"
sbx plant-clients
wait_until 60 "no ganesha in grace" no_grace_anywhere
failover_check "$VICTIM" --timeout 120 -- sbx crash-node "$VICTIM"
t_fence=$(tl_first fail "\$2==\"fence\" && \$3==\"$VICTIM\" && \$4==\"off:\" && \$5==\"done\"")
[[ -n $t_fence ]]
ok $? "$VICTIM was fenced by the cluster"
t_vip=$(tl_first fail "\$2==\"vip\" && \$4==\"+$(sbx_vip "$VICTIM")\"")
if [[ -n $t_fence && -n $t_vip ]] && ((t_fence <= t_vip)); then
    pass "fencing completed before the VIP moved"
else
    fail "fencing completed before the VIP moved (fence ${t_fence:-none}, VIP ${t_vip:-none})"
fi
check_settled "cluster settles without $VICTIM"

# bring it back: it rejoins, its ganesha (started before pacemaker) gets the
# VIP back
t0=$SECONDS
sbx_q restart "$VICTIM" >/dev/null 2>&1
ok $? "$VICTIM restarted and rejoined ($((SECONDS - t0)) s)"
wait_until 120 "VIP of $VICTIM back home" vip_home "$VICTIM"
ok $? "VIP of $VICTIM back home after the restart"
wait_until 120 "cluster idle" sbx_q wait-idle 5
check_no_failed_actions
sbx_end
