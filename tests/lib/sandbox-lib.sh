# shellcheck shell=bash
# sandbox-lib.sh - shared helpers for the cluster scenario tests
# (tests/scenarios/*.sh) and anything else built on extras/sandbox.
#
# Source it, then:
#   sbx_begin [--nodes N] [--client]   bring the sandbox up (or reuse one),
#                                      install the teardown trap; skips the
#                                      whole test (TAP "1..0 # SKIP") where it
#                                      cannot run
#   ok COND-EXIT-STATUS "description"  / pass / fail / diag / skip
#   tl_start / tl_mark LABEL / tl_stop / tl_show [--since L] / tl_check ...
#                                      the timeline recorder (one file per test)
#   wait_until SECONDS DESCRIPTION CMD...   bounded poll (every 0.1 s)
#   sbx_reset                          bring every node and ganesha back,
#                                      clear failures, wait until settled
#   sbx_end                            print the plan; exit status
#
# Environment:
#   GOCF_SANDBOX_REUSE=1   reuse a sandbox that is already up (and leave it up)
#   GOCF_SANDBOX_KEEP=1    do not tear down at the end
#   GOCF_SANDBOX_LOGS=DIR  keep the sandbox logs in DIR/<test name> on teardown
#   GOCF_SANDBOX_UP_ARGS   extra arguments for "ganesha-sandbox up"
#   GOCF_SANDBOX_WAIT      seconds to wait for another user's sandbox to go
#                          away (default 600)

SBX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SBX_TOOL=${GOCF_SANDBOX_TOOL:-$SBX_TOP/extras/sandbox/ganesha-sandbox}
SBX_DIR=${GOCF_SBX_DIR:-/var/lib/ganesha-ocf-sandbox}
SBX_NAME=$(basename "${0%.sh}")
SBX_TMP=
SBX_OWN=0
SBX_TL=
TAP_N=0
TAP_FAILED=0

# ---- TAP ---------------------------------------------------------------------
pass() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
fail() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
ok() { local rc=$1; shift; if ((rc == 0)); then pass "$@"; else fail "$@"; fi; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }
diag() { local l; while IFS= read -r l; do echo "# $l"; done <<<"$*"; }
diag_file() { [[ -r $1 ]] && sed 's/^/#   /' "$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
bail() { echo "Bail out! $*"; exit 1; }

now_ms() { local t=${EPOCHREALTIME/./}; echo "${t:0:13}"; }

# ---- the tool ----------------------------------------------------------------
sbx() { "$SBX_TOOL" "$@"; }
sbx_q() { GOCF_QUIET=1 "$SBX_TOOL" "$@"; }
sbx_exec() { "$SBX_TOOL" exec "$@"; }
sbx_nodes() { sbx nodes; }
sbx_vip() { sbx vip "$1"; }
sbx_vip_node() { sbx vip-node "$1"; }
sbx_up_now() { [[ -r $SBX_DIR/nodes.conf ]]; }
sbx_nnodes() { cat "$SBX_DIR/nodes.conf"; }
# whether the running sandbox serves NFSv3 + NLM (up --nlm)
sbx_nlm_now() { grep -q '^ *Enable_NLM = true;' "$SBX_DIR/nodes/n1/etc-ganesha/ganesha.conf" 2>/dev/null; }
sbx_ganesha_log() { echo "$SBX_DIR/nodes/$1/log-ganesha/ganesha.log"; }
sbx_pacemaker_log() { echo "$SBX_DIR/nodes/$1/log-pacemaker/pacemaker.log"; }

# Why this host cannot run the sandbox (empty: it can).
sbx_cannot_run() {
    [[ $(id -u) -eq 0 ]] || { echo "needs root"; return 0; }
    local c
    for c in ip nsenter corosync pacemakerd pcs ganesha.nfsd dbus-daemon crm_mon xmllint; do
        command -v "$c" >/dev/null 2>&1 || { echo "$c missing (run extras/install-deps.sh)"; return 0; }
    done
    for c in ganesha_mon ganesha_grace ganesha_nfsd; do
        [[ -x /usr/lib/ocf/resource.d/heartbeat/$c ]] || { echo "agent $c not installed (make install)"; return 0; }
    done
    return 1
}

# sbx_begin [--nodes N] [--client] [extra up args]
sbx_begin() {
    local want=3 client=0 nlm=0 why args=()
    while (($#)); do
        case $1 in
            --nodes) want=$2; shift ;;
            --client) client=1 ;;
            --nlm) nlm=1; args+=("$1") ;;
            *) args+=("$1") ;;
        esac
        shift
    done
    if why=$(sbx_cannot_run); then skip_all "$why"; fi
    SBX_TMP=$(mktemp -d "/tmp/gocf-$SBX_NAME.XXXXXX")
    SBX_TL=$SBX_TMP/timeline.txt
    trap sbx_teardown EXIT
    trap 'exit 130' INT TERM
    if [[ -n ${GOCF_SANDBOX_REUSE:-} ]] && sbx_up_now; then
        if [[ $(sbx_nnodes) != "$want" ]]; then
            skip_all "reused sandbox has $(sbx_nnodes) nodes, this test needs $want"
        fi
        if sbx_nlm_now; then ((nlm)) || skip_all "reused sandbox serves NLM (up --nlm), this test needs it off"
        else ((nlm == 0)) || skip_all "reused sandbox does not serve NLM, this test needs up --nlm"; fi
        diag "reusing the running sandbox"
        ((client)) && { sbx client >/dev/null 2>&1 || bail "cannot add the client namespace"; }
        sbx_reset || bail "the reused sandbox did not settle"
    else
        # one sandbox per host: wait for one that is up to go away
        # (GOCF_SANDBOX_REUSE=1 uses it instead)
        ((client)) && args+=(--client)
        local t0=$SECONDS
        # shellcheck disable=SC2086 # GOCF_SANDBOX_UP_ARGS is a word list
        if ! sbx up --wait "${GOCF_SANDBOX_WAIT:-600}" --nodes "$want" "${args[@]}" \
            ${GOCF_SANDBOX_UP_ARGS:-} >"$SBX_TMP/up.log" 2>&1; then
            diag_file "$SBX_TMP/up.log"
            bail "ganesha-sandbox up failed"
        fi
        SBX_OWN=1
        diag "sandbox up in $((SECONDS - t0)) s"
    fi
}

sbx_teardown() {
    local rc=$?
    [[ -n $SBX_TL ]] && sbx timeline stop "$SBX_TL" >/dev/null 2>&1
    if ((SBX_OWN)) && [[ -z ${GOCF_SANDBOX_KEEP:-} ]]; then
        local keep=()
        [[ -n ${GOCF_SANDBOX_LOGS:-} ]] && keep=(--keep-logs "$GOCF_SANDBOX_LOGS/$SBX_NAME")
        if ((TAP_FAILED)) && [[ -z ${GOCF_SANDBOX_LOGS:-} ]]; then
            keep=(--keep-logs "$SBX_TMP/logs")
        fi
        sbx down "${keep[@]}" >/dev/null 2>&1 || echo "# teardown: ganesha-sandbox down failed"
    fi
    if [[ -n $SBX_TMP ]]; then
        if ((TAP_FAILED)) || ((rc != 0)); then
            echo "# kept for inspection: $SBX_TMP"
        else
            rm -rf "$SBX_TMP"
        fi
    fi
}

sbx_end() {
    echo "1..$TAP_N"
    ((TAP_FAILED == 0))
}

# ---- polling -----------------------------------------------------------------
# wait_until SECONDS DESCRIPTION CMD... : poll CMD every 0.1 s
wait_until() {
    local limit=$1 what=$2 deadline
    shift 2
    deadline=$(($(now_ms) + limit * 1000))
    while (($(now_ms) < deadline)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    diag "timed out after ${limit}s waiting for: $what"
    return 1
}

vip_on() { [[ " $(sbx_vip_node "$1") " == *" $2 "* ]]; } # vip_on NODE-OF-VIP HOLDER
vip_moved_off() { local h; h=$(sbx_vip_node "$1"); [[ -n $h && $h != "$1" ]]; }
vip_home() { [[ $(sbx_vip_node "$1") == "$1" ]]; }
all_vips_home() { local n; for n in $(sbx_nodes); do vip_home "$n" || return 1; done; }
grace_is() { [[ $(sbx get-grace "$1" 2>/dev/null) == "$2" ]]; }
no_grace_anywhere() {
    local n
    for n in $(sbx_nodes); do
        [[ $(sbx get-grace "$n" 2>/dev/null) != true ]] || return 1
    done
}

# crm_mon XML from the first live node
crm_mon_xml() {
    local n
    for n in $(sbx_nodes); do
        sbx_exec "$n" crm_mon -1 --output-as=xml 2>/dev/null && return 0
    done
    return 1
}
failed_actions() { # prints one line per failed action
    crm_mon_xml | xmllint --xpath '//failures/failure' - 2>/dev/null | grep -o '<failure [^>]*>' || true
}
no_failed_actions() { [[ -z $(failed_actions) ]]; }
# check_no_failed_actions: one test point, the failed actions as diagnostics
check_no_failed_actions() {
    local failed
    failed=$(failed_actions)
    [[ -z $failed ]]
    ok $? "no failed actions"
    if [[ -n $failed ]]; then diag "$failed"; fi
}
# check_settled DESCRIPTION: one test point, the cluster goes idle (bounded)
check_settled() {
    wait_until 120 "cluster idle" sbx_q wait-idle 5
    ok $? "$1"
}
# check_invariant_each "VICTIMS" "SURVIVORS": the invariant checked for each
# victim's VIP alone, one test point per victim
check_invariant_each() {
    local v out
    for v in $1; do
        out=$(tl_check --since fail --victims "$v" --survivors "$2" 2>&1)
        ok $? "invariant for $v's VIP alone: every survivor ($2) in grace before it came up"
        diag "$out"
    done
}

# transient attributes as "node name=value" lines (from the CIB status)
attrs_now() {
    crm_mon_xml | xmllint --xpath '//node_attributes/node' - 2>/dev/null |
        awk '/<node /{match($0,/name="[^"]*"/); n=substr($0,RSTART+6,RLENGTH-7)}
             /<attribute /{match($0,/name="[^"]*"/); a=substr($0,RSTART+6,RLENGTH-7);
                           match($0,/value="[^"]*"/); v=substr($0,RSTART+7,RLENGTH-8); print n, a "=" v}'
}

# ---- timeline ----------------------------------------------------------------
tl_start() { sbx timeline start "$SBX_TL" --interval-ms "${GOCF_TL_INTERVAL_MS:-50}"; }
tl_stop() { sbx timeline stop "$SBX_TL"; }
tl_mark() { sbx timeline mark "$SBX_TL" "$@"; }
tl_show() { sbx timeline show "$SBX_TL" "$@"; }
tl_check() { sbx timeline check "$SBX_TL" "$@"; }
# first time (epoch ms) a timeline line matching an awk condition appears
# after the mark LABEL, e.g. tl_first kill '$2=="attr" && $4=="ganesha-active=(deleted)"'
tl_first() {
    sort -n -s -k1,1 "$SBX_TL" | awk -v since="$1" "
        !s && \$2==\"mark\" && \$4==since { s=1; next }
        s && ($2) { print \$1; exit }"
}

# ---- reset between steps / when reusing ---------------------------------------
ganesha_state() { # running|frozen|dead
    local p st
    p=$(sbx_exec "$1" cat /run/ganesha/ganesha.pid 2>/dev/null) || { echo dead; return; }
    [[ $(readlink "/proc/$p/exe" 2>/dev/null) == */ganesha.nfsd ]] || { echo dead; return; }
    st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)
    if [[ $st == T ]]; then echo frozen; else echo running; fi
}

sbx_reset() {
    local n st
    for n in $(sbx_nodes); do
        if ! sbx_exec "$n" true >/dev/null 2>&1; then
            sbx_q restart "$n" >/dev/null 2>&1 || { diag "reset: restart of $n failed"; return 1; }
        fi
        st=$(ganesha_state "$n")
        if [[ $st == frozen ]]; then sbx kill-ganesha "$n" 2>/dev/null; sleep 0.2; st=dead; fi
        if [[ $st == dead ]]; then
            sbx_q start-ganesha "$n" || { diag "reset: ganesha on $n did not start"; return 1; }
        fi
    done
    sbx_q wait-online 60 || return 1
    sbx_exec n1 crm_resource --cleanup >/dev/null 2>&1 || true
    sbx_q wait-idle 180 || return 1
    wait_until 60 "every VIP at home" all_vips_home || return 1
    # GOCF_NO_PLANT=1: no planted records (the real-client scenarios: a
    # planted record never reclaims, so it holds every takeover's grace)
    if [[ -n ${GOCF_NO_PLANT:-} ]]; then sbx unplant-clients; else sbx plant-clients; fi
    wait_until 60 "no ganesha in grace" no_grace_anywhere || return 1
    sbx_q wait-idle 60
}

# ganesha log lines of NODE since a byte offset (sbx_log_size first)
sbx_log_size() { stat -c %s "$(sbx_ganesha_log "$1")" 2>/dev/null || echo 0; }
# (callers read it whole, grep without -q: under pipefail an early grep -q
# exit makes tail die of SIGPIPE and the match count as a failure)
sbx_log_since() { tail -c +"$(($2 + 1))" "$(sbx_ganesha_log "$1")" 2>/dev/null; }

# processes of a node's mount namespace, "pid comm" lines
node_procs() { sbx procs "$1"; }

# ---- the failover check shared by the scenarios -----------------------------------
# failover_check VICTIMS [--acks] [--timeout S] -- ACTION...
# Starts the timeline, marks "fail", runs ACTION, waits until every victim's
# VIP is up on a survivor, then checks: the invariant (every survivor was in
# grace before any victim VIP came up), the survivors' ganesha logs show the
# takeover ("recovery event 5 ... ip <victim>"), and with --acks that every
# survivor's grace-ack-<S> appeared on each victim before its VIP moved.
failover_check() {
    local victims=$1 acks=0 limit=90 v s survivors=() t_vip t_ack rc
    shift
    while (($#)); do
        case $1 in
            --acks) acks=1 ;;
            --timeout) limit=$2; shift ;;
            --) shift; break ;;
        esac
        shift
    done
    for s in $(sbx_nodes); do [[ " $victims " == *" $s "* ]] || survivors+=("$s"); done
    declare -A logpos=()
    for s in "${survivors[@]}"; do logpos[$s]=$(sbx_log_size "$s"); done
    : >"$SBX_TL"
    tl_start || { fail "timeline recorder started"; return 1; }
    tl_mark fail "$*"
    "$@" || diag "action failed: $*"
    rc=0
    for v in $victims; do
        wait_until "$limit" "VIP of $v up on a survivor" vip_moved_off "$v" || rc=1
    done
    ok $rc "VIP(s) of $victims moved to a survivor ($(for v in $victims; do printf '%s->%s ' "$v" "$(sbx_vip_node "$v")"; done))"
    sleep 1.5
    tl_stop
    diag "timeline (ms after the failure):"
    diag "$(tl_show --since fail)"
    local out
    out=$(tl_check --since fail --victims "$victims" --survivors "${survivors[*]}" 2>&1)
    ok $? "invariant: every survivor (${survivors[*]}) in grace before the VIP came up"
    diag "$out"
    for s in "${survivors[@]}"; do
        for v in $victims; do
            if sbx_log_since "$s" "${logpos[$s]}" | grep -E "recovery event 5 .*ip $v\b" >/dev/null; then
                pass "$s's ganesha took over $v's clients (recovery event 5 ip $v)"
            else
                fail "$s's ganesha took over $v's clients (recovery event 5 ip $v)"
                diag "$(sbx_log_since "$s" "${logpos[$s]}" | tail -n 15)"
            fi
        done
    done
    if ((acks)); then
        for v in $victims; do
            t_vip=$(tl_first fail "\$2==\"vip\" && \$4==\"+$(sbx_vip "$v")\"")
            for s in "${survivors[@]}"; do
                t_ack=$(tl_first fail "\$2==\"attr\" && \$3==\"$v\" && \$4==\"grace-ack-$s=1\"")
                if [[ -n $t_ack && -n $t_vip ]] && ((t_ack <= t_vip)); then
                    pass "$s acked grace for $v before $v's VIP came up"
                else
                    fail "$s acked grace for $v before $v's VIP came up (ack ${t_ack:-none}, VIP ${t_vip:-none})"
                fi
            done
        done
    fi
}
