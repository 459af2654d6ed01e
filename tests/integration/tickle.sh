#!/usr/bin/env bash
# tickle.sh: ganesha_handoff's tickle ACKs against the real kernel, in two
# network namespaces of its own (a server and a client on a veth pair):
# monitor on the address's holder records the client's connection to a
# dual-stack [::]:2049 listener (rewritten only when it changed); the holder
# then "crashes" (its sockets destroyed, the resets dropped, the address
# removed), so the client still believes in an idle connection that nothing
# would ever reset; start on the node taking over leaves a process that
# waits for the address, and once the address is up the client's connection
# is reset within a second (without the tickle it stays up). Monitor where
# the address is not, or without the directory, records nothing and
# succeeds; an empty tickle_dir starts no process.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

for p in ip iptables ss python3 pgrep; do
    command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done
((EUID == 0)) || skip_all "needs root (network namespaces, a raw socket)"
agents_installed || skip_all "agents not installed in $AGENT_DIR (make install)"

S=gocf-tickle-s-$$
C=gocf-tickle-c-$$
VIP=10.98.0.100
work=$(mktemp -d /tmp/gocf-tickle.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    ip netns pids "$S" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$S" 2>/dev/null
    ip netns del "$C" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export HA_RSCTMP=$work/rsctmp
mkdir -p "$HA_RSCTMP" "$work/tickle"

if ! ip netns add "$S" || ! ip netns add "$C" ||
    ! ip link add "tk-s$$" netns "$S" type veth peer name "tk-c$$" netns "$C"; then
    not_ok "two network namespaces and a veth pair" "ip netns add / ip link add failed"
    done_testing
    exit 1
fi
ip -n "$S" link set lo up
ip -n "$C" link set lo up
ip -n "$S" link set "tk-s$$" name eth0
ip -n "$C" link set "tk-c$$" name eth0
ip -n "$S" addr add 10.98.0.1/24 dev eth0
ip -n "$C" addr add 10.98.0.2/24 dev eth0
ip -n "$S" link set eth0 up
ip -n "$C" link set eth0 up
in_s() { ip netns exec "$S" "$@"; }
RUN_PREFIX=(ip netns exec "$S")
handoff() { # handoff ACTION [VAR=VALUE...]
    local action=$1
    shift
    run_agent ganesha_handoff "$action" OCF_RESKEY_home_node=n1 \
        OCF_RESKEY_restart_grace=false OCF_RESKEY_syn_guard=false \
        OCF_RESKEY_ip=$VIP "$@"
}
record=$work/tickle/$VIP.conn
wait_file() { # wait_file SECONDS FILE PATTERN
    local i
    for ((i = 0; i < $1 * 10; i++)); do
        grep -q "$3" "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
helpers() { pgrep -fc "$AGENT_DIR/ganesha_handoff"; }

ip -n "$S" addr add "$VIP/32" dev eth0
# a dual-stack listener, as ganesha's (ip netns exec execs python3)
in_s python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 2049))
s.listen(16)
c, _ = s.accept()
open("'"$work"'/accepted", "w").close()
time.sleep(120)
' &
pids+=($!)
sleep 0.3
# the client: an idle connection; it writes what ends it, and when
ip netns exec "$C" python3 -c '
import socket, sys, time
out = "'"$work"'/client"
s = socket.create_connection(("'"$VIP"'", 2049), timeout=5)
s.settimeout(None)
open(out, "w").write("connected %d\n" % s.getsockname()[1])
try:
    d = s.recv(1)
    what = "eof" if not d else "data"
except ConnectionResetError:
    what = "reset"
except OSError as e:
    what = "error %s" % e
open(out, "a").write("%s %.3f\n" % (what, time.time()))
' &
pids+=($!)
wait_file 5 "$work/client" connected && wait_file 5 "$work/accepted" .
[[ -e $work/accepted ]]
check "the client holds an idle connection to $VIP:2049 (a dual-stack listener)" test $? -eq 0
cport=$(awk '/^connected/ {print $2}' "$work/client")

handoff start OCF_RESKEY_tickle_dir="$work/tickle"
check "start with tickle_dir (the address here already, nothing recorded) returns 0" test "$rc" -eq 0
handoff monitor OCF_RESKEY_tickle_dir="$work/tickle"
check "monitor on the holder returns 0" test "$rc" -eq 0
check "... and records the client: '10.98.0.2 $cport' in $VIP.conn" \
    test "$(cat "$record" 2>/dev/null)" = "10.98.0.2 $cport"
before=$(stat -c %Y.%i "$record" 2>/dev/null)
sleep 1.1
handoff monitor OCF_RESKEY_tickle_dir="$work/tickle"
check "a second monitor leaves the unchanged record as it was" \
    test "$rc" -eq 0 -a "$(stat -c %Y.%i "$record" 2>/dev/null)" = "$before"
handoff monitor OCF_RESKEY_tickle_dir="$work/nonexistent"
check "monitor with a missing tickle_dir still returns 0" test "$rc" -eq 0

# The holder crashes: its sockets go without a word to the client (the
# resets ss -K sends are dropped), and so does the address.
in_s iptables -w -I OUTPUT -p tcp --sport 2049 -j DROP
kill "${pids[0]}" 2>/dev/null
in_s ss -K 'sport = :2049' >/dev/null 2>&1
ip -n "$S" addr del "$VIP/32" dev eth0
in_s iptables -w -D OUTPUT -p tcp --sport 2049 -j DROP
check "after the crash no socket is left for the connection on the server" \
    test -z "$(in_s ss -Htn "sport = :2049")"
handoff monitor OCF_RESKEY_tickle_dir="$work/tickle"
check "monitor where the address is not returns 0 and leaves the record" \
    test "$rc" -eq 0 -a "$(cat "$record" 2>/dev/null)" = "10.98.0.2 $cport"
sleep 2
check "without a tickle the client's idle connection stays up (2 s)" \
    test "$(grep -c . "$work/client")" -eq 1

# The takeover: start, then the address.
handoff start OCF_RESKEY_tickle_dir="$work/tickle"
check "start on the node taking over returns 0 at once" test "$rc" -eq 0
check "... leaving one process that waits for the address" test "$(helpers)" -eq 1
sleep 0.5
t_vip=$(date +%s.%N)
ip -n "$S" addr add "$VIP/32" dev eth0
if wait_file 5 "$work/client" '^reset'; then
    dt=$(awk -v a="$t_vip" '/^reset/ { printf "%d", ($2 - a) * 1000 }' "$work/client")
    check "the client's connection is reset ${dt} ms after the address came up" test "$dt" -lt 1000
else
    not_ok "the client's connection is reset once the address is up" "$(cat "$work/client")"
fi
for _ in $(seq 60); do (($(helpers) == 0)) && break; sleep 0.1; done
check "the tickle process exits on its own (4 s of rounds)" test "$(helpers)" -eq 0

handoff start OCF_RESKEY_tickle_dir=
check "an empty tickle_dir: start returns 0, no process left" \
    test "$rc" -eq 0 -a "$(helpers)" -eq 0
handoff stop OCF_RESKEY_tickle_dir="$work/tickle"
check "stop returns 0" test "$rc" -eq 0

done_testing
