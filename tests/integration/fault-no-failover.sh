#!/usr/bin/env bash
# fault-no-failover.sh: ordinary faults on the one-node cluster with a
# private ganesha must not release the node nor fail a resource: ganesha's
# pid file rewritten as ganesha 4.x leaves it after a shorter pid (a stale
# second line, no truncation); its D-Bus daemon SIGSTOPped for longer than
# one probe's 5 s bound, then resumed; pacemaker-attrd killed (pacemakerd
# respawns it): the next monitor sees the new attrd and re-asserts at once.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

# shellcheck source=tests/integration/lib/onenode.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/onenode.sh"
onenode_cleanup_hook() {
    [[ -f $gdir/dbus.pid ]] && kill -CONT "$(cat "$gdir/dbus.pid")" 2>/dev/null
}
onenode_begin fault

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
log_lines() { wc -l <"$cluster_dir/log/pacemaker/pacemaker.log"; }
since() { tail -n +"$(($1 + 1))" "$cluster_dir/log/pacemaker/pacemaker.log"; }
released_since() { since "$1" | grep -q 'releasing this node'; }
both_set() { attr_is grace-active 1 && attr_is ganesha-active 1; }
# held SECONDS DESCRIPTION: both attributes stay 1 for SECONDS (polled)
held() {
    local limit=$1 desc=$2 t0 t
    t0=$(date +%s%N)
    while :; do
        t=$((($(date +%s%N) - t0) / 1000000))
        if ! both_set; then
            not_ok "$desc" "an attribute was gone after $t ms" \
                "$(in_cluster crm_mon -1 -A 2>&1 | tail -12)"
            return 1
        fi
        ((t < limit * 1000)) || break
        sleep 0.2
    done
    ok "$desc"
}

pcs_in resource create nfs-mon ocf:heartbeat:ganesha_mon \
    pidfile="$gdir/ganesha.pid" grace_delay=2 \
    op monitor interval=1s timeout=20s OCF_CHECK_LEVEL=10 clone &&
    pcs_in resource create nfs-grace ocf:heartbeat:ganesha_grace clone notify=true &&
    pcs_in constraint location nfs-grace-clone rule score=-INFINITY grace-active ne 1
check "pcs creates nfs-mon (level 10, every 1 s), nfs-grace and its rule" test $? -eq 0
wait_for 30 "nfs-mon publishes grace-active=1 and ganesha-active=1" both_set
wait_for 30 "nfs-grace starts" running nfs-grace

# ---- the pid file as ganesha 4.x leaves it after a shorter pid --------
mark=$(log_lines)
p=$(pid)
printf '%s\n7\n' "$p" | dd of="$gdir/ganesha.pid" conv=notrunc status=none
check "the pid file now reads \"$p\\n7\\n\" (a stale second line)" \
    test "$(tr '\n' ' ' <"$gdir/ganesha.pid")" = "$p 7 "
held 6 "... both attributes stay 1 over six monitors"
check "... nothing was released" test -z "$(released_since "$mark" && echo released)"
check "... no failed action" no_failures

# ---- the system bus daemon stalled longer than one probe's bound --------
mark=$(log_lines)
bus=$(cat "$gdir/dbus.pid")
kill -STOP "$bus"
held 8 "dbus-daemon SIGSTOPped 8 s (> the 5 s probe bound): both attributes stay 1"
kill -CONT "$bus"
held 4 "... resumed: still published"
check "... nothing was released (fewer than hung_probes unanswered probes)" \
    test -z "$(released_since "$mark" && echo released)"
check "... the unanswered probe was logged, not acted on" \
    grep -q 'not hung yet' <(since "$mark")
check "... no failed action" no_failures

# ---- pacemaker-attrd killed: pacemakerd respawns it ----------------------
node_net=$(readlink "/proc/$(cat "$cluster_dir/anchor.pid")/ns/net")
attrd_pid() { # the node's own pacemaker-attrd, never the host's
    local q
    for q in $(pgrep -x pacemaker-attrd); do
        [[ $(readlink "/proc/$q/ns/net") == "$node_net" ]] && echo "$q" && return 0
    done
    return 1
}
respawned() { local q; q=$(attrd_pid) && [[ $q != "$old_attrd" ]]; }
mark=$(log_lines)
old_attrd=$(attrd_pid)
check "the node's pacemaker-attrd found (pid $old_attrd)" test -n "$old_attrd"
kill -KILL "$old_attrd"
wait_for 60 "pacemaker-attrd killed: pacemakerd respawns it" respawned
# A respawned attrd wipes the node's transient attributes (and, alone,
# has no peer to sync them back from): the watcher holds a pidfd on attrd,
# re-asserts them as soon as the successor runs and reads them back.
wait_for 8 "... grace-active and ganesha-active are 1 again within a few monitors" both_set
check "... the watcher said why" grep -q 'pacemaker-attrd .* the attributes it held are wiped' <(since "$mark")
held 3 "... and stay so"
check "... nfs-mon was not stopped" \
    test -z "$(since "$mark" | grep 'Initiating stop operation nfs-mon')"
check "... nfs-mon and nfs-grace run" running nfs-mon
wait_for 30 "... nfs-grace runs" running nfs-grace
check "no failed action in the whole run" no_failures

done_testing
