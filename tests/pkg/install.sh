#!/usr/bin/env bash
# install.sh: installs the built .deb on this machine, as an admin would,
# and later purges it and checks that nothing is left (TAP). tests/run-all
# runs "install" before the integration tests and scenarios, so that they
# use the packaged agents, and "purge-check" at the very end. It changes
# the machine: run it where CI runs, or in a throwaway root
# (tests/pkg/in-overlay.sh).
#
# Usage: tests/pkg/install.sh install DEB [--build-dir DIR]
#        tests/pkg/install.sh purge-check
#   install      apt-get install ./DEB, after purging a ganesha-ocf left
#                installed by an earlier run; with --build-dir, first "make
#                uninstall" there: what an earlier make install put in the
#                package's paths would be overwritten by dpkg unowned, and
#                come back when the package's diversions are removed
#   purge-check  apt-get purge ganesha-ocf, then: every path of its
#                "dpkg -L" is gone, no ganesha_* under the OCF heartbeat
#                directory and nothing under /usr/libexec/ganesha that no
#                other package owns, no diversion left
set -uo pipefail
# shellcheck source=tests/pkg/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/tap.sh"

PKG=ganesha-ocf
# prefix of the files install leaves for purge-check (the file list while
# installed) and of the logs
STATE=${GOCF_PKG_STATE:-/var/tmp/ganesha-ocf-pkg-test}

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

[[ $(id -u) -eq 0 ]] || skip_all "needs root (apt-get, dpkg)"
for p in apt-get dpkg dpkg-query dpkg-divert; do
    command -v "$p" >/dev/null 2>&1 || skip_all "$p not found (Debian only)"
done

# owner PATH: the packages that own PATH, but this one ("" if none)
owner() {
    dpkg-query -S "$1" 2>/dev/null | grep -v '^diversion by ' | sed -n 's/: .*//p' |
        tr ',' '\n' | sed 's/^ *//' | grep -vx "$PKG" | sort -u | paste -sd ' '
}

apt_env=(env DEBIAN_FRONTEND=noninteractive)

cmd_install() {
    local deb="" build_dir="" a path f
    while (($#)); do
        case $1 in
        --build-dir) build_dir=$2; shift ;;
        -*) usage ;;
        *) deb=$1 ;;
        esac
        shift
    done
    [[ -n $deb ]] || usage
    [[ -f $deb ]] || bail "the package $deb exists"
    deb=$(cd "$(dirname "$deb")" && pwd)/${deb##*/}

    # A ganesha-ocf left installed (a run cut short before its purge-check,
    # on this machine or the image it was made from) is purged first: make
    # uninstall would delete the files it owns, and apt-get, finding that
    # version installed already, would not put them back.
    local old
    old=$(dpkg-query -W -f '${db:Status-Abbrev}${Version}' "$PKG" 2>/dev/null)
    if [[ -n $old && $old != "un "* ]]; then
        if "${apt_env[@]}" apt-get purge -y "$PKG" >"$STATE.purge-old.log" 2>&1; then
            ok "the $PKG left installed (status '${old:0:3}', version ${old:3}) purged first"
        else
            bail "purge the $PKG left installed (${old:3})" "$(tail -n 20 "$STATE.purge-old.log")"
        fi
    fi
    if [[ -n $build_dir ]]; then
        if make -C "$build_dir" uninstall >"$STATE.uninstall.log" 2>&1; then
            ok "make uninstall in $build_dir"
        else
            not_ok "make uninstall in $build_dir" "$(tail -n 10 "$STATE.uninstall.log")"
        fi
    fi
    # Anything make install left there, no package owns: dpkg would take it
    # over silently, or the preinst's diversion would move it aside.
    local -a unowned=()
    for entry in "${PKG_PATHS[@]}"; do
        read -r _ path _ <<<"$entry"
        for f in "/$path" "/$path.gz"; do
            if [[ -e $f || -L $f ]] && ! dpkg-query -S "$f" >/dev/null 2>&1; then
                unowned+=("$f")
            fi
        done
    done
    if ((${#unowned[@]} == 0)); then
        ok "no unowned file (an earlier make install) in the package's paths"
    else
        not_ok "no unowned file (an earlier make install) in the package's paths" "${unowned[@]}" \
            "(run make uninstall in the build directory, or give --build-dir)"
    fi

    # The dependencies are installed already (extras/install-deps.sh):
    # no Recommends, and no download when nothing is missing.
    if "${apt_env[@]}" apt-get install -y --no-install-recommends "$deb" >"$STATE.apt.log" 2>&1; then
        ok "apt-get install ${deb##*/}"
    else
        bail "apt-get install ${deb##*/}" "$(tail -n 20 "$STATE.apt.log")"
    fi
    [[ $(dpkg-query -W -f '${db:Status-Abbrev}' "$PKG" 2>/dev/null) == "ii " ]]
    check "dpkg lists $PKG as installed" test $? -eq 0

    dpkg-query -L "$PKG" >"$STATE.list"
    dpkg-divert --list | grep " by $PKG\$" >"$STATE.diversions"
    local -a bad=()
    for a in "${PKG_AGENTS[@]}"; do
        f=/$PKG_OCF_DIR/$a
        if [[ ! -x $f ]] || ! grep -qx "$f" "$STATE.list" ||
            ! env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf HA_LOGFACILITY=none \
                "$f" meta-data >/dev/null 2>&1; then
            bad+=("$f")
        fi
    done
    if ((${#bad[@]} == 0)); then
        ok "the package's agents are in /$PKG_OCF_DIR and print their meta-data"
    else
        not_ok "the package's agents are in /$PKG_OCF_DIR and print their meta-data" "${bad[@]}"
    fi
    if command -v crm_resource >/dev/null 2>&1; then
        # captured whole: under pipefail an early grep -q can SIGPIPE the writer
        local md
        md=$(crm_resource --show-metadata ocf:heartbeat:ganesha_mon 2>/dev/null)
        grep -q '<resource-agent name="ganesha_mon"' <<<"$md"
        check "Pacemaker finds ocf:heartbeat:ganesha_mon (crm_resource --show-metadata)" test $? -eq 0
        local listed
        listed=$(crm_resource --list-agents ocf:heartbeat 2>/dev/null | grep -c '^\.\?ganesha_' || true)
        [[ $listed == "${#PKG_AGENTS[@]}" ]]
        check "Pacemaker lists exactly the ${#PKG_AGENTS[@]} ganesha agents of ocf:heartbeat" test $? -eq 0
    else
        skip "Pacemaker finds ocf:heartbeat:ganesha_mon" "crm_resource not installed"
    fi
    [[ $(command -v ganesha-ha.sh) == /usr/sbin/ganesha-ha.sh ]] &&
        grep -q '^Usage: ganesha-ha.sh' <<<"$(ganesha-ha.sh help 2>&1)"
    check "ganesha-ha.sh is on the PATH (/usr/sbin) and runs" test $? -eq 0
    [[ $(readlink -f /usr/sbin/ganesha-ha.sh) == /usr/libexec/ganesha/ganesha-ha.sh ]]
    check "/usr/sbin/ganesha-ha.sh leads to /usr/libexec/ganesha/ganesha-ha.sh (where glusterd runs it)" test $? -eq 0
    if command -v man >/dev/null 2>&1; then
        bad=()
        for a in "${PKG_AGENTS[@]}"; do
            man -w "ocf_heartbeat_$a" >/dev/null 2>&1 || bad+=("ocf_heartbeat_$a(7)")
        done
        man -w 8 ganesha-ha.sh >/dev/null 2>&1 || bad+=("ganesha-ha.sh(8)")
        if ((${#bad[@]} == 0)); then
            ok "man finds the agents' pages and ganesha-ha.sh(8)"
        else
            not_ok "man finds the agents' pages and ganesha-ha.sh(8)" "${bad[@]}"
        fi
    else
        skip "man finds the agents' pages and ganesha-ha.sh(8)" "man not installed"
    fi
    local want got
    want=$(printf '%s\n' "${PKG_DIVERTED[@]}" | sort | paste -sd ' ')
    got=$(grep -oE 'heartbeat/ganesha_[a-z]+ to' "$STATE.diversions" | sed 's|heartbeat/||; s| to||' |
        sort | paste -sd ' ')
    [[ $got == "$want" ]]
    check "the package diverts glusterfs-common's $want" test $? -eq 0
    done_testing
}

cmd_purge_check() {
    [[ -s $STATE.list ]] || bail "install ran first (it records the file list in $STATE.list)"
    if "${apt_env[@]}" apt-get purge -y "$PKG" >"$STATE.purge.log" 2>&1; then
        ok "apt-get purge $PKG"
    else
        not_ok "apt-get purge $PKG" "$(tail -n 20 "$STATE.purge.log")"
    fi
    local status
    status=$(dpkg-query -W -f '${db:Status-Abbrev}' "$PKG" 2>/dev/null)
    [[ -z $status || $status == "un " ]]
    check "dpkg has forgotten $PKG, configuration included (status '${status:-none}')" test $? -eq 0

    # Directories are shared (/usr/share/man, the provider directory); the
    # package's own must be gone unless another package uses them.
    local path o
    local -a left=() shared=()
    while read -r path; do
        [[ $path == /. || -z $path ]] && continue
        [[ -e $path || -L $path ]] || continue
        o=$(owner "$path")
        if [[ -d $path && ! -L $path ]]; then
            [[ -n $o || -n $(ls -A "$path" 2>/dev/null) ]] && continue
            left+=("$path/ (empty directory, no owner)")
        elif [[ -n $o ]]; then
            shared+=("$path ($o)")
        else
            left+=("$path")
        fi
    done <"$STATE.list"
    if ((${#left[@]} == 0)); then
        ok "every path of dpkg -L $PKG is gone ($(wc -l <"$STATE.list") listed)"
    else
        not_ok "every path of dpkg -L $PKG is gone" "${left[@]}"
    fi
    ((${#shared[@]})) && printf '# owned by another package now: %s\n' "${shared[@]}"

    local -a stray=()
    for path in /"$PKG_OCF_DIR"/ganesha_* /"$PKG_OCF_DIR"/.ganesha_* /usr/libexec/ganesha/*; do
        [[ -e $path || -L $path ]] || continue
        [[ -n $(owner "$path") ]] || stray+=("$path")
    done
    if ((${#stray[@]} == 0)); then
        ok "nothing stray: no unowned ganesha_* in /$PKG_OCF_DIR, nothing unowned in /usr/libexec/ganesha"
    else
        not_ok "nothing stray: no unowned ganesha_* in /$PKG_OCF_DIR, nothing unowned in /usr/libexec/ganesha" "${stray[@]}"
    fi
    ! grep -q " by $PKG\$" <<<"$(dpkg-divert --list)"
    check "no diversion by $PKG is left" test $? -eq 0
    rm -f "$STATE".*
    done_testing
}

case ${1:-} in
install) shift; cmd_install "$@" ;;
purge-check) shift; (($# == 0)) || usage; cmd_purge_check ;;
*) usage ;;
esac
