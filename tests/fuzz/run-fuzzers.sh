#!/bin/bash
# run-fuzzers.sh - run each libFuzzer harness of tests/fuzz for a bounded
# time on its committed seed corpus and print TAP: one test point per
# harness, "not ok" on any crash, leak, timeout or sanitizer report (the
# input that did it is kept as tests/fuzz/artifacts/<harness>-crash-...).
# Called by `make fuzz` / `make fuzz-long` from the build directory.
#
# Usage: run-fuzzers.sh SRCDIR SECONDS HARNESS...
#   SRCDIR   the source tree (its tests/fuzz/corpus/<name>/ are the seeds)
#   SECONDS  how long each harness runs (-max_total_time)
#   HARNESS  built harnesses, e.g. tests/fuzz/fuzz_pidfile
# Environment: FUZZ_ARGS adds libFuzzer options (e.g. -jobs=2).
set -uo pipefail

srcdir=$1 seconds=$2
shift 2
work=tests/fuzz/work
artifacts=tests/fuzz/artifacts
mkdir -p "$work" "$artifacts"
# the harnesses make their scratch directories under TMPDIR: on tmpfs
# where there is one (state_write() syncs each file it writes)
export TMPDIR
if [[ -d /dev/shm && -w /dev/shm ]]; then
    TMPDIR=$(mktemp -d /dev/shm/gocf-fuzz.XXXXXX) || exit 2
else
    TMPDIR=$(mktemp -d "$PWD/$work/tmp.XXXXXX") || exit 2
fi
trap 'rm -rf "$TMPDIR"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "1..$#"
n=0 failed=0 total_runs=0
for harness in "$@"; do
    n=$((n + 1))
    name=${harness##*/fuzz_}
    log=$work/$name.log
    seeds=$srcdir/tests/fuzz/corpus/$name
    # new inputs go to a scratch corpus, the committed seeds are only read
    mkdir -p "$work/corpus-$name"
    t0=$SECONDS
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of options
    "$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=8192 -detect_leaks=1 -error_exitcode=1 -close_fd_mask=3 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
        ${FUZZ_ARGS:-} "$work/corpus-$name" "$seeds" >"$log" 2>&1
    rc=$?
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)$/\1/p' "$log" | tail -n 1)
    runs=${runs:-0}
    total_runs=$((total_runs + runs))
    if ((rc == 0)) && grep -q '^Done [0-9]* runs' "$log"; then
        echo "ok $n - fuzz_$name: $runs runs in $((SECONDS - t0)) s, no crash, leak or sanitizer report"
    else
        failed=$((failed + 1))
        echo "not ok $n - fuzz_$name: exit $rc after $runs runs (log: $log)"
        grep -E '^(==[0-9]+==|SUMMARY|.*runtime error|.*invariant failed|artifact_prefix|Test unit written|    #[0-9])' "$log" |
            head -n 40 | sed 's/^/# /'
    fi
done
echo "# $total_runs runs in all, $failed harness(es) failed"
((failed == 0))
