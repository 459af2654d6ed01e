#!/bin/bash
# Scenario 22: scenario 21 (NFSv3 + NLM, ganesha_smnotify) when the whole
# node n2 crashes: the node holds its locks until it is fenced, the
# survivors are in grace before, the survivor that takes the VIP notifies
# the clients from it (and tickles the recorded connection), and client A
# reclaims its lock there. Another client
# never gets the lock. TAP; brings its own sandbox up and down
# (GOCF_SANDBOX_REUSE=1 to use a running one started with up --nlm).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/client-lib.sh
. "$(dirname "$0")/../lib/client-lib.sh"

sbx_begin --nodes 3 --nlm
client_scenario crash 3 n2
sbx_end
