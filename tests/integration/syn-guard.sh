#!/usr/bin/env bash
# syn-guard.sh: ganesha_handoff's SYN guard against the real iptables and
# kernel, in a network namespace of its own: start sets one rule per address
# (twice started, still one), a dual-stack listener on [::]:2049 (ganesha's
# kind of socket) is reached through the guarded address, a connection that
# nothing listens for is dropped (the client's connect times out) instead of
# refused, an unguarded port is still refused, stop removes the rule, for
# IPv4 and IPv6; syn_guard=false and a missing iptables set nothing and
# still start.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

for p in ip iptables ip6tables iptables-restore python3; do
    command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done
((EUID == 0)) || skip_all "needs root (a network namespace)"
agents_installed || skip_all "agents not installed in $AGENT_DIR (make install)"

NS=gocf-syn-guard-$$
V4=10.99.0.1
V6=fd00:99::1
work=$(mktemp -d /tmp/gocf-syn-guard.XXXXXX)
listener=
cleanup() {
    [[ -n $listener ]] && kill "$listener" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export HA_RSCTMP=$work/rsctmp
mkdir -p "$HA_RSCTMP"

if ! ip netns add "$NS"; then
    not_ok "a network namespace of its own" "ip netns add $NS failed"
    done_testing
    exit 1
fi
ip -n "$NS" link set lo up
ip -n "$NS" addr add "$V4/32" dev lo
ip -n "$NS" addr add "$V6/128" dev lo nodad
in_ns() { ip netns exec "$NS" "$@"; }
RUN_PREFIX=(ip netns exec "$NS")
handoff() { # handoff ACTION [VAR=VALUE...]
    local action=$1
    shift
    run_agent ganesha_handoff "$action" OCF_RESKEY_home_node=n1 \
        OCF_RESKEY_restart_grace=false "$@"
}
jumps() { # jumps iptables|ip6tables ADDR/PREFIX: the address's INPUT rules
    in_ns "$1" -w -S INPUT | grep -F -- "-d $2 " | grep -cF -- '-j ganesha-syn-guard'
}
# connect ADDR PORT: prints ok, refused or timeout (1 s)
connect() {
    in_ns python3 - "$1" "$2" <<'EOF'
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(1.0)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("ok")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
EOF
}
listen_dual() { # a dual-stack listener on [::]:2049, as ganesha's
    # (ip netns exec execs python3: $! is the listener itself)
    ip netns exec "$NS" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 2049))
s.listen(16)
open("'"$work"'/listening", "w").close()
time.sleep(60)
' &
    listener=$!
    for _ in $(seq 50); do [[ -e $work/listening ]] && return 0; sleep 0.1; done
    return 1
}

# ---- IPv4 -----------------------------------------------------------------
check "before start: nothing listens on $V4:2049 is refused" \
    test "$(connect $V4 2049)" = refused
handoff start OCF_RESKEY_ip=$V4
check "start with ip=$V4 returns 0" test "$rc" -eq 0
check "start inserts one INPUT rule for $V4/32" test "$(jumps iptables $V4/32)" -eq 1
chain=$(in_ns iptables -w -S ganesha-syn-guard | grep -v '^-N')
expect_chain=$'-A ganesha-syn-guard -m socket --nowildcard -j RETURN\n-A ganesha-syn-guard -j DROP'
check "the chain returns what a socket takes (--nowildcard), then drops" \
    test "$chain" = "$expect_chain"
handoff start OCF_RESKEY_ip=$V4
check "a second start leaves one rule, the chain rebuilt" \
    test "$rc" -eq 0 -a "$(jumps iptables $V4/32)" -eq 1 \
    -a "$(in_ns iptables -w -S ganesha-syn-guard | grep -c '^-A')" -eq 2
check "nothing listens: the SYN is dropped (connect times out), not refused" \
    test "$(connect $V4 2049)" = timeout
check "an unguarded port is still refused" test "$(connect $V4 2050)" = refused
if listen_dual; then
    check "a dual-stack [::]:2049 listener (ganesha's kind) is reached on $V4" \
        test "$(connect $V4 2049)" = ok
    check "... and on $V6 (no IPv6 guard yet)" test "$(connect $V6 2049)" = ok
else
    not_ok "a dual-stack [::]:2049 listener (ganesha's kind) is reached on $V4" "the listener did not start"
    not_ok "... and on $V6 (no IPv6 guard yet)" "the listener did not start"
fi

# ---- IPv6, with the listener still up ------------------------------------
handoff start OCF_RESKEY_ip=$V6
check "start with ip=$V6 inserts one ip6tables rule for /128" \
    test "$rc" -eq 0 -a "$(jumps ip6tables $V6/128)" -eq 1
check "the listener is reached through the guarded $V6" test "$(connect $V6 2049)" = ok
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
listener=
check "listener gone: $V6 drops the SYN, $V4 too" \
    test "$(connect $V6 2049)" = timeout -a "$(connect $V4 2049)" = timeout
handoff stop OCF_RESKEY_ip=$V6
check "stop with ip=$V6 removes its rule" \
    test "$rc" -eq 0 -a "$(jumps ip6tables $V6/128)" -eq 0
check "after stop, $V6 refuses again" test "$(connect $V6 2049)" = refused

# ---- stop ----------------------------------------------------------------
handoff stop OCF_RESKEY_ip=$V4
check "stop with ip=$V4 returns 0 and removes its rule" \
    test "$rc" -eq 0 -a "$(jumps iptables $V4/32)" -eq 0
check "after stop, $V4 refuses again" test "$(connect $V4 2049)" = refused
handoff stop OCF_RESKEY_ip=$V4
check "a second stop returns 0" test "$rc" -eq 0

# ---- off, or no iptables: nothing set, the start still succeeds ----------
handoff start OCF_RESKEY_ip=$V4 OCF_RESKEY_syn_guard=false
check "syn_guard=false: start 0, no rule" \
    test "$rc" -eq 0 -a "$(jumps iptables $V4/32)" -eq 0
handoff stop OCF_RESKEY_ip=$V4 OCF_RESKEY_syn_guard=false
mkdir -p "$work/empty"
RUN_PREFIX=(ip netns exec "$NS" env PATH="$work/empty")
handoff start OCF_RESKEY_ip=$V4
check "no iptables in PATH: start still returns 0, no rule" \
    test "$rc" -eq 0 -a "$(jumps iptables $V4/32)" -eq 0
handoff stop OCF_RESKEY_ip=$V4
check "no iptables in PATH: stop returns 0" test "$rc" -eq 0

done_testing
