#!/usr/bin/env bash
# watcher.sh: ganesha_mon's resident watcher in the one-node cluster, with a
# private ganesha and nfs-mon created by pcs as a user would (the watcher is
# on by default; OCF_CHECK_LEVEL=10, monitor every 5 s so that a replaced
# watcher shows up soon). Detection is the watcher's: a killed ganesha is
# released and a restarted one published again with no monitor in between,
# a hung one (SIGSTOP) is released after hung_probes probes; a monitor asks
# the watcher over libqb IPC and runs no program; a killed watcher is
# replaced by the next monitor without a release; reload replaces it
# without a release; stop and a removed state file end it.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

# shellcheck source=tests/integration/lib/onenode.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/onenode.sh"
onenode_cleanup_hook() {
    [[ -n ${gpid:-} ]] && kill -CONT "$gpid" 2>/dev/null
}
onenode_begin watcher strace
log_lines() { wc -l <"$cluster_dir/log/pacemaker/pacemaker.log"; }
since() { tail -n +"$(($1 + 1))" "$cluster_dir/log/pacemaker/pacemaker.log"; }
logged_since() { since "$1" | grep -q "$2"; } # logged_since MARK PATTERN
gone() { [[ ! -d /proc/$1 ]]; }

onenode_up
gpid=$(head -n1 "$gdir/ganesha.pid")
both_set() { attr_is grace-active 1 && attr_is ganesha-active 1; }
no_failures() {
    local n
    n=$(in_cluster crm_mon -1 --output-as=xml 2>/dev/null |
        xmllint --xpath 'count(//failures/failure)' - 2>/dev/null)
    [[ $n == 0 ]]
}
# the watchers of this cluster's node (a sandbox may run its own elsewhere)
node_net=
watcher_pids() {
    local p
    [[ -n $node_net ]] || node_net=$(in_cluster readlink /proc/self/ns/net)
    for p in $(pgrep -f "^ganesha_mon watch"); do
        [[ $(readlink "/proc/$p/ns/net" 2>/dev/null) == "$node_net" ]] && echo "$p"
    done
}
watcher_pid() { watcher_pids | head -1; }
watcher_is() { [[ $(watcher_pid) == "$1" ]]; }
watcher_new() { local p; p=$(watcher_pid) && [[ -n $p && $p != "$1" ]]; }
no_watcher() { [[ -z $(watcher_pid) ]]; }

pcs_in() { in_cluster pcs "$@" >>"$work/pcs.log" 2>&1; }
pcs_in resource create nfs-mon ocf:heartbeat:ganesha_mon \
    pidfile="$gdir/ganesha.pid" grace_delay=2 probe_ms=500 \
    op monitor interval=5s timeout=20s OCF_CHECK_LEVEL=10 clone
check "pcs creates nfs-mon (watcher by default, level 10, every 5 s)" test $? -eq 0
wait_for 30 "nfs-mon publishes grace-active=1 and ganesha-active=1" both_set
wait_for 10 "start left one resident watcher" test -n "$(watcher_pid)"
wpid=$(watcher_pid)
check "... shown as ganesha_mon (comm), not exe" \
    test "$(cat "/proc/$wpid/comm" 2>/dev/null)" = ganesha_mon
execd=
for p in $(pgrep -x pacemaker-execd); do
    [[ $(readlink "/proc/$p/ns/net") == "$(in_cluster readlink /proc/self/ns/net)" ]] && execd=$p
done
check "... in a session of its own (execd's kill of an operation misses it)" \
    test "$(awk '{print $6}' "/proc/$wpid/stat")" != "$(awk '{print $6}' "/proc/$execd/stat")"
wait_for 15 "... told by the recurring monitor to probe D-Bus (level 10)" \
    grep -q 'OCF_CHECK_LEVEL=10: D-Bus probes on' <(agent_log)

# ---- a monitor asks the watcher and runs nothing ------------------------
mon_env=(OCF_ROOT="$OCF_ROOT" HA_LOGFACILITY=none OCF_RESOURCE_INSTANCE=nfs-mon
    OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 OCF_RESKEY_CRM_meta_on_node="$node"
    OCF_RESKEY_CRM_meta_interval=5000 OCF_RESKEY_CRM_meta_timeout=20000 OCF_CHECK_LEVEL=10
    OCF_RESKEY_pidfile="$gdir/ganesha.pid" OCF_RESKEY_grace_delay=2)
in_cluster env -i PATH=/nonexistent "${mon_env[@]}" "$(command -v strace)" -f -qq -e signal=none \
    -e trace=execve,clone,clone3,fork,vfork -o "$work/mon.strace" \
    "$AGENT_DIR/ganesha_mon" monitor >"$work/mon.out" 2>&1
rc=$?
check "a recurring monitor answers 0 from the watcher" test "$rc" -eq 0
check "... executing nothing but itself (one execve, no fork)" \
    test "$(grep -cE 'execve|clone|fork' "$work/mon.strace")" -eq 1
check "... and the watcher is the same process" watcher_is "$wpid"

# ---- ganesha killed: released by the watcher, no monitor needed -------
mark=$(log_lines)
t0=$(onenode_ms)
kill -KILL "$gpid"
wait_for 5 "ganesha killed: the watcher deletes grace-active" attr_is grace-active absent
wait_for 10 "... and ganesha-active" attr_is ganesha-active absent
check "... the watcher said ganesha exited" grep -q 'watcher: ganesha.nfsd (pid [0-9]*) exited' <(since "$mark")
wait_for 5 "... and saw its bus name lose its owner (NameOwnerChanged)" \
    logged_since "$mark" 'org.ganesha.nfsd lost its owner on the system bus'
check "... and released the node itself (its pid in the log)" \
    grep -q "ganesha_mon(nfs-mon)\[$wpid\].*releasing this node" <(since "$mark")
if grep -q 'libcib[.]so' "$AGENT_DIR/ganesha_mon"; then
    fast=$(since "$mark" | grep -m1 'deleted on n1 through attrd') || true
    check "... grace-active through attrd and the CIB, no tool (built with Pacemaker IPC)" \
        test -n "$fast"
    echo "# ${fast#*NOTICE: }"
fi
in_cluster sh "$ganesha" stop "$gdir" >/dev/null 2>&1
if out=$(start_ganesha); then
    gpid=$(head -n1 "$gdir/ganesha.pid")
    wait_for 10 "ganesha restarted: the watcher publishes it again" both_set
    wait_for 5 "... and saw its bus name owned again" \
        logged_since "$mark" 'org.ganesha.nfsd has an owner on the system bus again'
else
    not_ok "ganesha restarted" "$out"
fi
check "... the watcher is still the same process" watcher_is "$wpid"

# ---- hung ganesha (SIGSTOP): released after hung_probes probes ---------
mark=$(log_lines)
kill -STOP "$gpid"
# 3 probes x (5 s bound + 0.5 s probe_ms), plus slack for a slow machine
wait_for 30 "ganesha stopped (SIGSTOP): released as hung" attr_is ganesha-active absent
check "... the log says hung" grep -q 'ganesha.nfsd is hung: pid' <(since "$mark")
# kill_hung=true (the default): killed by the release once the survivors
# are in grace and before ganesha-active goes, so that its clients' locks
# are free for their reclaims on the survivor
wait_for 5 "... and the hung ganesha was killed (kill_hung)" gone "$gpid"
first_at() { since "$mark" | grep -n -m1 -F -- "$1" | cut -d: -f1; }   # its line number
k=$(first_at "killed the hung ganesha.nfsd (pid $gpid)")
r=$(first_at 'releasing this node')
d=$(first_at 'released: ')
check "... the log says so, inside the release (before ganesha-active went)" \
    test -n "$k" -a -n "$r" -a -n "$d" -a "${r:-0}" -lt "${k:-0}" -a "${k:-0}" -lt "${d:-0}"
kill -CONT "$gpid" 2>/dev/null
in_cluster sh "$ganesha" stop "$gdir" >/dev/null 2>&1
if out=$(start_ganesha); then
    gpid=$(head -n1 "$gdir/ganesha.pid")
    wait_for 20 "... a new ganesha: published again" both_set
else
    not_ok "... a new ganesha started" "$out"
fi

# ---- the watcher killed: the next monitor replaces it, nothing moves ---
mark=$(log_lines)
kill -KILL "$wpid"
wait_for 15 "the watcher killed: the next monitor starts a new one" watcher_new "$wpid"
check "... the monitor said so" grep -q 'the watcher (pid [0-9]*) is gone' <(since "$mark")
check "... nothing was released" test -z "$(since "$mark" | grep 'releasing this node')"
check "... both attributes are still 1" both_set
wpid=$(watcher_pid)
check "... nfs-mon has no failed action" no_failures

# ---- reload: a new watcher, no release --------------------------------
mark=$(log_lines)
pcs_in resource update nfs-mon probe_ms=600
wait_for 20 "a reloadable parameter changed: reload-agent replaces the watcher" watcher_new "$wpid"
check "... nfs-mon was reloaded, not restarted" \
    test -z "$(since "$mark" | grep -E 'Initiating (stop|start) operation nfs-mon')"
holds 3 "... both attributes stay 1" both_set
check "... nothing was released" test -z "$(since "$mark" | grep 'releasing this node')"
wpid=$(watcher_pid)

# ---- its pacemaker-execd dies: the watcher goes with it, nothing moves ----
mark=$(log_lines)
execd=$(tr '\0' '\n' <"/proc/$wpid/environ" 2>/dev/null | sed -n 's/^GOCF_MON_EXECD=//p')
if [[ -n $execd && $(cat "/proc/$execd/comm" 2>/dev/null) == pacemaker-exec* ]]; then
    kill -KILL "$execd"
    wait_for 10 "pacemaker-execd killed: the watcher it started exits" gone "$wpid"
    check "... saying why" logged_since "$mark" 'watcher exits: the pacemaker-execd that started it is gone'
    wait_for 90 "... the respawned executor's monitor starts a new watcher" watcher_new "$wpid"
    wait_for 30 "... both attributes are 1" both_set
    check "... nothing was released" test -z "$(since "$mark" | grep 'releasing this node')"
    wpid=$(watcher_pid)
else
    not_ok "the watcher knows its pacemaker-execd" "GOCF_MON_EXECD=$execd"
fi

# ---- a removed state file ends a watcher (one started by hand) ---------
rsc=$work/rsctmp
mkdir -p "$rsc"
in_cluster env -i PATH="$PATH" "${mon_env[@]}" HA_RSCTMP="$rsc" OCF_RESOURCE_INSTANCE=wt \
    OCF_RESKEY_CRM_meta_interval=0 OCF_RESKEY_grace_active=wt-grace \
    OCF_RESKEY_ganesha_active=wt-active OCF_RESKEY_published=wt-published \
    "$AGENT_DIR/ganesha_mon" start >"$work/wt.out" 2>&1
check "an instance started by hand publishes its own attributes" attr_is wt-active 1
hand=$(watcher_pids | grep -vx "$wpid" | head -1)
check "... with its own watcher" test -n "$hand"
rm -f "$rsc/ganesha_mon-wt"
wait_for 5 "... which exits once its state file is removed" gone "$hand"
check "... leaving the cluster's watcher alone" watcher_is "$wpid"
in_cluster crm_attribute -N "$node" -n wt-grace -l reboot -D >/dev/null 2>&1
in_cluster crm_attribute -N "$node" -n wt-active -l reboot -D >/dev/null 2>&1
in_cluster crm_attribute -N "$node" -n wt-published -l forever -D >/dev/null 2>&1

# ---- stop ends the watcher -------------------------------------------------
pcs_in resource disable nfs-mon-clone
wait_for 30 "disabling nfs-mon deletes ganesha-active" attr_is ganesha-active absent
wait_for 10 "... and no watcher is left" no_watcher
check "no failed action in the whole run" no_failures

done_testing
