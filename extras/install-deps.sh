#!/bin/bash
# install-deps.sh - install every Debian package ganesha-ocf needs to build,
# package, test and run its sandbox (Debian 12 "bookworm").
#
# Idempotent: when every package is already installed it only checks
# (dpkg-query) and never touches apt. Otherwise it runs `apt-get update`
# and installs the missing packages with --no-install-recommends.
# A policy-rc.d guard keeps dpkg from starting any daemon (corosync,
# pacemaker, ganesha, rpcbind, ...) during the install.
#
# Usage: extras/install-deps.sh [--check] [--list]
#   --check  only report what is missing; exit 1 if anything is
#   --list   print the package list and exit
set -euo pipefail

BUILD_PKGS=(gcc make autoconf automake libtool pkg-config libglib2.0-dev
    libdbus-1-dev libcmocka-dev pacemaker-dev libcpg-dev xsltproc docbook-xsl
    libxml2-utils clang-format shellcheck clang libclang-rt-dev llvm)
RUNTIME_PKGS=(pacemaker pacemaker-cli-utils corosync pcs crmsh resource-agents
    nfs-ganesha nfs-ganesha-vfs dbus libnfs-utils iproute2 iptables procps
    psmisc util-linux strace systemd)
BENCH_PKGS=(python3-matplotlib)
# tests/pkg (run-all's package group): dpkg-buildpackage, debhelper (with
# dh-autoreconf), lintian, and Debian's rpm for rpmbuild
PKG_PKGS=(dpkg-dev debhelper lintian rpm)
# the sandbox's real NFS clients: Linux as a program (user-mode Linux) with
# its NFS client modules; kmod for modprobe inside it
CLIENT_PKGS=(user-mode-linux kmod)
ALL_PKGS=("${BUILD_PKGS[@]}" "${RUNTIME_PKGS[@]}" "${PKG_PKGS[@]}" "${BENCH_PKGS[@]}"
    "${CLIENT_PKGS[@]}")

die() { echo "install-deps: $*" >&2; exit 1; }

# One dpkg-query call for the whole list (the fast path).
missing_pkgs() {
    local -A ok=()
    local name st p
    while read -r name st; do
        [[ $st == ii* ]] && ok[${name%%:*}]=1
    done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${ALL_PKGS[@]}" 2>/dev/null || true)
    for p in "${ALL_PKGS[@]}"; do
        [[ -n ${ok[$p]:-} ]] || echo "$p"
    done
}

mode=install
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    --list) printf '%s\n' "${ALL_PKGS[@]}"; exit 0 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
esac

command -v dpkg-query >/dev/null || die "dpkg-query not found: this script supports Debian/Ubuntu only"

mapfile -t missing < <(missing_pkgs)
if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#ALL_PKGS[@]} packages already installed"
    exit 0
fi
if [[ $mode == check ]]; then
    echo "install-deps: missing: ${missing[*]}" >&2
    exit 1
fi

[[ $(id -u) -eq 0 ]] || die "must run as root to install: ${missing[*]}"

# policy-rc.d guard: dpkg must start no daemon. Keep an existing policy
# file; otherwise install a temporary one and remove it afterwards.
POLICY=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $POLICY ]]; then
    printf '#!/bin/sh\n# temporary, from ganesha-ocf install-deps.sh\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
    created_policy=1
fi
cleanup() { if ((created_policy)); then rm -f "$POLICY"; fi; }
trap cleanup EXIT

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"

mapfile -t still < <(missing_pkgs)
((${#still[@]} == 0)) || die "still missing after install: ${still[*]}"
echo "install-deps: done"
