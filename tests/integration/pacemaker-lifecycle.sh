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

cluster=${GOCF_ONENODE_CLUSTER:-$TOP/tests/lib/onenode-cluster.sh}
ganesha=$TOP/tests/lib/private-ganesha.sh

[[ $(id -u) -eq 0 ]] || skip_all "needs root"
for p in pcs crm_mon crm_resource crm_attribute xmllint; do
    command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done
agents_installed || skip_all "agents not installed in $AGENT_DIR (make install)"
[[ -f $cluster ]] || skip_all "no one-node cluster helper at $cluster"
bash "$cluster" usable || skip_all "$cluster cannot run here"
sh "$ganesha" usable 2>/dev/null || skip_all "private-ganesha.sh cannot run here"

cluster_dir=$(mktemp -d /tmp/gocf-lifecycle-node.XXXXXX)
work=$(mktemp -d /tmp/gocf-lifecycle.XXXXXX)
gdir=$work/ganesha
in_cluster() { bash "$cluster" exec "$cluster_dir" "$@"; }
cleanup() {
    in_cluster sh "$ganesha" stop "$gdir" >/dev/null 2>&1
    bash "$cluster" stop "$cluster_dir" >/dev/null 2>&1
    rm -rf "$work" "$cluster_dir"
}
trap cleanup EXIT

# wait_for SECONDS DESCRIPTION CMD...: one test point, polling CMD
wait_for() {
    local limit=$1 desc=$2 t0 t
    shift 2
    t0=$(date +%s%N)
    while :; do
        t=$((($(date +%s%N) - t0) / 1000000))
        if "$@" >/dev/null 2>&1; then
            ok "$desc (after $t ms)"
            return 0
        fi
        ((t < limit * 1000)) || break
        sleep 0.1
    done
    not_ok "$desc" "not true after $limit s: $*" \
        "$(in_cluster crm_mon -1 -A 2>&1 | tail -15)" \
        "$(in_cluster grep -h 'ganesha_\(mon\|grace\)(' /var/log/pacemaker/pacemaker.log 2>/dev/null | tail -8)"
    return 1
}

if ! bash "$cluster" start "$cluster_dir" >"$work/start.log" 2>&1; then
    not_ok "the one-node cluster starts" "$(tail -20 "$work/start.log")"
    done_testing
    exit 1
fi
node=$(in_cluster crm_node -n)
ok "the one-node cluster starts ($node)"

start_ganesha() {
    local out
    out=$(in_cluster sh "$ganesha" start "$gdir" 2>&1) || {
        echo "$out"
        return 1
    }
    # pacemaker-execd has no DBUS_SYSTEM_BUS_ADDRESS: use the standard path
    # inside the node's private /run
    in_cluster sh -c "mkdir -p /run/dbus && ln -sfn '$gdir/system_bus_socket' /run/dbus/system_bus_socket"
}
if out=$(start_ganesha); then
    ok "a private ganesha runs in the node"
else
    not_ok "a private ganesha runs in the node" "$out"
    done_testing
    exit 1
fi
pid() { cat "$gdir/ganesha.pid"; }

attr_is() { # attr_is NAME VALUE|absent
    local v
    v=$(in_cluster crm_attribute -N "$node" -n "$1" -l reboot -G -q 2>/dev/null) || v=absent
    [[ $v == "$2" ]]
}
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

in_cluster kill -STOP "$(pid)"
wait_for 40 "a hung ganesha (SIGSTOP) is released at level 10 after hung_probes (3) unanswered probes" attr_is ganesha-active absent
check "... nfs-mon did not fail on the 5 s D-Bus timeout" no_failures
in_cluster kill -CONT "$(pid)"
wait_for 20 "a resumed ganesha is published again" attr_is ganesha-active 1

pcs_in resource disable nfs-mon-clone
wait_for 30 "disabling nfs-mon stops it" stopped nfs-mon
check "... and its stop deleted grace-active" attr_is grace-active absent
check "... and ganesha-active" attr_is ganesha-active absent
wait_for 15 "... and nfs-grace follows" stopped nfs-grace
check "no failed action in the whole run" no_failures

done_testing
