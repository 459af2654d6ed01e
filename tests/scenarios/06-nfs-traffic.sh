#!/bin/bash
# Scenario 6: real NFSv4 traffic. A client in its own namespace (gocf-client,
# 10.77.0.200, libnfs-utils) writes a file through a node's VIP; that node's
# ganesha is killed and the VIP moves to a survivor; the file is read back
# through the SAME VIP (served now by the survivor, same shared export) and
# must be identical. A second file written after the failover is readable
# through another node's VIP.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

if ! command -v nfs-cp >/dev/null || ! command -v nfs-cat >/dev/null; then skip_all "libnfs-utils missing"; fi
VICTIM=${GOCF_VICTIM:-n3}
sbx_begin --nodes 3 --client
sbx_reset >/dev/null 2>&1 || true
VIP=$(sbx_vip "$VICTIM")
OTHER_VIP=$(sbx_vip n1)
url() { echo "nfs://$1/export/$2?version=4"; }
in_client() { sbx_exec client "$@"; }

data=$SBX_TMP/before.txt
# small: libnfs-utils 4.0's nfs-cp fails writes of about 4 KB and more to
# ganesha 4.3 over v4 ("Failed to write to dest file", empty file), also
# without any failover
{ echo "written through $VIP before the failover at $(date -Is)"; head -c 1024 /dev/urandom | base64; } >"$data"
name=gocf-scenario6-$$.txt
# the client may see NFS4ERR_GRACE right after a restart: retry, bounded
# (each attempt bounded: libnfs waits minutes on a silently dropped port)
nfs_put() { in_client timeout 15 nfs-cp "$1" "$(url "$2" "$3")" >/dev/null 2>&1; }
nfs_get_same() { in_client timeout 15 nfs-cat "$(url "$1" "$2")" 2>/dev/null | cmp -s - "$3"; }

wait_until 60 "write through $VIP" nfs_put "$data" "$VIP" "$name"
ok $? "client wrote $name through $VIP (served by $VICTIM)"
nfs_get_same "$VIP" "$name" "$data"
ok $? "client reads it back through $VIP before the failover"

sbx kill-ganesha "$VICTIM"
wait_until 90 "VIP $VIP moved" vip_moved_off "$VICTIM"
ok $? "$VIP moved to $(sbx_vip_node "$VICTIM") after $VICTIM's ganesha died"

t0=$(now_ms)
wait_until 90 "read through $VIP after the failover" nfs_get_same "$VIP" "$name" "$data"
ok $? "the same file reads back identical through $VIP after the failover ($(($(now_ms) - t0)) ms after the move)"

data2=$SBX_TMP/after.txt
echo "written through $VIP after the failover at $(date -Is)" >"$data2"
wait_until 90 "write through $VIP after the failover" nfs_put "$data2" "$VIP" "$name.2"
ok $? "client writes through $VIP after the failover"
# the other survivor entered grace for the same failover and may still
# answer NFS4ERR_GRACE for a moment: retry, bounded
wait_until 60 "read through $OTHER_VIP" nfs_get_same "$OTHER_VIP" "$name.2" "$data2"
ok $? "that file is visible through $OTHER_VIP too (one shared export)"
rm -f "$SBX_DIR/shared/export/$name" "$SBX_DIR/shared/export/$name.2"
sbx_end
