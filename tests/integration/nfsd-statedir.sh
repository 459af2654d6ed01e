#!/usr/bin/env bash
# nfsd-statedir.sh: the installed ganesha_nfsd switching a temporary state
# directory into a tmpfs "shared storage", in a private mount namespace: a
# storage not mounted or not created yet (start waits, then fails soft with
# 1), one that comes while start waits, links planted on it, an
# administrator's link at state_dir, a link whose storage is gone (monitor
# 1), the refusals (2), and a SIGKILL after every single step of start and
# stop (tests/fault/killafter.so preloaded) followed by each next action.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

[[ $(id -u) -eq 0 ]] || skip_all "needs root (mounts in a private mount namespace)"
command -v unshare >/dev/null 2>&1 || skip_all "unshare not installed"
agents_installed || skip_all "agents not installed in $AGENT_DIR (make install)"

# Every mount below happens in a mount namespace of our own.
if [[ -z ${GOCF_NFSD_STATEDIR_NS:-} ]]; then
    GOCF_NFSD_STATEDIR_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

work=$(mktemp -d /tmp/gocf-nfsd-statedir.XXXXXX)
bg_pid=
cleanup() {
    [[ -n $bg_pid ]] && kill "$bg_pid" 2>/dev/null
    umount -R -l "$work/shared" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export HA_RSCTMP=$work/rsctmp

mnt=$work/shared
state=$work/var/nfs
target=$mnt/nfs-ganesha/node1/nfs
elsewhere=$mnt/nfs-ganesha/node2/nfs
admin=$work/admin-nfs # an administrator's own state directory
mkdir -p "$mnt" "$work/var" "$admin"

nfsd() { # nfsd ACTION [VAR=VALUE...]: the agent on this test's paths
    local action=$1
    shift
    INSTANCE=nfsd run_agent ganesha_nfsd "$action" OCF_RESKEY_CRM_meta_on_node=node1 \
        OCF_RESKEY_ha_vol_mnt="$mnt" OCF_RESKEY_state_dir="$state" \
        OCF_RESKEY_CRM_meta_timeout=20000 "$@"
}

describe() { # describe PATH: - | l:TEXT | d:NAMES | f
    if [[ -L $1 ]]; then
        printf 'l:%s' "$(readlink "$1")"
    elif [[ -d $1 ]]; then
        printf 'd:%s' "$(find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | paste -sd, -)"
    elif [[ -e $1 ]]; then
        printf f
    else
        printf -- -
    fi
}
state_of() {
    echo "state=$(describe "$state") backup=$(describe "$state.backup") new=$(describe "$state.new")"
}

mount_storage() { # a fresh tmpfs at $mnt with both nodes' directories
    mount -t tmpfs gocf-shared "$mnt" || return 1
    mkdir -p "$target" "$elsewhere"
}
unmount_storage() { umount -l "$mnt" 2>/dev/null; }

local_dir() { # state_dir is the local directory, with its marker
    rm -rf "$state" "$state.backup" "$state.new"
    mkdir -p "$state"
    touch "$state/local"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# expect CODE REASON-PATTERN DESCRIPTION: the last run's code and reason
expect() {
    local good=0
    if [[ -z $2 ]]; then
        ((rc == $1 && reasons == 0)) && good=1
    elif ((rc == $1 && reasons == 1)) && grep -qE -- "$2" <<<"$err"; then
        good=1
    fi
    if ((good)); then
        ok "$3"
    else
        not_ok "$3" "exit $rc (want $1), $reasons exit reasons" "stderr: $(tail -5 <<<"$err")"
    fi
}
expect_state() { # expect_state WANT DESCRIPTION
    local got
    got=$(state_of)
    if [[ $got == "$1" ]]; then ok "$2"; else not_ok "$2" "got  $got" "want $1"; fi
}

# ---- the storage is not there (yet) ----------------------------------------
local_dir
t0=$(now_ms)
nfsd start OCF_RESKEY_CRM_meta_timeout=3000
t=$(($(now_ms) - t0))
expect 1 "not a mount point" "start on a plain directory as ha_vol_mnt: 1 (soft), reason says not a mount point"
# the agent's own account of the wait: up to its deadline, 1 s (the
# margin) before the timeout; the wall clock only as a loose bound, as a
# loaded machine adds to the process's start and exit
waited=$(grep -oE 'waited [0-9]+\.[0-9] s' <<<"$err" | grep -oE '[0-9]+\.[0-9]' | tr -d .)
if [[ -n $waited ]] && ((waited >= 15 && waited <= 20 && t < 5000)); then
    ok "... after waiting for it within start's timeout (${waited:0:-1}.${waited: -1} s of 2 s left after the margin)"
else
    not_ok "... after waiting for it within start's timeout" "took $t ms, timeout 3000 ms" "stderr: $err"
fi
expect_state "state=d:local backup=- new=-" "... state_dir untouched"

rmdir "$mnt"
nfsd start OCF_RESKEY_CRM_meta_timeout=2000
expect 1 "$mnt is missing" "start without the mount point directory: 1 naming it"
mkdir -p "$mnt"

mount_storage
rm -rf "$mnt/nfs-ganesha"
nfsd start OCF_RESKEY_CRM_meta_timeout=2000
expect 1 "$mnt/nfs-ganesha is missing.*waited" \
    "start on a mounted storage without the state tree: 1 naming the missing directory"
mkdir -p "$mnt/nfs-ganesha/node1"
nfsd start OCF_RESKEY_CRM_meta_timeout=2000
expect 1 "$target is missing" "start without this node's nfs directory: 1 naming it"
expect_state "state=d:local backup=- new=-" "... state_dir untouched"
unmount_storage

# the storage is mounted, then the directory created, while start waits
res=$work/bg-result
(
    nfsd start
    echo "$rc $(now_ms)" >"$res"
    printf '%s\n' "$err" >"$res.err"
) &
bg_pid=$!
sleep 0.5
mount -t tmpfs gocf-shared "$mnt"
sleep 0.5
t0=$(now_ms)
mkdir -p "$target" "$elsewhere"
wait "$bg_pid"
bg_pid=
read -r rc t_done <"$res"
# (rechecked every 250 ms; 5 s leaves room for a loaded machine, far below
# the 18 s a wait to the deadline would take)
if ((rc == 0 && t_done - t0 < 5000)); then
    ok "start waits for the storage to be mounted and the directory created, then switches (0)"
else
    not_ok "start waits for the storage to be mounted and the directory created" \
        "exit $rc, $((t_done - t0)) ms after the directory appeared" "stderr: $(cat "$res.err")"
fi
expect_state "state=l:$target backup=d:local new=-" "... state_dir is our link, the local directory the backup"

nfsd start
expect 0 "" "a second start is a no-op that succeeds"
expect_state "state=l:$target backup=d:local new=-" "... nothing changed"

# ---- monitor ---------------------------------------------------------------
nfsd monitor PATH=/nonexistent-gocf-path
expect 0 "" "monitor: running (and no program run with on_node set)"
unmount_storage
nfsd monitor
expect 1 "not a mount point" "monitor: the link's storage unmounted is a failure (1), not running"
mount -t tmpfs gocf-shared "$mnt"
nfsd monitor
expect 1 "$mnt/nfs-ganesha is missing" "monitor: the link's directory missing on the storage is a failure (1)"
nfsd stop
expect 0 "" "stop with the storage gone: 0"
expect_state "state=d:local backup=- new=-" "... the local directory is back, with its content"
mkdir -p "$target" "$elsewhere"
nfsd monitor
expect 7 "" "monitor after stop: not running (7)"

nfsd stop
expect 0 "" "a second stop succeeds"
expect_state "state=d:local backup=- new=-" "... nothing changed"
nfsd start OCF_RESKEY_node_dir=node2
expect 0 "" "start with node_dir=node2: 0"
expect_state "state=l:$elsewhere backup=d:local new=-" "... links to node2's directory"
nfsd stop OCF_RESKEY_node_dir=node2
expect_state "state=d:local backup=- new=-" "... and stop restores"

# ---- links planted on the shared storage -----------------------------------
mkdir -p "$work/evil/nfs"
rm -rf "$mnt/nfs-ganesha/node1"
ln -s "$work/evil" "$mnt/nfs-ganesha/node1"
t0=$(now_ms)
nfsd start
t=$(($(now_ms) - t0))
expect 1 "$mnt/nfs-ganesha/node1 is a symlink" "start refuses a symlink planted on the shared storage (1)"
# (a wait would last until 18 s, start's deadline)
if ((t < 5000)); then ok "... at once, not after waiting (${t} ms)"; else
    not_ok "... at once, not after waiting" "took $t ms"
fi
expect_state "state=d:local backup=- new=-" "... state_dir untouched"
rm "$mnt/nfs-ganesha/node1"
mkdir -p "$mnt/nfs-ganesha/node1"
ln -s "$work/evil/nfs" "$target"
nfsd start
expect 1 "$target is a symlink" "start refuses a symlink planted as the nfs directory (1)"
rm "$target"
mkdir -p "$target"
nfsd start
expect 0 "" "start with the storage in order again: 0"
rm -rf "$target"
ln -s "$work/evil/nfs" "$target"
nfsd monitor
expect 1 "symlink" "monitor: the link's directory replaced by a symlink is a failure (1)"
rm "$target"
mkdir -p "$target"
nfsd stop
expect_state "state=d:local backup=- new=-" "stop: the local directory back"

# ---- whose link is it ------------------------------------------------------
rm -rf "$state"
ln -s "$admin" "$state"
nfsd monitor
expect 7 "" "monitor: an administrator's link at state_dir is not running (7)"
nfsd stop
expect 0 "" "stop leaves an administrator's link alone (0)"
expect_state "state=l:$admin backup=- new=-" "... unchanged"
nfsd start
expect 0 "" "start over an administrator's link: 0"
expect_state "state=l:$target backup=l:$admin new=-" "... that link kept as the backup, not overwritten"
nfsd stop
expect_state "state=l:$admin backup=- new=-" "stop gives the administrator's link back"

rm -f "$state"
ln -s "$elsewhere" "$state"
nfsd monitor
expect 7 "" "monitor: our link to another node's directory is not running (7)"
nfsd start
expect 0 "" "start replaces our link to another node's directory (0)"
expect_state "state=l:$target backup=- new=-" "... without a backup (the old link was ours)"
nfsd stop
expect_state "state=d: backup=- new=-" "stop without a backup: an empty local directory"

# ---- refusals: something in the way that only an administrator can judge ----
local_dir
mkdir -p "$state.backup"
touch "$state.backup/older"
nfsd start
expect 2 "refusing" "start with a real state_dir and a leftover backup: 2, nothing nested"
expect_state "state=d:local backup=d:older new=-" "... nothing changed"
rm -rf "$state.backup" "$state"
ln -s "$admin" "$state"
mkdir -p "$state.backup"
nfsd start
expect 2 "refusing" "start with an administrator's link and a leftover backup: 2"
expect_state "state=l:$admin backup=d: new=-" "... neither overwritten"
rm -rf "$state.backup" "$state"
echo x >"$state"
nfsd start
expect 2 "neither a directory nor a symlink" "start with a file at state_dir: 2"
rm -f "$state"

# ---- a bind mount counts as a mount point ----------------------------------
unmount_storage
mkdir -p "$work/bindsrc/nfs-ganesha/node1/nfs"
mount --bind "$work/bindsrc" "$mnt"
local_dir
nfsd start OCF_RESKEY_CRM_meta_timeout=3000
expect 0 "" "start on a bind mount as ha_vol_mnt: 0"
nfsd stop
expect_state "state=d:local backup=- new=-" "... and stop restores"
unmount_storage
mount_storage

# ---- a SIGKILL after every step ----------------------------------------------
so=${GOCF_KILLAFTER_SO:-}
for d in "${GOCF_BUILD_DIR:-}" "$TOP/_build" "$TOP"; do
    [[ -z $so && -n $d && -f $d/tests/fault/killafter.so ]] && so=$d/tests/fault/killafter.so
done
if [[ -z $so ]] && command -v cc >/dev/null 2>&1; then
    # no build tree at hand: build the injector from its source
    : >"$work/config.h"
    cc -shared -fPIC -D_GNU_SOURCE -I"$work" -o "$work/killafter.so" \
        "$TOP/tests/fault/killafter.c" 2>"$work/cc.log" && so=$work/killafter.so
fi

prepare() { # prepare FROM: dir | admin | missing | ours
    rm -rf "$state" "$state.backup" "$state.new"
    case $1 in
    dir) mkdir -p "$state" && touch "$state/local" ;;
    admin) ln -s "$admin" "$state" ;;
    ours) ln -s "$elsewhere" "$state" ;;
    esac
}
switched() { # what a finished start from FROM leaves
    case $1 in
    dir) echo "state=l:$target backup=d:local new=-" ;;
    admin) echo "state=l:$target backup=l:$admin new=-" ;;
    *) echo "state=l:$target backup=- new=-" ;;
    esac
}
restored() { # what a finished stop after a start from FROM leaves
    case $1 in
    dir) echo "state=d:local backup=- new=-" ;;
    admin) echo "state=l:$admin backup=- new=-" ;;
    *) echo "state=d: backup=- new=-" ;;
    esac
}
local_kept() { # the local state is at state_dir or at the backup name
    local want
    case $1 in
    dir) want=d:local ;;
    admin) want=l:$admin ;;
    *) return 0 ;;
    esac
    [[ $(describe "$state") == "$want" || $(describe "$state.backup") == "$want" ]]
}

# kill_every_step FROM ACTION NO_EXCHANGE: one test point
kill_every_step() {
    local from=$1 action=$2 nox=$3 n next problem='' got want also steps=0
    local title="$action from ${from}${nox:+ (no RENAME_EXCHANGE)}: killed after each step, the next start or stop finishes it"
    for ((n = 1; n < 20; n++)); do
        for next in start stop; do
            prepare "$from"
            if [[ $action == stop ]]; then
                nfsd start
                ((rc == 0)) || { problem="setup start: exit $rc: $err"; break 2; }
            fi
            # (bash's "Killed" notice goes to the group's stderr)
            { nfsd "$action" LD_PRELOAD="$so" GOCF_KILL_AFTER="$n" ${nox:+GOCF_NO_EXCHANGE=1}; } 2>/dev/null
            if ((rc == 0)); then
                # finished before step n: every step was covered
                got=$(state_of)
                if [[ $action == start ]]; then want=$(switched "$from"); else want=$(restored "$from"); fi
                [[ $got == "$want" ]] || problem="a run not killed left: $got, want $want"
                break 2
            fi
            if ((rc != 137)); then
                problem="killed after step $n: exit $rc (want 137, SIGKILL): $err"
                break 2
            fi
            steps=$n
            if ! local_kept "$from"; then
                problem="killed after step $n: the local state is lost: $(state_of)"
                break 2
            fi
            if [[ $next == start ]]; then
                nfsd start ${nox:+LD_PRELOAD="$so" GOCF_NO_EXCHANGE=1}
                got=$(state_of)
                want=$(switched "$from")
                # a stop killed after making an empty backup leaves just that
                also=
                [[ $action == stop && ($from == missing || $from == ours) ]] &&
                    also="state=l:$target backup=d: new=-"
                if ((rc != 0)) || [[ $got != "$want" && $got != "$also" ]]; then
                    problem="killed after step $n, then start: exit $rc, $got, want $want: $err"
                    break 2
                fi
            fi
            nfsd stop ${nox:+LD_PRELOAD="$so" GOCF_NO_EXCHANGE=1}
            got=$(state_of)
            want=$(restored "$from")
            if ((rc != 0)) || [[ $got != "$want" ]]; then
                problem="killed after step $n, then${next/start/ start and} stop: exit $rc, $got, want $want: $err"
                break 2
            fi
        done
    done
    if [[ -z $problem ]] && ((n >= 20)); then
        problem="$action never finished"
    fi
    if [[ -z $problem ]]; then
        ok "$title ($steps steps)"
    else
        not_ok "$title" "$problem"
    fi
}

if [[ -z $so ]]; then
    ok "SIGKILL after every step # SKIP no tests/fault/killafter.so (make check) and no cc"
elif ldd "$AGENT_DIR/ganesha_nfsd" 2>/dev/null | grep -q libasan; then
    ok "SIGKILL after every step # SKIP the agents are built with AddressSanitizer"
else
    for from in dir admin missing ours; do
        for action in start stop; do
            kill_every_step "$from" "$action" ""
            kill_every_step "$from" "$action" 1
        done
    done
fi

done_testing
