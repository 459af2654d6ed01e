#!/bin/bash
# Scenario 1: ganesha.nfsd is killed on one node. ganesha_mon there releases
# the node: the survivors' ganesha enter grace (post-stop notification of
# nfs-grace) and ack, then the node's VIP comes up on a survivor.
# INVARIANT: every survivor's ganesha was in grace before the VIP came up
# anywhere. TAP; brings its own sandbox up and down (GOCF_SANDBOX_REUSE=1 to
# use a running one).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

VICTIM=${GOCF_VICTIM:-n3}
sbx_begin --nodes 3
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home before the failure"
sbx plant-clients
wait_until 60 "no ganesha in grace" no_grace_anywhere
failover_check "$VICTIM" --acks -- sbx kill-ganesha "$VICTIM"
check_settled "cluster settles after the failover"
check_no_failed_actions
diag "attributes now: $(attrs_now | tr '\n' ';')"
sbx_end
