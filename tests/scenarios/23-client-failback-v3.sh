#!/bin/bash
# Scenario 23: scenario 21 (NFSv3 + NLM) and then the failback: ganesha
# starts again on n2 and the VIP goes home. The survivor releases the NLM
# locks taken through the address (ganesha_handoff nlm=true: grace
# "2:<VIP>"), n2 notifies the clients from it (ganesha_smnotify), and
# client A reclaims its lock at home: it holds it across both moves,
# another client never gets it. TAP; brings its own sandbox up and down
# (GOCF_SANDBOX_REUSE=1 to use a running one started with up --nlm).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/client-lib.sh
. "$(dirname "$0")/../lib/client-lib.sh"

sbx_begin --nodes 3 --nlm
client_scenario kill 3 n2 failback
sbx_end
