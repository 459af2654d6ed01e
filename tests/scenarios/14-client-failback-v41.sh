#!/bin/bash
# Scenario 14: failback as a real Linux NFSv4.1 client (user-mode Linux) sees
# it. The client holds a POSIX lock and writes through n2's VIP; ganesha is
# killed on n2 and the client reclaims its lock on the survivor that took the
# VIP; then ganesha starts again on n2 and the VIP goes home. The survivor's
# n2-handoff releases the client's state as the group leaves (RELEASE_IP),
# and the home node's n2-handoff restarts the home ganesha's grace right
# before the address arrives (restart_grace), so the client reclaims its lock
# at home within that grace: no lost lock, no I/O error, no
# lost record, another client never gets the lock. Prints both pauses. TAP;
# brings its own sandbox up and down (GOCF_SANDBOX_REUSE=1 to use a running one).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/client-lib.sh
. "$(dirname "$0")/../lib/client-lib.sh"

sbx_begin --nodes 3
client_scenario kill 4.1 n2 failback
all_vips_home
ok $? "every VIP at home"
sbx_end
