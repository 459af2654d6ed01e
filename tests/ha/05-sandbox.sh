#!/bin/bash
# ganesha-ha.sh through the whole lifecycle on real nodes
# (extras/sandbox/ganesha-sandbox up --no-resources: 4 bare nodes, each with
# its pcsd, authenticated with pcs host auth, no cluster): malformed configs
# create nothing; setup creates the cluster of n1..n3 (pcs cluster setup)
# and stops before any resource because there is no fencing device, and says
# so again on a second run; with a fence device setup creates everything and
# it starts; setup twice changes nothing; status HEALTHY / FAILOVER
# (kill-ganesha) / BAD (failed action); add n4 (pcs cluster node add, for
# real), delete --keep-node (bans), add again (already a member), delete
# (pcs cluster node remove, for real); teardown stops and destroys the
# cluster setup created: every node bare again, its state dir restored.
# Needs root, the installed agents and a free sandbox (skips otherwise);
# brings its own sandbox up and down. Takes several minutes.
set -uo pipefail   # no -e: a failing check must print "not ok", not end the run
# shellcheck source=tests/ha/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

SBX_TOOL=$HA_SRC_DIR/extras/sandbox/ganesha-sandbox
[[ $(id -u) == 0 ]] || tap_skip_all "not root"
[[ -x $SBX_TOOL ]] || tap_skip_all "extras/sandbox/ganesha-sandbox missing"
for a in ganesha_mon ganesha_grace ganesha_nfsd; do
    [[ -x /usr/lib/ocf/resource.d/heartbeat/$a ]] || tap_skip_all "agent $a not installed"
done
if ! "$SBX_TOOL" reap; then
    tap_skip_all "a sandbox is already up (in use by someone else?)"
fi

sbx() { "$SBX_TOOL" "$@"; }
x() { sbx exec n1 "$@"; }                 # run in node n1
gha() { x "$GHA" "$@"; }
epoch() { x cibadmin -Q 2>/dev/null | xmllint --xpath 'string(/cib/@epoch)' - 2>/dev/null; }
config_xml() { x cibadmin -Q --scope=configuration 2>/dev/null; }
mon() { x crm_mon -1 --output-as=xml --include=resources 2>/dev/null; }
vip_on() { mon | xmllint --xpath "string(//resource[@id='$1-cluster_ip-1' and @active='true']/node/@name)" - 2>/dev/null || true; }
wait_for() {   # wait_for SECONDS DESCRIPTION CMD...
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    while ! "$@"; do
        if ((SECONDS >= deadline)); then diag "timed out waiting for $what"; return 1; fi
        sleep 1
    done
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    sbx down >/dev/null 2>&1 || true
    rm -rf -- "$T"
}
trap cleanup EXIT

tap_plan 42

sbx up --nodes 4 --no-resources >"$T/up.log" 2>&1
ok $? "sandbox up: 4 bare nodes with pcsd, pcs host auth done, no cluster"
bare() {   # no corosync.conf and no corosync on any node
    local n
    for n in n1 n2 n3 n4; do
        sbx exec "$n" test -e /etc/corosync/corosync.conf && return 1
        sbx exec "$n" systemctl is-active corosync >/dev/null 2>&1 && return 1
    done
    return 0
}
bare
ok $? "no node has a cluster yet"

C=$T/conf   # /tmp is the host's, visible inside every node
write_conf "$C" <<EOF
# written by tests/ha/05-sandbox.sh
HA_NAME="gocf-sandbox"
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1="10.77.0.101"
VIP_n2="10.77.0.102"
VIP_n3="10.77.0.103"
HA_VOL_MNT="/run/gluster/shared_storage"
HA_STATE_DIR="/var/lib/ganesha-sandbox/nfs"
HA_NIC=eth0
HA_COROSYNC_TOKEN=1000
EOF
cp "$C/ganesha-ha.conf" "$T/conf.orig"

# ---- malformed configs: refused, nothing created ------------------------------
all_refused=0
# shellcheck disable=SC2016 # literal $(...) on purpose
for bad in 'HA_NAME="x' 'HA_NIC=$(reboot)' 'VIP_n1=fe80::101' 'HA_CLUSTER_NODES="n1,n_2"' 'VIP_n1=10.77.0.300' 'HA_TYPO=1' 'HA_COROSYNC_TOKEN=1s'; do
    grep -v "^${bad%%=*}=" "$T/conf.orig" >"$C/ganesha-ha.conf" || true
    printf '%s\n' "$bad" >>"$C/ganesha-ha.conf"
    rc=0
    gha setup "$C" >"$T/out" 2>"$T/err" || rc=$?
    if [[ $rc != 2 ]] || ! grep -q 'ganesha-ha.conf:[0-9]*:' "$T/err"; then
        all_refused=1; diag "not refused as expected: $bad (rc=$rc)"; diag_file "$T/err"
    fi
done
cp "$T/conf.orig" "$C/ganesha-ha.conf"
[[ $all_refused == 0 ]] && bare
ok $? "7 malformed configs refused (exit 2, line named), no cluster created"

# ---- setup from bare nodes: the cluster, then a stop for the fence device ----
rc=0
time_start=$SECONDS
gha setup "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] && grep -q 'cluster gocf-sandbox was created, but HA_FENCING=yes' "$T/err" &&
    grep -q 'pcs stonith create' "$T/err"
ok $? "setup on bare nodes: creates the cluster, stops for the missing fence device ($((SECONDS - time_start))s, exit $rc)"
[[ $rc == 1 ]] || diag_file "$T/err"
mon >"$T/mon.xml"
[[ $(xmllint --xpath 'count(//nodes/node[@online="true"])' "$T/mon.xml") == 3 &&
    $(xmllint --xpath 'count(//nodes/node[@name="n4"])' "$T/mon.xml") == 0 &&
    $(xmllint --xpath 'count(//resources/*)' "$T/mon.xml") == 0 ]] && test -e "$C/.ganesha-ha-created-cluster"
ok $? "n1..n3 online (n4 not a member), no resource pushed, marker left for teardown"
x grep -q 'token: 1000' /etc/corosync/corosync.conf
ok $? "HA_COROSYNC_TOKEN=1000 reached corosync.conf"
rc=0
gha setup "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] && grep -q 'without a fencing device' "$T/err" && ! grep -q 'already set up' "$T/err" &&
    [[ $(mon | xmllint --xpath 'count(//resources/*)' - 2>/dev/null) == 0 ]]
ok $? "setup again without a fence device: refused again (exit $rc), not 'already set up'"

# what the admin does: a fence device (the sandbox's agent), for every node
x pcs stonith create fence-gocf fence_gocf_sandbox "pcmk_host_list=n1 n2 n3 n4" \
    op monitor interval=60s >"$T/out" 2>&1 && x pcs property set load-threshold=10000% >>"$T/out" 2>&1
ok $? "pcs stonith create fence-gocf"
rc=0
time_start=$SECONDS
gha setup "$C" >"$T/out" 2>"$T/err" || rc=$?
ok "$rc" "setup with the fence device: the resources ($((SECONDS - time_start))s)"
[[ $rc == 0 ]] || diag_file "$T/err"
mon >"$T/mon.xml"
n_started=$(xmllint --xpath 'count(//group/resource[@role="Started"])' "$T/mon.xml")
[[ $n_started == 9 && $(xmllint --xpath 'count(//group/resource[contains(@id, "-nfs_block")])' "$T/mon.xml") == 0 ]]
ok $? "the 9 group members (handoff, address, nfs_unblock per node; no nfs_block) are started ($n_started)"
[[ $(xmllint --xpath 'count(//clone[@id="nfs_setup-clone" or @id="nfs-mon-clone" or @id="nfs-grace-clone"]/resource[@role="Started"])' "$T/mon.xml") == 9 ]]
ok $? "the 3 clones run on n1..n3 (9 instances)"
[[ $(vip_on n1) == n1 && $(vip_on n2) == n2 && $(vip_on n3) == n3 ]]
ok $? "every VIP on its home node"
linked=0
for n in n1 n2 n3; do sbx exec "$n" test -L /var/lib/ganesha-sandbox/nfs || { diag "$n state dir not linked"; linked=1; }; done
ok "$linked" "nfs_setup switched the state dir to shared storage on n1..n3"
S=/run/gluster/shared_storage/nfs-ganesha
x test -d "$S/tickle_dir" && x test -f "$S/n2/nfs/statd/state" && x test -d "$S/n3/nfs/ganesha/v4recov" &&
    [[ $(x readlink "$S/n1/nfs/ganesha/n3") == "$S/n3/nfs/ganesha" && $(x readlink "$S/n3/nfs/statd/n2") == "$S/n2/nfs/statd" ]]
ok $? "shared-storage tree and per-peer links"

rc=0
gha status --exit-codes "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 0 ]] && grep -qx 'Cluster HA Status: HEALTHY' "$T/out"
ok $? "status: HEALTHY, exit 0"
[[ $rc == 0 ]] || diag_file "$T/out"

# ---- setup twice ------------------------------------------------------------
config_xml >"$T/cfg1.xml"
e1=$(epoch)
rc=0
gha setup "$C" >"$T/out" 2>"$T/err" || rc=$?
config_xml >"$T/cfg2.xml"
[[ $rc == 0 ]] && grep -q 'already set up' "$T/err" && cmp -s "$T/cfg1.xml" "$T/cfg2.xml" && [[ $(epoch) == "$e1" ]]
ok $? "setup twice: 'already set up', configuration and epoch unchanged"
[[ $rc == 0 ]] || diag_file "$T/err"

# ---- FAILOVER / BAD ---------------------------------------------------------
sbx kill-ganesha n2 >/dev/null 2>&1
wait_for 60 "n2's VIP to leave n2" bash -c "[[ \$('$SBX_TOOL' vip-node n2 2>/dev/null) != n2 && -n \$('$SBX_TOOL' vip-node n2 2>/dev/null) ]]"
ok $? "kill-ganesha n2: its VIP moves"
x crm_resource --wait --timeout=60s >/dev/null 2>&1 || true
rc=0
gha status --exit-codes "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] && grep -qx 'Cluster HA Status: FAILOVER' "$T/out"
ok $? "status: FAILOVER, exit 1"
[[ $rc == 1 ]] || diag_file "$T/out"
sbx start-ganesha n2 >/dev/null 2>&1
wait_for 90 "n2's VIP back home" bash -c "[[ \$('$SBX_TOOL' vip-node n2 2>/dev/null) == n2 ]]"
ok $? "ganesha back on n2: VIP fails back"
x crm_resource --wait --timeout=60s >/dev/null 2>&1 || true

x crm_resource --fail -r n1-nfs_unblock -N n1 >/dev/null 2>&1 || true
x crm_resource --wait --timeout=60s >/dev/null 2>&1 || true
rc=0
gha status --exit-codes "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 2 ]] && grep -qx 'Cluster HA Status: BAD' "$T/out"
ok $? "status after a failed action: BAD, exit 2"
[[ $rc == 2 ]] || diag_file "$T/out"
x crm_resource --cleanup >/dev/null 2>&1 || true
x crm_resource --wait --timeout=60s >/dev/null 2>&1 || true
wait_for 60 "HEALTHY again" bash -c "'$SBX_TOOL' exec n1 '$GHA' status '$C' >/dev/null 2>&1"
ok $? "after cleanup: HEALTHY again"

# ---- add n4: a bare node, joined with pcs cluster node add ---------------------
rc=0
time_start=$SECONDS
gha add "$C" n4 10.77.0.104 >"$T/out" 2>"$T/err" || rc=$?
ok "$rc" "add n4 10.77.0.104 (not a member: pcs cluster node add, $((SECONDS - time_start))s)"
[[ $rc == 0 ]] || diag_file "$T/err"
grep -q "adding it with pcs" "$T/err" && [[ $(mon | xmllint --xpath 'string(//nodes/node[@name="n4"]/@online)' - 2>/dev/null) == true ]] &&
    sbx exec n4 test -e /etc/corosync/corosync.conf && sbx exec n4 systemctl is-enabled corosync >/dev/null
ok $? "n4 joined the cluster (online, corosync.conf from pcs, enabled)"
x crm_resource --wait --timeout=60s >/dev/null 2>&1 || true
[[ $(vip_on n4) == n4 ]] && sbx exec n4 test -L /var/lib/ganesha-sandbox/nfs
ok $? "n4's VIP runs on n4; nfs_setup runs there"
config_xml >"$T/cfg.xml"
[[ $(xmllint --xpath "string(//rsc_location[@rsc='n2-group' and @node='n2']/@score)" "$T/cfg.xml") == 4000 &&
    $(xmllint --xpath "string(//rsc_location[@rsc='n4-group' and @node='n3']/@score)" "$T/cfg.xml") == 3000 &&
    $(xmllint --xpath "count(//rsc_order[@then='n4-cluster_ip-1' and @first-action='stop'])" "$T/cfg.xml") == 1 &&
    $(xmllint --xpath "count(//rsc_location[@node='n4' and @score='-INFINITY'])" "$T/cfg.xml") == 0 ]]
ok $? "after add: 4-node scores, n4's crash-path order, no bans"
[[ $(x readlink "$S/n4/nfs/ganesha/n1") == "$S/n1/nfs/ganesha" && $(x readlink "$S/n2/nfs/statd/n4") == "$S/n4/nfs/statd" ]] &&
    grep -qx 'HA_CLUSTER_NODES="n1,n2,n3,n4"' "$C/ganesha-ha.conf" && grep -qx 'VIP_n4="10.77.0.104"' "$C/ganesha-ha.conf"
ok $? "after add: links both ways, config file updated"
rc=0
gha status --exit-codes "$C" >"$T/out" 2>&1 || rc=$?
ok "$rc" "status after add: HEALTHY"

# ---- delete n4 --keep-node: HA only, the member stays (bans) ----------------------
rc=0
gha delete "$C" n4 --keep-node >"$T/out" 2>"$T/err" || rc=$?
ok "$rc" "delete n4 --keep-node"
[[ $rc == 0 ]] || diag_file "$T/err"
config_xml >"$T/cfg3.xml"
[[ $(xmllint --xpath "count(//*[@id='n4-group'])" "$T/cfg3.xml") == 0 &&
    $(xmllint --xpath "string(//rsc_location[@rsc='n2-group' and @node='n2']/@score)" "$T/cfg3.xml") == 3000 &&
    $(xmllint --xpath "count(//rsc_location[@node='n4' and @score='-INFINITY'])" "$T/cfg3.xml") == 3 ]]
ok $? "after delete --keep-node: n4-group gone, 3-node scores, the clones banned from member n4"
! x test -e "$S/n4" && ! x test -L "$S/n1/nfs/ganesha/n4" && ! x test -L "$S/n3/nfs/statd/n4" &&
    ! sbx exec n4 test -L /var/lib/ganesha-sandbox/nfs
ok $? "after delete: n4's tree and every link to it removed; n4's state dir restored"
grep -qx 'HA_CLUSTER_NODES="n1,n2,n3"' "$C/ganesha-ha.conf" && ! grep -q VIP_n4 "$C/ganesha-ha.conf"
ok $? "after delete: config file back to 3 nodes"
rc=0
gha delete "$C" n4 >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 2 ]] && grep -q "not in HA_CLUSTER_NODES.*still a cluster member: 'pcs cluster node remove n4'" "$T/err"
ok $? "delete of a node no longer configured but still a member: refused, naming what is left (exit $rc)"
[[ $rc == 2 ]] || diag_file "$T/err"

# ---- add n4 again (a member already), then delete it for real -----------------
rc=0
gha add "$C" n4 10.77.0.104 >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 0 ]] && ! grep -q "adding it with pcs" "$T/err" && [[ $(vip_on n4) == n4 ]] &&
    [[ $(config_xml | xmllint --xpath "count(//rsc_location[@node='n4' and @score='-INFINITY'])" - 2>/dev/null) == 0 ]]
ok $? "add n4 again: already a member, no pcs node add, its VIP home, bans gone"
[[ $rc == 0 ]] || diag_file "$T/err"
rc=0
time_start=$SECONDS
gha delete "$C" n4 >"$T/out" 2>"$T/err" || rc=$?
ok "$rc" "delete n4 (pcs cluster node remove, $((SECONDS - time_start))s)"
[[ $rc == 0 ]] || diag_file "$T/err"
mon >"$T/mon.xml"
[[ $(xmllint --xpath 'count(//nodes/node[@name="n4"])' "$T/mon.xml") == 0 &&
    $(xmllint --xpath 'count(//nodes/node[@online="true"])' "$T/mon.xml") == 3 ]] &&
    ! sbx exec n4 systemctl is-active corosync >/dev/null 2>&1 && ! sbx exec n4 test -e /etc/corosync/corosync.conf
ok $? "n4 left the membership: not in the cluster, its corosync stopped and its corosync.conf gone"
[[ $(config_xml | xmllint --xpath "count(//rsc_location[@node='n4'])" - 2>/dev/null) == 0 ]]
ok $? "no constraint names n4 any more (the bans went with the member)"
# what a delete killed after its config rewrite leaves: the state directory
x mkdir -p "$S/n4/nfs"
rc=0
gha delete "$C" n4 >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 2 ]] && grep -q "not in HA_CLUSTER_NODES.*its state directory $S/n4 is still there" "$T/err" &&
    ! grep -q 'still a cluster member' "$T/err"
ok $? "delete again with n4's state directory left: refused, naming the directory (exit $rc)"
[[ $rc == 2 ]] || diag_file "$T/err"
x rm -rf "$S/n4"
rc=0
gha status --exit-codes "$C" >"$T/out" 2>&1 || rc=$?
ok "$rc" "status after delete: HEALTHY"
[[ $rc == 0 ]] || diag_file "$T/out"

# ---- teardown: resources, then the cluster setup created -----------------------
rc=0
gha teardown "$C" >"$T/out" 2>"$T/err" || rc=$?
ok "$rc" "teardown"
[[ $rc == 0 ]] || diag_file "$T/err"
grep -q 'stopping and destroying cluster gocf-sandbox' "$T/err" && bare && ! test -e "$C/.ganesha-ha-created-cluster"
ok $? "teardown destroyed the cluster setup created: every node bare again, marker gone"
restored=0
for n in n1 n2 n3 n4; do
    if ! sbx exec "$n" test -d /var/lib/ganesha-sandbox/nfs || sbx exec "$n" test -L /var/lib/ganesha-sandbox/nfs; then
        restored=1; diag "$n: state dir not restored"
    fi
done
[[ $restored == 0 ]]
ok $? "teardown: the state dir is a real directory again on every node"
rc=0
gha status --exit-codes "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 3 ]] && grep -qx 'Cluster HA Status: UNKNOWN' "$T/out" && grep -q 'cannot query the cluster' "$T/err"
ok $? "status --exit-codes with no cluster left: UNKNOWN, exit 3 (exit $rc)"
[[ $rc == 3 ]] || { diag_file "$T/out"; diag_file "$T/err"; }

tap_done
