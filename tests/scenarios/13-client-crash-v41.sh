#!/bin/bash
# Scenario 13: a real Linux NFSv4.1 client (user-mode Linux) holds a POSIX
# lock on a file and writes through n2's VIP when the whole node crashes on n2. The
# client keeps its lock (reclaimed on the survivor that took the VIP),
# loses no acknowledged record, sees no I/O error; another client never gets
# the lock. Before the crash n2's handoff monitor has recorded the client's
# connection; after it the survivor sends it tickle ACKs. Prints the
# client's I/O pause. TAP; brings its own sandbox up
# and down (GOCF_SANDBOX_REUSE=1 to use a running one).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/client-lib.sh
. "$(dirname "$0")/../lib/client-lib.sh"

sbx_begin --nodes 3
client_scenario crash 4.1 n2
sbx_end
