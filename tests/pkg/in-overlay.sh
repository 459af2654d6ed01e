#!/usr/bin/env bash
# in-overlay.sh: runs a command as root in a throwaway copy-on-write view of
# this machine: in a private mount namespace, an overlayfs whose lower layer
# is the root file system and whose upper layer is a tmpfs becomes the
# root (chroot). Whatever the command changes there (dpkg's database, /usr,
# /etc) is gone when it ends; the machine's root is only read. For trying
# tests/pkg/install.sh (a real apt-get install and purge) on a machine
# whose installed agents are in use. Only the root file system is seen:
# other mounts (a tmpfs /tmp) are not, except the directories given with
# --bind (read-only). /proc, /sys and /dev are the machine's; /run is
# empty; a policy-rc.d keeps dpkg from starting any service.
#
# Usage: tests/pkg/in-overlay.sh [--bind DIR]... [--size SIZE] -- CMD [ARG...]
#   --size  the tmpfs holding the changes (default 2g)
set -euo pipefail

die() { echo "in-overlay: $*" >&2; exit 2; }

if [[ ${1:-} == --inside ]]; then
    # in the new mount namespace: $2 the tmpfs mount point, $3 its size,
    # then the --bind directories, "--", the command
    t=$2 size=$3
    shift 3
    binds=()
    while [[ $1 != -- ]]; do binds+=("$1"); shift; done
    shift
    mount -t tmpfs -o "size=$size,mode=0700" gocf-overlay "$t"
    mkdir "$t/upper" "$t/work" "$t/root"
    mount -t overlay gocf-overlay -o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" "$t/root"
    for d in /proc /sys /dev; do
        mount --rbind "$d" "$t/root$d"
    done
    mount -t tmpfs -o mode=0755 tmpfs "$t/root/run"
    for d in "${binds[@]}"; do
        mkdir -p "$t/root$d"
        mount --bind "$d" "$t/root$d"
        mount -o remount,bind,ro "$t/root$d"
    done
    printf '#!/bin/sh\n# in-overlay.sh: no service starts here\nexit 101\n' >"$t/root/usr/sbin/policy-rc.d"
    chmod 755 "$t/root/usr/sbin/policy-rc.d"
    exec chroot "$t/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM=dumb GOCF_IN_OVERLAY=1 "$@"
fi

binds=() size=2g
while (($#)); do
    case $1 in
    --bind) [[ -d ${2:-} ]] || die "--bind needs a directory"; binds+=("$(cd "$2" && pwd)"); shift ;;
    --size) size=$2; shift ;;
    --) shift; break ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
    esac
    shift
done
(($#)) || die "no command (see --help)"
[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ -z ${GOCF_IN_OVERLAY:-} ]] || die "already in an overlay"

# An empty directory of the machine's own, the tmpfs's mount point inside
# the namespace only; removed when the command ends.
t=$(mktemp -d /tmp/gocf-overlay.XXXXXX)
rc=0
unshare --mount --propagation private -- "$(readlink -f "$0")" --inside "$t" "$size" \
    "${binds[@]}" -- "$@" || rc=$?
rmdir "$t"
exit "$rc"
