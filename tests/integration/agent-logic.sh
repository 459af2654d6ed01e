#!/usr/bin/env bash
# agent-logic.sh: the behaviour of ganesha_mon and ganesha_grace that
# ocf-tester cannot see, on a two-node CIB file (CIB_file: the real
# crm_attribute and cibadmin, no cluster): the release order and the bounded
# wait for grace acks, steady monitors that run no program, failback,
# cluster failures, probes without side effects, grace start's wait and
# monitor cache, and (with a private ganesha) the notify grace calls + acks.
# ganesha_nfsd's state-directory switch: nfsd-statedir.sh.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

for p in crm_attribute cibadmin xmllint; do
    command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done
agents_installed || skip_all "agents not installed in $AGENT_DIR (make install)"

work=$(mktemp -d /tmp/gocf-agent-logic.XXXXXX)
fake_pid=
ganesha_dir=
cleanup() {
    [[ -n $fake_pid ]] && kill "$fake_pid" 2>/dev/null
    [[ -n $ganesha_dir ]] && sh "$TOP/tests/lib/private-ganesha.sh" stop "$ganesha_dir" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
export HA_RSCTMP=$work/rsctmp
cib=$work/cib.xml
no_programs=/nonexistent-gocf-path

# a two-node CIB, both online: node1 is local, node2 a survivor
new_cib() {
    cibadmin --empty >"$cib"
    CIB_file=$cib cibadmin -C -o nodes -X '<node id="1" uname="node1"/>'
    CIB_file=$cib cibadmin -C -o nodes -X '<node id="2" uname="node2"/>'
    for i in 1 2; do
        CIB_file=$cib cibadmin -C -o status -X "<node_state id=\"$i\" uname=\"node$i\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\"/>"
    done
}
attr() { CIB_file=$cib crm_attribute -N "$1" -n "$2" -l reboot "${@:3}" >/dev/null 2>&1; }
attr_set() { attr "$1" "$2" -v "$3"; }
attr_of() { # attr_of NODE NAME: value or "absent"
    CIB_file=$cib crm_attribute -N "$1" -n "$2" -l reboot -G -q 2>/dev/null || echo absent
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# a process whose name is ganesha.nfsd, standing in for the daemon
cp "$(command -v sleep)" "$work/ganesha.nfsd"
"$work/ganesha.nfsd" 600 &
fake_pid=$!
echo "$fake_pid" >"$work/alive.pid"
alive=$work/alive.pid
dead=$work/dead.pid

mon() { # mon ACTION PIDFILE [VAR=VALUE...]
    local action=$1 pidfile=$2
    shift 2
    INSTANCE=mon run_agent ganesha_mon "$action" CIB_file="$cib" \
        OCF_RESKEY_CRM_meta_on_node=node1 OCF_RESKEY_CRM_meta_interval=1000 \
        OCF_RESKEY_watcher=false OCF_RESKEY_watch_ms=0 OCF_RESKEY_pidfile="$pidfile" "$@"
}
mon_state() { # mon_state started alive released asserted-seconds-ago
    mkdir -p "$HA_RSCTMP"
    printf '[state]\nstarted=%s\nalive=%s\nreleased=%s\nasserted=%s\n' \
        "$1" "$2" "$3" $(($(date +%s) - $4)) >"$HA_RSCTMP/ganesha_mon-mon"
}
expect_rc() { # expect_rc CODE DESCRIPTION
    if ((rc == $1)); then ok "$2"; else
        not_ok "$2" "exit $rc, want $1" "stderr: $(tail -5 <<<"$err")"
    fi
}

# ---- ganesha_mon: release with an ack --------------------------------
new_cib
attr_set node1 grace-active 1
attr_set node1 ganesha-active 1
attr_set node1 grace-ack-node3 1 # stale, from an earlier failover
attr_set node2 grace-active 1
mon_state true true false 0
# node2's notify: waits for grace-active to go, checks ganesha-active is
# still there, then acks after a while
(
    for _ in $(seq 100); do [[ $(attr_of node1 grace-active) == absent ]] && break; sleep 0.05; done
    echo "grace-active=$(attr_of node1 grace-active) ganesha-active=$(attr_of node1 ganesha-active)" >"$work/seen"
    sleep 1
    attr_set node1 grace-ack-node2 1
) &
acker=$!
t0=$(now_ms)
mon monitor "$dead" OCF_RESKEY_grace_delay=8
t=$(($(now_ms) - t0))
wait $acker
expect_rc 0 "mon monitor releases a dead ganesha and returns 0"
check "grace-active was deleted first, while ganesha-active was still set" \
    grep -q 'grace-active=absent ganesha-active=1' "$work/seen"
check "the release waited for node2's ack, not the full grace_delay ($t ms)" \
    test "$t" -ge 900 -a "$t" -lt 7500
check "ganesha-active is deleted after the ack" test "$(attr_of node1 ganesha-active)" = absent
check "the stale ack of node3 was deleted" test "$(attr_of node1 grace-ack-node3)" = absent
check "node2's ack of this failover is kept" test "$(attr_of node1 grace-ack-node2)" = 1
check "the state file says released" grep -q '^released=true' "$HA_RSCTMP/ganesha_mon-mon"

# released and still dead: nothing to do, no program run
t0=$(now_ms)
mon monitor "$dead" PATH=$no_programs
expect_rc 0 "a later monitor with ganesha still dead returns 0 without running anything"
# a write that landed after the release (a tool of an older operation):
# the released monitor re-checks every 10 s and releases again
attr_set node1 ganesha-active 1
mon monitor "$dead" PATH=$no_programs
check "within 10 s of the release the monitor does not re-check" \
    test "$(attr_of node1 ganesha-active)" = 1
sed -i "s/^rechecked=.*/rechecked=$(($(date +%s) - 11))/" "$HA_RSCTMP/ganesha_mon-mon"
mon monitor "$dead" OCF_RESKEY_grace_delay=0
expect_rc 0 "a released monitor 10 s later re-checks the attributes and returns 0"
check "... and deletes a ganesha-active that was set again after the release" \
    test "$(attr_of node1 ganesha-active)" = absent

# ---- ganesha_mon: release without an ack: bounded by grace_delay -------
new_cib
attr_set node1 grace-active 1
attr_set node1 ganesha-active 1
attr_set node2 grace-active 1
mon_state true true false 0
t0=$(now_ms)
mon monitor "$dead" OCF_RESKEY_grace_delay=2 HA_LOGFILE="$work/mon.log"
t=$(($(now_ms) - t0))
expect_rc 0 "without an ack the release still returns 0"
check "it waited grace_delay=2 s and no longer ($t ms)" test "$t" -ge 1900 -a "$t" -lt 6000
check "ganesha-active is deleted at the bound" test "$(attr_of node1 ganesha-active)" = absent

# ---- ganesha_mon: a slow CIB read cannot stretch the ack wait -----------
# fault injection: the release's first cibadmin query is quick, every later
# one (the ack wait's) takes 10 s; the wait must still end at grace_delay
mkdir -p "$work/slowcib"
cat >"$work/slowcib/cibadmin" <<EOF
#!/bin/sh
if [ -e "$work/slowcib/called" ]; then sleep 10; fi
touch "$work/slowcib/called"
exec "$(command -v cibadmin)" "\$@"
EOF
chmod +x "$work/slowcib/cibadmin"
rm -f "$work/slowcib/called"
new_cib
attr_set node1 grace-active 1
attr_set node1 ganesha-active 1
attr_set node2 grace-active 1
mon_state true true false 0
t0=$(now_ms)
mon monitor "$dead" OCF_RESKEY_grace_delay=1 OCF_RESKEY_CRM_meta_timeout=20000 \
    PATH="$work/slowcib:$PATH"
t=$(($(now_ms) - t0))
expect_rc 0 "a release whose ack reads hang returns 0"
check "... after grace_delay=1 s, not after the 10 s read ($t ms)" test "$t" -lt 4000
check "... and deletes ganesha-active" test "$(attr_of node1 ganesha-active)" = absent
check "the warning names node2 as not confirmed" grep -q 'no grace confirmation.*node2' "$work/mon.log"

# the action's deadline bounds the wait too (grace_delay 600, timeout 4 s)
new_cib
attr_set node1 grace-active 1
attr_set node1 ganesha-active 1
attr_set node2 grace-active 1
mon_state true true false 0
t0=$(now_ms)
mon monitor "$dead" OCF_RESKEY_grace_delay=600 OCF_RESKEY_CRM_meta_timeout=4000
t=$(($(now_ms) - t0))
expect_rc 0 "with grace_delay beyond the timeout the release ends in time"
check "... within the 4 s timeout ($t ms)" test "$t" -lt 4000
check "... and ganesha-active is deleted" test "$(attr_of node1 ganesha-active)" = absent

# an offline survivor, or one without grace-active, is not waited for
new_cib
CIB_file=$cib cibadmin -M -X '<node_state id="2" uname="node2" crmd="offline" in_ccm="false"/>'
attr_set node1 grace-active 1
attr_set node1 ganesha-active 1
attr_set node2 grace-active 1
mon_state true true false 0
t0=$(now_ms)
mon monitor "$dead" OCF_RESKEY_grace_delay=8
t=$(($(now_ms) - t0))
expect_rc 0 "release with node2 offline returns 0"
check "... without waiting for node2 ($t ms)" test "$t" -lt 6000

# interrupted release: grace-active gone, this failover's ack present
new_cib
attr_set node1 ganesha-active 1
attr_set node1 grace-ack-node2 1
attr_set node2 grace-active 1
mon_state true true false 0
t0=$(now_ms)
mon monitor "$dead" OCF_RESKEY_grace_delay=8
t=$(($(now_ms) - t0))
expect_rc 0 "a repeated release after an interrupted one returns 0"
check "... keeps the ack of this failover and does not wait ($t ms)" \
    test "$(attr_of node1 grace-ack-node2)" = 1 -a "$t" -lt 6000
check "... and deletes ganesha-active" test "$(attr_of node1 ganesha-active)" = absent

# ---- ganesha_mon: alive ------------------------------------------------
new_cib
mon_state true true false 0
mon monitor "$alive" PATH=$no_programs
expect_rc 0 "a steady monitor of a live ganesha runs no program"
mon_state true true false 130
mon monitor "$alive"
expect_rc 0 "after 120 s the monitor re-asserts the attributes"
check "... grace-active=1" test "$(attr_of node1 grace-active)" = 1
check "... ganesha-active=1" test "$(attr_of node1 ganesha-active)" = 1
# failback: released, ganesha back
new_cib
attr_set node1 grace-ack-node2 1 # spent: from the failover being undone
attr_set node1 other-attr 1
mon_state true false true 100
mon monitor "$alive"
expect_rc 0 "failback: a live ganesha after a release is published again"
check "... both attributes are 1" test "$(attr_of node1 grace-active)$(attr_of node1 ganesha-active)" = 11
check "... the state is no longer released" grep -q '^released=false' "$HA_RSCTMP/ganesha_mon-mon"
check "... the spent ack was deleted on the way (off the next failover's path)" \
    test "$(attr_of node1 grace-ack-node2)" = absent
check "... an unrelated attribute is left alone" test "$(attr_of node1 other-attr)" = 1
# a periodic re-assertion does not touch acks (none should exist; no extra call)
attr_set node1 grace-ack-node2 1
mon_state true true false 130
mon monitor "$alive"
check "a re-assertion leaves acks alone" test "$(attr_of node1 grace-ack-node2)" = 1

# ---- ganesha_mon: the watch of a recurring monitor ------------------------
"$work/ganesha.nfsd" 600 &
watched=$!
echo "$watched" >"$work/watched.pid"
new_cib
attr_set node1 grace-active 1
attr_set node1 ganesha-active 1
mon_state true true false 0
t0=$(now_ms)
mon monitor "$work/watched.pid" OCF_RESKEY_watch_ms=600 PATH=$no_programs
t=$(($(now_ms) - t0))
expect_rc 0 "a watching monitor of a live ganesha returns 0 without running anything"
check "... after watching for watch_ms=600 ($t ms)" test "$t" -ge 550 -a "$t" -lt 5000
t0=$(now_ms)
mon monitor "$work/watched.pid" OCF_RESKEY_watch_ms=8000 OCF_RESKEY_CRM_meta_interval=0 PATH=$no_programs
t=$(($(now_ms) - t0))
expect_rc 0 "a probe returns 0"
check "... and does not watch ($t ms)" test "$t" -lt 4000
t0=$(now_ms)
mon monitor "$work/watched.pid" OCF_RESKEY_watch_ms=10000 OCF_RESKEY_CRM_meta_timeout=5000 PATH=$no_programs
t=$(($(now_ms) - t0))
expect_rc 0 "a monitor whose timeout leaves no room for a release after a watch returns 0"
check "... without watching ($t ms)" test "$t" -lt 4000
(sleep 0.5 && kill "$watched") &
t0=$(now_ms)
mon monitor "$work/watched.pid" OCF_RESKEY_watch_ms=8000 HA_LOGFILE="$work/watch.log"
t=$(($(now_ms) - t0))
wait "$watched" 2>/dev/null
expect_rc 0 "a death during the watch is handled by the same monitor, which returns 0"
check "... soon after the death, not at the end of watch_ms ($t ms)" test "$t" -ge 400 -a "$t" -lt 6000
check "... which released the node (both attributes deleted)" \
    test "$(attr_of node1 grace-active)$(attr_of node1 ganesha-active)" = absentabsent
check "... and logged that ganesha exited while watched" grep -q 'exited while watched' "$work/watch.log"
check "... the state file says released" grep -q '^released=true' "$HA_RSCTMP/ganesha_mon-mon"

# ---- ganesha_mon: cluster unreachable, probe, stop ------------------------
# alive and published: a failed re-assert (attrd restarting, CIB
# unreachable) is logged and retried, not a failure that restarts nfs-mon
mon_state true true false 130
mon monitor "$alive" CIB_file="$work/no-such-dir/cib.xml"
if ((rc == 0)) && grep -q 'cannot re-assert.*retrying' <<<"$err"; then
    ok "a failed re-assert while ganesha is alive and published is logged, not a failure"
else
    not_ok "a failed re-assert while ganesha is alive and published is logged, not a failure" \
        "exit $rc" "stderr: $err"
fi
asserted=$(sed -n 's/^asserted=//p' "$HA_RSCTMP/ganesha_mon-mon")
check "... and retried at the next monitor (asserted not advanced)" \
    test "$asserted" -le $(($(date +%s) - 130))
# not published yet: publishing is the monitor's job, its failure is one
mon_state true false false 40
mon monitor "$alive" CIB_file="$work/no-such-dir/cib.xml"
if ((rc == 1 && reasons == 1)); then
    ok "an unreachable CIB makes a publishing monitor fail with 1 and one exit reason"
else
    not_ok "an unreachable CIB makes a publishing monitor fail with 1 and one exit reason" \
        "exit $rc, $reasons reasons" "stderr: $err"
fi
mon_state true true false 130
mon monitor "$alive" PATH=$no_programs OCF_RESKEY_CRM_meta_interval=0
expect_rc 0 "a probe of a started instance returns 0 without running anything"
mon_state true true false 0
new_cib
attr_set node1 grace-active 1
attr_set node1 ganesha-active 1
mon stop "$alive"
expect_rc 0 "stop returns 0"
check "... deletes both attributes" \
    test "$(attr_of node1 grace-active)$(attr_of node1 ganesha-active)" = absentabsent
check "... and the state file" test ! -e "$HA_RSCTMP/ganesha_mon-mon"
mon monitor "$alive" PATH=$no_programs
expect_rc 7 "monitor after stop returns 7 without running anything"
mon monitor "$alive" PATH=$no_programs OCF_RESKEY_CRM_meta_interval=0
expect_rc 7 "a probe after stop returns 7"
mon stop "$alive"
expect_rc 0 "a second stop returns 0"

# ---- ganesha_grace: start, monitor cache, stop -------------------------
grace() { # grace ACTION [VAR=VALUE...]
    local action=$1
    shift
    INSTANCE=grace run_agent ganesha_grace "$action" CIB_file="$cib" \
        OCF_RESKEY_CRM_meta_on_node=node1 OCF_RESKEY_CRM_meta_interval=5000 "$@"
}
new_cib
(sleep 1; attr_set node1 grace-active 1) &
t0=$(now_ms)
grace start OCF_RESKEY_CRM_meta_timeout=10000
t=$(($(now_ms) - t0))
expect_rc 0 "grace start waits for grace-active=1 and returns 0"
check "... as soon as it is set ($t ms)" test "$t" -ge 900 -a "$t" -lt 6000
grace monitor PATH=$no_programs
expect_rc 0 "a steady grace monitor runs no program"
attr node1 grace-active -D
sed -i "s/^grace_active_seen=.*/grace_active_seen=$(($(date +%s) - 130))/" "$HA_RSCTMP/ganesha_grace-grace"
grace monitor
expect_rc 0 "after 120 s the monitor re-reads grace-active; just gone, it leaves the stop to the location rule"
grep -q '^grace_active_missing=' "$HA_RSCTMP/ganesha_grace-grace"
check "... and records since when it is missing" test $? -eq 0
sed -i "s/^grace_active_missing=.*/grace_active_missing=$(($(date +%s) - 40))/" "$HA_RSCTMP/ganesha_grace-grace"
grace monitor
expect_rc 7 "grace-active missing for 30 s and the instance still runs: the monitor reports 7"
seen_ago() {
    sed -i "s/^grace_active_seen=.*/grace_active_seen=$(($(date +%s) - $1))/" \
        "$HA_RSCTMP/ganesha_grace-grace"
}
# fault injection: a crm_attribute that cannot reach the cluster (exit 102)
mkdir -p "$work/unreachable"
printf '#!/bin/sh\necho "Could not connect to the CIB" >&2\nexit 102\n' \
    >"$work/unreachable/crm_attribute"
chmod +x "$work/unreachable/crm_attribute"
seen_ago 130
grace monitor PATH="$work/unreachable:$PATH"
expect_rc 0 "a failed re-read 130 s after the last confirmation keeps running (no spurious recovery)"
seen_ago 400
grace monitor PATH="$work/unreachable:$PATH"
if ((rc == 1 && reasons == 1)); then
    ok "a failed re-read 400 s after the last confirmation fails the monitor with one reason"
else
    not_ok "a failed re-read 400 s after the last confirmation fails the monitor with one reason" \
        "exit $rc, $reasons reasons" "stderr: $err"
fi
grace stop
expect_rc 0 "grace stop returns 0"
grace monitor
expect_rc 7 "grace monitor after stop returns 7"
t0=$(now_ms)
grace start OCF_RESKEY_CRM_meta_timeout=3000
t=$(($(now_ms) - t0))
# a failed start would ban the clone instance from the node (no more
# notifications there): start succeeds, warns, and leaves the stop to the
# location rule
if ((rc == 0)) && grep -q 'grace-active is not 1 on node1 after.*starting anyway' <<<"$err"; then
    ok "grace start without grace-active succeeds at its timeout (no ban) and says why"
else
    not_ok "grace start without grace-active succeeds at its timeout (no ban) and says why" \
        "exit $rc, $reasons reasons" "stderr: $err"
fi
check "... within its 3 s timeout ($t ms)" test "$t" -lt 3000
grep -q '^grace_active_seen=0$' "$HA_RSCTMP/ganesha_grace-grace"
check "... and its first monitor re-reads grace-active at once" test $? -eq 0
grace monitor
expect_rc 0 "... which leaves the stop to the location rule"
grace stop

# ---- ganesha_grace notify with a private ganesha ---------------------------
if [[ $(id -u) -ne 0 ]] || ! sh "$TOP/tests/lib/private-ganesha.sh" usable 2>/dev/null; then
    ok "notify with a live ganesha # SKIP private-ganesha.sh cannot run here"
elif ! bus=$(sh "$TOP/tests/lib/private-ganesha.sh" start "$work/ganesha" 2>&1 |
    grep '^DBUS_SYSTEM_BUS_ADDRESS='); then
    not_ok "a private ganesha starts" "$bus"
else
    ganesha_dir=$work/ganesha
    new_cib
    grace notify "$bus" OCF_RESKEY_CRM_meta_notify_type=post \
        OCF_RESKEY_CRM_meta_notify_operation=stop \
        "OCF_RESKEY_CRM_meta_notify_stop_uname=node2 node1 node2"
    expect_rc 0 "post-stop notify for node2 returns 0"
    check "... ganesha got grace 5:node2" grep -q 'event 5.*node2\|ip node2' "$ganesha_dir/ganesha.log"
    check "... and the ack grace-ack-node1=1 is set on node2" \
        test "$(attr_of node2 grace-ack-node1)" = 1
    check "... the local node got no ack" test "$(attr_of node1 grace-ack-node1)" = absent
    grace notify "$bus" OCF_RESKEY_CRM_meta_notify_type=pre \
        OCF_RESKEY_CRM_meta_notify_operation=start \
        "OCF_RESKEY_CRM_meta_notify_start_uname=node2"
    expect_rc 0 "pre-start notify for node2 returns 0"
    check "... ganesha got grace 3:node2" grep -q 'event 3' "$ganesha_dir/ganesha.log"
    # Pacemaker 2.1.5, two nodes fenced in one transition: pre-stop names
    # both, post-stop only one. node3 is gone (offline): taken over too;
    # node4 is still up with grace-active=1: not taken over.
    CIB_file=$cib cibadmin -C -o nodes -X '<node id="3" uname="node3"/>'
    CIB_file=$cib cibadmin -C -o nodes -X '<node id="4" uname="node4"/>'
    CIB_file=$cib cibadmin -C -o status -X '<node_state id="3" uname="node3" in_ccm="false" crmd="offline" join="down" expected="down"/>'
    CIB_file=$cib cibadmin -C -o status -X '<node_state id="4" uname="node4" in_ccm="true" crmd="online" join="member" expected="member"/>'
    attr_set node4 grace-active 1
    attr node2 grace-ack-node1 -D
    grace notify "$bus" OCF_RESKEY_CRM_meta_notify_type=pre \
        OCF_RESKEY_CRM_meta_notify_operation=stop \
        "OCF_RESKEY_CRM_meta_notify_stop_uname=node2 node3 node4"
    expect_rc 0 "pre-stop notify (node2 node3 node4) returns 0 and changes nothing"
    check "... no ack yet" test "$(attr_of node2 grace-ack-node1)$(attr_of node3 grace-ack-node1)" = absentabsent
    grace notify "$bus" OCF_RESKEY_CRM_meta_notify_type=post \
        OCF_RESKEY_CRM_meta_notify_operation=stop \
        "OCF_RESKEY_CRM_meta_notify_stop_uname=node2"
    expect_rc 0 "post-stop notify naming only node2 returns 0"
    check "... node2 taken over and acked" test "$(attr_of node2 grace-ack-node1)" = 1
    check "... node3 (pre-stop only, offline) taken over too: grace 5:node3" \
        grep -q 'ip node3' "$ganesha_dir/ganesha.log"
    check "... and acked on node3" test "$(attr_of node3 grace-ack-node1)" = 1
    check "... node4 (pre-stop only, still up) not taken over" \
        test "$(attr_of node4 grace-ack-node1)" = absent
    check "... the record is used once" test ! -e "$HA_RSCTMP/ganesha_grace-prestop-grace"
    grace notify "$bus" OCF_RESKEY_CRM_meta_notify_type=post \
        OCF_RESKEY_CRM_meta_notify_operation=stop \
        "OCF_RESKEY_CRM_meta_notify_stop_uname=node2 bad/name"
    if ((rc == 1 && reasons == 1)) && grep -q 'bad/name' <<<"$err" &&
        [[ $(attr_of node2 grace-ack-node1) == 1 ]]; then
        ok "a malformed name is reported (1) while node2 is still handled"
    else
        not_ok "a malformed name is reported (1) while node2 is still handled" \
            "exit $rc" "stderr: $err"
    fi
fi

done_testing
