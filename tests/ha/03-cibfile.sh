#!/bin/bash
# offline: no cluster, no sandbox, no time bound (tests/run-all runs it in the background)
# The CIB-file route, no cluster needed: ganesha-ha.sh run for real against
# an offline CIB (CIB_file=<file>, pcs -f on copies, the push applied as a
# crm_diff patch): setup on cibadmin --empty output passes crm_verify -x with
# the expected XML; setup twice changes nothing; a different config is
# refused with the CIB unchanged; add + delete round-trips; teardown leaves
# none of our resources. Slow (pcs takes 1-3 s per call).
set -uo pipefail   # no -e: a failing check must print "not ok", not end the run
# shellcheck source=tests/ha/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

for t in xmllint crm_mon cibadmin crm_verify crm_diff crm_simulate pcs; do
    command -v "$t" >/dev/null 2>&1 || tap_skip_all "$t missing"
done
no_host_ganesha_conf
tap_plan 28

C=$T/conf
CIB=$T/cib.xml
export CIB_file=$CIB
q() { xmllint --xpath "$1" "$CIB" 2>/dev/null || true; }
epoch() { q 'string(/cib/@epoch)'; }
canon() {
    # one temporary file per call: diff <(canon a) <(canon b) runs two at once
    local tmp
    tmp=$(mktemp "$T/canon.XXXXXX")
    xmllint --noblanks "$1" >"$tmp"
    xmllint --xpath '/cib/configuration/resources/* | /cib/configuration/constraints/* | /cib/configuration/crm_config//nvpair' "$tmp" | sort
    rm -f "$tmp"
}

offline_cib 4
write_conf "$C" <<EOF
HA_NAME=cibfile
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1="10.77.0.101"
VIP_n2="10.77.0.102"
VIP_n3="10.77.0.103"
HA_FENCING=no
HA_STATE_DIR=/var/lib/ganesha-sandbox/nfs
HA_NLM=no
EOF

rc=0
"$GHA" setup "$C" >"$T/out" 2>"$T/err" || rc=$?
ok "$rc" "setup into an offline CIB (cibadmin --empty + 4 nodes)"
[[ $rc == 0 ]] || diag_file "$T/err"
crm_verify -x "$CIB" >"$T/v" 2>&1
ok $? "crm_verify -x accepts the result"

[[ $(q "string(//clone[@id='nfs-grace-clone']/meta_attributes/nvpair[@name='notify']/@value)") == true &&
    $(q "count(//primitive[@id='nfs-grace']/meta_attributes/nvpair[@name='notify'])") == 0 ]]
ok $? "notify=true is on the nfs-grace clone, not on the primitive"
[[ $(q "string(//primitive[@id='nfs_setup']/instance_attributes/nvpair[@name='ha_vol_mnt']/@value)") == /run/gluster/shared_storage &&
    $(q "string(//primitive[@id='nfs_setup']/instance_attributes/nvpair[@name='state_dir']/@value)") == /var/lib/ganesha-sandbox/nfs ]]
ok $? "nfs_setup: ha_vol_mnt and state_dir"
[[ $(q "string(//primitive[@id='nfs-mon']/operations/op[@name='monitor']/@interval)") == 20s &&
    $(q "string(//primitive[@id='nfs-mon']/operations/op[@name='monitor']//nvpair[@name='OCF_CHECK_LEVEL']/@value)") == 10 ]]
ok $? "nfs-mon: monitor interval 20s with OCF_CHECK_LEVEL=10"
[[ $(q "string(//rsc_location[@rsc='nfs-grace-clone']/rule[@score='-INFINITY' and @boolean-op='and' and expression[@attribute='ganesha-published' and @operation='ne' and @value='1']]/expression[@attribute='grace-active' and @operation='ne' and @value='1']/@id)") != "" ]]
ok $? "nfs-grace-clone rule: -INFINITY if grace-active ne 1 and ganesha-published ne 1"
[[ $(q "count(//rsc_location[substring(@rsc, string-length(@rsc)-5)='-group']/rule[@score='-INFINITY' and @boolean-op='and' and expression[@attribute='ganesha-published' and @operation='ne' and @value='1']]/expression[@attribute='ganesha-active' and @operation='ne' and @value='1'])") == 3 ]]
ok $? "a ganesha-active (or ganesha-published) rule on each of the 3 groups"
[[ $(q "count(//rsc_colocation[@with-rsc='nfs-mon-clone' and @score='INFINITY' and substring(@rsc, string-length(@rsc)-5)='-group'])") == 3 &&
    $(q "count(//rsc_order[@first='nfs-mon-clone' and @first-action='start' and @then-action='start' and @kind='Optional' and @symmetrical='false' and substring(@then, string-length(@then)-5)='-group'])") == 3 ]]
ok $? "each group runs only with nfs-mon, after its start (Optional, one way)"
members=$(q "//group[@id='n2-group']/primitive/@id" | tr -s ' \n' ' ')
[[ $members == ' id="n2-handoff" id="n2-cluster_ip-1" id="n2-nfs_unblock" ' ]]
ok $? "n2-group = handoff, cluster_ip-1, nfs_unblock in that order (HA_NLM=no; no nfs_block by default)"
[[ $(q "string(//primitive[@id='n2-handoff']//nvpair[@name='home_node']/@value)") == n2 ]]
ok $? "n2-handoff: home_node=n2"
[[ $(q "string(//primitive[@id='n2-handoff']//nvpair[@name='tickle_dir']/@value)") == /run/gluster/shared_storage/nfs-ganesha/tickle_dir ]]
ok $? "n2-handoff: tickle_dir on the shared storage (its connection record, for the tickle ACKs)"
[[ $(q "string(//primitive[@id='n2-nfs_unblock']//nvpair[@name='tickle_dir']/@value)") == /run/gluster/shared_storage/nfs-ganesha/tickle_dir/ &&
    $(q "string(//primitive[@id='n2-nfs_unblock']//nvpair[@name='reset_local_on_unblock_stop']/@value)") == true &&
    $(q "count(//primitive[@id='n2-nfs_unblock']/operations/op[@timeout='60s'])") == 3 ]]
ok $? "nfs_unblock: tickle_dir, reset_local_on_unblock_stop, 60s op timeouts"
s1=$(q "string(//rsc_location[@rsc='n1-group' and @node='n2']/@score)")
s2=$(q "string(//rsc_location[@rsc='n1-group' and @node='n3']/@score)")
s3=$(q "string(//rsc_location[@rsc='n1-group' and @node='n1']/@score)")
[[ "$s1 $s2 $s3" == "1000 2000 3000" ]]
ok $? "n1-group prefers n2=1000 n3=2000 n1=3000"
[[ $(q "count(//rsc_order[@first='nfs-grace-clone' and @then='n3-cluster_ip-1' and not(@first-action='stop')])") == 1 &&
    $(q "count(//rsc_order[@first='nfs-grace-clone' and @first-action='stop' and @then='n3-cluster_ip-1' and @then-action='start' and @kind='Optional' and @symmetrical='false'])") == 1 ]]
ok $? "both order constraints for n3"
[[ $(q "count(//rsc_location[@node='n4' and @score='-INFINITY'])") == 3 ]]
ok $? "the unconfigured member n4 is banned for the 3 clones"
[[ $(q "string(//crm_config//nvpair[@name='no-quorum-policy']/@value)") == stop &&
    $(q "string(//crm_config//nvpair[@name='stonith-enabled']/@value)") == false ]]
ok $? "no-quorum-policy=stop; HA_FENCING=no -> stonith-enabled=false"

# ---- idempotence ------------------------------------------------------------
cp "$CIB" "$T/after-setup.xml"
e0=$(epoch)
rc=0
"$GHA" setup "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 0 ]] && grep -q 'already set up' "$T/err" && cmp -s "$CIB" "$T/after-setup.xml" && [[ $(epoch) == "$e0" ]]
ok $? "setup twice: 'already set up', CIB byte-identical (epoch $e0)"
[[ $rc == 0 ]] || diag_file "$T/err"

cp "$C/ganesha-ha.conf" "$T/conf.orig"
echo 'HA_MON_INTERVAL=5s' >>"$C/ganesha-ha.conf"
rc=0
"$GHA" setup "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] && grep -q 'differs from' "$T/err" && grep -q 'nfs-mon-clone' "$T/err" &&
    cmp -s "$CIB" "$T/after-setup.xml"
ok $? "setup with a different config is refused, naming nfs-mon-clone; CIB unchanged"
cp "$T/conf.orig" "$C/ganesha-ha.conf"

# ---- malformed config: nothing changes --------------------------------------
# shellcheck disable=SC2016 # a literal $(...)
printf 'HA_NIC=$(reboot)\n' >>"$C/ganesha-ha.conf"
rc=0
"$GHA" delete "$C" n3 >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 2 ]] && cmp -s "$CIB" "$T/after-setup.xml"
ok $? "delete with a malformed config: exit 2, CIB unchanged"
cp "$T/conf.orig" "$C/ganesha-ha.conf"

# ---- add n4, delete n4 ------------------------------------------------------
rc=0
"$GHA" add "$C" n4 10.77.0.104 >"$T/out" 2>"$T/err" || rc=$?
ok "$rc" "add n4 10.77.0.104"
[[ $rc == 0 ]] || diag_file "$T/err"
[[ $(q "count(//group[@id='n4-group']/primitive)") == 3 &&
    $(q "string(//primitive[@id='n4-cluster_ip-1']//nvpair[@name='ip']/@value)") == 10.77.0.104 &&
    $(q "string(//rsc_location[@rsc='n1-group' and @node='n1']/@score)") == 4000 &&
    $(q "string(//rsc_location[@rsc='n1-group' and @node='n4']/@score)") == 3000 &&
    $(q "count(//rsc_location[@node='n4' and @score='-INFINITY'])") == 0 ]]
ok $? "after add: n4-group with its VIP, scores recomputed (home 4000), n4 bans lifted"
grep -qx 'HA_CLUSTER_NODES="n1,n2,n3,n4"' "$C/ganesha-ha.conf" && grep -qx 'VIP_n4="10.77.0.104"' "$C/ganesha-ha.conf" &&
    "$GHA" check-config "$C" >/dev/null 2>&1
ok $? "after add: config file rewritten (nodes, VIP_n4) and still valid"
crm_verify -x "$CIB" >/dev/null 2>&1
ok $? "after add: crm_verify -x"

rc=0
"$GHA" delete "$C" n4 >"$T/out" 2>"$T/err" || rc=$?
ok "$rc" "delete n4"
[[ $rc == 0 ]] || diag_file "$T/err"
diff <(canon "$T/after-setup.xml") <(canon "$CIB") >"$T/diff"
ok $? "add + delete round trip: resources, constraints and properties as after setup"
[[ -s $T/diff ]] && diag_file "$T/diff"
diff "$T/conf.orig" "$C/ganesha-ha.conf" >"$T/diff" ||
    { grep -qx 'HA_CLUSTER_NODES="n1,n2,n3"' "$C/ganesha-ha.conf" && ! grep -q 'VIP_n4' "$C/ganesha-ha.conf"; }
ok $? "after delete: config file back to n1,n2,n3 without VIP_n4"

# ---- teardown ---------------------------------------------------------------
rc=0
"$GHA" teardown "$C" >"$T/out" 2>"$T/err" || rc=$?
# stonith-enabled is unset again (true) with no fencing device: crm_verify's
# only complaints may be about STONITH
crm_verify -x "$CIB" >"$T/v" 2>&1
[[ $rc == 0 && $(q "count(/cib/configuration/resources/*)") == 0 &&
    $(q "count(/cib/configuration/constraints/*)") == 0 ]] &&
    ! awk '{ l = tolower($0) } l ~ /error/ && l !~ /stonith|config not valid/ { f = 1 } END { exit !f }' "$T/v"
ok $? "teardown: no resource and no constraint left; crm_verify -x finds nothing but the missing fencing"
[[ $rc == 0 ]] || diag_file "$T/err"
[[ $(q "string(//crm_config//nvpair[@name='no-quorum-policy']/@value)") == freeze &&
    $(q "count(//crm_config//nvpair[@name='stonith-enabled'])") == 0 && ! -e $C/.ganesha-ha-properties ]]
ok $? "teardown: no-quorum-policy back to the admin's freeze, stonith-enabled unset again, record removed"

tap_done
