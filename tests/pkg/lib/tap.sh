# shellcheck shell=bash
# shellcheck disable=SC2034 # the PKG_* lists are read by the tests
# tests/pkg/lib/tap.sh: what the package tests add to tests/lib/tap.sh (skip,
# bail) and the one list of the paths the package installs.

# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/tap.sh"

skip() { # skip DESCRIPTION REASON
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1 # SKIP $2"
}

bail() { # bail REASON: a step the rest depends on failed; plan what ran
    not_ok "$1" "${@:2}"
    echo "1..$tap_n"
    exit 1
}

# The paths the package installs, relative to /, and their kind: the one
# list package.sh checks in the .deb and the RPM and install.sh on the
# machine. "x": an executable file, "f": a file, "l": a symlink (with its
# target after "->"), "m": a man page (compressed or not).
PKG_OCF_DIR=usr/lib/ocf/resource.d/heartbeat
PKG_AGENTS=(ganesha_grace ganesha_handoff ganesha_mon ganesha_nfsd ganesha_smnotify)
PKG_PATHS=(
    "x $PKG_OCF_DIR/ganesha_grace"
    "x $PKG_OCF_DIR/ganesha_handoff"
    "x $PKG_OCF_DIR/ganesha_mon"
    "x $PKG_OCF_DIR/ganesha_nfsd"
    "x $PKG_OCF_DIR/ganesha_smnotify"
    "x usr/libexec/ganesha/ganesha-ha.sh"
    "l usr/sbin/ganesha-ha.sh -> ../libexec/ganesha/ganesha-ha.sh"
    "m usr/share/man/man7/ocf_heartbeat_ganesha_grace.7"
    "m usr/share/man/man7/ocf_heartbeat_ganesha_handoff.7"
    "m usr/share/man/man7/ocf_heartbeat_ganesha_mon.7"
    "m usr/share/man/man7/ocf_heartbeat_ganesha_nfsd.7"
    "m usr/share/man/man7/ocf_heartbeat_ganesha_smnotify.7"
    "m usr/share/man/man8/ganesha-ha.sh.8"
    "f usr/share/doc/ganesha-ocf/examples/ganesha-ha.conf.sample"
)
# GlusterFS's shell agents the Debian package diverts (debian/*.preinst)
PKG_DIVERTED=(ganesha_grace ganesha_mon ganesha_nfsd)
