#!/bin/bash
# offline: no cluster, no sandbox, no time bound (tests/run-all runs it in the background)
# ganesha-ha.sh killed halfway (issue 16): setup, add and delete run against
# an offline CIB (CIB_file=<file>, as in 03-cibfile.sh: cibadmin --empty plus
# nodes n1-n3, HA_FENCING=no; n1,n2 configured, then add n3, delete n3) and
# are SIGKILLed, whole process group (ganesha-ha.sh runs under setsid), as a
# power loss or an admin's kill -9 would, at a step: a call of a mutating
# tool (pcs, cibadmin but --query, crm_diff, crm_attribute, mv, cp, ln, rm,
# touch, mkdir, chmod, chown, mktemp), counted by the shims of
# lib/kill-step.sh first in PATH. After each kill:
#  1. the CIB file is the one before, or the complete new one (crm_verify -x,
#     and the canonical form of 03's canon() equal to an uninterrupted
#     run's), never a torn file; ganesha-ha.conf and the property record are
#     the old or the new version; no process of the killed run is left;
#  2. the same command run again (no shim) completes with exit 0 and the
#     result of the uninterrupted run (canon() of the CIB, the config and the
#     record byte for byte), or refuses (an "error:" line, non-zero exit,
#     nothing changed) either because the command had already completed or
#     naming the command to run.
# Which steps: a kill point costs the steps before it plus, for a new
# state, a whole re-run (~0.5 s per pcs call, 25-40 of them per run): all
# ~120 steps would take ~30 min. Every file ganesha-ha.sh changes is written
# to a temporary first and renamed, so the steps that change what a re-run
# finds are the renames (mv) and the writes of the CIB (cibadmin --patch);
# the others edit the working copy in ganesha-ha.sh's private temporary
# directory or create temporaries. The test kills before step 1, before the
# first edit of the working copy, before each mv (the most work done without
# that rename: the property record in setup, the patched CIB, the config in
# add and delete), inside each cibadmin or crm_attribute call that writes a
# file outside the working copy (a SIGKILL at its first write(2), through
# strace; skipped without it) and before the last step (all done but the
# clean-up): 18 kill points, ~4 min on 2 cores. A kill before any other step
# leaves the same CIB, config and record as one of these. A state whose CIB,
# config and record equal one already re-run is not re-run again (the
# temporaries beside them are never read); the start state's re-run is the
# uninterrupted run. KILL_ONLY=<regex> runs only the points whose
# "command:step:before|mid" matches.
set -uo pipefail   # no -e: a failing check must print "not ok", not end the run
# shellcheck source=tests/ha/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"
no_host_ganesha_conf

for t in xmllint crm_mon cibadmin crm_verify crm_diff pcs setsid cksum; do
    command -v "$t" >/dev/null 2>&1 || tap_skip_all "$t missing"
done
# strace that can SIGKILL a tool at its first write(2) (137: it did)
HAVE_STRACE=0
if command -v strace >/dev/null 2>&1; then
    {
        strace -f -qq -o /dev/null -e trace=write -e inject=write:signal=KILL:when=1 \
            sh -c 'echo x >/dev/null'
    } 2>/dev/null
    (($? == 137)) && HAVE_STRACE=1
fi
KILL_STEP=$HA_TESTS_DIR/lib/kill-step.sh
t_start=$SECONDS

# pcs takes an agent's default operations from its metadata when it is
# installed: an install or removal during the test changes what a re-run
# builds (another run on this machine installing or purging the package)
agents_here() {
    local a
    for a in ganesha_nfsd ganesha_mon ganesha_grace ganesha_handoff; do
        crm_resource --show-metadata "ocf:heartbeat:$a" >/dev/null 2>&1 && printf '%s ' "$a"
    done
    return 0
}
agents_at_start=$(agents_here)

C=$T/conf
CIB=$T/cib/cib.xml
KS=$T/ks
export CIB_file=$CIB
export TMPDIR=$T/tmp
mkdir -p "$T/cib" "$C" "$TMPDIR" "$KS/shim" "$T/states"

canon() {
    # one temporary file per call: diff <(canon a) <(canon b) runs two at once
    local tmp
    tmp=$(mktemp "$T/canon.XXXXXX")
    xmllint --noblanks "$1" >"$tmp" 2>/dev/null
    xmllint --xpath '/cib/configuration/resources/* | /cib/configuration/constraints/* | /cib/configuration/crm_config//nvpair' "$tmp" 2>/dev/null | sort
    rm -f "$tmp"
}

# the shims: each one execs kill-step.sh with its tool's real path
for t in pcs cibadmin crm_diff crm_attribute mv cp ln rm touch mkdir chmod chown mktemp; do
    real=$(command -v "$t") || continue
    printf '#!/bin/bash\nexec /bin/bash %q %q %q "$@"\n' "$KILL_STEP" "$t" "$real" >"$KS/shim/$t"
    chmod +x "$KS/shim/$t"
done

save_state() {   # save_state NAME: the CIB, the config and the record
    local d=$T/states/$1
    rm -rf "$d"
    mkdir -p "$d"
    cp -p "$CIB" "$d/cib.xml"
    cp -p "$C/ganesha-ha.conf" "$d/ganesha-ha.conf"
    [[ -e $C/.ganesha-ha-properties ]] && cp -p "$C/.ganesha-ha-properties" "$d/props"
    return 0
}

restore_state() {   # restore_state NAME: those files alone, nothing else
    local d=$T/states/$1
    rm -rf "$T/cib" "$C" "$TMPDIR"
    mkdir -p "$T/cib" "$C" "$TMPDIR"
    cp -p "$d/cib.xml" "$CIB"
    cp -p "$d/ganesha-ha.conf" "$C/ganesha-ha.conf"
    [[ -e $d/props ]] && cp -p "$d/props" "$C/.ganesha-ha-properties"
    return 0
}

# same_file FILE SAVED: equal bytes, or both absent
same_file() {
    if [[ -e $1 || -e $2 ]]; then cmp -s "$1" "$2"; else return 0; fi
}

# state_is NAME: the config and the record are NAME's, the CIB's canonical
# form too
state_is() {
    local d=$T/states/$1
    same_file "$C/ganesha-ha.conf" "$d/ganesha-ha.conf" &&
        same_file "$C/.ganesha-ha-properties" "$d/props" &&
        diff <(canon "$CIB") <(canon "$d/cib.xml") >/dev/null
}

# what a re-run reads: the CIB, the config and the record
real_key() {
    local f
    for f in "$CIB" "$C/ganesha-ha.conf" "$C/.ganesha-ha-properties"; do
        if [[ -e $f ]]; then cksum <"$f"; else echo absent; fi
    done | cksum
}

# ks_run KILL_AT MODE ARGS...: ganesha-ha.sh ARGS in a session of its own,
# the shims first in PATH (KILL_AT 0: never killed)
ks_run() {
    local at=$1 mode=$2
    shift 2
    printf '0\n' >"$KS/count"
    : >"$KS/steps"
    rm -f "$KS/sid" "$KS/mid-rc"
    # (the group: bash's "Killed" notice goes to /dev/null)
    {
        KS_DIR=$KS KS_KILL_AT=$at KS_MODE=$mode PATH=$KS/shim:$PATH \
            setsid --wait "$GHA" "$@" >"$T/out" 2>"$T/err"
    } 2>/dev/null
}

# step_desc N: step N of the reference run, shortened
step_desc() {
    awk -F'\t' -v n="$1" '$1 == n { print $2 " " $4 }' "$T/ref.steps" |
        sed -E "s#$TMPDIR/ganesha-ha\.[A-Za-z0-9]+/#WORK/#g; s#$T/##g" | cut -c1-90
}

# choose_points: "N before|mid" lines from the reference run's steps
choose_points() {
    awk -F'\t' -v tmp="$TMPDIR/" '
        { n = $1; tool[n] = $2; cf[n] = $3; args[n] = $4; last = n }
        END {
            for (i = 1; i <= last; i++) {
                work = (tool[i] == "pcs" && index(args[i], "-f " tmp) == 1) ||
                    (tool[i] == "cibadmin" && index(cf[i], tmp) == 1)
                if (i == 1 || i == last || tool[i] == "mv" || (work && !first_work))
                    print i, "before"
                if (work && !first_work) first_work = i
                if (!work && (tool[i] == "cibadmin" || tool[i] == "crm_attribute"))
                    print i, "mid"
            }
        }' "$T/ref.steps"
}

declare -A VERDICT=()    # real state key -> "ok|not ok" and what the re-run did
POINTS=()

# kill_points NAME START ARGS...: the reference run from state START (saved
# as NAME), then a kill at each chosen step of it, each from START
kill_points() {
    local name=$1 start=$2
    shift 2
    local rc=0 n k mode desc
    restore_state "$start"
    ks_run 0 before "$@" || rc=$?
    cp "$KS/steps" "$T/ref.steps"
    n=$(wc -l <"$T/ref.steps")
    ok "$rc" "$name uninterrupted: exit 0, $n steps"
    [[ $rc == 0 ]] || { diag_file "$T/err"; return; }
    save_state "$name"
    # the re-run of the start state is the run just done
    restore_state "$start"
    VERDICT[$(real_key)]="ok|the uninterrupted run from the same files completed"
    while read -r k mode; do
        [[ $name:$k:$mode =~ ${KILL_ONLY:-.} ]] || continue
        desc="step $k/$n ($(step_desc "$k"))"
        [[ $mode == mid ]] && desc="inside the write of $desc"
        POINTS+=("$name: $desc")
        if [[ $mode == mid ]] && ((!HAVE_STRACE)); then
            skip "$name: killed $desc: strace missing"
            skip "$name: re-run after a kill $desc: strace missing"
            continue
        fi
        one_point "$name" "$start" "$k" "$mode" "$desc" "$@"
    done < <(choose_points)
}

one_point() {   # one_point NAME START K MODE DESC ARGS...
    local name=$1 start=$2 k=$3 mode=$4 desc=$5
    shift 5
    local d=$T/states/$start r=$T/states/$name sid left cib_was conf_was rec_was i
    local -a why=()
    restore_state "$start"
    ks_run "$k" "$mode" "$@"
    if [[ ! -s $KS/sid ]]; then
        why+=("never killed: the run took $(wc -l <"$KS/steps") steps")
    else
        sid=$(<"$KS/sid")
        # the group is dying: give the kernel a moment
        for ((i = 0; i < 50; i++)); do
            left=$(ps -o pid= -s "$sid" 2>/dev/null | tr -s ' \n' ' ')
            [[ -z ${left// /} ]] && break
            sleep 0.2
        done
        if [[ -n ${left// /} ]]; then
            why+=("processes of the killed run left: $(ps -o pid=,stat=,pgid=,etime=,args= -s "$sid" 2>/dev/null | tr -s ' \n' ' ')")
            # shellcheck disable=SC2086 # pids
            kill -KILL $left 2>/dev/null
        fi
    fi
    if ! diff <(cut -f2 "$KS/steps") <(head -n "$k" "$T/ref.steps" | cut -f2) >/dev/null; then
        why+=("its steps differ from the reference run's")
    fi
    if [[ $mode == mid && $(cat "$KS/mid-rc" 2>/dev/null) != 137 ]]; then
        why+=("the tool was not killed inside a write (exit $(cat "$KS/mid-rc" 2>/dev/null))")
    fi
    if cmp -s "$CIB" "$d/cib.xml"; then
        cib_was=before
    elif xmllint --noout "$CIB" 2>/dev/null && crm_verify -x "$CIB" >/dev/null 2>&1 &&
        diff <(canon "$CIB") <(canon "$r/cib.xml") >/dev/null; then
        cib_was=new
    elif ! xmllint --noout "$CIB" 2>/dev/null; then
        cib_was=torn
        why+=("the CIB is not XML ($(wc -c <"$CIB") bytes: $(xmllint --noout "$CIB" 2>&1 | head -n1))")
    else
        cib_was=other
        why+=("the CIB is neither the one before nor the new one")
    fi
    if same_file "$C/ganesha-ha.conf" "$d/ganesha-ha.conf"; then conf_was=old
    elif same_file "$C/ganesha-ha.conf" "$r/ganesha-ha.conf"; then conf_was=new
    else conf_was=torn; why+=("ganesha-ha.conf is neither the old nor the new one"); fi
    if same_file "$C/.ganesha-ha-properties" "$d/props"; then rec_was=old
    elif same_file "$C/.ganesha-ha-properties" "$r/props"; then rec_was=new
    else rec_was=torn; why+=("the property record is neither the old nor the new one"); fi
    ((${#why[@]} == 0))
    ok $? "$name: killed $desc: CIB $cib_was, config $conf_was, record $rec_was"
    ((${#why[@]} == 0)) || diag "${why[@]}"

    # the same command again, no shim
    local key verdict rc=0 msg
    key=$(real_key)
    if [[ -n ${VERDICT[$key]:-} ]]; then
        verdict=${VERDICT[$key]}
        [[ ${verdict%%|*} == ok ]]
        ok $? "$name: re-run after a kill $desc: the same files as a state already re-run: ${verdict#*|}"
        return
    fi
    cp -p "$CIB" "$T/pre.cib"
    cp -p "$C/ganesha-ha.conf" "$T/pre.conf"
    rm -f "$T/pre.props"
    [[ -e $C/.ganesha-ha-properties ]] && cp -p "$C/.ganesha-ha-properties" "$T/pre.props"
    "$GHA" "$@" >"$T/out" 2>"$T/err" || rc=$?
    msg=$(grep -m1 'error:' "$T/err")
    if ((rc == 0)); then
        if state_is "$name" && crm_verify -x "$CIB" >/dev/null 2>&1; then
            verdict="ok|completed (exit 0), the uninterrupted run's result"
        else
            verdict="not ok|exit 0, but not the uninterrupted run's result"
        fi
    elif [[ -z $msg ]]; then
        verdict="not ok|exit $rc without an error line"
    elif ! cmp -s "$CIB" "$T/pre.cib" || ! cmp -s "$C/ganesha-ha.conf" "$T/pre.conf" ||
        ! same_file "$C/.ganesha-ha-properties" "$T/pre.props"; then
        verdict="not ok|exit $rc, but it changed files: $msg"
    elif state_is "$name"; then
        verdict="ok|refused (exit $rc) after a complete run: $msg"
    elif [[ $msg == *"run '"* ]]; then
        verdict="ok|refused (exit $rc), naming what to run: $msg"
    else
        verdict="not ok|exit $rc, state incomplete, no command named: $msg"
    fi
    VERDICT[$key]=$verdict
    [[ ${verdict%%|*} == ok ]]
    ok $? "$name: re-run after a kill $desc: ${verdict#*|}"
    [[ ${verdict%%|*} == ok ]] || diag_file "$T/err"
}

# ---- the start: cibadmin --empty, nodes n1-n3, n1,n2 configured ------------
offline_cib 3
write_conf "$C" <<EOF
HA_NAME=killed
HA_CLUSTER_NODES="n1,n2"
VIP_n1="10.77.0.101"
VIP_n2="10.77.0.102"
HA_FENCING=no
EOF
save_state base

kill_points setup base setup "$C"
kill_points add setup add "$C" n3 10.77.0.103
kill_points delete add delete "$C" n3

diag "kill points tested (${#POINTS[@]}):" "${POINTS[@]}"
if [[ $(agents_here) != "$agents_at_start" ]]; then
    diag "the installed ganesha agents changed during the test (from '${agents_at_start:-none}' to '$(agents_here)'):" \
        "runs before and after the change build different operations; run it again"
fi
diag "time: $((SECONDS - t_start)) s"
tap_plan "$TAP_N"
tap_done
