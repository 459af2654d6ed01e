#!/bin/bash
# ganesha-ha.sh status against offline CIBs (CIB_file) whose status section
# comes from crm_simulate. With --exit-codes: HEALTHY (0), FAILOVER (1) after
# a ganesha death or a node loss, BAD (2) on a failed action, a stopped VIP or
# a missing group, 3 when the cluster cannot be queried or the config is bad.
# Without it (upstream's contract): exit 0 whatever the report says.
set -uo pipefail   # no -e: a failing check must print "not ok", not end the run
# shellcheck source=tests/ha/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

for t in xmllint crm_mon crm_simulate crm_attribute crm_resource; do
    command -v "$t" >/dev/null 2>&1 || tap_skip_all "$t missing"
done
no_host_ganesha_conf
tap_plan 18

C=$T/conf
# fixture_conf N: the fixture's config with nodes n1..nN
fixture_conf() {
    local i nodes=n1
    for ((i = 2; i <= $1; i++)); do nodes+=",n$i"; done
    {
        echo "HA_NAME=fixture"
        echo "HA_CLUSTER_NODES=\"$nodes\""
        for ((i = 1; i <= $1; i++)); do echo "VIP_n$i=\"10.77.0.$((100 + i))\""; done
    } | write_conf "$C"
}
fixture_conf 3
base=$FIXTURES/cib-3of4-started.xml

status() {   # status CIB -> $T/out, returns the exit code
    local rc=0
    CIB_file=$1 "$GHA" status --exit-codes "$C" >"$T/out" 2>"$T/err" || rc=$?
    return "$rc"
}
sim() {   # sim IN OUT [crm_simulate args]: run transitions until settled
    local in=$1 out=$2
    shift 2
    crm_simulate -x "$in" -S "$@" -O "$T/sim.xml" >/dev/null 2>&1
    for _ in 1 2 3; do
        crm_simulate -x "$T/sim.xml" -S -O "$T/sim2.xml" >/dev/null 2>&1
        mv "$T/sim2.xml" "$T/sim.xml"
    done
    mv "$T/sim.xml" "$out"
}

rc=0; status "$base" || rc=$?
[[ $rc == 0 ]] && grep -qx 'Cluster HA Status: HEALTHY' "$T/out"
ok $? "all running at home: HEALTHY, exit 0"
grep -Eq '^n2 +online +1 +1 +started +10\.77\.0\.102 +n2$' "$T/out"
ok $? "per-node line: state, ganesha-active, grace-active, nfs_setup, VIP, where it runs"
[[ $rc == 0 ]] || diag_file "$T/out"
grep -q '^Online: \[ n1 n2 n3 \]$' "$T/out" && grep -q '^Local ganesha' "$T/out"
ok $? "online list; local ganesha grace line present"

# ganesha on n2 dies: ganesha_mon deletes both attributes on n2
cp "$base" "$T/f.xml"
for a in grace-active ganesha-active; do
    CIB_file=$T/f.xml crm_attribute -N n2 -n "$a" -D -l reboot >/dev/null 2>&1
done
sim "$T/f.xml" "$T/f2.xml"
rc=0; status "$T/f2.xml" || rc=$?
[[ $rc == 1 ]] && grep -qx 'Cluster HA Status: FAILOVER' "$T/out"
ok $? "ganesha dead on n2: FAILOVER, exit 1"
[[ $rc == 1 ]] || diag_file "$T/out"
grep -Eq '^n2 +online +- +- +started +10\.77\.0\.102 +n1$' "$T/out" && grep -q 'VIP of n2 runs on n1' "$T/out"
ok $? "n2's VIP runs on n1 (its highest-scored survivor)"

# n3 lost (no fencing in the fixture): its VIP moves
sim "$base" "$T/d.xml" --node-fail n3
rc=0; status "$T/d.xml" || rc=$?
[[ $rc == 1 ]] && grep -q '^Offline: \[ n3 \]$' "$T/out" && grep -q 'n3 is offline' "$T/out"
ok $? "node n3 down: FAILOVER, exit 1, n3 listed offline"
[[ $rc == 1 ]] || diag_file "$T/out"

# a failed monitor
crm_simulate -x "$base" -S -i n1-cluster_ip-1_monitor_15000@n1=7 -O "$T/b.xml" >/dev/null 2>&1
rc=0; status "$T/b.xml" || rc=$?
[[ $rc == 2 ]] && grep -qx 'Cluster HA Status: BAD' "$T/out" && grep -q 'n1-cluster_ip-1_monitor_15000 on n1' "$T/out"
ok $? "failed action: BAD, exit 2, the action is listed"
[[ $rc == 2 ]] || diag_file "$T/out"

# a stopped VIP group
cp "$base" "$T/s.xml"
CIB_file=$T/s.xml crm_resource -r n1-group --meta -p target-role -v Stopped >/dev/null 2>&1
sim "$T/s.xml" "$T/s2.xml"
rc=0; status "$T/s2.xml" || rc=$?
[[ $rc == 2 ]] && grep -q 'VIP of n1 is not running' "$T/out"
ok $? "stopped VIP: BAD, exit 2"
[[ $rc == 2 ]] || diag_file "$T/out"

# nfs-mon not running on an online node
cp "$base" "$T/m.xml"
CIB_file=$T/m.xml crm_resource -r nfs-mon-clone --meta -p target-role -v Stopped >/dev/null 2>&1
sim "$T/m.xml" "$T/m2.xml"
rc=0; status "$T/m2.xml" || rc=$?
[[ $rc == 2 ]] && grep -q 'nfs-mon is not running on online node n1' "$T/out"
ok $? "nfs-mon stopped: BAD, exit 2"

# a configured node without a group
fixture_conf 4
rc=0; status "$base" || rc=$?
[[ $rc == 2 ]] && grep -q 'n4-group does not exist' "$T/out"
ok $? "configured node without a group: BAD, exit 2"

# no cluster / bad config: 3
fake_bin nocluster
rc=0; "$GHA" status --exit-codes "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 3 ]] && grep -q 'UNKNOWN' "$T/out" && grep -q 'cannot query the cluster' "$T/err"
ok $? "no cluster: exit 3 with a message"
rc=0; "$GHA" status "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 0 ]] && grep -qx 'Cluster HA Status: UNKNOWN' "$T/out"
ok $? "no cluster, upstream's contract (no --exit-codes): UNKNOWN printed, exit 0"
printf 'HA_NAME="x\n' >"$C/ganesha-ha.conf"
rc=0; "$GHA" status "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 3 ]] && grep -q 'ganesha-ha.conf:1:' "$T/err"
ok $? "bad config: exit 3 (not 2, which means BAD), line named"
rc=0; "$GHA" status "$T/nonexistent" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 3 ]]
ok $? "missing HA_CONFDIR: exit 3"

# upstream spellings of the command and help
rc=0; "$GHA" --help >"$T/out" 2>&1 || rc=$?
[[ $rc == 0 ]] && grep -q 'refresh-config' "$T/out"
ok $? "--help exits 0 and prints the usage"
rc=0; "$GHA" bogus "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 2 ]] && grep -q "unknown command 'bogus'" "$T/err"
ok $? "unknown command: exit 2"
fixture_conf 3
PATH=${PATH#"$T/bin:"}
rc=0; CIB_file=$base "$GHA" --status "$C/" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 0 ]] && grep -qx 'Cluster HA Status: HEALTHY' "$T/out"
ok $? "upstream form '--status <HA_CONFDIR>/' works"
fixture_conf 4
rc=0; CIB_file=$base "$GHA" --status "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 0 ]] && grep -qx 'Cluster HA Status: BAD' "$T/out"
ok $? "upstream's contract: BAD is reported with exit 0 without --exit-codes"

tap_done
