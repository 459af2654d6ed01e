#!/bin/bash
# Scenario 11: a real Linux NFSv4.1 client (user-mode Linux) holds a POSIX
# lock on a file and writes through n2's VIP when ganesha is killed on n2. The
# client keeps its lock (reclaimed on the survivor that took the VIP),
# loses no acknowledged record, sees no I/O error; another client never gets
# the lock. The SYN guard: the client's reconnect to the dead ganesha's
# address was dropped on n2, not refused; the guard went with the address.
# Prints the client's I/O pause. TAP; brings its own sandbox up and down
# (GOCF_SANDBOX_REUSE=1 to use a running one).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/client-lib.sh
. "$(dirname "$0")/../lib/client-lib.sh"

sbx_begin --nodes 3
client_scenario kill 4.1 n2

# ganesha_handoff's SYN guard (README, "The SYN guard")
vip=$(sbx_vip n2)
holder=$(sbx_vip_node n2)
guard_rule() { sbx_exec "$1" iptables -w -S INPUT 2>/dev/null | grep -F -- "-d $vip/32 " | grep -cF -- '-j ganesha-syn-guard'; }
dropped=$(sbx_exec n2 iptables -w -L ganesha-syn-guard -v -n -x 2>/dev/null | awk '$3 == "DROP" { print $1 }')
[[ ${dropped:-0} -gt 0 ]]
ok $? "n2 dropped the client's reconnect to its dead ganesha instead of refusing it (SYN guard: ${dropped:-no} packet(s))"
[[ $(guard_rule n2) == 0 && -n $holder && $holder != n2 && $(guard_rule "$holder") == 1 ]]
ok $? "the guard went with the address: none left on n2, one on $holder"
sbx_end
