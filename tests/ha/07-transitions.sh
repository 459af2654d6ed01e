#!/bin/bash
# What the scheduler plans for a VIP group that ganesha-ha.sh set up
# (crm_simulate on fixtures/cib-3of4-started.xml, nothing runs): the group
# leaves a node as soon as either ganesha-active or grace-active is gone,
# in the same transition that stops nfs-grace there; that stop does not
# wait for the address (the start order is not symmetrical); the address
# starts after the group's grace_gate.
set -uo pipefail   # no -e: a failing check must print "not ok", not end the run
# shellcheck source=tests/ha/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

command -v crm_simulate >/dev/null 2>&1 || tap_skip_all "crm_simulate missing"
command -v crm_attribute >/dev/null 2>&1 || tap_skip_all "crm_attribute missing"
tap_plan 6

base=$FIXTURES/cib-3of4-started.xml

# plan NAME ATTRIBUTE: delete ATTRIBUTE of n2 in a copy of the fixture and
# save the transition graph of the next transition to $T/NAME.dot
plan() {
    cp "$base" "$T/$1.xml"
    CIB_file=$T/$1.xml crm_attribute -N n2 -n "$2" -D -l reboot >/dev/null 2>&1
    crm_simulate -x "$T/$1.xml" -S --save-dotfile "$T/$1.dot" >"$T/$1.out" 2>&1
}
# has_action NAME ACTION / has_edge NAME FROM TO: in the graph of NAME
has_action() { grep -qF "\"$2\" [" "$T/$1.dot"; }
has_edge() { grep -qF "\"$2\" -> \"$3\"" "$T/$1.dot"; }
moves_to_n1() {   # moves_to_n1 NAME: every n2-group member stops on n2, starts on n1
    local m
    for m in nfs_block grace_gate cluster_ip-1 nfs_unblock; do
        has_action "$1" "n2-${m}_stop_0 n2" && has_action "$1" "n2-${m}_start_0 n1" || return 1
    done
}

# ganesha_mon's release of n2 has begun: grace-active is gone, ganesha-active
# is still 1 until the survivors acked grace
plan grace grace-active
r=0
has_action grace "nfs-grace_stop_0 n2" && moves_to_n1 grace || r=1
ok "$r" "grace-active gone on n2: nfs-grace stops there and n2-group moves to n1 in the same transition"
((r == 0)) || diag_file "$T/grace.out"
has_action grace "n2-cluster_ip-1_stop_0 n2" && ! has_edge grace "n2-cluster_ip-1_stop_0 n2" "nfs-grace-clone_stop_0"
ok $? "nfs-grace-clone's stop does not wait for n2-cluster_ip-1's stop (start order not symmetrical)"
has_edge grace "n2-grace_gate_start_0 n1" "n2-cluster_ip-1_start_0 n1" &&
    has_edge grace "n2-nfs_block_start_0 n1" "n2-grace_gate_start_0 n1"
ok $? "on n1 the group starts nfs_block, then grace_gate, then the address"

# the end of the release (or a node whose ganesha-active alone is missing)
plan active ganesha-active
r=0
moves_to_n1 active || r=1
ok "$r" "ganesha-active gone on n2: n2-group moves to n1 too"
((r == 0)) || diag_file "$T/active.out"
! has_action active "nfs-grace_stop_0 n2"
ok $? "ganesha-active gone alone: nfs-grace keeps running on n2 (its rule is grace-active)"

# control: nothing changed, nothing moves
cp "$base" "$T/none.xml"
crm_simulate -x "$T/none.xml" -S --save-dotfile "$T/none.dot" >"$T/none.out" 2>&1
! grep -qE '"n[0-9]-[a-z_0-9-]+_(start|stop)_0 ' "$T/none.dot"
ok $? "control: with both attributes set no group member starts or stops"

tap_done
