#!/usr/bin/env bash
# bad-input.sh: every agent refuses malformed parameters, actions and
# notification lists with the documented exit code and exactly one exit
# reason, and never crashes (a few cases also run under valgrind).
# Needs the agents installed under $OCF_ROOT (make install); no cluster:
# every case must fail before any cluster tool would be needed.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

agents_installed || skip_all "agents not installed in $AGENT_DIR (make install)"

work=$(mktemp -d /tmp/gocf-bad-input.XXXXXX)
trap 'rm -rf "$work"' EXIT
export HA_RSCTMP=$work/rsctmp
marker=$work/pwned
# nothing may reach a cluster or a bus: these exist nowhere
nowhere=(CIB_file="$work/no-such-cib.xml"
    DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/no-such-bus")

# expect AGENT ACTION CODE DESCRIPTION VAR=VALUE...: the action exits CODE
# with exactly one exit reason (mentioning $want_in_reason if set).
expect() {
    local agent=$1 action=$2 code=$3 desc=$4
    shift 4
    run_agent "$agent" "$action" "${nowhere[@]}" "$@"
    local why=()
    ((rc == code)) || why+=("exit code $rc, want $code")
    ((reasons == 1)) || why+=("$reasons exit-reason lines, want exactly 1")
    if [[ -n ${want_in_reason:-} ]] &&
        ! grep '^ocf-exit-reason:' <<<"$err" | grep -qF -- "$want_in_reason"; then
        why+=("the exit reason does not name $want_in_reason")
    fi
    if ((${#why[@]})); then
        not_ok "$agent $(printf %q "$action"): $desc" "${why[@]}" "stderr: $err"
    else
        ok "$agent $(printf %q "$action"): $desc"
    fi
}

long=$(printf 'a%.0s' {1..300})
longpath=/$(printf 'a%.0s' {1..1100})
# names: attribute names and node directory names share these failures
# shellcheck disable=SC2016 # literal command substitutions: must never run
bad_names=(
    "$long"
    "with space"
    "with/slash"
    'with"quote'
    "with'quote"
    $'with\nnewline'
    '$(touch '"$marker"')'
    '`touch '"$marker"'`'
    "-leading-dash"
    "semi;colon"
)
bad_ints=(abc -1 601 99999999999999999999 5s " 5" 1e3 0x10)
# shellcheck disable=SC2016 # literal command substitutions: must never run
bad_paths=(
    relative/path
    ./dot
    "$longpath"
    /a/../b
    /a//b
    /trailing/
    $'/new\nline'
    '$(touch '"$marker"')'
)

actions=(validate-all start monitor)

# ---- parameters --------------------------------------------------------
for action in "${actions[@]}"; do
    for p in ganesha_active grace_active grace_ack; do
        for v in "${bad_names[@]}"; do
            want_in_reason=$p expect ganesha_mon "$action" 6 \
                "$p=$(printf %q "${v:0:40}") is refused" "OCF_RESKEY_$p=$v"
        done
    done
    for v in "${bad_ints[@]}"; do
        want_in_reason=grace_delay expect ganesha_mon "$action" 6 \
            "grace_delay=$(printf %q "$v") is refused" "OCF_RESKEY_grace_delay=$v"
    done
    for v in "${bad_paths[@]}"; do
        want_in_reason=pidfile expect ganesha_mon "$action" 6 \
            "pidfile=$(printf %q "${v:0:40}") is refused" "OCF_RESKEY_pidfile=$v"
    done
    for p in grace_active grace_ack; do
        for v in "${bad_names[@]}"; do
            want_in_reason=$p expect ganesha_grace "$action" 6 \
                "$p=$(printf %q "${v:0:40}") is refused" "OCF_RESKEY_$p=$v"
        done
    done
    for p in ha_vol_mnt state_dir; do
        for v in "${bad_paths[@]}" /; do
            want_in_reason=$p expect ganesha_nfsd "$action" 6 \
                "$p=$(printf %q "${v:0:40}") is refused" "OCF_RESKEY_$p=$v"
        done
    done
    for v in maybe 2 "yes please" " true" $'true\n'; do
        want_in_reason=restart_grace expect ganesha_handoff "$action" 6 \
            "restart_grace=$(printf %q "$v") is refused" \
            OCF_RESKEY_home_node=n1 "OCF_RESKEY_restart_grace=$v"
    done
    for v in 10.0.0 10.0.0.256 host.name 10.0.0.1/32 "10.0.0.1 -j ACCEPT" fd00::1::2 -d; do
        want_in_reason=ip expect ganesha_handoff "$action" 6 \
            "ip=$(printf %q "$v") is refused" \
            OCF_RESKEY_home_node=n1 "OCF_RESKEY_ip=$v"
    done
    for v in 0 65536 -1 2049x; do
        want_in_reason=nfs_port expect ganesha_handoff "$action" 6 \
            "nfs_port=$(printf %q "$v") is refused" \
            OCF_RESKEY_home_node=n1 "OCF_RESKEY_nfs_port=$v"
    done
    for v in "" 10.0.0 host.name "10.0.0.1 -j ACCEPT" "10.0.0.1/32"; do
        want_in_reason=ip expect ganesha_smnotify "$action" 6 \
            "ganesha_smnotify ip=$(printf %q "$v") is refused" "OCF_RESKEY_ip=$v"
    done
    for v in 0 301 -5 10s; do
        want_in_reason=notify_timeout expect ganesha_smnotify "$action" 6 \
            "ganesha_smnotify notify_timeout=$(printf %q "$v") is refused" \
            OCF_RESKEY_ip=10.0.0.1 "OCF_RESKEY_notify_timeout=$v"
    done
    for v in relative/dir "${longpath}"; do
        want_in_reason=statd_dir expect ganesha_smnotify "$action" 6 \
            "ganesha_smnotify statd_dir=$(printf %q "${v:0:40}") is refused" \
            OCF_RESKEY_ip=10.0.0.1 "OCF_RESKEY_statd_dir=$v"
    done
    for v in "${bad_names[@]}" .hidden ..; do
        want_in_reason=node_dir expect ganesha_nfsd "$action" 6 \
            "node_dir=$(printf %q "${v:0:40}") is refused" "OCF_RESKEY_node_dir=$v"
    done
    # cross-parameter rule: the link must not point into itself
    want_in_reason=state_dir expect ganesha_nfsd "$action" 6 \
        "state_dir inside ha_vol_mnt is refused" \
        OCF_RESKEY_ha_vol_mnt=/srv/shared OCF_RESKEY_state_dir=/srv/shared/nfs
done
# cross-parameter rules of the attribute names
for action in "${actions[@]}"; do
    want_in_reason=grace_active expect ganesha_mon "$action" 6 \
        "ganesha_active equal to grace_active is refused" \
        OCF_RESKEY_ganesha_active=same OCF_RESKEY_grace_active=same
    want_in_reason=grace_ack expect ganesha_mon "$action" 6 \
        "grace_ack=grace (grace-active would look like an ack) is refused" \
        OCF_RESKEY_grace_ack=grace
    want_in_reason=grace_ack expect ganesha_grace "$action" 6 \
        "grace_ack=grace (grace-active would look like an ack) is refused" \
        OCF_RESKEY_grace_ack=grace
done
# the ack name needs room for "-<node>"
want_in_reason=grace_ack expect ganesha_grace validate-all 6 \
    "a 127-character grace_ack prefix is refused" \
    "OCF_RESKEY_grace_ack=${long:0:127}"
want_in_reason=

# an empty value means the default (lib/ocf): not an error
for agent in $AGENTS; do
    # (ganesha_handoff's home_node and ganesha_smnotify's ip are required:
    # they get a value)
    run_agent "$agent" validate-all "${nowhere[@]}" OCF_RESKEY_grace_delay= \
        OCF_RESKEY_grace_active= OCF_RESKEY_state_dir= OCF_RESKEY_pidfile= \
        OCF_RESKEY_home_node=n1 OCF_RESKEY_recovery_root= OCF_RESKEY_restart_grace= \
        OCF_RESKEY_ip=10.0.0.1 OCF_RESKEY_statd_dir= OCF_RESKEY_notify_timeout=
    if ((rc == 0 && reasons == 0)); then
        ok "$agent validate-all: empty values take the defaults"
    else
        not_ok "$agent validate-all: empty values take the defaults" \
            "exit $rc, $reasons reasons" "stderr: $err"
    fi
done

# a bad parameter must not make stop act on the default instead
mkdir -p "$work/nfs-real"
run_agent ganesha_nfsd stop "${nowhere[@]}" OCF_RESKEY_state_dir=relative
if ((rc == 0)); then
    ok "ganesha_nfsd stop with a relative state_dir does nothing and succeeds"
else
    not_ok "ganesha_nfsd stop with a relative state_dir does nothing and succeeds" \
        "exit $rc" "stderr: $err"
fi

# ---- actions -----------------------------------------------------------
for agent in $AGENTS; do
    for action in status bogus reload promote "start now" $'mon\nitor'; do
        expect "$agent" "$action" 3 "unknown action $(printf %q "$action") is unimplemented"
    done
    run_agent "$agent" ""
    if ((rc == 3 && reasons == 1)); then
        ok "$agent with no action: 3 and one exit reason"
    else
        not_ok "$agent with no action: 3 and one exit reason" "exit $rc, $reasons reasons"
    fi
    for action in usage help; do
        run_agent "$agent" "$action"
        if ((rc == 0)) && grep -q usage <<<"$out"; then
            ok "$agent $action: 0 and the usage on stdout"
        else
            not_ok "$agent $action: 0 and the usage on stdout" "exit $rc" "stdout: $out"
        fi
    done
    run_agent "$agent" meta-data OCF_RESKEY_grace_delay=abc OCF_RESKEY_state_dir=rel
    if ((rc == 0)) && xmllint --noout - <<<"$out" 2>/dev/null; then
        ok "$agent meta-data: 0 and well-formed XML even with bad parameters"
    else
        not_ok "$agent meta-data: 0 and well-formed XML even with bad parameters" "exit $rc"
    fi
    if grep -q '<action name="status"' <<<"$out"; then
        not_ok "$agent meta-data advertises no status alias"
    else
        ok "$agent meta-data advertises no status alias"
    fi
done

# ---- notifications -----------------------------------------------------
# Only malformed names: nothing to send, the failure is reported (1).
notify_env=(OCF_RESKEY_CRM_meta_on_node=n1
    OCF_RESKEY_CRM_meta_notify_type=post
    OCF_RESKEY_CRM_meta_notify_operation=stop)
for v in "${bad_names[@]}" "bad/one $long" $'a\tb/c\n..'; do
    [[ $v == "with space" || $v == $'with\nnewline' ]] && continue
    want_in_reason=malformed expect ganesha_grace notify 1 \
        "post-stop with malformed notify_stop_uname $(printf %q "${v:0:30}") is reported" \
        "${notify_env[@]}" "OCF_RESKEY_CRM_meta_notify_stop_uname=$v"
done
want_in_reason=
# Only the local node (and blanks): nothing to do.
expect_zero() {
    local desc=$1
    shift
    run_agent ganesha_grace notify "${nowhere[@]}" "$@"
    if ((rc == 0 && reasons == 0)); then ok "$desc"; else
        not_ok "$desc" "exit $rc, $reasons reasons" "stderr: $err"
    fi
}
expect_zero "post-stop naming only the local node does nothing" \
    "${notify_env[@]}" "OCF_RESKEY_CRM_meta_notify_stop_uname=  n1 n1  "
expect_zero "notify without notification variables does nothing"
expect_zero "post-start does nothing" OCF_RESKEY_CRM_meta_on_node=n1 \
    OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=start \
    "OCF_RESKEY_CRM_meta_notify_start_uname=$long"
# A valid peer with no ganesha to talk to: reported by name (1).
want_in_reason=n2 expect ganesha_grace notify 1 \
    "post-stop for n2 without a reachable ganesha names n2" \
    "${notify_env[@]}" "OCF_RESKEY_CRM_meta_notify_stop_uname=n2 bad/name"
# A huge list: bounded, no crash.
huge=$(for i in $(seq 1 3000); do printf 'node%d ' "$i"; done)
start_s=$SECONDS
want_in_reason='' expect ganesha_grace notify 1 \
    "post-stop with 3000 unreachable names fails without crashing" \
    "${notify_env[@]}" "OCF_RESKEY_CRM_meta_notify_stop_uname=$huge" \
    OCF_RESKEY_CRM_meta_timeout=20000
if ((SECONDS - start_s <= 25)); then
    ok "the 3000-name notify stayed within its timeout ($((SECONDS - start_s)) s)"
else
    not_ok "the 3000-name notify stayed within its timeout" "took $((SECONDS - start_s)) s"
fi
# A malformed local node name from Pacemaker: 1 with a reason quoting it (a
# local oddity: 6 would stop the resource on every node), never a crash, and
# never a fallback to another name.
# shellcheck disable=SC2016 # a literal command substitution: must never run
for on_node in "a b" "$long" "x/y" '$(touch '"$marker"')'; do
    shown=$(printf %q "${on_node:0:20}")
    want_in_reason="local node name" expect ganesha_grace notify 1 \
        "post-stop with a malformed on_node $shown is refused" \
        "OCF_RESKEY_CRM_meta_on_node=$on_node" OCF_RESKEY_CRM_meta_notify_type=post \
        OCF_RESKEY_CRM_meta_notify_operation=stop OCF_RESKEY_CRM_meta_notify_stop_uname=n2
    want_in_reason="local node name" expect ganesha_mon start 1 \
        "start with a malformed on_node $shown is refused" \
        "OCF_RESKEY_CRM_meta_on_node=$on_node" OCF_RESKEY_pidfile=/nonexistent/ganesha.pid \
        OCF_RESKEY_grace_delay=0
    want_in_reason="local node name" expect ganesha_nfsd start 1 \
        "start with a malformed on_node $shown is refused" \
        "OCF_RESKEY_CRM_meta_on_node=$on_node" OCF_RESKEY_ha_vol_mnt=/nonexistent
done
want_in_reason=
rm -rf "$HA_RSCTMP"

# ---- nothing was executed from a value -------------------------------
if [[ -e $marker ]]; then
    not_ok "no value was ever run by a shell" "$marker exists"
else
    ok "no value was ever run by a shell"
fi

# ---- a few cases under valgrind ------------------------------------------
if ldd "$AGENT_DIR/ganesha_mon" 2>/dev/null | grep -q libasan; then
    ok "valgrind cases # SKIP the agents are built with AddressSanitizer"
elif command -v valgrind >/dev/null 2>&1; then
    RUN_PREFIX=(valgrind -q --error-exitcode=99 --leak-check=no)
    want_in_reason=grace_delay expect ganesha_mon start 6 \
        "under valgrind: non-integer grace_delay" OCF_RESKEY_grace_delay=abc
    want_in_reason=node_dir expect ganesha_nfsd monitor 6 \
        "under valgrind: over-long node_dir" "OCF_RESKEY_node_dir=$long"
    want_in_reason=grace_active expect ganesha_grace validate-all 6 \
        "under valgrind: grace_active with a newline" $'OCF_RESKEY_grace_active=a\nb'
    want_in_reason=malformed expect ganesha_grace notify 1 \
        "under valgrind: malformed notify_stop_uname" "${notify_env[@]}" \
        "OCF_RESKEY_CRM_meta_notify_stop_uname=$long a/b"
    want_in_reason='' expect ganesha_mon bogus 3 "under valgrind: unknown action"
    unset RUN_PREFIX
else
    ok "valgrind cases # SKIP valgrind not installed"
fi

done_testing
