#!/usr/bin/env bash
# onenode-cluster.sh: a real one-node Corosync + Pacemaker cluster inside
# fresh network, mount and UTS namespaces (unshare; no "ip netns" name, no
# address outside 127.0.0.1 of its own loopback), all state under DIR.
#
#   onenode-cluster.sh start DIR [NODE]  start it (NODE: n1); DC up in ~5 s
#   onenode-cluster.sh exec DIR CMD...   run CMD inside the node
#   onenode-cluster.sh down DIR          kill corosync and Pacemaker only:
#                                        the node stays, the cluster is gone
#   onenode-cluster.sh stop DIR          kill everything, nothing left behind
#   onenode-cluster.sh usable            exit 0 if root and programs exist
#
# Pacemaker's IPC uses abstract sockets (per network namespace) and a private
# /dev/shm and /run hold the rest, so nothing reaches the host's daemons.
# Every wait polls a condition with a bound; no fixed sleeps.
set -euo pipefail

die() {
    echo "onenode-cluster: $*" >&2
    exit 1
}

usable() {
    [[ $(id -u) -eq 0 ]] || return 1
    local p
    for p in unshare nsenter corosync pacemakerd cibadmin crm_attribute \
        corosync-cfgtool ip hostname; do
        command -v "$p" >/dev/null 2>&1 || return 1
    done
    id hacluster >/dev/null 2>&1 || return 1
    [[ -d /var/lib/pacemaker && -d /var/lib/corosync && -d /etc/corosync ]]
}

# poll TENTHS CMD...: until CMD succeeds, for at most TENTHS/10 s
poll() {
    local n=$1
    shift
    while ((n > 0)); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

anchor_pid() { # the namespace-holding process, or fail
    local dir=$1 pid
    [[ -f $dir/anchor.pid ]] || return 1
    pid=$(<"$dir/anchor.pid")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -e /proc/$pid/ns/mnt ]] || return 1
    # a recycled pid would not be our sleep in our namespace
    [[ $(readlink "/proc/$pid/ns/net") != "$(readlink /proc/self/ns/net)" ]] || return 1
    echo "$pid"
}

in_node() { # in_node DIR CMD...
    local dir=$1 a
    shift
    a=$(anchor_pid "$dir") || die "no node running under $dir"
    nsenter -t "$a" -n -m -u -- env -u CIB_file -C "$PWD" "$@"
}

# pids of every process in the node's mount namespace except the anchor
node_pids() {
    local a=$1 ns path ino p
    ns=$(stat -L -c %i "/proc/$a/ns/mnt") || return 0
    # one stat for all processes: forking per pid is slow with many
    while read -r path ino; do
        p=${path#/proc/}
        p=${p%%/*}
        [[ $ino == "$ns" && $p != "$a" ]] && echo "$p"
    done < <(stat -L -c '%n %i' /proc/[0-9]*/ns/mnt 2>/dev/null)
    return 0
}

gone_or_zombie() {
    local p line
    for p in "$@"; do
        line=$(<"/proc/$p/stat") 2>/dev/null || continue
        line=${line##*) }
        [[ ${line:0:1} == [ZX] ]] || return 1
    done
}

# SIGSTOP first: pacemakerd would respawn children killed one by one.
kill_pids() {
    (($#)) || return 0
    kill -STOP "$@" 2>/dev/null || true
    kill -KILL "$@" 2>/dev/null || true
    poll 100 gone_or_zombie "$@" || echo "onenode-cluster: processes $* did not die" >&2
}

down() {
    local dir=$1 a pids
    a=$(anchor_pid "$dir") || return 0
    mapfile -t pids < <(node_pids "$a")
    kill_pids ${pids[@]+"${pids[@]}"}
}

stop() {
    local dir=$1 a
    a=$(anchor_pid "$dir") || return 0
    down "$dir"
    kill_pids "$a"
    rm -f "$dir/anchor.pid"
}

seed_cib() {
    local cib=$1
    cibadmin --empty >"$cib"
    # DC in ~5 s instead of 20 s; nothing to fence with in a test node
    CIB_file=$cib crm_attribute -t crm_config -n dc-deadtime -v 2s
    CIB_file=$cib crm_attribute -t crm_config -n stonith-enabled -v false
    chown hacluster:haclient "$cib"
    chmod 600 "$cib"
}

node_ready() {
    local dir=$1 node=$2
    in_node "$dir" cibadmin --query --local --xpath \
        "/cib/status/node_state[@uname='$node'][@crmd='online'][@join='member']" &&
        in_node "$dir" crm_attribute -N "$node" -n gocf-onenode-ready -l reboot -v 1 &&
        in_node "$dir" crm_attribute -N "$node" -n gocf-onenode-ready -l reboot -D
}

start() {
    local dir=$1 node=$2 a d
    [[ $node =~ ^[a-z][a-z0-9-]{0,30}$ ]] || die "bad node name: $node"
    usable || die "needs root, corosync, pacemaker and util-linux"
    if anchor_pid "$dir" >/dev/null; then
        die "a node already runs under $dir"
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    for d in cib pengine blackbox cores bundles; do
        mkdir -p "$dir/pacemaker/$d"
    done
    mkdir -p "$dir/corosync" "$dir/etc-corosync" "$dir/log/pacemaker" "$dir/log/cluster"
    # the mount points (no Debian package creates /var/log/cluster)
    mkdir -p /var/lib/pacemaker /var/lib/corosync /etc/corosync /var/log/pacemaker /var/log/cluster
    chown -R hacluster:haclient "$dir/pacemaker" "$dir/log/pacemaker"
    chmod 750 "$dir/pacemaker/cib"
    cat >"$dir/etc-corosync/corosync.conf" <<EOF
totem {
    version: 2
    cluster_name: gocf-onenode
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: 1000
}
logging {
    to_logfile: yes
    logfile: /var/log/cluster/corosync.log
    to_syslog: no
    to_stderr: no
}
quorum {
    provider: corosync_votequorum
}
nodelist {
    node {
        name: $node
        nodeid: 1
        ring0_addr: 127.0.0.1
    }
}
EOF
    seed_cib "$dir/pacemaker/cib/cib.xml"
    rm -f "$dir/ready"

    # The anchor: holds the namespaces; everything else enters them.
    # shellcheck disable=SC2016 # expanded by the inner shell, from its args
    setsid unshare --net --mount --uts --propagation private -- bash -c '
        set -e
        dir=$1 node=$2
        ip link set lo up
        hostname "$node"
        mount -t tmpfs -o mode=755 tmpfs /run
        mount -t tmpfs -o mode=1777 tmpfs /dev/shm
        mount --bind "$dir/pacemaker" /var/lib/pacemaker
        mount --bind "$dir/corosync" /var/lib/corosync
        mount --bind "$dir/etc-corosync" /etc/corosync
        mount --bind "$dir/log/pacemaker" /var/log/pacemaker
        mount --bind "$dir/log/cluster" /var/log/cluster
        touch "$dir/ready"
        exec sleep infinity' onenode-anchor "$dir" "$node" \
        </dev/null >"$dir/anchor.out" 2>&1 &
    echo $! >"$dir/anchor.pid"
    poll 100 test -e "$dir/ready" || {
        stop "$dir"
        die "namespace setup failed: $(cat "$dir/anchor.out")"
    }

    in_node "$dir" corosync -c /etc/corosync/corosync.conf ||
        { stop "$dir"; die "corosync did not start"; }
    poll 100 in_node "$dir" corosync-cfgtool -s ||
        { stop "$dir"; die "corosync did not come up"; }
    a=$(anchor_pid "$dir")
    (exec nsenter -t "$a" -n -m -u -- env -u CIB_file \
        PCMK_logfile=/var/log/pacemaker/pacemaker.log setsid pacemakerd \
        </dev/null >"$dir/pacemakerd.out" 2>&1) &
    poll 600 node_ready "$dir" "$node" ||
        { stop "$dir"; die "no DC with $node online within 60 s (see $dir/log)"; }
}

case ${1:-} in
start)
    (($# >= 2 && $# <= 3)) || die "usage: $0 start DIR [NODE]"
    start "$2" "${3:-n1}"
    ;;
exec)
    (($# >= 3)) || die "usage: $0 exec DIR CMD..."
    dir=$2
    shift 2
    in_node "$dir" "$@"
    ;;
down)
    (($# == 2)) || die "usage: $0 down DIR"
    down "$2"
    ;;
stop)
    (($# == 2)) || die "usage: $0 stop DIR"
    stop "$2"
    ;;
usable) usable ;;
*) die "usage: $0 start|exec|down|stop DIR ... | usable" ;;
esac
