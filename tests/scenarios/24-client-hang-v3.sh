#!/bin/bash
# Scenario 24: scenario 21 (NFSv3 + NLM, ganesha_smnotify) when ganesha
# hangs on n2 (SIGSTOP: only nfs-mon's D-Bus probes can tell). nfs-mon kills
# the hung ganesha once every survivor confirmed grace; the survivor that
# takes the VIP notifies the clients from it and client A reclaims its lock
# there; another client never gets it. TAP; brings its own sandbox up and
# down (GOCF_SANDBOX_REUSE=1 to use a running one started with up --nlm).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/client-lib.sh
. "$(dirname "$0")/../lib/client-lib.sh"

sbx_begin --nodes 3 --nlm
client_scenario hang 3 n2
sbx_end
