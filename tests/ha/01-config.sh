#!/bin/bash
# ganesha-ha.sh configuration parser: good files are accepted (both VIP
# spellings), every kind of malformed file is refused with the file and line
# named, exit code 2, and not a single pcs call.
set -uo pipefail   # no -e: a failing check must print "not ok", not end the run
# shellcheck source=tests/ha/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

command -v xmllint >/dev/null 2>&1 || tap_skip_all "xmllint missing"

fake_bin nocluster
C=$T/conf

# ---- good files -----------------------------------------------------------
good_header='# comment line

HA_NAME="ganesha-ha-360"
'
write_conf "$C" <<EOF
$good_header
HA_CLUSTER_NODES="server1.lab.redhat.com,server2.lab.redhat.com,node-3"
  # indented comment
VIP_server1_lab_redhat_com="10.0.2.1"
VIP_server2.lab.redhat.com='10.0.2.2'
VIP_node-3=10.0.2.3   # trailing comment
HA_VOL_MNT=/run/gluster/shared_storage/
HA_STATE_DIR="/var/lib/ganesha-sandbox/nfs"
HA_FENCING=no
HA_VIP_AGENT=IPaddr
HA_NIC=eth0
HA_MON_INTERVAL=10s
HA_CHECK_LEVEL=0
HA_CRASH_ORDER=Optional
HA_NFS_BLOCK=yes
HA_COROSYNC_TOKEN=1500
EOF
rc=0
out=$("$GHA" check-config "$C" 2>"$T/err") || rc=$?
expect='HA_NAME=ganesha-ha-360
HA_CLUSTER_NODES=server1.lab.redhat.com,server2.lab.redhat.com,node-3
VIP[server1.lab.redhat.com]=10.0.2.1
VIP[server2.lab.redhat.com]=10.0.2.2
VIP[node-3]=10.0.2.3
HA_VOL_MNT=/run/gluster/shared_storage
HA_STATE_DIR=/var/lib/ganesha-sandbox/nfs
HA_FENCING=no
HA_VIP_AGENT=IPaddr
HA_NIC=eth0
HA_MON_INTERVAL=10s
HA_CHECK_LEVEL=0
HA_CRASH_ORDER=Optional
HA_NFS_BLOCK=yes
HA_NFS_UNBLOCK=auto
HA_NLM=auto
HA_COROSYNC_TOKEN=1500'
no_host_ganesha_conf
tap_plan 44
[[ $rc == 0 && $out == "$expect" ]]
ok $? "full config with both VIP spellings, quotes, comments parses"
[[ $rc == 0 && $out == "$expect" ]] || { diag "rc=$rc"; diag "$out"; diag_file "$T/err"; }

write_conf "$C" <<EOF
HA_NAME=x
HA_CLUSTER_NODES=a,b
VIP_a=192.168.1.10
VIP_b=192.168.1.11
EOF
printf 'HA_CHECK_LEVEL=10\r\n' >>"$C/ganesha-ha.conf"
out=$("$GHA" check-config "$C" 2>"$T/err") || true
[[ $out == *'HA_VOL_MNT=/run/gluster/shared_storage'* && $out == *'HA_STATE_DIR=/var/lib/nfs'* &&
    $out == *'HA_FENCING=yes'* && $out == *'HA_VIP_AGENT=IPaddr2'* && $out == *'HA_MON_INTERVAL=20s'* &&
    $out == *'HA_CHECK_LEVEL=10'* && $out == *'HA_CRASH_ORDER=Optional'* && $out == *'HA_NFS_BLOCK=no'* &&
    $out == *'HA_NFS_UNBLOCK=auto'* && $out == *'HA_NLM=auto'* ]]
ok $? "defaults applied; CRLF line accepted"

# node1 vs node10: VIP keys matched whole
write_conf "$C" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="node1,node10"
VIP_node10=10.1.1.10
VIP_node1=10.1.1.1
EOF
out=$("$GHA" check-config "$C" 2>"$T/err") || true
[[ $out == *'VIP[node1]=10.1.1.1'* && $out == *'VIP[node10]=10.1.1.10'* ]]
ok $? "VIP_node1 and VIP_node10 are not confused"

# ---- malformed files --------------------------------------------------------
# bad LINE PATTERN DESCRIPTION  (config on stdin)
bad() {
    local line=$1 pat=$2 desc=$3 rc=0
    write_conf "$C"
    : >"$T/pcs.calls"
    "$GHA" setup "$C" >"$T/out" 2>"$T/err" || rc=$?
    local where="$C/ganesha-ha.conf:$line:"
    [[ $line == 0 ]] && where="$C/ganesha-ha.conf: "
    if [[ $rc == 2 ]] && grep -qF -- "$where" "$T/err" && grep -qiE -- "$pat" "$T/err" &&
        [[ $(pcs_calls) == 0 ]]; then
        ok 0 "refused: $desc"
    else
        ok 1 "refused: $desc"
        diag "rc=$rc pcs calls=$(pcs_calls)"; diag_file "$T/err"
    fi
}
base='HA_NAME=x
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1=10.0.0.1
VIP_n2=10.0.0.2
VIP_n3=10.0.0.3'

bad 6 'not a KEY=VALUE' "line of unknown syntax" <<EOF
$base
this is not a config line
EOF
bad 1 'unterminated double quote' "unterminated double quote" <<EOF
HA_NAME="abc
HA_CLUSTER_NODES="n1,n2"
EOF
bad 6 'unterminated single quote' "unterminated single quote" <<EOF
$base
HA_NIC='eth0
EOF
rm -f "$T/pwned"
bad 1 'command substitution' "\$(...) command substitution" <<EOF
HA_NAME=\$(touch $T/pwned)
HA_CLUSTER_NODES="n1,n2"
VIP_n1=10.0.0.1
VIP_n2=10.0.0.2
EOF
[[ ! -e $T/pwned ]]
ok $? "the \$(...) in the config was not executed"
bad 2 'command substitution' "backticks" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,\`touch $T/pwned\`"
EOF
bad 1 'variable expansion' "\$VAR expansion" <<EOF
HA_NAME="\$HOSTNAME"
EOF
bad 2 "not a valid host name" "bad node name (underscore)" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n_2"
VIP_n1=10.0.0.1
EOF
bad 2 "looks like an IP" "IP address as node name" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,10.0.0.9"
VIP_n1=10.0.0.1
EOF
bad 2 "starts with a digit" "node name starting with a digit" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,1node"
VIP_n1=10.0.0.1
EOF
bad 2 "listed twice" "duplicate node" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2,n1"
VIP_n1=10.0.0.1
VIP_n2=10.0.0.2
EOF
bad 2 "empty node name" "empty element in the node list" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,,n2"
VIP_n1=10.0.0.1
VIP_n2=10.0.0.2
EOF
bad 3 "not a valid unicast IPv4 or IPv6" "invalid IPv4 (octet > 255)" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2"
VIP_n1=10.0.0.300
VIP_n2=10.0.0.2
EOF
bad 4 "not a valid unicast IPv4 or IPv6" "invalid IPv4 (three octets)" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2"
VIP_n1=10.0.0.1
VIP_n2=10.0.2
EOF
bad 4 "already used on line 3" "duplicate VIP" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2"
VIP_n1=10.0.0.1
VIP_n2=10.0.0.1
EOF
bad 2 "node 'n3' has no VIP" "node without a VIP" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1=10.0.0.1
VIP_n2=10.0.0.2
EOF
bad 6 "second VIP for node 'node-a'" "two VIPs for one node (both spellings)" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="node-a,n2"
VIP_n2=10.0.0.2
VIP_node-a=10.0.0.1
# same node, other spelling
VIP_node_a=10.0.0.3
EOF
bad 3 "not a valid unicast IPv4 or IPv6" "link-local IPv6 VIP" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2"
VIP_n1=fe80::1
VIP_n2=10.0.0.2
EOF
bad 3 "not a valid unicast IPv4 or IPv6" "malformed IPv6 (two ::)" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2"
VIP_n1=fd00::1::2
VIP_n2=10.0.0.2
EOF
bad 4 "needs HA_VIP_AGENT=IPaddr2" "IPv6 VIP with the IPv4-only IPaddr" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2"
VIP_n1=10.0.0.1
VIP_n2=fd00::2
HA_VIP_AGENT=IPaddr
EOF
bad 4 "HA_NFS_BLOCK=yes" "IPv6 VIP with portblock's nfs_block" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2"
VIP_n1=10.0.0.1
VIP_n2=fd00::2
HA_NFS_BLOCK=yes
EOF
bad 4 "already used on line 3" "the same IPv6 VIP in two spellings of case" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2"
VIP_n1=fd00::a
VIP_n2=FD00::A
EOF

# a VIP_ line of a node that is gone (upstream's add/delete left them):
# a warning naming the line, the rest of the file is used
write_conf "$C" <<EOF
$base
VIP_server4.lab.example.com=10.0.0.4
EOF
rc=0
out=$("$GHA" check-config "$C" 2>"$T/err") || rc=$?
[[ $rc == 0 && $out == *'VIP[n3]=10.0.0.3'* && $out != *10.0.0.4* ]] &&
    grep -qF "$C/ganesha-ha.conf:6: VIP_server4.lab.example.com does not belong to any node" "$T/err" &&
    grep -q 'warning' "$T/err"
ok $? "orphan VIP_<fqdn> line: a warning naming line 6, not an error"
[[ $rc == 0 ]] || diag_file "$T/err"

# IPv6 VIPs, and .0/.255 host addresses of a wider subnet
write_conf "$C" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1=2001:db8:0:1::101
VIP_n2=10.1.0.255
VIP_n3=10.1.1.0
EOF
rc=0
out=$("$GHA" check-config "$C" 2>"$T/err") || rc=$?
[[ $rc == 0 && $out == *'VIP[n1]=2001:db8:0:1::101'* && $out == *'VIP[n2]=10.1.0.255'* && $out == *'VIP[n3]=10.1.1.0'* ]]
ok $? "an IPv6 VIP, and IPv4 VIPs ending in .255 and .0, are accepted"
[[ $rc == 0 ]] || diag_file "$T/err"
bad 6 "unknown key HA_FENCNG" "unknown key (typo)" <<EOF
$base
HA_FENCNG=no
EOF
bad 6 "set twice \\(first on line 1\\)" "duplicate key" <<EOF
$base
HA_NAME=y
EOF
bad 6 "spaces allowed around" "spaces around =" <<EOF
$base
HA_NIC = eth0
EOF
bad 6 "whitespace" "unquoted value with a space" <<EOF
$base
HA_VOL_MNT=/run/a b
EOF
bad 6 "export" "'export KEY=VALUE'" <<EOF
$base
export HA_NIC=eth0
EOF
bad 0 "HA_NAME is not set" "missing HA_NAME" <<EOF
HA_CLUSTER_NODES="n1,n2"
VIP_n1=10.0.0.1
VIP_n2=10.0.0.2
EOF
bad 6 "HA_FENCING must be yes or no" "bad HA_FENCING" <<EOF
$base
HA_FENCING=maybe
EOF
bad 6 "HA_NFS_BLOCK must be yes or no" "bad HA_NFS_BLOCK" <<EOF
$base
HA_NFS_BLOCK=sometimes
EOF
bad 6 "HA_NFS_UNBLOCK must be yes, no or auto" "bad HA_NFS_UNBLOCK" <<EOF
$base
HA_NFS_UNBLOCK=2
EOF
bad 6 "HA_NLM must be yes, no or auto" "bad HA_NLM" <<EOF
$base
HA_NLM=maybe
EOF
bad 6 "HA_COROSYNC_TOKEN must be milliseconds" "HA_COROSYNC_TOKEN with a unit" <<EOF
$base
HA_COROSYNC_TOKEN=3s
EOF
bad 0 "HA_NFS_BLOCK=yes needs HA_NFS_UNBLOCK=yes" "nfs_block without nfs_unblock (nothing would lift the drop)" <<EOF
$base
HA_NFS_BLOCK=yes
HA_NFS_UNBLOCK=no
EOF
bad 6 "absolute path" "relative HA_STATE_DIR" <<EOF
$base
HA_STATE_DIR=var/lib/nfs
EOF
bad 6 "HA_MON_INTERVAL" "bad HA_MON_INTERVAL" <<EOF
$base
HA_MON_INTERVAL=often
EOF
bad 6 "shell special" "shell metacharacter in a value" <<EOF
$base
HA_NIC=eth0;reboot
EOF

# control: a good config really reaches pcs (the fake records it)
write_conf "$C" <<EOF
$base
HA_VOL_MNT=/proc
EOF
: >"$T/pcs.calls"
GANESHA_HA_WAIT=1 "$GHA" setup "$C" >"$T/out" 2>"$T/err" || true
grep -q '^pcs cluster setup x n1 n2 n3 ' "$T/pcs.calls"
ok $? "control: with a valid config the (fake) pcs is called"
grep -q 'timed out after 1s waiting for' "$T/err"
ok $? "control: the DC wait is bounded and names what it waited for"

tap_done
