#!/usr/bin/env bash
# pacemaker-lifecycle.sh: ganesha_mon and ganesha_grace run by Pacemaker
# itself (pacemaker-execd's environment, real timeouts, real notifications)
# in the one-node cluster, against a private ganesha: both clones start and
# publish; a killed ganesha is released (attributes deleted, nfs-grace
# stopped by its location rule, nfs-mon still running, no failed action);
# failback; a hung (SIGSTOPped) ganesha is caught at OCF_CHECK_LEVEL=10;
# disabling nfs-mon deletes both attributes.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

# shellcheck source=tests/integration/lib/onenode.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/onenode.sh"
onenode_begin lifecycle

onenode_up
pid() { cat "$gdir/ganesha.pid"; }
running() { # running RSC: the resource is active on the node
    in_cluster crm_resource -W -r "$1" 2>/dev/null | grep -q "running on: $node"
}
stopped() { ! running "$1"; }
no_failures() {
    local n
    n=$(in_cluster crm_mon -1 --output-as=xml 2>/dev/null |
        xmllint --xpath 'count(//failures/failure)' - 2>/dev/null)
    [[ $n == 0 ]]
}

pcs_in() { in_cluster pcs "$@" >>"$work/pcs.log" 2>&1; }
pcs_in resource create nfs-mon ocf:heartbeat:ganesha_mon \
    pidfile="$gdir/ganesha.pid" grace_delay=2 \
    op monitor interval=1s timeout=20s OCF_CHECK_LEVEL=10 clone &&
    pcs_in resource create nfs-grace ocf:heartbeat:ganesha_grace clone notify=true &&
    pcs_in constraint location nfs-grace-clone rule score=-INFINITY grace-active ne 1
check "pcs creates nfs-mon, nfs-grace (notify=true) and the grace-active rule" test $? -eq 0

wait_for 30 "nfs-mon publishes grace-active=1" attr_is grace-active 1
wait_for 5 "... and ganesha-active=1" attr_is ganesha-active 1
wait_for 30 "nfs-grace starts where grace-active is 1" running nfs-grace

in_cluster kill -KILL "$(pid)"
wait_for 15 "a killed ganesha: ganesha-active is deleted" attr_is ganesha-active absent
check "... grace-active is deleted" attr_is grace-active absent
wait_for 15 "... nfs-grace is stopped by its location rule" stopped nfs-grace
check "... nfs-mon keeps running (the daemon is not a resource)" running nfs-mon
check "... no failed action" no_failures

in_cluster sh "$ganesha" stop "$gdir" >/dev/null 2>&1
if out=$(start_ganesha); then ok "ganesha restarted"; else not_ok "ganesha restarted" "$out"; fi
wait_for 15 "failback: grace-active=1 again" attr_is grace-active 1
wait_for 5 "... ganesha-active=1 again" attr_is ganesha-active 1
wait_for 30 "... nfs-grace starts again" running nfs-grace

# kill_hung=false: upstream's behaviour, the hung daemon is left as it is
pcs_in resource update nfs-mon kill_hung=false
check "nfs-mon kill_hung=false (reload-agent)" test $? -eq 0
wait_for 20 "... nfs-mon runs with it" running nfs-mon
hung=$(pid)
in_cluster kill -STOP "$hung"
wait_for 40 "a hung ganesha (SIGSTOP) is released at level 10 after hung_probes (3) unanswered probes" attr_is ganesha-active absent
check "... nfs-mon did not fail on the 5 s D-Bus timeout" no_failures
check "... kill_hung=false: the hung ganesha is still there" in_cluster kill -0 "$hung"
in_cluster kill -CONT "$hung"
wait_for 20 "a resumed ganesha is published again" attr_is ganesha-active 1

pcs_in resource disable nfs-mon-clone
wait_for 30 "disabling nfs-mon stops it" stopped nfs-mon
check "... and its stop deleted grace-active" attr_is grace-active absent
check "... and ganesha-active" attr_is ganesha-active absent
wait_for 15 "... and nfs-grace follows" stopped nfs-grace
check "no failed action in the whole run" no_failures

done_testing
