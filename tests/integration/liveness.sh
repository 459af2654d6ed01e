#!/usr/bin/env bash
# liveness.sh: ordinary faults that must not release a healthy node, in the
# one-node cluster with a private ganesha and nfs-mon run by Pacemaker at
# OCF_CHECK_LEVEL=10: a pid file rewritten as ganesha 4.x leaves it after a
# restart with a shorter pid ("<pid>\n7\n"), and one its lock holder
# contradicts; a system bus daemon stalled (SIGSTOP) for one probe; and a
# tool spawned by the agent (a slow crm_attribute stub, the fault injected)
# dies when the agent's process group is killed, as pacemaker-execd kills a
# timed-out operation, instead of finishing its write later.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

# shellcheck source=tests/integration/lib/onenode.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/onenode.sh"
onenode_cleanup_hook() {
    [[ -n $stub_pid ]] && kill -KILL "$stub_pid" 2>/dev/null
    [[ -f $gdir/dbus.pid ]] && kill -CONT "$(<"$gdir/dbus.pid")" 2>/dev/null
}
onenode_begin liveness
pacemaker_log() { agent_log; }

stub_pid=

onenode_up
gpid=$(head -n1 "$gdir/ganesha.pid")
no_failures() {
    local n
    n=$(in_cluster crm_mon -1 --output-as=xml 2>/dev/null |
        xmllint --xpath 'count(//failures/failure)' - 2>/dev/null)
    [[ $n == 0 ]]
}
releases() { pacemaker_log | grep -c 'releasing this node'; }
log_has() { pacemaker_log | grep -q "$1"; }
log_lacks() { ! pacemaker_log | grep -q "$1"; }

pcs_in() { in_cluster pcs "$@" >>"$work/pcs.log" 2>&1; }
pcs_in resource create nfs-mon ocf:heartbeat:ganesha_mon \
    pidfile="$gdir/ganesha.pid" grace_delay=2 \
    op monitor interval=1s timeout=20s OCF_CHECK_LEVEL=10 clone
check "pcs creates nfs-mon (OCF_CHECK_LEVEL=10, hung_probes default 3)" test $? -eq 0
wait_for 30 "nfs-mon publishes ganesha-active=1" attr_is ganesha-active 1

# ---- the pid file ------------------------------------------------------
printf '%s\n7\n' "$gpid" >"$gdir/ganesha.pid"
holds 5 "a pid file reading \"<pid>\\n7\\n\" (ganesha 4.x after a shorter pid) does not release" \
    attr_is ganesha-active 1
check "... nothing was released" test "$(releases)" -eq 0
if grep -q "^[0-9]*: POSIX *ADVISORY *WRITE $gpid " /proc/locks; then
    printf '1\n' >"$gdir/ganesha.pid"
    holds 5 "a pid file naming another pid while ganesha holds its lock does not release" \
        attr_is ganesha-active 1
    check "... nothing was released" test "$(releases)" -eq 0
else
    ok "the lock holder decides # SKIP this ganesha holds no lock on its pid file"
fi
printf '%s\n' "$gpid" >"$gdir/ganesha.pid"

# ---- a stalled system bus ---------------------------------------------
bus_pid=$(<"$gdir/dbus.pid")
kill -STOP "$bus_pid"
wait_for 20 "a stalled bus (dbus-daemon SIGSTOPped) is the bus's fault, not counted against ganesha" \
    log_has 'the system bus does not answer, ganesha.nfsd .* (not counted as unanswered)'
check "... no probe was counted as unanswered" \
    log_lacks 'did not answer D-Bus probe'
check "... ganesha-active stays 1 meanwhile" attr_is ganesha-active 1
kill -CONT "$bus_pid"
wait_for 20 "... after SIGCONT ganesha answers again" log_has 'answers on D-Bus again'
check "... nothing was released" test "$(releases)" -eq 0
check "... ganesha-active is still 1" attr_is ganesha-active 1
check "... and nfs-mon has no failed action" no_failures

# ---- a tool dies with its agent ------------------------------------------
# The agent re-asserts two test attributes through a slow crm_attribute
# (the fault); the test kills the agent's process group as pacemaker-execd
# kills a timed-out operation. The tool must die too, and its write must
# never land.
stubs=$work/stubs
mkdir -p "$stubs" "$work/rsctmp"
real=$(command -v crm_attribute)
cat >"$stubs/crm_attribute" <<EOF
#!/bin/sh
echo \$\$ >"$work/stub.pid.tmp" && mv "$work/stub.pid.tmp" "$work/stub.pid"
sleep 5
exec "$real" "\$@"
EOF
chmod +x "$stubs/crm_attribute"
printf '[state]\nstarted=true\nalive=true\nreleased=false\nasserted=%s\n' \
    $(($(date +%s) - 130)) >"$work/rsctmp/ganesha_mon-lv"
in_cluster setsid env -i PATH="$stubs:$PATH" OCF_ROOT="$OCF_ROOT" \
    HA_LOGFACILITY=none HA_RSCTMP="$work/rsctmp" OCF_RESOURCE_INSTANCE=lv \
    OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 \
    OCF_RESKEY_CRM_meta_on_node="$node" OCF_RESKEY_CRM_meta_interval=1000 \
    OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_watch_ms=0 OCF_RESKEY_watcher=false \
    OCF_RESKEY_pidfile="$gdir/ganesha.pid" \
    OCF_RESKEY_grace_active=lv-grace OCF_RESKEY_ganesha_active=lv-active \
    "$AGENT_DIR/ganesha_mon" monitor >"$work/agent.log" 2>&1 &
runner=$!
if wait_for 10 "the agent runs the slow crm_attribute" test -s "$work/stub.pid"; then
    stub_pid=$(<"$work/stub.pid")
    agent=$(awk '{print $4}' "/proc/$stub_pid/stat")
    pgid=$(awk '{print $5}' "/proc/$agent/stat")
    check "... in the agent's process group" test "$(awk '{print $5}' "/proc/$stub_pid/stat")" = "$pgid"
    t0=$(date +%s)
    kill -KILL -- "-$pgid"
    gone() { [[ ! -d /proc/$stub_pid ]] || grep -q '^State:.*Z' "/proc/$stub_pid/status"; }
    # sooner than the stub's own 5 s: it was killed, it did not just finish
    wait_for 2 "killing the agent's process group kills the spawned crm_attribute" gone
    stub_pid=
    # the stub would have written 5 s after it started: wait past that
    while (($(date +%s) - t0 < 7)); do sleep 0.2; done
    check "... and its write never lands (lv-grace absent)" attr_is lv-grace absent
fi
wait "$runner" 2>/dev/null

pcs_in resource disable nfs-mon-clone
wait_for 30 "disabling nfs-mon deletes ganesha-active" attr_is ganesha-active absent
check "no failed action in the whole run" no_failures

done_testing
