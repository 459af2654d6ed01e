# onenode.sh: the frame shared by the integration tests that run on a
# one-node Pacemaker cluster with a private ganesha
# (tests/lib/onenode-cluster.sh, tests/lib/private-ganesha.sh). Source it
# after lib/agents.sh, then:
#
#   onenode_begin NAME [PROGRAM...]
#       skips the test (TAP "1..0 # SKIP") where it cannot run: not root, a
#       program missing (pcs, crm_mon, crm_resource, crm_attribute, xmllint
#       and the PROGRAMs), agents not installed, no namespaces, no ganesha;
#       otherwise sets cluster_dir, work and gdir (the private ganesha's
#       directory) under /tmp and removes them, with the cluster and
#       ganesha, at exit. A test that has more to undo defines
#       onenode_cleanup_hook, run first.
#   in_cluster CMD...          runs CMD in the node's namespaces
#   agent_log                  the agents' lines of the node's pacemaker log
#   wait_for S DESC CMD...     one test point: CMD becomes true within S s
#   holds S DESC CMD...        one test point: CMD stays true for S s
# shellcheck shell=bash

cluster=${GOCF_ONENODE_CLUSTER:-$TOP/tests/lib/onenode-cluster.sh}
ganesha=$TOP/tests/lib/private-ganesha.sh
cluster_dir=
work=
gdir=

onenode_begin() {
    local name=$1 p
    shift
    [[ $(id -u) -eq 0 ]] || skip_all "needs root"
    for p in pcs crm_mon crm_resource crm_attribute xmllint "$@"; do
        command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
    done
    agents_installed || skip_all "agents not installed in $AGENT_DIR (make install)"
    [[ -f $cluster ]] || skip_all "no one-node cluster helper at $cluster"
    bash "$cluster" usable || skip_all "$cluster cannot run here"
    sh "$ganesha" usable 2>/dev/null || skip_all "private-ganesha.sh cannot run here"
    cluster_dir=$(mktemp -d "/tmp/gocf-$name-node.XXXXXX")
    work=$(mktemp -d "/tmp/gocf-$name.XXXXXX")
    gdir=$work/ganesha
    trap onenode_cleanup EXIT
}

in_cluster() { bash "$cluster" exec "$cluster_dir" "$@"; }

onenode_cleanup() {
    if declare -F onenode_cleanup_hook >/dev/null; then
        onenode_cleanup_hook
    fi
    # GOCF_KEEP_LOG=FILE: the node's pacemaker log outlives the test
    [[ -z ${GOCF_KEEP_LOG:-} ]] ||
        cp "$cluster_dir/log/pacemaker/pacemaker.log" "$GOCF_KEEP_LOG" 2>/dev/null
    in_cluster sh "$ganesha" stop "$gdir" >/dev/null 2>&1
    bash "$cluster" stop "$cluster_dir" >/dev/null 2>&1
    rm -rf "$work" "$cluster_dir"
}

agent_log() {
    grep -h 'ganesha_\(mon\|grace\)(' "$cluster_dir/log/pacemaker/pacemaker.log" 2>/dev/null
}

onenode_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for SECONDS DESCRIPTION CMD...: one test point, polling CMD
wait_for() {
    local limit=$1 desc=$2 t0 t
    shift 2
    t0=$(onenode_ms)
    while :; do
        t=$(($(onenode_ms) - t0))
        if "$@" >/dev/null 2>&1; then
            ok "$desc (after $t ms)"
            return 0
        fi
        ((t < limit * 1000)) || break
        sleep 0.05
    done
    not_ok "$desc" "not true after $limit s: $*" \
        "$(in_cluster crm_mon -1 -A 2>&1 | tail -15)" "$(agent_log | tail -12)"
    return 1
}

# holds SECONDS DESCRIPTION CMD...: one test point, CMD true all along
holds() {
    local limit=$1 desc=$2 t0 t
    shift 2
    t0=$(onenode_ms)
    while :; do
        t=$(($(onenode_ms) - t0))
        if ! "$@" >/dev/null 2>&1; then
            not_ok "$desc" "false after $t ms: $*" "$(agent_log | tail -8)"
            return 1
        fi
        ((t < limit * 1000)) || break
        sleep 0.1
    done
    ok "$desc (for $limit s)"
}

# start_ganesha: the private ganesha in the node; its bus at the standard
# path inside the node's private /run (pacemaker-execd passes agents no
# DBUS_SYSTEM_BUS_ADDRESS). Prints why not on failure.
start_ganesha() {
    local out
    out=$(in_cluster sh "$ganesha" start "$gdir" 2>&1) || {
        echo "$out"
        return 1
    }
    in_cluster sh -c "mkdir -p /run/dbus && ln -sfn '$gdir/system_bus_socket' /run/dbus/system_bus_socket"
}

# onenode_up: the cluster, then ganesha, one test point each; the test ends
# (its plan printed, exit 1) if either does not come up. Sets node.
node=
onenode_up() {
    local out
    if ! bash "$cluster" start "$cluster_dir" >"$work/start.log" 2>&1; then
        not_ok "the one-node cluster starts" "$(tail -20 "$work/start.log")"
        done_testing
        exit 1
    fi
    node=$(in_cluster crm_node -n)
    ok "the one-node cluster starts ($node)"
    if out=$(start_ganesha); then
        ok "a private ganesha runs in the node"
    else
        not_ok "a private ganesha runs in the node" "$out"
        done_testing
        exit 1
    fi
}

attr_is() { # attr_is NAME VALUE|absent: the node's transient attribute
    local v
    v=$(in_cluster crm_attribute -N "$node" -n "$1" -l reboot -G -q 2>/dev/null) || v=absent
    [[ $v == "$2" ]]
}
