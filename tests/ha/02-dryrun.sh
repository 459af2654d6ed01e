#!/bin/bash
# ganesha-ha.sh --dry-run: the exact pcs commands of setup (2, 3, 4 nodes,
# options), no pcs call at all, the running-cluster route through an offline
# CIB (CIB_file), and add/delete acting on whole node names (node1/node10).
set -uo pipefail   # no -e: a failing check must print "not ok", not end the run
# shellcheck source=tests/ha/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

for t in xmllint crm_mon cibadmin; do
    command -v "$t" >/dev/null 2>&1 || tap_skip_all "$t missing"
done
no_host_ganesha_conf
tap_plan 43

fake_bin nocluster
C=$T/conf

dry() {   # dry ARGS... -> $T/out (normalised pcs lines in $T/pcs), rc in $T/rc
    local rc=0
    : >"$T/pcs.calls"
    "$GHA" --dry-run "$@" >"$T/out" 2>"$T/err" || rc=$?
    echo "$rc" >"$T/rc"
    dry_pcs <"$T/out" >"$T/pcs" || true
}
has() { grep -qxF -- "$1" "$T/pcs"; }

# ---- 3 nodes: the whole command list --------------------------------------
write_conf "$C" <<EOF
HA_NAME=ganesha-ha-360
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1="10.77.0.101"
VIP_n2="10.77.0.102"
VIP_n3="10.77.0.103"
HA_VOL_MNT=/run/gluster/shared_storage
HA_STATE_DIR=/var/lib/ganesha-sandbox/nfs
EOF
dry setup "$C"
[[ $(cat "$T/rc") == 0 ]] && diff -u "$FIXTURES/dryrun-setup-3.txt" "$T/pcs" >"$T/diff"
ok $? "3 nodes: exactly the expected pcs commands (fixtures/dryrun-setup-3.txt)"
[[ -s $T/diff ]] && diag_file "$T/diff"
[[ $(pcs_calls) == 0 ]]
ok $? "dry run: pcs was never called"
has "pcs -f CIB resource create nfs-grace ocf:heartbeat:ganesha_grace clone notify=true" &&
    ! grep -q 'meta notify' "$T/pcs"
ok $? "notify=true is a clone option (not meta on the primitive)"
has "pcs -f CIB constraint location nfs-grace-clone rule score=-INFINITY grace-active ne 1 and ganesha-published ne 1"
ok $? "grace rule"
[[ $(grep -c -- '-group rule score=-INFINITY ganesha-active ne 1 and ganesha-published ne 1$' "$T/pcs") == 3 ]]
ok $? "one ganesha-active rule per group"
[[ $(grep -c '^pcs -f CIB constraint order nfs-grace-clone then n[0-9]-cluster_ip-1$' "$T/pcs") == 3 &&
    $(grep -c '^pcs -f CIB constraint order stop nfs-grace-clone then start n[0-9]-cluster_ip-1 kind=Optional symmetrical=false$' "$T/pcs") == 3 ]]
ok $? "both order constraints (start order and crash-path stop->start) for every node"
has "pcs -f CIB property set no-quorum-policy=stop" && ! grep -q stonith-enabled "$T/pcs"
ok $? "3 nodes: no-quorum-policy=stop, fencing untouched by default"
grep -q '^pcs cluster setup ganesha-ha-360 n1 n2 n3 --start --enable --wait=' "$T/pcs" &&
    [[ $(grep -c '^pcs cluster cib-push CIB diff-against=ORIG$' "$T/pcs") == 1 ]] &&
    ! grep -q '^# step 1:' "$T/out"
ok $? "no cluster: pcs cluster setup first, then one cib-push (diff-against) with the Optional crash order"
cp "$C/ganesha-ha.conf" "$T/conf.saved"
echo "HA_CRASH_ORDER=Mandatory" >>"$C/ganesha-ha.conf"
dry setup "$C"
[[ $(grep -c '^pcs cluster cib-push CIB diff-against=ORIG$' "$T/pcs") == 2 ]] &&
    grep -q '^# step 1: the CIB without the groups (n1-group n2-group n3-group)' "$T/out" &&
    grep -q '^# wait up to [0-9]*s for nfs-grace-clone' "$T/out"
ok $? "HA_CRASH_ORDER=Mandatory: clones pushed, nfs-grace waited for, then the groups"
cp "$T/conf.saved" "$C/ganesha-ha.conf"
echo "HA_COROSYNC_TOKEN=1000" >>"$C/ganesha-ha.conf"
dry setup "$C"
grep -q '^pcs cluster setup ganesha-ha-360 n1 n2 n3 totem token=1000 --start --enable --wait=' "$T/pcs"
ok $? "HA_COROSYNC_TOKEN=1000: pcs cluster setup ... totem token=1000"
cp "$T/conf.saved" "$C/ganesha-ha.conf"
dry setup "$C"
grep -q "mkdir -p /run/gluster/shared_storage/nfs-ganesha/n2/nfs/ganesha/v4recov" "$T/out" &&
    grep -qx "ln -s /run/gluster/shared_storage/nfs-ganesha/n3/nfs/statd /run/gluster/shared_storage/nfs-ganesha/n1/nfs/statd/n3" "$T/out"
ok $? "shared-storage tree and per-peer links are printed"
[[ $(grep -n 'cib-push' "$T/out" | head -1 | cut -d: -f1) -gt $(grep -n 'ln -s' "$T/out" | tail -1 | cut -d: -f1) ]]
ok $? "the state tree is created before the push"

# ---- 2 nodes, options -----------------------------------------------------
write_conf "$C" <<EOF
HA_NAME=two
HA_CLUSTER_NODES="n1,n2"
VIP_n1=10.0.0.1
VIP_n2=10.0.0.2
HA_FENCING=no
HA_VIP_AGENT=IPaddr
HA_NIC=eth1
HA_MON_INTERVAL=10s
HA_CHECK_LEVEL=0
HA_CRASH_ORDER=Optional
HA_NFS_BLOCK=yes
EOF
dry setup "$C"
has "pcs -f CIB constraint location n1-group prefers n2=1000 n1=2000" &&
    has "pcs -f CIB constraint location n2-group prefers n1=1000 n2=2000"
ok $? "2 nodes: rotated prefers scores, home = 2000"
has "pcs -f CIB property set no-quorum-policy=ignore" && has "pcs -f CIB property set stonith-enabled=false"
ok $? "2 nodes: no-quorum-policy=ignore; HA_FENCING=no sets stonith-enabled=false"
grep -q 'HA_FENCING=no' "$T/err"
ok $? "HA_FENCING=no warns"
has "pcs -f CIB resource create n1-cluster_ip-1 ocf:heartbeat:IPaddr ip=10.0.0.1 cidr_netmask=32 nic=eth1 op monitor interval=15s --group n1-group --after n1-nfs_block"
ok $? "HA_VIP_AGENT=IPaddr and HA_NIC"
has "pcs -f CIB resource create n2-nfs_block ocf:heartbeat:portblock protocol=tcp portno=2049 action=block ip=10.0.0.2 --group n2-group"
ok $? "HA_NFS_BLOCK=yes: upstream's nfs_block first in every group"
has "pcs -f CIB resource create nfs-mon ocf:heartbeat:ganesha_mon op monitor interval=10s OCF_CHECK_LEVEL=0 clone"
ok $? "HA_MON_INTERVAL and HA_CHECK_LEVEL on the nfs-mon monitor"
has "pcs -f CIB constraint order stop nfs-grace-clone then start n2-cluster_ip-1 kind=Optional symmetrical=false" &&
    [[ $(grep -c 'cib-push' "$T/pcs") == 1 ]]
ok $? "HA_CRASH_ORDER=Optional: Optional crash-path order, one cib-push"
sed -i 's/^HA_CRASH_ORDER=Optional$/HA_CRASH_ORDER=none/' "$C/ganesha-ha.conf"
dry setup "$C"
! grep -q 'order stop' "$T/pcs" && [[ $(grep -c 'constraint order nfs-grace-clone then' "$T/pcs") == 2 ]]
ok $? "HA_CRASH_ORDER=none: no crash-path order, upstream's start order kept"
sed -i 's/^HA_NFS_BLOCK=yes$/HA_NFS_UNBLOCK=no/' "$C/ganesha-ha.conf"
dry setup "$C"
[[ $(cat "$T/rc") == 0 ]] && ! grep -q 'nfs_unblock\|nfs_block' "$T/pcs" &&
    has "pcs -f CIB resource create n2-cluster_ip-1 ocf:heartbeat:IPaddr ip=10.0.0.2 cidr_netmask=32 nic=eth1 op monitor interval=15s --group n2-group"
ok $? "HA_NFS_UNBLOCK=no: the group is handoff and the address, no portblock"

# ---- NSM notification (HA_NLM) ---------------------------------------------
smn() { grep -c '^pcs -f CIB resource create n[0-9]-smnotify ocf:heartbeat:ganesha_smnotify ip=10.77.0.10[0-9] statd_dir=/var/lib/ganesha-sandbox/nfs/statd --group n[0-9]-group$' "$T/pcs"; }
write_conf "$C" <<EOF
HA_NAME=nlm
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1="10.77.0.101"
VIP_n2="10.77.0.102"
VIP_n3="10.77.0.103"
HA_STATE_DIR=/var/lib/ganesha-sandbox/nfs
EOF
printf 'NFS_CORE_PARAM {\n    Protocols = 3, 4;\n    Enable_NLM = true;\n}\n' >"$C/ganesha.conf"
dry setup "$C"
[[ $(smn) == 3 ]]
ok $? "HA_NLM=auto, ganesha.conf with NFSv3 and NLM: smnotify last in every group"
printf '# Enable_NLM = false;\nNFS_CORE_PARAM {\n    Enable_NLM = false; # v4 only\n}\nEXPORT { Protocols = 3; }\n' >"$C/ganesha.conf"
dry setup "$C"
[[ $(smn) == 0 && $(cat "$T/rc") == 0 ]]
ok $? "HA_NLM=auto, NFS_CORE_PARAM Enable_NLM = false: no smnotify (a comment or an export's Protocols do not count)"
printf 'NFS_CORE_PARAM {\n    Protocols = 4;\n}\n' >"$C/ganesha.conf"
dry setup "$C"
[[ $(smn) == 0 ]]
ok $? "HA_NLM=auto, NFS_CORE_PARAM Protocols = 4: no smnotify"
echo "HA_NLM=yes" >>"$C/ganesha-ha.conf"
dry setup "$C"
[[ $(smn) == 3 ]] && ! grep -q nfs_unblock "$T/pcs"
ok $? "HA_NLM=yes: smnotify whatever ganesha.conf says, and no nfs_unblock (HA_NFS_UNBLOCK=auto)"
echo "HA_NFS_UNBLOCK=yes" >>"$C/ganesha-ha.conf"
dry setup "$C"
[[ $(smn) == 3 && $(grep -c 'create n[0-9]-nfs_unblock' "$T/pcs") == 3 ]]
ok $? "HA_NLM=yes with HA_NFS_UNBLOCK=yes: both"
sed -i '/^HA_NFS_UNBLOCK=yes$/d' "$C/ganesha-ha.conf"
rm -f "$C/ganesha.conf"
sed -i 's/^HA_NLM=yes$/HA_NLM=no/' "$C/ganesha-ha.conf"
dry setup "$C"
[[ $(smn) == 0 ]]
ok $? "HA_NLM=no: no smnotify"

# ---- 4 nodes (upstream worked example) ------------------------------------
write_conf "$C" <<EOF
HA_NAME=four
HA_CLUSTER_NODES="n1,n2,n3,n4"
VIP_n1=10.0.0.1
VIP_n2=10.0.0.2
VIP_n3=10.0.0.3
VIP_n4=10.0.0.4
EOF
dry setup "$C"
grep 'prefers' "$T/pcs" >"$T/pref"
cat >"$T/pref.exp" <<EOF
pcs -f CIB constraint location n1-group prefers n2=1000 n3=2000 n4=3000 n1=4000
pcs -f CIB constraint location n2-group prefers n3=1000 n4=2000 n1=3000 n2=4000
pcs -f CIB constraint location n3-group prefers n4=1000 n1=2000 n2=3000 n3=4000
pcs -f CIB constraint location n4-group prefers n1=1000 n2=2000 n3=3000 n4=4000
EOF
diff -u "$T/pref.exp" "$T/pref" >"$T/diff"
ok $? "4 nodes: prefers scores as upstream (home = 4000)"
[[ -s $T/diff ]] && diag_file "$T/diff"

# ---- IPv6 VIP --------------------------------------------------------------
write_conf "$C" <<EOF
HA_NAME=six
HA_CLUSTER_NODES="n1,n2"
VIP_n1=10.0.0.1
VIP_n2=fd00:77::102
HA_NLM=no
EOF
dry setup "$C"
[[ $(cat "$T/rc") == 0 ]] &&
    has "pcs -f CIB resource create n2-cluster_ip-1 ocf:heartbeat:IPaddr2 ip=fd00:77::102 cidr_netmask=128 op monitor interval=15s --group n2-group" &&
    ! grep -q 'create n2-nfs_unblock' "$T/pcs" && grep -q 'create n1-nfs_unblock .*ip=10.0.0.1' "$T/pcs"
ok $? "IPv6 VIP: IPaddr2 with /128 and no portblock member; the IPv4 group unchanged"

write_conf "$C" <<EOF
HA_NAME=one
HA_CLUSTER_NODES="n1"
VIP_n1=10.0.0.1
EOF
dry setup "$C"
[[ $(cat "$T/rc") == 2 ]] && grep -q 'insufficient servers' "$T/err"
ok $? "1 node: refused"

# ---- running cluster (offline CIB file with 4 members, 3 configured) ------
PATH=${PATH#"$T/bin:"}   # real crm_mon/cibadmin from here on
fake_bin
write_conf "$C" <<EOF
HA_NAME=fixture
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1="10.77.0.101"
VIP_n2="10.77.0.102"
VIP_n3="10.77.0.103"
EOF
cp "$FIXTURES/cib-4nodes-empty.xml" "$T/cib.xml"
CIB_file=$T/cib.xml dry setup "$C"
[[ $(cat "$T/rc") == 1 ]] && grep -q 'HA_FENCING=yes and the cluster fences without a fencing device' "$T/err" &&
    ! grep -q 'cib-push' "$T/out" && ! grep -q 'resource create' "$T/pcs"
ok $? "HA_FENCING=yes, stonith-enabled (default) and no fencing device: refused before any push"
CIB_file=$T/cib.xml cibadmin -C -o resources -X '<primitive id="fence-test" class="stonith" type="fence_dummy"/>'
cp "$T/cib.xml" "$T/cib-fenced.xml"
CIB_file=$T/cib.xml dry setup "$C"
[[ $(cat "$T/rc") == 0 ]] && ! grep -q 'cluster setup' "$T/pcs" && grep -q 'resource create n3-cluster_ip-1' "$T/pcs"
ok $? "running cluster with a fencing device: no cluster creation, resources built"
[[ $(grep -c 'avoids n4$' "$T/pcs") == 3 ]]
ok $? "member n4 is not configured: the three clones avoid it"
cmp -s "$T/cib.xml" "$T/cib-fenced.xml" && [[ $(pcs_calls) == 0 ]]
ok $? "dry run left the CIB untouched and called no pcs"

# ---- add / delete: whole names (node1 vs node10) --------------------------
write_conf "$C" <<EOF
HA_NAME=fixture
HA_CLUSTER_NODES="node1,node10,node2"
VIP_node1="10.77.0.101"
VIP_node10="10.77.0.102"
VIP_node2="10.77.0.103"
EOF
cp "$FIXTURES/cib-node1-node10.xml" "$T/cib.xml"
CIB_file=$T/cib.xml dry delete "$C" node
[[ $(cat "$T/rc") == 2 ]] && grep -q "node 'node' is not in HA_CLUSTER_NODES" "$T/err"
ok $? "delete 'node' (a prefix of node1/node10) is refused"

CIB_file=$T/cib.xml dry delete "$C" node1
{
    [[ $(cat "$T/rc") == 0 ]] &&
        grep -q "cibadmin --force --delete-all --xpath '/cib/configuration/resources/\*\[@id='\\\\''node1-group'\\\\'' or @id='\\\\''node10-group'\\\\'' or @id='\\\\''node2-group'\\\\''\]'" "$T/out" &&
        has "pcs -f CIB resource create node10-cluster_ip-1 ocf:heartbeat:IPaddr2 ip=10.77.0.102 cidr_netmask=32 op monitor interval=15s --group node10-group" &&
        ! grep -q 'nfs_block' "$T/pcs" &&
        has "pcs -f CIB constraint location node10-group prefers node2=1000 node10=2000" &&
        has "pcs -f CIB constraint location node2-group prefers node10=1000 node2=2000" &&
        ! grep -q 'create node1-' "$T/pcs" &&
        grep -qF "HA_CLUSTER_NODES=\"node10,node2\"" "$T/out"
}
ok $? "delete node1: node10 keeps its group and VIP; node1's group is gone"
has "pcs -f CIB property set no-quorum-policy=ignore"
ok $? "delete to 2 nodes: quorum policy recomputed (ignore)"

CIB_file=$T/cib.xml dry delete "$C" node10
[[ $(cat "$T/rc") == 0 ]] && grep -q 'create node1-cluster_ip-1 .*ip=10.77.0.101' "$T/pcs" &&
    ! grep -q 'create node10-' "$T/pcs" && grep -qF 'HA_CLUSTER_NODES="node1,node2"' "$T/out"
ok $? "delete node10: node1 keeps its group"

CIB_file=$T/cib.xml dry add "$C" NODE1 10.77.0.150
[[ $(cat "$T/rc") == 2 ]] && grep -q 'already configured' "$T/err"
ok $? "add an already configured node (case-insensitive) is refused"
CIB_file=$T/cib.xml dry add "$C" node3 10.77.0.102
[[ $(cat "$T/rc") == 2 ]] && grep -q "already used by node 'node10'" "$T/err"
ok $? "add with a VIP in use is refused"

# add the configured-out member n4 to n1..n3
write_conf "$C" <<EOF
HA_NAME=fixture
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1="10.77.0.101"
VIP_n2="10.77.0.102"
VIP_n3="10.77.0.103"
EOF
cp "$FIXTURES/cib-3of4-started.xml" "$T/cib.xml"
CIB_file=$T/cib.xml dry add "$C" n4 10.77.0.104
grep 'prefers' "$T/pcs" | sed 's/^pcs -f CIB constraint location //' >"$T/pref"
cat >"$T/pref.exp" <<EOF
n1-group prefers n2=1000 n3=2000 n4=3000 n1=4000
n2-group prefers n3=1000 n4=2000 n1=3000 n2=4000
n3-group prefers n4=1000 n1=2000 n2=3000 n3=4000
n4-group prefers n1=1000 n2=2000 n3=3000 n4=4000
EOF
[[ $(cat "$T/rc") == 0 ]] && diff -u "$T/pref.exp" "$T/pref" >"$T/diff" &&
    has "pcs -f CIB resource create n4-cluster_ip-1 ocf:heartbeat:IPaddr2 ip=10.77.0.104 cidr_netmask=32 op monitor interval=15s --group n4-group"
ok $? "add n4: new group, all prefers scores recomputed"
[[ -s $T/diff ]] && diag_file "$T/diff"
! grep -q 'avoids' "$T/pcs" && grep -q "rsc_location\[@rsc='\\\\''nfs_setup-clone'\\\\'' and @node" "$T/out" &&
    has "pcs -f CIB property set no-quorum-policy=stop" && ! grep -q 'cluster node add' "$T/pcs"
ok $? "add n4: bans lifted, quorum policy stop, no 'pcs cluster node add' for a member"
grep -qF 'HA_CLUSTER_NODES="n1,n2,n3,n4" and append VIP_n4="10.77.0.104"' "$T/out" &&
    cmp -s "$T/cib.xml" "$FIXTURES/cib-3of4-started.xml" && [[ $(pcs_calls) == 0 ]]
ok $? "add dry run: config rewrite announced; CIB and pcs untouched"

tap_done
