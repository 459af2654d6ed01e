#!/bin/bash
# Scenario 15: ordinary faults on a running 3-node cluster fail nothing over.
#   - pacemaker-attrd killed on one node (pacemakerd respawns it, and the
#     new attrd wipes the node's transient attributes from the CIB), then on
#     every node one after another;
#   - a node's system D-Bus daemon stopped (SIGSTOP) for longer than one
#     get_grace probe's 5 s bound, then resumed;
#   - a running ganesha's pid file rewritten as ganesha 4.x leaves it after a
#     restart with a shorter pid ("<pid>\n7\n", no truncation).
# After each fault: no VIP left its node, no ganesha entered grace, the
# cluster started or stopped nothing, no action failed, and both attributes
# are 1 on every node. TAP; brings its own sandbox up and down
# (GOCF_SANDBOX_REUSE=1 to use a running one).
# shellcheck disable=SC2016 # awk conditions are passed in single quotes
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

# how long the cluster is watched after each fault for a reaction
QUIET_S=${GOCF_QUIET_S:-5}

sbx_begin --nodes 3
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home, no grace"

node_pid() { node_procs "$1" | awk -v c="$2" '$2 == c { print $1; exit }'; }
all_published() {
    local a n
    a=$(attrs_now) || return 1
    for n in $(sbx_nodes); do
        grep -qx "$n ganesha-active=1" <<<"$a" && grep -qx "$n grace-active=1" <<<"$a" || return 1
    done
}
log_offsets() { local n; for n in $(sbx_nodes); do printf '%s ' "$(stat -c %s "$(sbx_pacemaker_log "$n")")"; done; }
# controller lines of every node's pacemaker.log since the offsets
actions_since() {
    local -a at
    local n i=0
    read -r -a at <<<"$1"
    for n in $(sbx_nodes); do
        tail -c +"$((${at[i]:-0} + 1))" "$(sbx_pacemaker_log "$n")" 2>/dev/null |
            grep -E 'Initiating (start|stop|promote|demote) operation' || true
        i=$((i + 1))
    done
}
# timeline events after mark LABEL matching an awk condition
tl_events() {
    sort -n -s -k1,1 "$SBX_TL" | awk -v since="$1" "
        !s && \$2==\"mark\" && \$4==since { s=1; next }
        s && \$2==\"mark\" { exit }
        s && ($2)"
}

: >"$SBX_TL"
tl_start || fail "timeline recorder started"

# quiet_after LABEL WHAT OFFSETS: the checks after one fault
quiet_after() {
    local label=$1 what=$2 from=$3 moved grace acts wiped t0 t1
    wait_until 30 "both attributes 1 on every node" all_published
    ok $? "$what: both attributes are 1 on every node again"
    sleep "$QUIET_S"
    moved=$(tl_events "$label" '$2=="vip" && $4 ~ /^-/')
    [[ -z $moved ]]
    ok $? "$what: no VIP left its node"
    [[ -n $moved ]] && diag "$moved"
    grace=$(tl_events "$label" '$2=="grace" && $4=="true"')
    [[ -z $grace ]]
    ok $? "$what: no ganesha entered grace"
    [[ -n $grace ]] && diag "$grace"
    acts=$(actions_since "$from")
    [[ -z $acts ]]
    ok $? "$what: the cluster started and stopped nothing"
    [[ -n $acts ]] && diag "$acts"
    check_no_failed_actions
    # how long a wiped attribute stayed away (the re-assert's speed)
    wiped=$(tl_events "$label" '$2=="attr" && $4 ~ /^(ganesha|grace)-active=/')
    if grep -q '(deleted)' <<<"$wiped"; then
        t0=$(awk '$4 ~ /\(deleted\)/ { print $1; exit }' <<<"$wiped")
        t1=$(awk '$4 ~ /=1$/ { t = $1 } END { print t + 0 }' <<<"$wiped")
        diag "$what: attributes wiped at +0, all set again +$((t1 - t0)) ms"
    fi
}

# ---- pacemaker-attrd killed -------------------------------------------------
attrd_other() { local p; p=$(node_pid "$1" pacemaker-attrd); [[ -n $p && $p != "$2" ]]; }
attrd_restart() { # attrd_restart NODE: one test point
    local n=$1 old
    old=$(node_pid "$n" pacemaker-attrd)
    [[ -n $old ]] || { fail "$n's pacemaker-attrd found"; return 1; }
    kill -KILL "$old"
    wait_until 30 "$n's attrd respawned" attrd_other "$n" "$old"
    ok $? "$n's pacemaker-attrd killed (pid $old) and respawned by pacemakerd"
}
since=$(log_offsets)
tl_mark attrd-n2 "kill pacemaker-attrd on n2"
attrd_restart n2
quiet_after attrd-n2 "attrd restarted on n2" "$since"

since=$(log_offsets)
tl_mark attrd-all "kill pacemaker-attrd on every node in turn"
for n in $(sbx_nodes); do
    attrd_restart "$n"
    wait_until 30 "attributes back" all_published
done
quiet_after attrd-all "attrd restarted on every node in turn" "$since"

# ---- the system bus stalled -------------------------------------------------
since=$(log_offsets)
tl_mark dbus-n3 "SIGSTOP dbus-daemon on n3 for 8 s"
bus=$(node_pid n3 dbus-daemon)
if [[ -n $bus ]]; then
    kill -STOP "$bus"
    sleep 8
    kill -CONT "$bus"
    pass "n3's system dbus-daemon (pid $bus) stopped 8 s, then resumed"
else
    fail "n3's system dbus-daemon found"
fi
quiet_after dbus-n3 "D-Bus stalled on n3" "$since"

# ---- the pid file as ganesha 4.x leaves it ----------------------------------
since=$(log_offsets)
tl_mark pidfile-n1 "n1's pid file gets a stale second line"
pid=$(sbx_exec n1 cat /run/ganesha/ganesha.pid 2>/dev/null | head -n 1)
if [[ $pid =~ ^[0-9]+$ ]]; then
    sbx_exec n1 sh -c "printf '%s\n7\n' $pid >/run/ganesha/ganesha.pid"
    pass "n1's pid file reads '$pid\\n7\\n'"
else
    fail "n1's ganesha pid read ($pid)"
fi
sleep 3
quiet_after pidfile-n1 "stale pid file on n1" "$since"
[[ $pid =~ ^[0-9]+$ ]] && sbx_exec n1 sh -c "printf '%s\n' $pid >/run/ganesha/ganesha.pid"

tl_stop
check_settled "cluster settles"
sbx_end
