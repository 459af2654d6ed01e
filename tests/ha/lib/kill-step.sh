#!/bin/bash
# Kill-point shim for tests/ha/08-killed-steps.sh: $KS_DIR/shim/TOOL runs
#
#   kill-step.sh TOOL REAL ARGS...
#
# which counts the call as a step, logs it ("N<TAB>TOOL<TAB>$CIB_file<TAB>
# ARGS" in $KS_DIR/steps) and runs REAL, except at step $KS_KILL_AT, where it
# SIGKILLs the whole process group of ganesha-ha.sh instead (KS_MODE=before)
# or after REAL has been SIGKILLed at its first write(2) through strace
# (KS_MODE=mid: a kill inside the tool's write). The killed session's id goes
# to $KS_DIR/sid. Only ganesha-ha.sh's own calls are counted: the shim
# directory is taken off PATH before REAL runs, and this script calls no
# tool that has a shim.
set -uo pipefail

tool=$1 real=$2
shift 2
PATH=${PATH#"$KS_DIR/shim:"}
export PATH

# reads are not steps
if [[ $tool == cibadmin ]]; then
    for a in "$@"; do
        case $a in --query | -Q) exec "$real" "$@" ;; esac
    done
fi

n=$(<"$KS_DIR/count")
n=$((n + 1))
printf '%s\n' "$n" >"$KS_DIR/count"
printf '%s\t%s\t%s\t%s\n' "$n" "$tool" "${CIB_file:-}" "$*" >>"$KS_DIR/steps"

if [[ $n == "${KS_KILL_AT:-0}" ]]; then
    # /proc/PID/stat: pid (comm) state ppid pgrp session ...; the session
    # leader is ganesha-ha.sh itself (setsid), its pid the group's id
    read -r -a st <"/proc/$$/stat"
    printf '%s\n' "${st[5]}" >"$KS_DIR/sid"
    if [[ ${KS_MODE:-before} == mid ]]; then
        strace -f -qq -o /dev/null -e trace=write -e inject=write:signal=KILL:when=1 \
            "$real" "$@" >/dev/null 2>&1
        printf '%s\n' "$?" >"$KS_DIR/mid-rc"
    fi
    # ganesha-ha.sh's group, then this one's if it differs (a tool under
    # timeout(1) runs in a group of its own)
    kill -KILL -- "-${st[5]}" 2>/dev/null
    kill -KILL 0
fi
exec "$real" "$@"
