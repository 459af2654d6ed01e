#!/usr/bin/env bash
# package.sh: builds the Debian package and the RPM from a dist tarball, the
# way an admin or a distribution would, and checks them (TAP): lintian
# finds no error, each package holds every path make install lays out (with
# its mode or link) and nothing else, the versions agree with the tarball,
# the dependencies and conflicts are declared, and the maintainer scripts
# and scriptlets are what they should be. Installs nothing: tests/pkg/
# install.sh does that.
#
# Usage: tests/pkg/package.sh [--tarball FILE | --build-dir DIR] [--out DIR]
#                             [--no-rpm]
#   --tarball FILE   the dist tarball (ganesha-ocf-VERSION.tar.gz)
#   --build-dir DIR  a configured build directory: "make dist" there
#                    (neither: configure a temporary one from this tree)
#   --out DIR        where the packages go (default: a temporary directory,
#                    removed at the end)
#   --no-rpm         skip the RPM (tests/run-all --fast)
# Environment: PKG_DEB_BUILD_OPTIONS (default "nocheck noddebs parallel=2":
# make check ran already, from the same sources).
set -uo pipefail
# shellcheck source=tests/pkg/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/tap.sh"

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tarball="" build_dir="" out="" rpm=1
while (($#)); do
    case $1 in
    --tarball) tarball=$2; shift ;;
    --build-dir) build_dir=$2; shift ;;
    --out) out=$2; shift ;;
    --no-rpm) rpm=0 ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

for p in dpkg-buildpackage dpkg-deb lintian; do
    command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed (extras/install-deps.sh installs it)"
done
if ((rpm)) && ! command -v rpmbuild >/dev/null 2>&1; then
    skip_all "rpmbuild not installed (extras/install-deps.sh installs it; --no-rpm skips the RPM)"
fi

work=$(mktemp -d /tmp/gocf-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [[ -z $out ]]; then
    out=$work/out
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- the tarball -------------------------------------------------------------
if [[ -z $tarball ]]; then
    if [[ -z $build_dir ]]; then
        build_dir=$work/build
        mkdir -p "$build_dir"
        { [[ -x $top/configure ]] || (cd "$top" && ./autogen.sh); } >"$work/dist.log" 2>&1
        (cd "$build_dir" && "$top/configure" --disable-tests) >>"$work/dist.log" 2>&1
    fi
    v=$(sed -n 's/^PACKAGE_VERSION = //p' "$build_dir/Makefile" 2>/dev/null)
    tarball=$build_dir/ganesha-ocf-$v.tar.gz
    if ! make -C "$build_dir" dist >>"$work/dist.log" 2>&1 || [[ -z $v || ! -f $tarball ]]; then
        bail "make dist made a tarball" "$(tail -n 20 "$work/dist.log")"
    fi
fi
[[ -f $tarball ]] || bail "the tarball $tarball exists"
tarball=$(cd "$(dirname "$tarball")" && pwd)/${tarball##*/}
version=${tarball##*/ganesha-ocf-}
version=${version%.tar.gz}
ok "tarball ${tarball##*/} (version $version)"

tar -xzf "$tarball" -C "$work" || bail "the tarball unpacks"
src=$work/ganesha-ocf-$version
for f in debian/control debian/rules debian/changelog ganesha-ocf.spec; do
    [[ -f $src/$f ]] || bail "the tarball ships $f"
done
changelog_version=$(cd "$src" && dpkg-parsechangelog -S Version)
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$src/ganesha-ocf.spec")
if [[ $changelog_version == "$version" && $spec_version == "$version" ]]; then
    ok "debian/changelog and ganesha-ocf.spec carry the tarball's version $version"
else
    not_ok "debian/changelog and ganesha-ocf.spec carry the tarball's version $version" \
        "debian/changelog: $changelog_version, ganesha-ocf.spec: $spec_version" \
        "(a new version needs a debian/changelog entry)"
fi

# check_listing FORMAT LISTING: LISTING has "mode path [target]" lines, paths
# without the leading "/" or "./". One test point per expected path, and
# one for anything the package holds that is not expected.
check_listing() {
    local format=$1 listing=$2 entry kind path target line mode got want
    local -A expected=()
    for entry in "${PKG_PATHS[@]}"; do
        read -r kind path _ target <<<"$entry"
        case $kind in
        x) want="-rwxr-xr-x" ;;
        l) want="l" ;;
        *) want="-rw-r--r--" ;;
        esac
        line=$(awk -v p="$path" -v m="$kind" '$2 == p || (m == "m" && $2 == p ".gz")' "$listing")
        mode=${line%% *}
        if [[ -z $line ]]; then
            not_ok "the $format holds /$path" "not in the package's file list"
            continue
        fi
        expected[$(awk '{print $2}' <<<"$line")]=1
        if [[ $kind == l ]]; then
            got=$(awk '{print $3}' <<<"$line")
            if [[ $mode == l* && $got == "$target" ]]; then
                ok "the $format holds /$path -> $target"
            else
                not_ok "the $format holds /$path -> $target" "got: $line"
            fi
        elif [[ $mode == "$want" ]]; then
            ok "the $format holds /$path ($want)"
        else
            not_ok "the $format holds /$path ($want)" "got: $line"
        fi
    done
    local -a extra=()
    while read -r mode path _; do
        [[ $mode == d* || -n ${expected[$path]:-} ]] && continue
        case $format:$path in
        .deb:usr/share/doc/ganesha-ocf/copyright | .deb:usr/share/doc/ganesha-ocf/changelog.gz) ;;
        .deb:usr/share/doc/ganesha-ocf/README.md.gz | RPM:usr/share/doc/ganesha-ocf/README.md) ;;
        .deb:usr/share/lintian/overrides/ganesha-ocf) ;;
        RPM:usr/lib/.build-id/*) ;;
        *) extra+=("$path") ;;
        esac
    done <"$listing"
    if ((${#extra[@]} == 0)); then
        ok "the $format holds nothing else (but documentation and lintian overrides)"
    else
        not_ok "the $format holds nothing else (but documentation and lintian overrides)" "${extra[@]}"
    fi
}

# ---- Debian ------------------------------------------------------------------
t0=$SECONDS
if (cd "$src" && DEB_BUILD_OPTIONS=${PKG_DEB_BUILD_OPTIONS:-nocheck noddebs parallel=2} \
    dpkg-buildpackage -us -uc -b -Pnocheck) >"$out/dpkg-buildpackage.log" 2>&1; then
    ok "dpkg-buildpackage -us -uc -b from the tarball ($((SECONDS - t0)) s)"
else
    not_ok "dpkg-buildpackage -us -uc -b from the tarball" "$(tail -n 25 "$out/dpkg-buildpackage.log")"
fi
deb=$work/ganesha-ocf_${version}_$(dpkg --print-architecture).deb
changes=${deb%.deb}.changes
if [[ -f $deb ]]; then
    cp "$work"/ganesha-ocf_"$version"_* "$out"/
    deb=$out/${deb##*/}
    changes=$out/${changes##*/}

    t0=$SECONDS
    lintian --fail-on error --pedantic --display-info "$changes" >"$out/lintian.log" 2>&1
    rc=$?
    mapfile -t tags < <(grep -E '^[EWIPX]: ' "$out/lintian.log")
    if ((rc == 0)); then
        ok "lintian reports no error ($((SECONDS - t0)) s, ${#tags[@]} other tags)"
        ((${#tags[@]})) && printf '# lintian: %s\n' "${tags[@]}"
    else
        not_ok "lintian reports no error" "${tags[@]}" "$(grep -vE '^[EWIPXN]: ' "$out/lintian.log" | grep -v 'root privileges')"
    fi

    dpkg-deb -c "$deb" | awk '{ p = $6; sub(/^\.\//, "", p); if (p == "") next;
        print $1, p, ($7 == "->" ? $8 : "") }' >"$work/deb.list"
    check_listing .deb "$work/deb.list"

    fields=$(dpkg-deb -f "$deb" Version Depends Recommends)
    [[ $(dpkg-deb -f "$deb" Version) == "$version" ]]
    check "the .deb's version is $version" test $? -eq 0
    depends=$(dpkg-deb -f "$deb" Depends)
    missing=()
    for d in pacemaker-cli-utils resource-agents libdbus-1-3 dbus-system-bus; do
        grep -qE "(^|[ ,|])$d([ ,(]|\$)" <<<"$depends" || missing+=("$d")
    done
    if ((${#missing[@]} == 0)); then
        ok "the .deb depends on what the agents run (pacemaker-cli-utils, resource-agents, libdbus-1-3, a system bus)"
    else
        not_ok "the .deb depends on what the agents run" "missing: ${missing[*]}" "$fields"
    fi

    mkdir -p "$work/control"
    dpkg-deb -e "$deb" "$work/control"
    for s in preinst postrm; do
        f=$work/control/$s
        if [[ ! -f $f ]]; then
            not_ok "the .deb has a $s (the diversions of glusterfs-common's agents)"
            continue
        fi
        got=$(grep -oE 'ganesha_[a-z]+' "$f" | sort -u | tr '\n' ' ')
        if sh -n "$f" && [[ $got == "$(printf '%s ' "${PKG_DIVERTED[@]}")" ]] &&
            grep -q 'dpkg-divert --package ganesha-ocf' "$f"; then
            ok "the .deb's $s parses and diverts ${PKG_DIVERTED[*]} for ganesha-ocf"
        else
            not_ok "the .deb's $s parses and diverts ${PKG_DIVERTED[*]} for ganesha-ocf" "$(cat "$f")"
        fi
    done
else
    bail "dpkg-buildpackage made ${deb##*/}" "$(ls "$work")"
fi

# ---- RPM ---------------------------------------------------------------------
if ((rpm)); then
    # rpmbuild --nodeps: the BuildRequires are Fedora/RHEL names that
    # Debian's rpm database does not know; what they stand for is installed
    # (extras/install-deps.sh). No debuginfo: Debian's rpm has no use for it.
    t0=$SECONDS
    if rpmbuild -tb --nodeps --without tests --define "_topdir $work/rpm" \
        --define 'debug_package %{nil}' "$tarball" >"$out/rpmbuild.log" 2>&1; then
        ok "rpmbuild -tb --nodeps --without tests from the tarball ($((SECONDS - t0)) s)"
    else
        not_ok "rpmbuild -tb --nodeps --without tests from the tarball" "$(tail -n 25 "$out/rpmbuild.log")"
    fi
    rpms=("$work"/rpm/RPMS/*/ganesha-ocf-"$version"-*.rpm)
    rpmfile=${rpms[0]}
    [[ -f $rpmfile ]] || bail "rpmbuild made ganesha-ocf-$version-*.rpm"
    cp "$rpmfile" "$out"/
    rpmfile=$out/${rpmfile##*/}

    rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES} %{FILELINKTOS}\n]' "$rpmfile" |
        sed 's| /| |' >"$work/rpm.list"
    check_listing RPM "$work/rpm.list"

    [[ $(rpm -qp --qf '%{VERSION}' "$rpmfile") == "$version" ]]
    check "the RPM's version is $version" test $? -eq 0
    requires=$(rpm -qp --requires "$rpmfile")
    missing=()
    for d in pacemaker-cli resource-agents dbus-libs dbus; do
        # dbus-libs comes as dbus-libs(x86-64): %{?_isa}
        grep -qE "^$d(\([^)]*\))?( |\$)" <<<"$requires" || missing+=("$d")
    done
    if ((${#missing[@]} == 0)); then
        ok "the RPM requires pacemaker-cli, resource-agents, dbus-libs and dbus"
    else
        not_ok "the RPM requires pacemaker-cli, resource-agents, dbus-libs and dbus" "missing: ${missing[*]}" "$requires"
    fi
    [[ $(rpm -qp --conflicts "$rpmfile") == glusterfs-ganesha && -z $(rpm -qp --obsoletes "$rpmfile") ]]
    check "the RPM conflicts with glusterfs-ganesha and obsoletes nothing" test $? -eq 0

    # Scriptlets: the SELinux boolean, on at install, off at erase, on again
    # after glusterfs-ganesha's removal; none fails, none runs before the
    # files are there. Run here they must do nothing: no SELinux tools are
    # on the (empty) PATH they get.
    mkdir -p "$work/emptybin"
    for tag in PREIN PREUN; do
        body=$(rpm -qp --qf "%{$tag}" "$rpmfile")
        [[ $body == "(none)" ]]
        check "the RPM has no ${tag,,} scriptlet" test $? -eq 0
    done
    for tag in POSTIN:--on POSTUN:--off; do
        body=$(rpm -qp --qf "%{${tag%%:*}}" "$rpmfile")
        want="semanage boolean -m ganesha_use_fusefs ${tag#*:}"
        if sh -n -c "$body" 2>/dev/null && grep -qF -- "$want" <<<"$body" &&
            env -i PATH="$work/emptybin" /bin/sh -c "$body" sh 0; then
            ok "the RPM's ${tag%%:*} scriptlet parses, runs $want under SELinux only, exits 0 without it"
        else
            not_ok "the RPM's ${tag%%:*} scriptlet parses, runs $want under SELinux only, exits 0 without it" "$body"
        fi
    done
    triggers=$(rpm -qp --triggers "$rpmfile")
    if grep -q '^triggerpostun scriptlet (using /bin/sh) -- glusterfs-ganesha$' <<<"$triggers" &&
        grep -qF 'ganesha_use_fusefs --on' <<<"$triggers"; then
        ok "the RPM turns the boolean on again after glusterfs-ganesha's removal (triggerpostun)"
    else
        not_ok "the RPM turns the boolean on again after glusterfs-ganesha's removal (triggerpostun)" "$triggers"
    fi
fi

done_testing
