#!/bin/bash
# ganesha-ha.sh as glusterd and a cluster admin run it, with no cluster:
# --setup-ganesha-conf-files <dir> yes|no (gluster nfs-ganesha enable and
# disable) never loses a local file; refresh-config's ssh never prompts and
# matches node names whole; cleanup changes nothing when crm_mon fails while
# the stack runs (fail closed). The parts that need fixed system paths
# (/etc/default, /var/lib/glusterd, /etc/corosync) run in a private mount
# namespace with tmpfs over them, so nothing of the host changes.
# shellcheck disable=SC2016 # the inner scripts of unshare expand their own "$@"
set -uo pipefail   # no -e: a failing check must print "not ok", not end the run
# shellcheck source=tests/ha/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

command -v xmllint >/dev/null 2>&1 || tap_skip_all "xmllint missing"
tap_plan 18

fake_bin nocluster
C=$T/conf
write_conf "$C" <<EOF
HA_NAME=gl
HA_CLUSTER_NODES="n1,n1.other,n2"
VIP_n1=10.0.0.1
VIP_n1.other=10.0.0.3
VIP_n2=10.0.0.2
EOF
printf 'NFS_CORE_PARAM { Clustered = false; }\n%%include "%s/exports/export.vol1.conf"\nLOG { Default_Log_Level = EVENT; }\n' "$C" >"$C/ganesha.conf"
cp "$C/ganesha.conf" "$T/shared.orig"
mkdir -p "$T/etc"
G=$T/etc/ganesha.conf
echo "local config" >"$G"

scf() {   # scf ARGS... -> rc in $rc, output in $T/out/$T/err
    rc=0
    GANESHA_CONF=$G "$GHA" --setup-ganesha-conf-files "$@" >"$T/out" 2>"$T/err" || rc=$?
}

# ---- --setup-ganesha-conf-files ---------------------------------------------
scf "$C" yes
[[ $rc == 0 && -L $G && $(readlink "$G") == "$C/ganesha.conf" &&
    $(cat "$G.ganesha-ha.orig") == "local config" ]]
ok $? "yes: ganesha.conf links to <dir>/ganesha.conf; the local file is kept as .ganesha-ha.orig"
[[ $rc == 0 ]] || diag_file "$T/err"
scf "$C" yes
[[ $rc == 0 && -L $G ]] && grep -q 'already links' "$T/err"
ok $? "yes again: nothing to do, exit 0"
scf "$C" no
[[ $rc == 0 && ! -L $G && -f $G ]] && ! grep -q '%include' "$G" && grep -q 'Clustered = false' "$G" &&
    grep -q 'Default_Log_Level' "$G" && cmp -s "$C/ganesha.conf" "$T/shared.orig"
ok $? "no: a local copy without the export %include line; the shared file unchanged"
echo "edited by hand" >>"$G"
cp "$G" "$T/local.edited"
scf "$C" no
[[ $rc == 0 ]] && cmp -s "$G" "$T/local.edited" && grep -q 'not a link' "$T/err"
ok $? "no on a regular file: left alone (nothing to undo)"
scf "$C" yes
[[ $rc == 0 && -L $G && $(cat "$G.ganesha-ha.orig") == "local config" ]] &&
    cmp -s "$G.ganesha-ha.orig.1" "$T/local.edited"
ok $? "yes over a second local file: the first backup is not overwritten (.orig.1)"
mv "$C/ganesha.conf" "$C/ganesha.conf.away"
scf "$C" no
[[ $rc == 1 && -L $G ]] && grep -q 'cannot be read' "$T/err"
ok $? "no while the shared file is unreadable: refused, the link left as it is"
rm -f "$G"
echo "local config" >"$G"
scf "$C" yes
[[ $rc == 1 && ! -L $G && $(cat "$G") == "local config" ]] && grep -q 'does not exist' "$T/err"
ok $? "yes without <dir>/ganesha.conf: refused, the local file untouched"
mv "$C/ganesha.conf.away" "$C/ganesha.conf"
scf "$C" maybe
[[ $rc == 2 ]] && grep -q 'usage:.*yes|no' "$T/err"
ok $? "a mode other than yes|no: usage, exit 2"
scf "$T/nonexistent" yes
[[ $rc == 2 ]] && grep -q 'no such directory' "$T/err"
ok $? "a missing <dir>: exit 2"

# ganesha's config path read from the service's defaults file (parsed, not
# sourced): CONFFILE, else "-f" in OPTIONS
if unshare -m true 2>/dev/null; then
    mkdir -p "$T/default"
    printf 'OPTIONS="-L /var/log/ganesha.log -f %s/from-options.conf -N NIV_EVENT"\n' "$T/etc" >"$T/default/ganesha"
    rc=0
    unshare -m --propagation private bash -c 'mount --bind "$1" /etc/default && shift && exec "$@"' _ \
        "$T/default" "$GHA" --setup-ganesha-conf-files "$C" yes >"$T/out" 2>"$T/err" || rc=$?
    [[ $rc == 0 && $(readlink "$T/etc/from-options.conf") == "$C/ganesha.conf" ]]
    ok $? "the config path from OPTIONS=\"... -f <file> ...\" in /etc/default/ganesha"
    [[ $rc == 0 ]] || diag_file "$T/err"
    printf 'CONFFILE=%s/from-conffile.conf  # comment\n$(touch %s/pwned)\n' "$T/etc" "$T" >>"$T/default/ganesha"
    rc=0
    unshare -m --propagation private bash -c 'mount --bind "$1" /etc/default && shift && exec "$@"' _ \
        "$T/default" "$GHA" --setup-ganesha-conf-files "$C" yes >"$T/out" 2>"$T/err" || rc=$?
    [[ $rc == 0 && $(readlink "$T/etc/from-conffile.conf") == "$C/ganesha.conf" && ! -e $T/pwned ]]
    ok $? "CONFFILE= wins over OPTIONS; the defaults file is not executed"
else
    skip "no mount namespaces here"
    skip "no mount namespaces here"
fi

# ---- refresh-config over ssh ------------------------------------------------
mkdir -p "$C/exports"
printf 'EXPORT {\n  Export_Id = 7;\n  Path = /vol1;\n}\n' >"$C/exports/export.vol1.conf"
cat >"$T/bin/ssh" <<EOF
#!/bin/sh
printf '%s\n' "ssh \$*" >>"$T/ssh.calls"
EOF
printf '#!/bin/sh\necho n1\n' >"$T/bin/crm_node"
printf '#!/bin/sh\nexit 0\n' >"$T/bin/dbus-send"
chmod +x "$T/bin/ssh" "$T/bin/crm_node" "$T/bin/dbus-send"
if unshare -m true 2>/dev/null; then
    rc=0
    unshare -m --propagation private bash -c '
        mount -t tmpfs tmpfs /var/lib && mkdir -p /var/lib/glusterd/nfs &&
        echo key >/var/lib/glusterd/nfs/secret.pem && shift && exec "$@"' _ x \
        "$GHA" refresh-config "$C" vol1 >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [[ $rc == 0 ]] && grep -q '^ssh .*root@n1.other ' "$T/ssh.calls" && grep -q 'root@n2 ' "$T/ssh.calls" &&
        ! grep -q 'root@n1 ' "$T/ssh.calls"
    ok $? "refresh-config: n1.other is another node than the local n1 (whole names), n2 too"
    [[ $rc == 0 ]] || { diag_file "$T/err"; diag_file "$T/ssh.calls"; }
    [[ $(grep -c -- '^ssh -n -oBatchMode=yes .*-oStrictHostKeyChecking=accept-new ' "$T/ssh.calls") == 2 ]] &&
        ! grep -q 'StrictHostKeyChecking=no' "$T/ssh.calls"
    ok $? "ssh: -n, BatchMode=yes, StrictHostKeyChecking=accept-new (not 'no')"
else
    skip "no mount namespaces here"
    skip "no mount namespaces here"
fi

# ---- cleanup fails closed -----------------------------------------------------
# crm_mon cannot answer (fake: exit 102) on a node setup created the cluster on
cleanup_in_ns() {   # cleanup_in_ns STACK(0|1): rc in $rc; sentinel files listed in $T/left
    printf '#!/bin/sh\nexit %s\n' "$(($1 ? 0 : 1))" >"$T/bin/corosync-cmapctl"
    chmod +x "$T/bin/corosync-cmapctl"
    touch "$C/.ganesha-ha-created-cluster"
    rc=0
    unshare -m --propagation private bash -c '
        mount -t tmpfs tmpfs /etc/corosync && mount -t tmpfs tmpfs /var/lib/pacemaker/cib &&
        echo totem >/etc/corosync/corosync.conf && echo "<cib/>" >/var/lib/pacemaker/cib/cib.xml &&
        shift && "$@"; rc=$?
        ls /etc/corosync /var/lib/pacemaker/cib >"'"$T"'/left" 2>&1
        exit $rc' _ x "$GHA" cleanup "$C" >"$T/out" 2>"$T/err" || rc=$?
}
if unshare -m true 2>/dev/null && [[ -d /etc/corosync && -d /var/lib/pacemaker/cib ]]; then
    cleanup_in_ns 1
    [[ $rc == 1 ]] && grep -q 'the cluster stack runs on this node but crm_mon cannot query it' "$T/err" &&
        grep -qx corosync.conf "$T/left" && grep -qx cib.xml "$T/left"
    ok $? "cleanup: crm_mon fails but corosync answers: refused, corosync.conf and the CIB kept"
    [[ $rc == 1 ]] || { diag "rc=$rc"; diag_file "$T/err"; }
    cleanup_in_ns 0
    [[ $rc == 0 ]] && ! grep -qx corosync.conf "$T/left" && ! grep -qx cib.xml "$T/left"
    ok $? "cleanup: control: with the stack really down, the created cluster's files go"
    [[ $rc == 0 ]] || { diag "rc=$rc"; diag_file "$T/err"; }
else
    skip "no mount namespaces or no pacemaker/corosync directories here"
    skip "no mount namespaces or no pacemaker/corosync directories here"
fi

# ---- delete fails closed ------------------------------------------------------
# A live-cluster delete against fakes: crm_mon answers (the 3-node fixture, a
# DC with quorum) until the push, then fails. The deleted node's state
# directory must stay: no answer is not "nfs_setup stopped there".
if command -v crm_mon >/dev/null 2>&1 && command -v cibadmin >/dev/null 2>&1; then
    fake_bin
    CIB_file=$FIXTURES/cib-3of4-started.xml crm_mon -1 --output-as=xml \
        --include=summary,nodes,resources,attributes,failures --inactive 2>/dev/null |
        sed 's#<current_dc present="false"/>#<current_dc present="true" with_quorum="true"/>#' >"$T/mon.xml"
    real_mon=$(PATH=${PATH#"$T/bin:"} command -v crm_mon)
    real_cib=$(PATH=${PATH#"$T/bin:"} command -v cibadmin)
    cat >"$T/bin/crm_mon" <<EOF
#!/bin/sh
[ -n "\$CIB_file" ] && exec $real_mon "\$@"
[ -e $T/mon.fail ] && { echo "crm_mon: Connection to cluster failed (fake)" >&2; exit 102; }
cat $T/mon.xml
EOF
    cat >"$T/bin/cibadmin" <<EOF
#!/bin/sh
[ -n "\$CIB_file" ] && exec $real_cib "\$@"
case " \$* " in *" --query "*|*" -Q "*) cat $FIXTURES/cib-3of4-started.xml ;; esac
exit 0
EOF
    cat >"$T/bin/pcs" <<EOF
#!/bin/sh
printf '%s\n' "pcs \$*" >>"$T/pcs.calls"
case "\$*" in *"cluster cib-push"*) touch $T/mon.fail ;; esac
exit 0
EOF
    printf '#!/bin/sh\nexit 0\n' >"$T/bin/crm_resource"
    chmod +x "$T/bin/crm_mon" "$T/bin/cibadmin" "$T/bin/pcs" "$T/bin/crm_resource"
    D=$T/del
    write_conf "$D" <<EOF
HA_NAME=fixture
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1="10.77.0.101"
VIP_n2="10.77.0.102"
VIP_n3="10.77.0.103"
HA_VOL_MNT=$T/vol
EOF
    mkdir -p "$T/vol/nfs-ganesha/n3/nfs/ganesha/v4recov"
    echo record >"$T/vol/nfs-ganesha/n3/nfs/ganesha/v4recov/client"
    rc=0
    "$GHA" delete "$D" n3 --keep-node >"$T/out" 2>"$T/err" || rc=$?
    grep -q 'cluster cib-push' "$T/pcs.calls" && [[ -f $T/vol/nfs-ganesha/n3/nfs/ganesha/v4recov/client ]] &&
        grep -q "cannot query the cluster .*the state directory $T/vol/nfs-ganesha/n3 was kept" "$T/err"
    ok $? "delete: crm_mon fails after the push: n3's state directory is kept, with a warning saying so"
    grep -q 'cluster cib-push' "$T/pcs.calls" || { diag "rc=$rc"; diag_file "$T/err"; }
else
    skip "crm_mon/cibadmin missing"
fi

# ---- status: upstream's exit contract --------------------------------------
fake_bin nocluster
rc=0
"$GHA" --status "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 0 ]] && grep -qx 'Cluster HA Status: UNKNOWN' "$T/out"
ok $? "--status as glusterd's docs call it: the report, exit 0"
rc=0
"$GHA" --status --exit-codes "$C" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 3 ]]
ok $? "--status --exit-codes: 3 (unknown)"

tap_done
