#!/usr/bin/env bash
# error-codes.sh: local faults answer 1 (never 6, which stops a resource on
# every node) with a precise exit reason: a state file that is a directory,
# a FIFO (without hanging) or garbage; an odd crm_node answer; a failing
# crm_attribute's own words. Stop with an invalid unrelated parameter still
# releases what start published, by the names recorded at start. State
# files leave no temporary or lock behind. reload-agent answers 0.
# On a two-node CIB file (CIB_file: the real crm_attribute, no cluster).
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

for p in crm_attribute cibadmin timeout; do
    command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done
agents_installed || skip_all "agents not installed in $AGENT_DIR (make install)"

work=$(mktemp -d /tmp/gocf-error-codes.XXXXXX)
fake_pid=
cleanup() {
    [[ -n $fake_pid ]] && kill "$fake_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export HA_RSCTMP=$work/rsctmp
cib=$work/cib.xml

new_cib() {
    cibadmin --empty >"$cib"
    CIB_file=$cib cibadmin -C -o nodes -X '<node id="1" uname="node1"/>'
    CIB_file=$cib cibadmin -C -o nodes -X '<node id="2" uname="node2"/>'
    for i in 1 2; do
        CIB_file=$cib cibadmin -C -o status -X "<node_state id=\"$i\" uname=\"node$i\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\"/>"
    done
}
attr_of() { # attr_of NODE NAME: value or "absent"
    CIB_file=$cib crm_attribute -N "$1" -n "$2" -l reboot -G -q 2>/dev/null || echo absent
}

# a process whose name is ganesha.nfsd, standing in for the daemon
cp "$(command -v sleep)" "$work/ganesha.nfsd"
"$work/ganesha.nfsd" 600 &
fake_pid=$!
echo "$fake_pid" >"$work/alive.pid"
alive=$work/alive.pid

mon() { # mon ACTION [VAR=VALUE...]
    local action=$1
    shift
    INSTANCE=mon run_agent ganesha_mon "$action" CIB_file="$cib" \
        OCF_RESKEY_CRM_meta_on_node=node1 OCF_RESKEY_CRM_meta_interval=1000 \
        OCF_RESKEY_watch_ms=0 OCF_RESKEY_grace_delay=0 \
        OCF_RESKEY_pidfile="$alive" "$@"
}
grace() { # grace ACTION [VAR=VALUE...]
    local action=$1
    shift
    INSTANCE=grace run_agent ganesha_grace "$action" CIB_file="$cib" \
        OCF_RESKEY_CRM_meta_interval=5000 "$@"
}
# expect CODE REASON-PART DESCRIPTION: the last run exited CODE with exactly
# one exit reason containing REASON-PART
expect() {
    local why=()
    ((rc == $1)) || why+=("exit $rc, want $1")
    ((reasons == 1)) || why+=("$reasons exit reasons, want 1")
    grep '^ocf-exit-reason:' <<<"$err" | grep -qF -- "$2" ||
        why+=("the exit reason does not say \"$2\"")
    if ((${#why[@]})); then
        not_ok "$3" "${why[@]}" "stderr: $(tail -4 <<<"$err")"
    else
        ok "$3"
    fi
}
mon_file=$HA_RSCTMP/ganesha_mon-mon
grace_file=$HA_RSCTMP/ganesha_grace-grace

# ---- a damaged state file is local (1), not misconfigured (6) ----------
new_cib
mkdir -p "$mon_file"
mon monitor
expect 1 "is a directory" "mon monitor: a directory at the state file answers 1, naming it"
mon stop
check "... and stop clears it" test ! -e "$mon_file"

rm -rf "$mon_file"
mkfifo "$mon_file"
t0=$(date +%s%N)
RUN_PREFIX=(timeout 10)
mon monitor
RUN_PREFIX=()
t=$((($(date +%s%N) - t0) / 1000000))
expect 1 "is a FIFO" "mon monitor: a FIFO at the state file answers 1 at once ($t ms), it does not hang"
check "... within 3 s" test "$t" -lt 3000
rm -f "$mon_file"

printf 'not a key file\n' >"$mon_file"
mon monitor
expect 1 "unparsable" "mon monitor: garbage in the state file answers 1"
rm -f "$mon_file"

mkdir -p "$grace_file"
grace monitor OCF_RESKEY_CRM_meta_on_node=node1
expect 1 "is a directory" "grace monitor: a directory at the state file answers 1"
rm -rf "$grace_file"

# ---- an odd crm_node answer is local (1), quoted -----------------------
mkdir -p "$work/oddnode"
printf '#!/bin/sh\necho "(null)"\n' >"$work/oddnode/crm_node"
chmod +x "$work/oddnode/crm_node"
grace start PATH="$work/oddnode:$PATH"
expect 1 '"(null)"' "grace start: crm_node -n answering \"(null)\" is 1, quoted in the reason"
grace start OCF_RESKEY_CRM_meta_on_node='bad name'
expect 1 "OCF_RESKEY_CRM_meta_on_node" "grace start: a malformed CRM_meta_on_node is 1"

# ---- a failing tool's own words in the exit reason ----------------------
mkdir -p "$work/failing"
printf '#!/bin/sh\necho "Error performing operation: Too many open files" >&2\nexit 1\n' \
    >"$work/failing/crm_attribute"
chmod +x "$work/failing/crm_attribute"
new_cib
mon start PATH="$work/failing:$PATH"
expect 1 "Too many open files" "mon start: crm_attribute's stderr line is the reason, not \"Input/output error\""
mon stop
rm -rf "$HA_RSCTMP"

# ---- stop releases by the names recorded at start -----------------------
new_cib
mon start
check "mon start publishes grace-active" test "$(attr_of node1 grace-active)" = 1
mon stop OCF_RESKEY_grace_delay=abc OCF_RESKEY_watch_ms=junk OCF_RESKEY_pidfile=relative
if ((rc == 0)) && [[ $(attr_of node1 grace-active) == absent &&
    $(attr_of node1 ganesha-active) == absent ]]; then
    ok "mon stop with invalid unrelated parameters still releases both attributes"
else
    not_ok "mon stop with invalid unrelated parameters still releases both attributes" \
        "exit $rc; grace-active=$(attr_of node1 grace-active) ganesha-active=$(attr_of node1 ganesha-active)" \
        "stderr: $(tail -4 <<<"$err")"
fi

new_cib
mon start OCF_RESKEY_ganesha_active=my-active
check "mon start publishes my-active" test "$(attr_of node1 my-active)" = 1
# the controller lost the start's parameters: an invalid name now
mon stop OCF_RESKEY_ganesha_active='bad name'
if ((rc == 0)) && [[ $(attr_of node1 my-active) == absent &&
    $(attr_of node1 grace-active) == absent ]]; then
    ok "mon stop releases the attribute names recorded at start, whatever it is given"
else
    not_ok "mon stop releases the attribute names recorded at start, whatever it is given" \
        "exit $rc; my-active=$(attr_of node1 my-active) grace-active=$(attr_of node1 grace-active)" \
        "stderr: $(tail -4 <<<"$err")"
fi
# without a record and with invalid names, nothing was published: 0
mon stop OCF_RESKEY_ganesha_active='bad name'
expect_rc0() { if ((rc == 0)); then ok "$1"; else not_ok "$1" "exit $rc" "stderr: $err"; fi; }
expect_rc0 "mon stop without a record and with invalid names returns 0"

# ---- nothing left behind -------------------------------------------------
new_cib
mkdir -p "$HA_RSCTMP"
: >"$HA_RSCTMP/.ganesha_mon-mon.Ab12Cd" # a writer killed before its rename
mon start
mon monitor
leftover=$(find "$HA_RSCTMP" -mindepth 1 -name '.*' -printf '%f ')
check "start and monitor leave no temporary or lock file (left: ${leftover:-none})" test -z "$leftover"
mon stop
leftover=$(find "$HA_RSCTMP" -mindepth 1 -printf '%f ')
check "stop leaves nothing in the state directory (left: ${leftover:-none})" test -z "$leftover"

# ---- reload-agent ---------------------------------------------------------
new_cib
mon start
mon reload-agent OCF_RESKEY_grace_delay=7 OCF_RESKEY_watch_ms=100
expect_rc0 "mon reload-agent returns 0"
mon monitor
expect_rc0 "... and the next monitor runs with the new values"
mon stop
grace reload-agent OCF_RESKEY_CRM_meta_on_node=node1 OCF_RESKEY_grace_ack=other-ack
expect_rc0 "grace reload-agent returns 0"
run_agent ganesha_handoff reload-agent OCF_RESKEY_home_node=node1 OCF_RESKEY_tickle_dir=/nonexistent
expect_rc0 "handoff reload-agent returns 0"
for a in ganesha_mon ganesha_grace ganesha_handoff; do
    run_agent "$a" meta-data
    if grep -q '<action name="reload-agent"' <<<"$out" &&
        grep -q 'reloadable="1"' <<<"$out"; then
        ok "$a meta-data advertises reload-agent and reloadable parameters"
    else
        not_ok "$a meta-data advertises reload-agent and reloadable parameters"
    fi
done
run_agent ganesha_mon meta-data
for p in grace_delay watch_ms pidfile; do
    check "ganesha_mon: $p is reloadable" grep -q "<parameter name=\"$p\" [^>]*reloadable=\"1\"" <<<"$out"
done
not_reloadable() { ! grep -q "<parameter name=\"$1\" [^>]*reloadable" <<<"$out"; }
for p in ganesha_active grace_active grace_ack; do
    check "ganesha_mon: $p (what was published) is not reloadable" not_reloadable "$p"
done

done_testing
