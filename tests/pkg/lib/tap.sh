# shellcheck shell=bash
# shellcheck disable=SC2034 # the PKG_* lists are read by the tests
# lib/tap.sh: TAP helpers of the package tests (sourced, bash), as the
# integration tests' lib/agents.sh has them: the plan comes last.

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

skip() { # skip DESCRIPTION REASON
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1 # SKIP $2"
}

skip_all() { # skip_all REASON
    echo "1..0 # SKIP $1"
    exit 0
}

bail() { # bail REASON: a step the rest depends on failed; plan what ran
    not_ok "$1" "${@:2}"
    echo "1..$tap_n"
    exit 1
}

done_testing() {
    echo "1..$tap_n"
    ((tap_failed == 0))
}

# The paths the package installs, relative to /, and their kind: the one
# list package.sh checks in the .deb and the RPM and install.sh on the
# machine. "x": an executable file, "f": a file, "l": a symlink (with its
# target after "->"), "m": a man page (compressed or not).
PKG_OCF_DIR=usr/lib/ocf/resource.d/heartbeat
PKG_AGENTS=(ganesha_grace ganesha_handoff ganesha_mon ganesha_nfsd)
PKG_PATHS=(
    "x $PKG_OCF_DIR/ganesha_grace"
    "x $PKG_OCF_DIR/ganesha_handoff"
    "x $PKG_OCF_DIR/ganesha_mon"
    "x $PKG_OCF_DIR/ganesha_nfsd"
    "x usr/libexec/ganesha/ganesha-ha.sh"
    "l usr/sbin/ganesha-ha.sh -> ../libexec/ganesha/ganesha-ha.sh"
    "m usr/share/man/man7/ocf_heartbeat_ganesha_grace.7"
    "m usr/share/man/man7/ocf_heartbeat_ganesha_handoff.7"
    "m usr/share/man/man7/ocf_heartbeat_ganesha_mon.7"
    "m usr/share/man/man7/ocf_heartbeat_ganesha_nfsd.7"
    "m usr/share/man/man8/ganesha-ha.sh.8"
    "f usr/share/doc/ganesha-ocf/examples/ganesha-ha.conf.sample"
)
# GlusterFS's shell agents the Debian package diverts (debian/*.preinst)
PKG_DIVERTED=(ganesha_grace ganesha_mon ganesha_nfsd)
