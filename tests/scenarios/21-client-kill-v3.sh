#!/bin/bash
# Scenario 21: a real Linux NFSv3 client (user-mode Linux) holds an NLM lock
# on a file and writes through n2's VIP when ganesha is killed on n2. The
# sandbox serves NFSv3 with NLM (up --nlm): rpcbind and rpc.statd in every
# node, ganesha-ha.sh puts ganesha_smnotify last in each VIP group. Once
# the address is up on a survivor, its notification (SM_NOTIFY from the
# VIP) makes the client reclaim its lock there, in grace; the client keeps
# it, loses no acknowledged record, sees no I/O error; another client never
# gets the lock. TAP; brings its own sandbox up and down
# (GOCF_SANDBOX_REUSE=1 to use a running one started with up --nlm).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/client-lib.sh
. "$(dirname "$0")/../lib/client-lib.sh"

sbx_begin --nodes 3 --nlm
client_scenario kill 3 n2
# what made the client reclaim: the notification from the VIP on the node
# that took it (ganesha_smnotify's log line)
holder=$(sbx_vip_node n2)
grep -qE "NSM reboot notification from $(sbx_vip n2) \(state [0-9]+\): [1-9][0-9]* of [0-9]+ client" \
    "$SBX_DIR/nodes/$holder/log-pacemaker/pacemaker.log" 2>/dev/null
ok $? "$holder notified the NFSv3 clients from $(sbx_vip n2) once the address was up (ganesha_smnotify)"
sbx_end
