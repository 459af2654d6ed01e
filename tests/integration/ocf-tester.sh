#!/usr/bin/env bash
# ocf-tester.sh: resource-agents' ocf-tester passes for each installed agent,
# run inside a real one-node cluster (tests/lib/onenode-cluster.sh):
# ganesha_mon without ganesha (grace_delay=0) and, where
# tests/lib/private-ganesha.sh can run one, with a live ganesha at
# OCF_CHECK_LEVEL=10; ganesha_grace with grace-active=1 set first;
# ganesha_nfsd on a temporary state directory and a tmpfs as the shared
# storage. Also checks what each run leaves.
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

cluster=${GOCF_ONENODE_CLUSTER:-$TOP/tests/lib/onenode-cluster.sh}
ganesha=$TOP/tests/lib/private-ganesha.sh

[[ $(id -u) -eq 0 ]] || skip_all "needs root"
for p in ocf-tester xmllint crm_attribute crm_node corosync pacemakerd; do
    command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done
agents_installed || skip_all "agents not installed in $AGENT_DIR (make install)"
[[ -f $cluster ]] || skip_all "no one-node cluster helper at $cluster"
bash "$cluster" usable || skip_all "$cluster cannot run here"

cluster_dir=$(mktemp -d /tmp/gocf-ocf-tester-node.XXXXXX)
in_cluster() { bash "$cluster" exec "$cluster_dir" "$@"; }

work=
ganesha_dir=
cleanup() {
    if [[ -n $ganesha_dir ]]; then
        in_cluster sh "$ganesha" stop "$ganesha_dir" >/dev/null 2>&1
    fi
    bash "$cluster" stop "$cluster_dir" >/dev/null 2>&1
    [[ -n $work ]] && rm -rf "$work"
    rm -rf "$cluster_dir"
}
trap cleanup EXIT

if ! bash "$cluster" start "$cluster_dir" >"$cluster_dir/start.log" 2>&1; then
    not_ok "the one-node cluster starts" "$(tail -20 "$cluster_dir/start.log")"
    done_testing
    exit 1
fi
ok "the one-node cluster starts"

# the node name as Pacemaker knows it, once the controller answers
node=
for _ in $(seq 1 300); do
    node=$(in_cluster crm_node -n 2>/dev/null) && [[ -n $node ]] && break
    sleep 0.1
done
if [[ -z $node ]]; then
    not_ok "crm_node -n answers inside the cluster"
    done_testing
    exit 1
fi
ok "crm_node -n answers inside the cluster ($node)"

# the node shares the host's /tmp (only /run and /dev/shm are private)
work=$(mktemp -d /tmp/gocf-ocf-tester.XXXXXX)
log=$work/agents.log

# tester NAME AGENT [ENV...] -- [OCF-TESTER OPTIONS...]
tester() {
    local name=$1 agent=$2
    shift 2
    local envs=()
    while (($#)) && [[ $1 != -- ]]; do envs+=("$1"); shift; done
    shift
    local output rc
    output=$(in_cluster env HA_LOGFACILITY=none HA_LOGFILE="$log" \
        HA_RSCTMP="$work/rsctmp" "${envs[@]}" \
        ocf-tester -n "$name" "$@" "$AGENT_DIR/$agent" 2>&1)
    rc=$?
    if ((rc == 0)); then
        ok "ocf-tester passes for $agent ($name)"
    else
        not_ok "ocf-tester passes for $agent ($name)" "ocf-tester exit $rc:" \
            "$(tail -15 <<<"$output")" "agent log:" \
            "$(in_cluster tail -15 "$log" 2>/dev/null)"
    fi
}

# attr_is NAME VALUE|absent: the transient attribute on the node
attr_is() {
    local value
    value=$(in_cluster crm_attribute -N "$node" -n "$1" -l reboot -G -q 2>/dev/null) ||
        value=absent
    [[ $value == "$2" ]]
}

# ---- ganesha_mon, ganesha dead -----------------------------------------
no_pid=$work/no-ganesha.pid
tester gocf-mon-dead ganesha_mon -- -o grace_delay=0 -o pidfile="$no_pid"
check "after ganesha_mon's test run grace-active is absent" attr_is grace-active absent
check "after ganesha_mon's test run ganesha-active is absent" attr_is ganesha-active absent

# ---- ganesha_grace, grace-active set as ganesha_mon would --------------
in_cluster crm_attribute -N "$node" -n grace-active -v 1 -l reboot
tester gocf-grace ganesha_grace --
in_cluster crm_attribute -N "$node" -n grace-active -D -l reboot >/dev/null 2>&1

# ---- ganesha_nfsd on temporary directories ----------------------------
shared=$work/shared
state=$work/state/nfs
# ha_vol_mnt must be a mount point: a tmpfs, in the node's mount namespace only
in_cluster mkdir -p "$shared" "$state"
in_cluster mount -t tmpfs gocf-shared "$shared"
in_cluster mkdir -p "$shared/nfs-ganesha/$node/nfs"
in_cluster touch "$state/local-marker"
tester gocf-nfsd ganesha_nfsd -- -o ha_vol_mnt="$shared" -o state_dir="$state"
check "after ganesha_nfsd's test run $state is the local directory again" \
    in_cluster test -d "$state" -a ! -L "$state" -a -e "$state/local-marker"
check "after ganesha_nfsd's test run no backup is left" \
    in_cluster test ! -e "$state.backup"

# ---- ganesha_handoff of another node's VIP, no ganesha on this node ------
in_cluster mkdir -p "$work/recov/peer/v4recov/10.0.0.9-(3:abc)"
tester gocf-handoff ganesha_handoff -- -o home_node=peer -o recovery_root="$work/recov"
# ---- ganesha_handoff of this node's own VIP, no ganesha on this node -----
# its start asks the local ganesha for grace (restart_grace): no ganesha on
# the bus must not fail the start
tester gocf-handoff-home ganesha_handoff -- -o home_node="$node" -o recovery_root="$work/recov"

# ---- ganesha_smnotify, in the test cluster's own network namespace --------
# a statd list with one client that has no statd (its notification is never
# answered: notify_timeout bounds each start); the namespace's loopback is
# the address (stop resets its connections but NFS's: the namespace has
# none of anybody else's)
in_cluster mkdir -p "$work/statd/sm" "$work/statd/peer/sm"
in_cluster touch "$work/statd/sm/127.0.0.1"
tester gocf-smnotify ganesha_smnotify -- -o ip=127.0.0.1 -o statd_dir="$work/statd" -o notify_timeout=1

# ---- ganesha_mon (and ganesha_grace) with a live ganesha ------------------
if ! sh "$ganesha" usable 2>/dev/null; then
    ok "ocf-tester with a live ganesha # SKIP private-ganesha.sh cannot run here"
else
    ganesha_dir=$work/ganesha
    started=$(in_cluster sh "$ganesha" start "$ganesha_dir" 2>&1)
    bus=$(grep '^DBUS_SYSTEM_BUS_ADDRESS=' <<<"$started")
    if [[ -n $bus ]]; then
        ok "a private ganesha runs in the cluster's namespace"
        pidfile=$ganesha_dir/ganesha.pid
        tester gocf-mon-live ganesha_mon "$bus" -- -o pidfile="$pidfile" \
            -o OCF_CHECK_LEVEL=10 -o grace_delay=0

        # one start by hand: both attributes published, then released
        in_cluster env HA_LOGFACILITY=none HA_LOGFILE="$log" \
            HA_RSCTMP="$work/rsctmp" "$bus" OCF_RESOURCE_INSTANCE=gocf-mon-hand \
            OCF_RESKEY_pidfile="$pidfile" OCF_CHECK_LEVEL=10 \
            "$AGENT_DIR/ganesha_mon" start
        check "ganesha_mon start with a live ganesha returns 0" test $? -eq 0
        check "... and sets grace-active=1" attr_is grace-active 1
        check "... and sets ganesha-active=1" attr_is ganesha-active 1
        in_cluster env HA_LOGFACILITY=none HA_LOGFILE="$log" \
            HA_RSCTMP="$work/rsctmp" "$bus" OCF_RESOURCE_INSTANCE=gocf-mon-hand \
            OCF_RESKEY_pidfile="$pidfile" "$AGENT_DIR/ganesha_mon" stop
        check "ganesha_mon stop returns 0" test $? -eq 0
        check "... and deletes grace-active" attr_is grace-active absent
        check "... and deletes ganesha-active" attr_is ganesha-active absent

        in_cluster crm_attribute -N "$node" -n grace-active -v 1 -l reboot
        tester gocf-grace-live ganesha_grace "$bus" --
        in_cluster crm_attribute -N "$node" -n grace-active -D -l reboot >/dev/null 2>&1

        # ganesha_handoff at home: its start puts the local ganesha into
        # grace again (restart_grace), measured from the address's arrival
        handoff_hand() { # handoff_hand ACTION [ENV...]
            local action=$1
            shift
            in_cluster env HA_LOGFACILITY=none HA_LOGFILE="$log" \
                HA_RSCTMP="$work/rsctmp" "$bus" OCF_RESOURCE_INSTANCE=gocf-handoff-hand \
                OCF_RESKEY_home_node="$node" OCF_RESKEY_recovery_root="$work/recov" \
                OCF_RESKEY_CRM_meta_timeout=20000 "$@" "$AGENT_DIR/ganesha_handoff" "$action"
        }
        graces() { grep -c 'NFS Server Now IN GRACE' "$ganesha_dir/ganesha.log"; }
        graces_above() { (($(graces) > $1)); }
        poll_ok() { # poll_ok TENTHS CMD...: CMD succeeds within TENTHS/10 s
            local n=$1
            shift
            while ((n-- > 0)); do "$@" && return 0; sleep 0.1; done
            return 1
        }
        before=$(graces)
        handoff_hand start
        check "ganesha_handoff start at home with a live ganesha returns 0" test $? -eq 0
        check "... and the local ganesha entered grace again (grace \"0:$node\")" \
            poll_ok 50 graces_above "$before"
        handoff_hand stop
        before=$(graces)
        handoff_hand start OCF_RESKEY_restart_grace=false
        check "ganesha_handoff start with restart_grace=false returns 0" test $? -eq 0
        sleep 1
        check "... and leaves ganesha's grace alone" test "$(graces)" -eq "$before"
        handoff_hand stop
        # a ganesha that does not answer (stopped) does not fail the start,
        # and the start does not wait past its bound
        gpid=$(cat "$pidfile")
        kill -STOP "$gpid"
        t0=$SECONDS
        handoff_hand start
        rc=$?
        kill -CONT "$gpid"
        check "ganesha_handoff start at home with a hung ganesha returns 0" test "$rc" -eq 0
        check "... within 10 s (took $((SECONDS - t0)) s)" test $((SECONDS - t0)) -le 10
        handoff_hand stop
    else
        not_ok "a private ganesha runs in the cluster's namespace" "$started" \
            "$(tail -5 "$ganesha_dir/ganesha.log" 2>/dev/null)"
    fi
fi

done_testing
