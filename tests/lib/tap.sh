# shellcheck shell=bash
# tests/lib/tap.sh: the TAP helpers shared by the integration and package
# tests (sourced, bash). The plan comes last (done_testing).

tap_n=0
tap_failed=0

ok() { # ok DESCRIPTION
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1"
}

not_ok() { # not_ok DESCRIPTION [DIAGNOSTIC...]
    tap_n=$((tap_n + 1))
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_n - $1"
    shift
    local line
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/#   /'
    done
}

check() { # check DESCRIPTION CMD...: one test point from a command's status
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc" "command failed: $*"; fi
}

skip_all() { # skip_all REASON
    echo "1..0 # SKIP $1"
    exit 0
}

done_testing() {
    echo "1..$tap_n"
    ((tap_failed == 0))
}
