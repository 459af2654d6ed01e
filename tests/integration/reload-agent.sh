#!/usr/bin/env bash
# reload-agent.sh: on the one-node cluster with a private ganesha, changing
# a reloadable parameter (crm_resource --set-parameter) of nfs-mon or
# nfs-grace (and ganesha_handoff's tickle_dir) makes Pacemaker run
# reload-agent, not stop and start: no release
# (grace-active and ganesha-active never go), same ganesha, and the new
# value takes effect. A non-reloadable one (an attribute name) restarts.
#
# Pacemaker 2.1.5 records a successful reload-agent in the resource history
# as a "start" (pcmk__create_history_xml: "a reload is effectively a start"),
# so the history cannot tell a reload from a restart: the controller's log
# ("Initiating <op> operation nfs-mon_<op>_0") and the agent's own log do.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

# shellcheck source=tests/integration/lib/onenode.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/onenode.sh"
onenode_begin reload

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
log_lines() { in_cluster wc -l <"$cluster_dir/log/pacemaker/pacemaker.log"; }
since() { tail -n +"$(($1 + 1))" "$cluster_dir/log/pacemaker/pacemaker.log"; }
# initiated MARK RSC OP: the controller started OP on RSC after line MARK
initiated() { since "$1" | grep -q "Initiating $3 operation $2_$3_0"; }
set_param() { # set_param RSC NAME VALUE
    in_cluster crm_resource -r "$1" --set-parameter "$2" --parameter-value "$3" >>"$work/pcs.log" 2>&1
}
# settled MARK RSC: after MARK the transition that ran RSC's reload or
# restart is over (its recurring monitor was initiated again)
settled() { since "$1" | grep -q "Initiating monitor operation $2_monitor_"; }

pcs_in resource create nfs-mon ocf:heartbeat:ganesha_mon \
    pidfile="$gdir/ganesha.pid" grace_delay=2 \
    op monitor interval=1s timeout=20s OCF_CHECK_LEVEL=10 clone &&
    pcs_in resource create nfs-grace ocf:heartbeat:ganesha_grace \
        op monitor interval=5s timeout=20s clone notify=true &&
    pcs_in constraint location nfs-grace-clone rule score=-INFINITY grace-active ne 1
check "pcs creates nfs-mon, nfs-grace and the grace-active rule" test $? -eq 0
wait_for 30 "nfs-mon publishes grace-active=1" attr_is grace-active 1
wait_for 5 "... and ganesha-active=1" attr_is ganesha-active 1
wait_for 30 "nfs-grace starts" running nfs-grace
ganesha_pid=$(pid)

# a watcher in the node: any moment either attribute is gone is a release
watch_attrs() {
    # shellcheck disable=SC2016 # expanded by the inner shell, from its args
    in_cluster bash -c '
        while :; do
            for a in grace-active ganesha-active; do
                crm_attribute -N "$1" -n "$a" -l reboot -G -q >/dev/null 2>&1 || echo "$a absent $(date +%T.%N)"
            done
            echo tick >>"$2"
            sleep 0.2
        done' watch "$node" "$work/ticks" >>"$work/gone" 2>/dev/null &
    watcher=$!
}
: >"$work/gone"
watch_attrs

reload_case() { # reload_case RSC NAME VALUE
    local rsc=$1 name=$2 value=$3 mark
    mark=$(log_lines)
    set_param "$rsc" "$name" "$value"
    wait_for 60 "$rsc: changing $name runs reload-agent (controller log)" \
        initiated "$mark" "$rsc" reload-agent
    wait_for 60 "... then its monitor again (the transition is over)" settled "$mark" "$rsc"
    if initiated "$mark" "$rsc" stop || initiated "$mark" "$rsc" start; then
        not_ok "... and no stop or start" "$(since "$mark" | grep Initiating)"
    else
        ok "... and no stop or start"
    fi
    check "... the agent logged its reload with $name=$value" \
        grep -q "reloaded:.*$name=$value" <(since "$mark")
    check "... $rsc still runs" running "$rsc"
}

reload_case nfs-mon grace_delay 3
reload_case nfs-mon watch_ms 100
reload_case nfs-mon hung_probes 4
reload_case nfs-grace grace_ack gocf-ack
# grace_active: the new attribute exists (ganesha_mon does not set it), so
# the reloaded monitor, which re-reads it at once, finds it
in_cluster crm_attribute -N "$node" -n gocf-grace-2 -l reboot -v 1 >/dev/null 2>&1
reload_case nfs-grace grace_active gocf-grace-2

# pidfile: the new value takes effect. A copy of the pid file is used after
# the reload; removing the copy (not ganesha's own) then releases the node.
in_cluster cp "$gdir/ganesha.pid" "$gdir/copy.pid"
reload_case nfs-mon pidfile "$gdir/copy.pid"
check "no release while reloading (the watcher looked $(wc -l <"$work/ticks") times, never saw an attribute gone)" \
    test ! -s "$work/gone" -a -s "$work/ticks"
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
check "... and ganesha is the same process (pid $ganesha_pid)" test "$(pid)" = "$ganesha_pid"
check "... no failed action" no_failures

in_cluster rm -f "$gdir/copy.pid"
wait_for 20 "the reloaded pidfile is in effect: its copy removed, the node is released" \
    attr_is ganesha-active absent
reload_case nfs-mon pidfile "$gdir/ganesha.pid"
wait_for 20 "... and back on ganesha's own pid file it is published again" \
    attr_is ganesha-active 1

# an attribute name is what start published: a change restarts nfs-mon,
# and its stop releases the old name
mark=$(log_lines)
set_param nfs-mon ganesha_active gocf-other-active
wait_for 60 "changing ganesha_active (not reloadable) stops nfs-mon" initiated "$mark" nfs-mon stop
wait_for 60 "... and starts it" initiated "$mark" nfs-mon start
if initiated "$mark" nfs-mon reload-agent; then
    not_ok "... no reload-agent" "$(since "$mark" | grep Initiating)"
else
    ok "... no reload-agent"
fi
wait_for 30 "... the new name is published" attr_is gocf-other-active 1
wait_for 10 "... and the old one was released by the stop" attr_is ganesha-active absent
# ganesha_handoff's tickle_dir (an existing cluster takes it this way, not
# restarting its VIP groups)
pcs_in resource create hand ocf:heartbeat:ganesha_handoff home_node="$node" \
    restart_grace=false syn_guard=false op monitor interval=5s
wait_for 30 "a ganesha_handoff resource starts" running hand
reload_case hand tickle_dir "$work"

check "no failed action in the whole run" no_failures

done_testing
