# shellcheck shell=bash
# client-lib.sh - failover scenarios judged by real Linux NFS clients
# (user-mode Linux, extras/sandbox/nfs-client). Source after sandbox-lib.sh.
#
#   client_failover_check KIND VERS [VICTIM [failback]]
#       KIND: kill (ganesha SIGKILLed), hang (ganesha SIGSTOPped: found by
#       nfs-mon's D-Bus probes), crash (the whole node powered off).
#       VERS: 4.1 or 4.0.
#       Client A (c1) mounts VICTIM's VIP, locks a file and appends fsynced
#       records; client B (c2), through another node's VIP, tries to take a
#       conflicting lock all along; client C (c3), through the third node's
#       VIP, creates new files all along. Then the failure. Checks what the
#       clients saw: A's writes resumed with no I/O error, its kernel lost no
#       lock, the file holds every acknowledged record in order, B never got
#       the lock, and A still holds it afterwards (B cannot take it). Prints
#       A's I/O pause and C's longest wait for a new open.
#       failback (KIND kill only): once A writes on the survivor, ganesha
#       starts again on VICTIM and the VIP goes home; the same checks hold
#       across that move too (the survivor hands A's state back: ganesha_handoff).
#
#   client_scenario KIND VERS VICTIM [failback]
#       A whole client scenario between sbx_begin and sbx_end: the cluster
#       reset with no planted record (one never reclaims, so it would hold
#       every takeover's grace), client_failover_check, then settled.
#
# Exports CL_PAUSE_MS, CL_OPEN_GAP_MS, CL_BACK_PAUSE_MS (failback),
# CL_GRACE_MS (every survivor in grace), CL_VIP_MS (VIP up on a survivor),
# CL_B_WINDOW (B's grants between the failure and the survivors' grace) and
# CL_CHECKS_OK (1: every check of the run passed: lock kept, no I/O error,
# every record there, B never granted outside the window) for a
# caller that records figures (extras/sandbox/client-bench). Sourcing it skips the whole test where user-mode
# Linux is missing.

[[ -x /usr/bin/linux.uml ]] || skip_all "user-mode-linux is not installed (extras/install-deps.sh)"
export GOCF_NO_PLANT=1

CL_TOOL="$SBX_TOOL client"
CL_PROBE=${GOCF_SBX_DIR:-/var/lib/ganesha-ocf-sandbox}/clients/bin/nfs-probe
CL_PAUSE_MS=
CL_OPEN_GAP_MS=
CL_BACK_PAUSE_MS=
CL_GRACE_MS=
CL_VIP_MS=
CL_B_WINDOW=
CL_CHECKS_OK=

cl() { $CL_TOOL "$@"; }
cl_dir() { cl dir "$1"; }
cl_log() { echo "$(cl_dir "$1")/log/$2.log"; }
# cl_acks_after T_MS N: client A acknowledged at least N writes after T
cl_acks_after() {
    awk -v t="$1" -v n="$2" '$1 == "ack" && $3 > t { c++ } END { exit !(c >= n) }' "$(cl_log c1 writer)"
}

# the probes of every client stop; mounts go; clients halt
cl_cleanup() {
    local c
    for c in c1 c2 c3; do
        cl exec "$c" -t 10 sh -c 'pkill -TERM nfs-probe; sleep 0.3; umount -f -l /mnt/nfs' >/dev/null 2>&1
        cl del "$c" >/dev/null 2>&1
    done
}

# cl_tickles VIP NODE...: how many times the nodes' handoff sent tickle ACKs
# for VIP (their Pacemaker logs)
cl_tickles() {
    local vip=$1 n c=0
    shift
    for n in "$@"; do
        c=$((c + $(awk -v v="for $vip," 'index($0, "tickle: sent") && index($0, v) { c++ } END { print c + 0 }' \
            "$(sbx_pacemaker_log "$n")" 2>/dev/null || echo 0)))
    done
    echo "$c"
}
cl_tickles_above() { (($(cl_tickles "${@:2}") > $1)); }

client_failover_check() {
    local kind=$1 vers=$2 victim=${3:-n2} back=${4:-} nodes others=() b_node c_node n t_back=0
    local file=/mnt/nfs/lock-$kind-${vers/./}.dat t_fail t_last t_first t_end
    local failed0=$TAP_FAILED
    CL_PAUSE_MS= CL_OPEN_GAP_MS= CL_BACK_PAUSE_MS= CL_GRACE_MS= CL_VIP_MS= CL_B_WINDOW= CL_CHECKS_OK=0
    mapfile -t nodes < <(sbx_nodes)
    for n in "${nodes[@]}"; do [[ $n == "$victim" ]] || others+=("$n"); done
    b_node=${others[0]}
    c_node=${others[1]:-${others[0]}}

    local c vip rc
    for c in c1 c2 c3; do
        case $c in c1) vip=$(sbx_vip "$victim") ;; c2) vip=$(sbx_vip "$b_node") ;; c3) vip=$(sbx_vip "$c_node") ;; esac
        if cl add "$c" >/dev/null 2>&1 && cl mount "$c" "$vip" "$vers" >/dev/null 2>&1; then
            pass "client $c booted and mounted $vip (NFSv$vers)"
        else
            fail "client $c booted and mounted $vip (NFSv$vers)"
            diag "$(tail -n 20 "$(cl_dir "$c")/console.log" 2>/dev/null)"
            cl_cleanup
            return 1
        fi
    done
    cl exec c3 mkdir -p /mnt/nfs/c-opens >/dev/null 2>&1
    cl exec c1 -b "$CL_PROBE" writer "$file" "$(cl_log c1 writer)" 200
    wait_until 30 "A holds its lock and writes" cl_acks_after 0 5
    ok $? "client A locked $file and acknowledged writes through $victim's VIP"
    cl exec c2 -b "$CL_PROBE" locker "$file" "$(cl_log c2 locker)" 200
    cl exec c3 -b "$CL_PROBE" opener /mnt/nfs/c-opens "$(cl_log c3 opener)" 200
    wait_until 10 "B tried the lock" grep -q . "$(cl_log c2 locker)"
    sleep 1
    local tickles0=0
    if [[ $kind == crash ]]; then
        # A crashed node's clients are tickled from the record its handoff
        # monitor keeps (every 30 s): a mount that old, as most are
        local a_ip rec
        a_ip=$(cl list | awk '$1 == "c1" { print $2 }')
        rec=$SBX_DIR/shared/nfs-ganesha/tickle_dir/$(sbx_vip "$victim").conn
        wait_until 45 "$victim recorded A's connection" grep -q "^$a_ip " "$rec"
        ok $? "$victim's handoff monitor recorded client A's connection ($a_ip in ${rec##*/})"
        tickles0=$(cl_tickles "$(sbx_vip "$victim")" "${others[@]}")
    fi

    : >"$SBX_TL"
    tl_start || fail "timeline recorder started"
    tl_mark fail "$kind $victim"
    t_fail=$(now_ms)
    case $kind in
        kill) sbx kill-ganesha "$victim" ;;
        hang) sbx freeze-ganesha "$victim" ;;
        crash) sbx crash-node "$victim" ;;
        *) bail "client_failover_check: unknown kind $kind" ;;
    esac
    wait_until 90 "VIP of $victim on a survivor" vip_moved_off "$victim"
    ok $? "VIP of $victim moved to $(sbx_vip_node "$victim")"
    wait_until 120 "A writes again" cl_acks_after "$((t_fail + 100))" 5
    ok $? "client A's writes resumed on the survivor through the same mount"
    if [[ $kind == crash ]]; then
        wait_until 15 "tickle ACKs sent" cl_tickles_above "$tickles0" "$(sbx_vip "$victim")" "${others[@]}"
        ok $? "the survivor taking $victim's VIP sent tickle ACKs to the recorded connections"
    fi
    # A still holds the lock: B (through another server) cannot take it now
    cl exec c2 -t 60 "$CL_PROBE" holds "$file"
    rc=$?
    ok $rc "client A still holds its lock after the failover (B cannot take it; holds exit $rc)"
    if [[ $back == failback ]]; then
        # the takeover grace is over first, so that what follows is the failback's
        wait_until 120 "no ganesha in grace" no_grace_anywhere
        tl_mark failback "start-ganesha $victim"
        t_back=$(now_ms)
        sbx_q start-ganesha "$victim"
        wait_until 120 "VIP of $victim home" vip_home "$victim"
        ok $? "VIP of $victim failed back home"
        wait_until 120 "A writes again after the failback" cl_acks_after "$((t_back + 100))" 5
        ok $? "client A's writes resumed at home through the same mount"
        cl exec c2 -t 60 "$CL_PROBE" holds "$file"
        rc=$?
        ok $rc "client A still holds its lock after the failback (B cannot take it; holds exit $rc)"
    fi
    t_end=$(now_ms)
    tl_stop
    # when the last survivor was in grace
    local t_grace=0 t
    for n in "${others[@]}"; do
        t=$(tl_first fail "\$2==\"grace\" && \$3==\"$n\" && \$4==\"true\"")
        [[ -n $t ]] && ((t > t_grace)) && t_grace=$t
    done
    # B first: killing A first frees its lock while B's last attempt may
    # still be in flight (held back by grace) and would be granted
    for c in c2 c3 c1; do cl exec "$c" -t 10 pkill -TERM nfs-probe >/dev/null 2>&1; done
    sleep 0.5

    local wl ll ol
    wl=$(cl_log c1 writer) ll=$(cl_log c2 locker) ol=$(cl_log c3 opener)
    if grep -q '^error' "$wl"; then
        fail "no I/O error reached client A"
        diag "$(grep '^error' "$wl" | head -n 5)"
    else
        pass "no I/O error reached client A"
    fi
    local dm
    dm=$(cl exec c1 dmesg 2>&1)
    if grep -Ei 'lost [0-9]+ lock|reclaim.*fail|failed to reclaim' <<<"$dm" >/dev/null; then
        fail "client A's kernel lost no lock"
        diag "$(grep -Ei 'lock|reclaim' <<<"$dm" | tail -n 5)"
    else
        pass "client A's kernel lost no lock (no 'lost N locks' in its log)"
    fi
    # B's attempts: before the failure, in the window between the failure
    # and every survivor's grace, and after (the guarantee)
    local early window late
    read -r early window late < <(awk -v f="$t_fail" -v g="$t_grace" -v e="$t_end" '
        $1 == "GOT" && $2 + $3 < e { if ($2 + $3 < f) b++; else if ($2 <= g) w++; else l++ }
        END { print b + 0, w + 0, l + 0 }' "$ll")
    ok "$((early + late))" "client B never got A's lock before the failure nor once every survivor was in grace (B granted: $early before, $late after)"
    if [[ $kind == hang ]]; then
        # nfs-mon kills the hung ganesha only once every survivor confirmed
        # grace (kill_hung): its locks keep B off until then, grace after
        ok "$window" "client B never got A's lock between the hang and the survivors' grace either ($window granted)"
    elif [[ $kind == crash ]]; then
        # the crashed node holds its locks until it is fenced (crash-node);
        # the survivors enter grace when it leaves the membership, before
        # (early_grace: Corosync tells their watchers)
        ok "$window" "client B never got A's lock between the crash and the survivors' grace either ($window granted)"
    elif ((window)); then
        diag "KNOWN GAP: client B got the lock $window time(s) between the failure and the survivors' grace ($((t_grace - t_fail)) ms): the dead ganesha's locks vanish with it, before any survivor is in grace"
    fi
    # on the shared storage itself, and as client A reads it back through its
    # mount (another node's ganesha may answer from its attribute cache for
    # up to Attr_Expiration_Time: FSAL_VFS has no cache upcalls)
    local v
    v=$("$CL_PROBE" verify "$SBX_DIR/shared/export/${file#/mnt/nfs/}" "$wl" 2>&1)
    ok $? "every record A was told was written is on the shared storage, in order ($v)"
    v=$(cl exec c1 -t 60 "$CL_PROBE" verify "$file" "$wl" 2>&1)
    ok $? "client A reads back every record it was told was written ($v)"

    # A's pause: the longest time between two acknowledgements from the
    # last one before the failure on (the failure command itself takes a
    # moment, so the kill lands a little after t_fail)
    read -r t_last t_first < <(awk -v t="$t_fail" '
        $1 != "ack" { next }
        $3 <= t { p = $3; next }
        p && $3 - p > g { g = $3 - p; a = p; b = $3 }
        { p = $3 }
        END { print a + 0, b + 0 }' "$wl")
    CL_PAUSE_MS=$((t_first - t_last))
    if ((t_back)); then
        CL_BACK_PAUSE_MS=$(awk -v t="$t_back" '
            $1 != "ack" { next }
            $3 <= t { p = $3; next }
            p && $3 - p > g { g = $3 - p }
            { p = $3 }
            END { print g + 0 }' "$wl")
        diag "client A: I/O pause across the failback ${CL_BACK_PAUSE_MS} ms"
    fi
    # C: the longest time a new open took, or waited, after the failure
    CL_OPEN_GAP_MS=$(awk -v t="$t_fail" -v e="$t_end" '
        $1 == "opened" || $1 == "open-error" || $1 == "write-error" {
            s = $2; d = $3; if (s + d < t) next
            if (p && s + d - p > g) g = s + d - p; p = s + d }
        END { print g + 0 }' "$ol")
    diag "client A: I/O pause ${CL_PAUSE_MS} ms (from +$((t_last - t_fail)) to +$((t_first - t_fail)) ms after the failure command)"
    diag "client C (through $c_node): longest wait between new opens ${CL_OPEN_GAP_MS} ms"
    local t_vip
    t_vip=$(tl_first fail "\$2==\"vip\" && \$4==\"+$(sbx_vip "$victim")\"")
    CL_GRACE_MS=$((t_grace - t_fail))
    CL_VIP_MS=$((${t_vip:-0} - t_fail))
    CL_B_WINDOW=$window
    ((TAP_FAILED == failed0)) && CL_CHECKS_OK=1
    diag "every survivor in grace +$((t_grace - t_fail)) ms; VIP up on $(sbx_vip_node "$victim") +$((${t_vip:-0} - t_fail)) ms"
    diag "client B (through $b_node): $(grep -c '^denied' "$ll") denied, $(grep -c '^GOT' "$ll") granted, $(grep -c 'error' "$ll") errors"
    cl_cleanup
}

client_scenario() {
    sbx_reset >/dev/null 2>&1 || true
    ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home, no grace, no planted record"
    client_failover_check "$@"
    check_settled "cluster settles after the ${4:-failover}"
}
