#!/bin/bash
#
# ganesha-ha.sh - set up and manage NFS-Ganesha HA on a Pacemaker cluster
# (ganesha-ocf).  Command-line and config-file compatible with the GlusterFS
# common-ha script of the same name; see "ganesha-ha.sh help" and
# extras/ganesha-ha.conf.sample.
#
# Design rules of this script:
#  * the config file is parsed, never sourced or eval'ed; any error in it
#    stops the script before anything in the cluster changes;
#  * every cluster change is built in a copy of the CIB with "pcs -f" and
#    pushed with "pcs cluster cib-push <new> diff-against=<orig>" (one push;
#    two for a fresh setup with the Mandatory crash-path order, see below),
#    so concurrent changes made by others are not overwritten;
#  * reads use crm_mon/cibadmin XML (parsed with xmllint), never pcs text;
#  * every wait is bounded (GANESHA_HA_WAIT seconds, default 120) and says
#    what it waited for when the bound runs out;
#  * --dry-run prints every mutating command instead of running it.
#
# Decisions and differences from upstream (see also ganesha-ha.conf.sample):
#  * Node names are the Pacemaker node names and are used whole everywhere:
#    resource ids (<node>-group), location constraints, shared-storage dirs
#    (<HA_VOL_MNT>/nfs-ganesha/<node>); no "dname" domain mangling (upstream
#    appended the local domain to short names, leaving dangling links).
#    Names are matched whole (node1 is not node10) and may not start with a
#    digit (it would start a resource id).
#  * setup: if a cluster answers on this node (crm_mon), only resources are
#    created; its cluster-name must equal HA_NAME and every configured node
#    must be a member, else nothing changes. Members that are not configured
#    get "avoids" bans for the three clones. Without a running cluster,
#    "pcs cluster setup HA_NAME <nodes> --start --enable" creates it (needs
#    pcsd and "pcs host auth" beforehand) and the marker
#    HA_CONFDIR/.ganesha-ha-created-cluster is left for teardown.
#  * A setup on an already set up cluster rebuilds the wanted configuration
#    in a CIB copy and compares: equal -> "already set up", nothing pushed;
#    different -> refused (teardown first, or add/delete).
#  * The shared-storage tree is created before the push (nfs_setup needs
#    it); rpcuser ownership only if that user and group exist.
#  * The two location rules accept ganesha_mon's permanent attribute
#    ganesha-published as well as the transient one ("grace-active ne 1 and
#    ganesha-published ne 1"): a respawned pacemaker-attrd wipes the
#    transient attributes, and that must move nothing. Each group is
#    colocated with nfs-mon-clone and ordered after its start (Optional,
#    one way): a fresh nfs-mon start deletes what a crash left behind
#    before a group can come to that node. Teardown deletes any left.
#  * No "sleep 5" between nfs-mon and nfs-grace: ganesha_grace's start waits
#    (bounded) for grace-active itself. Besides upstream's constraints, each
#    group gets "order stop nfs-grace-clone then start <node>-cluster_ip-1
#    kind=Optional symmetrical=false" (doc/design.md, whole-node crash:
#    Optional orders the two whenever both are in one transition, which is
#    exactly the fencing transition; the address, not the whole group;
#    HA_CRASH_ORDER=Mandatory|none changes or drops it). With Mandatory the
#    group starts are unrunnable in the transition that starts nfs-grace-clone
#    from nothing and nothing re-runs the scheduler, so a fresh setup pushes
#    twice: the clones, then (once nfs-grace runs) the groups. Otherwise, and
#    for add/delete, everything goes in one cib-push.
#  * "prefers" scores are given in one pcs call per group (same constraints,
#    same ids as upstream's one call per node).
#  * Fencing is left on unless HA_FENCING=no (upstream always disabled it).
#  * VIP agent IPaddr2 by default (HA_VIP_AGENT=IPaddr for upstream's).
#  * The VIP group is <node>-cluster_ip-1 then <node>-nfs_unblock: upstream's
#    <node>-nfs_block (portblock action=block, before the address) only with
#    HA_NFS_BLOCK=yes. ganesha already serves, in grace, on every node the
#    address can move to, so blocking its port while the address comes up
#    protects nothing; it delayed the clients and put two more shell
#    operations in series on every failover (README, Performance).
#    HA_NFS_UNBLOCK=no leaves <node>-nfs_unblock out as well (its tickles
#    never fire with ganesha's dual-stack socket; README); so does the
#    default, auto, when the groups get NSM notification.
#  * NFSv3 + NLM (HA_NLM, auto from ganesha.conf): <node>-smnotify
#    (ganesha_smnotify) last in each group sends the NSM reboot notification
#    from the address once it is up, and <node>-handoff gets nlm=true and
#    statd_dir: on failback the survivor hands its statd list to the home
#    node and releases the NLM locks taken through the address (README,
#    "NFSv3 and NLM"). Upstream had no NSM notification at all.
#  * <node>-handoff (first in each group) gets ip=<VIP>: its SYN guard drops,
#    rather than refuses, a new NFS connection to the address that no socket
#    would take (ganesha died), so that the client retries after 1 s instead
#    of 3 s (README, "The SYN guard"), and tickle_dir: its monitor records
#    the address's NFS connections on the shared storage, and its start on
#    the node taking the address over sends those clients tickle ACKs once
#    the address is up, so that they reconnect at once after a crash
#    (README, "Tickle ACKs").
#  * nfs-mon monitors every 20s (upstream: 10s): its resident watcher
#    detects (ganesha_mon watcher=true); the monitor checks the watcher.
#    HA_MON_INTERVAL.
#  * add/delete/teardown/refresh-config act on the configured nodes, not on
#    the nodes online right now. add runs "pcs cluster node add" only for a
#    node that is not a member yet; delete runs "pcs cluster node remove"
#    unless --keep-node (a failure there is only a warning). Neither starts
#    or stops nfs-ganesha itself (upstream's manage_service): start ganesha
#    on a new node before "add". The SELinux boolean toggling is not
#    implemented.
#  * --setup-ganesha-conf-files <HA_CONFDIR> yes|no (glusterd's enable and
#    disable): yes links ganesha's config to HA_CONFDIR/ganesha.conf, keeping
#    a local regular file as <file>.ganesha-ha.orig (upstream deleted it);
#    no replaces the link by a copy without the export %include lines, and
#    leaves a regular file alone.
#  * teardown disables the HA resources, waits until they are stopped (so
#    nfs_setup's stop restores the state dir on every node), then deletes
#    them; it destroys the cluster only if setup created it (marker) or with
#    --destroy-cluster.
#  * cleanup (local, after teardown): refuses while HA resources exist;
#    restores HA_STATE_DIR if it was left a symlink into HA_VOL_MNT; strips
#    %include "*.conf" lines from HA_CONFDIR/ganesha.conf (backup kept);
#    removes corosync.conf and the CIB files only for a cluster setup created
#    and that is not running here. It never touches /etc/cluster.
#  * status: one crm_mon XML call; exit 0 like upstream, or with
#    --exit-codes: 0 HEALTHY (all configured nodes online, every group
#    complete on its home node, no failure), 1 FAILOVER (a group away from
#    home or a node offline, but every VIP running), 2 BAD (a VIP/group
#    member not running, a missing group, nfs_setup or nfs-mon not running on
#    an online node, failed actions), 3 unknown.
#  * Fencing: HA_FENCING=yes on a cluster that fences but has no fencing
#    device is refused before any push. The properties setup changes
#    (no-quorum-policy, stonith-enabled) are recorded with their old values
#    in HA_CONFDIR/.ganesha-ha-properties and restored by teardown.
#  * Nothing destructive follows a failed query: delete keeps a node's state
#    directory and cleanup changes nothing when crm_mon fails while the stack
#    runs.
#  * VIPs may be IPv6 (IPaddr2, /128; such a group has no nfs_unblock, since
#    portblock drives iptables only). A VIP_<name> line for a node not in
#    HA_CLUSTER_NODES is a warning naming the line (upstream's add/delete
#    left such lines), not an error.
#    ganesha's grace state is read (get_grace over D-Bus) on the local node
#    only.
#  * refresh-config: UpdateExport over D-Bus on every configured node; the
#    local one directly, the others through GANESHA_HA_REMOTE_EXEC
#    ("<runner words> <node> <argv...>", e.g. "ganesha-sandbox exec") or, by
#    default, ssh -i /var/lib/glusterd/nfs/secret.pem root@<node>.
#  * Offline mode: with CIB_file=<file> in the environment (Pacemaker's
#    convention) the commands edit that CIB file instead of a live cluster:
#    no waits, no shared storage, no membership changes, and the push is a
#    crm_diff patch applied with cibadmin to a copy renamed over the file (a
#    kill never leaves it half written). The tests use it.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -euo pipefail
umask 022
# every character class ([[:alpha:]], [a-z], ${x,,}) and every tool's output
# in the C locale, whatever the caller's
export LC_ALL=C

PROG=ganesha-ha.sh
readonly CONF_NAME=ganesha-ha.conf
readonly DEFAULT_VOL_MNT=/run/gluster/shared_storage
readonly DEFAULT_STATE_DIR=/var/lib/nfs
readonly DEFAULT_MON_INTERVAL=20s
readonly DEFAULT_CHECK_LEVEL=10
readonly DEFAULT_VIP_AGENT=IPaddr2
readonly SECRET_PEM=/var/lib/glusterd/nfs/secret.pem
readonly PORTBLOCK_UNBLOCK_TIMEOUT=60s
readonly CLONES=(nfs_setup-clone nfs-mon-clone nfs-grace-clone)
# ganesha_mon's permanent "published" attribute (its parameter published)
readonly PUBLISHED_ATTR=ganesha-published
# Marker left in HA_CONFDIR when setup created the cluster itself; teardown
# destroys the cluster only then (or with --destroy-cluster).
readonly CREATED_MARKER=.ganesha-ha-created-cluster

SUBCMD=""
DRY_RUN=0
FORCE_DESTROY=""          # "", yes (--destroy-cluster), no (--keep-cluster)
KEEP_NODE=0               # delete: --keep-node: leave cluster membership alone
EXIT_CODES=0              # status: --exit-codes: 0/1/2/3 (upstream: always 0)
WAIT_S=${GANESHA_HA_WAIT:-120}
QUERY_TIMEOUT=20

# Parsed configuration (parse_config).
CONF_FILE=""
HA_CONFDIR=""
CF_NAME=""
CF_VOL_MNT=$DEFAULT_VOL_MNT
CF_STATE_DIR=$DEFAULT_STATE_DIR
CF_FENCING=yes
CF_NFS_BLOCK=no
CF_NFS_UNBLOCK=auto       # HA_NFS_UNBLOCK: auto = yes, but no with NSM notification (HA_NLM)
CF_NLM=auto               # HA_NLM: <node>-smnotify in each group (auto: ganesha.conf says)
NLM_ON=""                 # HA_NLM resolved (yes|no) by nlm_enabled, once
CF_VIP_AGENT=$DEFAULT_VIP_AGENT
CF_NIC=""
CF_MON_INTERVAL=$DEFAULT_MON_INTERVAL
CF_CHECK_LEVEL=$DEFAULT_CHECK_LEVEL
CF_CRASH_ORDER=Optional
CF_TOKEN=""               # HA_COROSYNC_TOKEN: totem token (ms) of a cluster setup creates
CF_NODES_LINE=0
NODES=()
declare -A VIP=()          # node -> address
declare -A VIP_LINE=()     # node -> line number of its VIP_ key

WORK=""
CIB_ORIG=""
CIB_NEW=""
MON_XML=""

# ---------------------------------------------------------------------------
# messages

log_sys() {
    if ((DRY_RUN == 0)) && command -v logger >/dev/null 2>&1; then
        logger -t ganesha-ha -- "$*" 2>/dev/null || true
    fi
}
info() { printf '%s: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; log_sys "warning: $*"; }
# die [rc] message
die() {
    local rc=1
    if [[ $1 =~ ^[0-9]+$ ]]; then rc=$1; shift; fi
    # status: 1 and 2 mean FAILOVER and BAD, so any error is 3 there
    [[ $SUBCMD == status ]] && rc=3
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    log_sys "error: $*"
    exit "$rc"
}

usage() {
    cat <<EOF
Usage: $PROG [--dry-run] <command> <HA_CONFDIR> [args...]

Commands (a leading "--" is accepted: "--setup" = "setup"):
  setup <HA_CONFDIR>               create the HA resources (and the cluster
                                   with pcs if none runs on this node)
  teardown <HA_CONFDIR>            stop and remove the HA resources
                                   [--destroy-cluster|--keep-cluster]
  add <HA_CONFDIR> <node> <vip>    add a node and its VIP
  delete <HA_CONFDIR> <node>       remove a node and its VIP [--keep-node]
  status <HA_CONFDIR>              health report ("Cluster HA Status:" line);
                                   exit 0 (upstream), or with --exit-codes:
                                   0 HEALTHY, 1 FAILOVER, 2 BAD, 3 unknown
  refresh-config <HA_CONFDIR> <export>
                                   UpdateExport <HA_CONFDIR>/exports/export.<export>.conf
                                   on every configured node
  cleanup <HA_CONFDIR>             local clean-up after teardown
  check-config <HA_CONFDIR>        parse the configuration and print it
  setup-ganesha-conf-files <HA_CONFDIR> yes|no
                                   (glusterd's "nfs-ganesha enable|disable")
                                   yes: ganesha's config becomes a link to
                                   <HA_CONFDIR>/ganesha.conf; no: a local copy
                                   of it without the export %include lines
  help                             this text

Options:
  --dry-run        print the mutating commands (pcs, cib-push, mkdir, ...)
                   instead of running them; reads still happen
  --destroy-cluster / --keep-cluster (teardown)
  --keep-node      (delete) do not run "pcs cluster node remove"
  --exit-codes     (status) exit 0/1/2/3 by the health found

The configuration is <HA_CONFDIR>/$CONF_NAME (see ganesha-ha.conf.sample).
Environment: GANESHA_HA_WAIT (bound of every wait, seconds, default 120),
GANESHA_HA_REMOTE_EXEC (remote command runner for refresh-config, called as
"<runner words> <node> <argv...>"; default ssh with $SECRET_PEM).
GANESHA_CONF (ganesha's configuration file for setup-ganesha-conf-files;
default: CONFFILE or "-f" in OPTIONS of /etc/sysconfig/ganesha,
/etc/conf.d/ganesha, /etc/default/ganesha or /etc/default/nfs-ganesha, else
/etc/ganesha/ganesha.conf).
Exit codes: 0 success, 1 failure, 2 usage or configuration error
(status --exit-codes: 0 HEALTHY, 1 FAILOVER, 2 BAD, 3 status unknown).
EOF
}

# ---------------------------------------------------------------------------
# running commands

# Print argv as one shell-readable line.
shquote() {
    local a out=() q="'" re='^[A-Za-z0-9_./:=,@%+-]+$'
    for a in "$@"; do
        if [[ $a =~ $re ]]; then
            out+=("$a")
        else
            out+=("'${a//$q/$q\\$q$q}'")
        fi
    done
    printf '%s\n' "${out[*]}"
}

# run CMD...: a mutating command; printed instead of run under --dry-run.
run() {
    if ((DRY_RUN)); then
        shquote "$@"
        return 0
    fi
    "$@"
}

# run_quiet CMD...: like run, with the command's own output discarded.
run_quiet() {
    if ((DRY_RUN)); then
        shquote "$@"
        return 0
    fi
    "$@" >/dev/null 2>&1
}

# run_pcs ARGS...: pcs, with its output kept quiet unless it fails.
run_pcs() {
    if ((DRY_RUN)); then
        shquote pcs "$@"
        return 0
    fi
    local out
    if ! out=$(pcs "$@" 2>&1); then
        printf '%s\n' "$out" >&2
        die "command failed: $(shquote pcs "$@")"
    fi
}

# pcs -f on the working copy of the CIB
pcsf() { run_pcs -f "$CIB_NEW" "$@"; }

init_work() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/ganesha-ha.XXXXXX")
    trap 'rm -rf -- "$WORK"' EXIT
    CIB_ORIG=$WORK/cib-orig.xml
    CIB_NEW=$WORK/cib.xml
    MON_XML=$WORK/crm_mon.xml
}

# ---------------------------------------------------------------------------
# configuration file parsing (never sourced)

CONF_ERRORS=0
cerr() {   # cerr LINE MESSAGE   (LINE 0: no line)
    if (($1 > 0)); then
        printf '%s: error: %s:%s: %s\n' "$PROG" "$CONF_FILE" "$1" "$2" >&2
    else
        printf '%s: error: %s: %s\n' "$PROG" "$CONF_FILE" "$2" >&2
    fi
    CONF_ERRORS=$((CONF_ERRORS + 1))
}

# Sets PV_VALUE from the raw text after "=", or reports an error.
parse_value() {
    local raw=$1 lineno=$2
    local re_dq='^"([^"$`\\]*)"([[:space:]]+#.*)?$'
    local re_sq="^'([^'\$\`\\\\]*)'([[:space:]]+#.*)?\$"
    local re_plain='^([^][:space:]"'"'"'$`\\;&|<>(){}*?[]*)([[:space:]]+#.*)?$'
    PV_VALUE=""
    # shellcheck disable=SC2016 # literal $( and backtick
    if [[ $raw == *'$('* || $raw == *'`'* ]]; then
        cerr "$lineno" "command substitution is not allowed (the file is parsed, not executed)"
        return 1
    fi
    if [[ $raw == *'$'* ]]; then
        cerr "$lineno" "variable expansion (\$) is not allowed (the file is parsed, not executed)"
        return 1
    fi
    case $raw in
    \"*)
        if [[ $raw =~ $re_dq ]]; then PV_VALUE=${BASH_REMATCH[1]}; return 0; fi
        if [[ ${raw:1} != *\"* ]]; then
            cerr "$lineno" "unterminated double quote"
        elif [[ $raw == *\\* ]]; then
            cerr "$lineno" "backslash escapes are not supported"
        else
            cerr "$lineno" "unexpected text after the closing double quote"
        fi
        return 1 ;;
    \'*)
        if [[ $raw =~ $re_sq ]]; then PV_VALUE=${BASH_REMATCH[1]}; return 0; fi
        if [[ ${raw:1} != *\'* ]]; then
            cerr "$lineno" "unterminated single quote"
        else
            cerr "$lineno" "unexpected text after the closing single quote"
        fi
        return 1 ;;
    esac
    if [[ $raw =~ $re_plain ]]; then PV_VALUE=${BASH_REMATCH[1]}; return 0; fi
    if [[ $raw == *[\"\']* ]]; then
        cerr "$lineno" "quote in the middle of a value (quote the whole value)"
    elif [[ $raw =~ [[:space:]] ]]; then
        cerr "$lineno" "unquoted value contains whitespace"
    else
        cerr "$lineno" "value contains shell special characters"
    fi
    return 1
}

# A unicast IPv4 address. A last octet of 0 or 255 is a host address in a
# wider subnet (10.1.0.255 in a /16), and the VIP itself is a /32.
valid_ipv4() {
    local ip=$1 o
    local re='^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$'
    [[ $ip =~ $re ]] || return 1
    for o in "${BASH_REMATCH[@]:1}"; do ((o <= 255)) || return 1; done
    local first=${BASH_REMATCH[1]}
    ((first >= 1 && first <= 223 && first != 127)) || return 1
    return 0
}

# A global or unique-local unicast IPv6 address, written the usual way (hex
# groups, at most one "::"; no zone, no prefix, no embedded IPv4). Loopback,
# unspecified, link-local and multicast are refused: a floating address must
# be routable to its clients from any node.
valid_ipv6() {
    local ip=${1,,} head tail g i
    [[ $ip =~ ^[0-9a-f:]{2,39}$ && $ip == *:* ]] || return 1
    local -a hg=() tg=() all=()
    if [[ $ip == *::* ]]; then
        head=${ip%%::*}
        tail=${ip#*::}
        [[ $tail != *::* && $head != :* && $head != *: && $tail != :* && $tail != *: ]] || return 1
        [[ -z $head ]] || IFS=: read -r -a hg <<<"$head"
        [[ -z $tail ]] || IFS=: read -r -a tg <<<"$tail"
        ((${#hg[@]} + ${#tg[@]} <= 7)) || return 1
        all=("${hg[@]}")
        for ((i = ${#hg[@]} + ${#tg[@]}; i < 8; i++)); do all+=(0); done
        all+=("${tg[@]}")
    else
        [[ $ip != :* && $ip != *: ]] || return 1
        IFS=: read -r -a all <<<"$ip"
        ((${#all[@]} == 8)) || return 1
    fi
    local nz=0
    for g in "${all[@]}"; do
        [[ $g =~ ^[0-9a-f]{1,4}$ ]] || return 1
        ((16#$g == 0)) || nz=$((nz + 1))
    done
    ((nz > 0)) || return 1                                    # ::
    ((nz == 1 && 16#${all[7]} == 1)) && return 1              # ::1
    ((16#${all[0]} >> 8 == 0xff)) && return 1                  # ff00::/8
    ((16#${all[0]} >> 6 == 0x3fa)) && return 1                 # fe80::/10
    return 0
}

valid_vip() { valid_ipv4 "$1" || valid_ipv6 "$1"; }
is_ipv6() { [[ $1 == *:* ]]; }

# node_name_problem NAME: prints why NAME is not usable, or nothing.
node_name_problem() {
    local n=$1
    local label='[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
    local re="^${label}(\\.${label})*\$"
    if [[ -z $n ]]; then echo "empty node name"; return; fi
    if ((${#n} > 200)); then echo "node name '$n' is too long"; return; fi
    if [[ ! $n =~ $re ]]; then
        echo "'$n' is not a valid host name (letters, digits, '-' and '.' only)"; return
    fi
    if [[ $n =~ ^[0-9.]+$ ]]; then
        echo "'$n' looks like an IP address; use the cluster node name"; return
    fi
    if [[ $n == [0-9]* ]]; then
        echo "'$n' starts with a digit, which cannot start a Pacemaker resource id ('$n-group')"; return
    fi
}

vip_key_of() { local n=${1//./_}; printf '%s\n' "${n//-/_}"; }

# conf_bool LINENO KEY VAR: PV_VALUE as yes or no (yes, true, on, 1 / no,
# false, off, 0, any case) into VAR, else an error on the line
conf_bool() {
    case ${PV_VALUE,,} in
    yes | true | on | 1) printf -v "$3" yes ;;
    no | false | off | 0) printf -v "$3" no ;;
    *) cerr "$1" "$2 must be yes or no" ;;
    esac
}

parse_config() {
    CONF_FILE=$1
    [[ -f $CONF_FILE ]] || die 2 "$CONF_FILE: configuration file not found"
    [[ -r $CONF_FILE ]] || die 2 "$CONF_FILE: cannot read the configuration file"

    local line lineno=0 key raw
    local -A seen=()
    local -a vip_keys=() vip_vals=() vip_lines=()
    local name_line=0 nodes_raw="" n ws

    while IFS= read -r line || [[ -n $line ]]; do
        lineno=$((lineno + 1))
        line=${line%$'\r'}
        ws=${line%%[![:space:]]*}; line=${line#"$ws"}
        ws=${line##*[![:space:]]}; line=${line%"$ws"}
        [[ -z $line || $line == \#* ]] && continue
        if [[ $line =~ ^export[[:space:]] ]]; then
            cerr "$lineno" "'export' is not supported; write KEY=VALUE"
            continue
        fi
        if [[ ! $line =~ ^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$ ]]; then
            if [[ $line =~ ^[A-Za-z_][A-Za-z0-9_.-]*[[:space:]]+= ]]; then
                cerr "$lineno" "no spaces allowed around '='"
            else
                cerr "$lineno" "not a KEY=VALUE line, comment or blank line"
            fi
            continue
        fi
        key=${BASH_REMATCH[1]}
        raw=${BASH_REMATCH[2]}
        parse_value "$raw" "$lineno" || continue
        if [[ -n ${seen[$key]:-} ]]; then
            cerr "$lineno" "$key is set twice (first on line ${seen[$key]})"
            continue
        fi
        seen[$key]=$lineno
        case $key in
        HA_NAME) CF_NAME=$PV_VALUE; name_line=$lineno ;;
        HA_CLUSTER_NODES) nodes_raw=$PV_VALUE; CF_NODES_LINE=$lineno ;;
        HA_VOL_MNT | HA_STATE_DIR)
            if [[ ! $PV_VALUE =~ ^/[A-Za-z0-9_.@+/-]*$ || $PV_VALUE == *'/../'* || $PV_VALUE == */.. ]]; then
                cerr "$lineno" "$key must be an absolute path of letters, digits and ._@+-/"
            else
                PV_VALUE=${PV_VALUE%/}
                [[ -z $PV_VALUE ]] && PV_VALUE=/
                if [[ $key == HA_VOL_MNT ]]; then CF_VOL_MNT=$PV_VALUE; else CF_STATE_DIR=$PV_VALUE; fi
            fi ;;
        HA_FENCING) conf_bool "$lineno" HA_FENCING CF_FENCING ;;
        HA_NFS_BLOCK) conf_bool "$lineno" HA_NFS_BLOCK CF_NFS_BLOCK ;;
        HA_NFS_UNBLOCK)
            case ${PV_VALUE,,} in
            auto) CF_NFS_UNBLOCK=auto ;;
            yes | true | on | 1 | no | false | off | 0) conf_bool "$lineno" HA_NFS_UNBLOCK CF_NFS_UNBLOCK ;;
            *) cerr "$lineno" "HA_NFS_UNBLOCK must be yes, no or auto" ;;
            esac ;;
        HA_NLM)
            case ${PV_VALUE,,} in
            auto) CF_NLM=auto ;;
            yes | true | on | 1 | no | false | off | 0) conf_bool "$lineno" HA_NLM CF_NLM ;;
            *) cerr "$lineno" "HA_NLM must be yes, no or auto" ;;
            esac ;;
        HA_VIP_AGENT)
            case $PV_VALUE in
            IPaddr | IPaddr2) CF_VIP_AGENT=$PV_VALUE ;;
            ocf:heartbeat:IPaddr | ocf:heartbeat:IPaddr2) CF_VIP_AGENT=${PV_VALUE##*:} ;;
            *) cerr "$lineno" "HA_VIP_AGENT must be IPaddr or IPaddr2" ;;
            esac ;;
        HA_NIC)
            if [[ $PV_VALUE =~ ^[A-Za-z0-9_.:-]{1,15}$ ]]; then CF_NIC=$PV_VALUE
            else cerr "$lineno" "HA_NIC is not a valid interface name"; fi ;;
        HA_MON_INTERVAL)
            if [[ $PV_VALUE =~ ^[1-9][0-9]{0,5}(ms|s|m|min|h)?$ ]]; then CF_MON_INTERVAL=$PV_VALUE
            else cerr "$lineno" "HA_MON_INTERVAL must be a Pacemaker interval such as 1s or 10s"; fi ;;
        HA_COROSYNC_TOKEN)
            if [[ $PV_VALUE =~ ^[1-9][0-9]{2,5}$ ]]; then CF_TOKEN=$PV_VALUE
            else cerr "$lineno" "HA_COROSYNC_TOKEN must be milliseconds, 100-999999"; fi ;;
        HA_CHECK_LEVEL)
            if [[ $PV_VALUE =~ ^(0|[1-9][0-9]?)$ ]]; then CF_CHECK_LEVEL=$PV_VALUE
            else cerr "$lineno" "HA_CHECK_LEVEL must be a number 0-99 (0 or 10 are meaningful)"; fi ;;
        HA_CRASH_ORDER)
            case $PV_VALUE in
            Mandatory | Optional | none) CF_CRASH_ORDER=$PV_VALUE ;;
            *) cerr "$lineno" "HA_CRASH_ORDER must be Mandatory, Optional or none" ;;
            esac ;;
        HA_VOL_SERVER)
            printf '%s: warning: %s:%s: HA_VOL_SERVER is obsolete and ignored\n' \
                "$PROG" "$CONF_FILE" "$lineno" >&2 ;;
        VIP_?*)
            vip_keys+=("${key#VIP_}"); vip_vals+=("$PV_VALUE"); vip_lines+=("$lineno") ;;
        *)
            cerr "$lineno" "unknown key $key" ;;
        esac
    done <"$CONF_FILE"

    # HA_NAME
    if [[ -z ${seen[HA_NAME]:-} ]]; then
        cerr 0 "HA_NAME is not set"
    elif [[ ! $CF_NAME =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$ ]]; then
        cerr "$name_line" "HA_NAME must be 1-32 letters, digits, '-' or '_'"
    fi

    # HA_CLUSTER_NODES
    local -A lc_seen=()
    local prob
    NODES=()
    if [[ -z ${seen[HA_CLUSTER_NODES]:-} ]]; then
        cerr 0 "HA_CLUSTER_NODES is not set"
    else
        local -a parts=()
        IFS=',' read -r -a parts <<<"$nodes_raw,"
        for n in "${parts[@]}"; do
            ws=${n%%[![:space:]]*}; n=${n#"$ws"}
            ws=${n##*[![:space:]]}; n=${n%"$ws"}
            prob=$(node_name_problem "$n")
            if [[ -n $prob ]]; then
                cerr "$CF_NODES_LINE" "HA_CLUSTER_NODES: $prob"
                continue
            fi
            if [[ -n ${lc_seen[${n,,}]:-} ]]; then
                cerr "$CF_NODES_LINE" "HA_CLUSTER_NODES: node '$n' is listed twice"
                continue
            fi
            lc_seen[${n,,}]=1
            NODES+=("$n")
        done
        ((${#NODES[@]} > 0)) || cerr "$CF_NODES_LINE" "HA_CLUSTER_NODES lists no node"
    fi

    # VIP_<node>: "VIP_<name>" with the name as written, or with '.'/'-' -> '_'
    local i k match m
    local -A vip_seen=()
    # nfs_block drops NFS to the address until nfs_unblock starts: without
    # nfs_unblock nothing would ever let the clients in
    if [[ $CF_NFS_BLOCK == yes && $CF_NFS_UNBLOCK == no ]]; then
        cerr 0 "HA_NFS_BLOCK=yes needs HA_NFS_UNBLOCK=yes (nothing else lifts nfs_block's drop)"
    fi
    VIP=()
    VIP_LINE=()
    for i in "${!vip_keys[@]}"; do
        k=${vip_keys[$i]}
        match=()
        for n in "${NODES[@]}"; do
            if [[ $k == "$n" || $k == "$(vip_key_of "$n")" ]]; then match+=("$n"); fi
        done
        if ((${#match[@]} == 0)); then
            # left behind by upstream's add/delete (e.g. VIP_<fqdn.with.dots>):
            # named, not fatal
            printf '%s: warning: %s:%s: VIP_%s does not belong to any node in HA_CLUSTER_NODES; ignored\n' \
                "$PROG" "$CONF_FILE" "${vip_lines[$i]}" "$k" >&2
            continue
        fi
        if ((${#match[@]} > 1)); then
            cerr "${vip_lines[$i]}" "VIP_$k is ambiguous: nodes ${match[*]}"
            continue
        fi
        m=${match[0]}
        if [[ -n ${VIP_LINE[$m]:-} ]]; then
            cerr "${vip_lines[$i]}" "second VIP for node '$m' (first on line ${VIP_LINE[$m]})"
            continue
        fi
        if ! valid_vip "${vip_vals[$i]}"; then
            cerr "${vip_lines[$i]}" "'${vip_vals[$i]}' is not a valid unicast IPv4 or IPv6 address"
            continue
        fi
        if is_ipv6 "${vip_vals[$i]}"; then
            if [[ $CF_VIP_AGENT != IPaddr2 ]]; then
                cerr "${vip_lines[$i]}" "IPv6 VIP ${vip_vals[$i]} needs HA_VIP_AGENT=IPaddr2 (IPaddr is IPv4 only)"
                continue
            fi
            if [[ $CF_NFS_BLOCK == yes ]]; then
                cerr "${vip_lines[$i]}" "IPv6 VIP ${vip_vals[$i]} cannot be used with HA_NFS_BLOCK=yes (portblock drives iptables, IPv4 only)"
                continue
            fi
        fi
        if [[ -n ${vip_seen[${vip_vals[$i],,}]:-} ]]; then
            cerr "${vip_lines[$i]}" "VIP ${vip_vals[$i]} is already used on line ${vip_seen[${vip_vals[$i],,}]}"
            continue
        fi
        vip_seen[${vip_vals[$i],,}]=${vip_lines[$i]}
        VIP[$m]=${vip_vals[$i]}
        VIP_LINE[$m]=${vip_lines[$i]}
    done
    for n in "${NODES[@]}"; do
        if [[ -z ${VIP[$n]:-} && -z ${VIP_LINE[$n]:-} ]]; then
            cerr "$CF_NODES_LINE" "node '$n' has no VIP (expected VIP_$(vip_key_of "$n")=<address>)"
        fi
    done

    if ((CONF_ERRORS > 0)); then
        die 2 "$CONF_FILE: $CONF_ERRORS error(s); nothing was changed"
    fi
}

load_confdir() {
    [[ -n ${1:-} ]] || die 2 "missing <HA_CONFDIR> argument (see '$PROG help')"
    HA_CONFDIR=${1%/}
    [[ -n $HA_CONFDIR ]] || HA_CONFDIR=/
    [[ -d $HA_CONFDIR ]] || die 2 "$HA_CONFDIR: no such directory"
    parse_config "$HA_CONFDIR/$CONF_NAME"
    take_lock
}

# One mutating ganesha-ha.sh at a time per HA_CONFDIR (bounded wait).
take_lock() {
    case $SUBCMD in setup | teardown | add | delete | cleanup) ;; *) return 0 ;; esac
    ((DRY_RUN == 0)) || return 0
    exec 9>>"$HA_CONFDIR/.ganesha-ha.lock" || die "cannot create $HA_CONFDIR/.ganesha-ha.lock"
    flock -w "$WAIT_S" 9 ||
        die "timed out after ${WAIT_S}s waiting for another $PROG run on $HA_CONFDIR (lock $HA_CONFDIR/.ganesha-ha.lock)"
}

# ---------------------------------------------------------------------------
# XML helpers (xmllint only)

# xp FILE XPATH: string result (empty if nothing)
# Offline mode: CIB_file set (Pacemaker convention) = work on that CIB file
# instead of the live cluster: no waits, no shared storage, no membership
# changes; the push becomes crm_diff + cibadmin --patch on the file.
offline() { [[ -n ${CIB_file:-} ]]; }

xp() { xmllint --xpath "$2" "$1" 2>/dev/null || true; }
# xp_attrs FILE XPATH-to-attributes: one value per line
xp_attrs() {
    xp "$1" "$2" | sed -n 's/^ *[A-Za-z_:-]*="\(.*\)"$/\1/p'
}

# ---------------------------------------------------------------------------
# cluster queries

# Refresh MON_XML; returns 1 if the cluster cannot be reached.
query_mon() {
    timeout "$QUERY_TIMEOUT" crm_mon -1 --output-as=xml \
        --include=summary,nodes,resources,attributes,failures --inactive \
        >"$MON_XML" 2>"$WORK/crm_mon.err" || return 1
    [[ $(xp "$MON_XML" 'string(/pacemaker-result/status/@code)') == 0 ]] || return 1
}

query_cib() {   # query_cib FILE
    timeout "$QUERY_TIMEOUT" cibadmin --query >"$1" 2>"$WORK/cibadmin.err" ||
        die "cannot read the CIB: $(tr '\n' ' ' <"$WORK/cibadmin.err")"
}

cluster_running() { query_mon; }

cluster_members() { xp_attrs "$MON_XML" '/pacemaker-result/nodes/node/@name'; }

node_online() {
    [[ $(xp "$MON_XML" "string(/pacemaker-result/nodes/node[@name='$1']/@online)") == true ]]
}

is_member() {
    local m
    while IFS= read -r m; do [[ $m == "$1" ]] && return 0; done < <(cluster_members)
    return 1
}

have_quorum_dc() {
    offline && return 0   # an offline CIB file has no DC
    [[ $(xp "$MON_XML" 'string(//summary/current_dc/@present)') == true &&
        $(xp "$MON_XML" 'string(//summary/current_dc/@with_quorum)') == true ]]
}

local_node() {
    local n
    n=$(timeout "$QUERY_TIMEOUT" crm_node -n 2>/dev/null) || n=""
    [[ -n $n ]] || n=$(uname -n)
    printf '%s\n' "$n"
}

# Top-level ids of our resources present in a CIB file.
our_ids() {
    local f=$1 c
    for c in "${CLONES[@]}"; do
        [[ -n $(xp "$f" "string(/cib/configuration/resources/clone[@id='$c']/@id)") ]] && echo "$c"
    done
    our_groups "$f"
}

# Groups named <S>-group containing <S>-cluster_ip-1 (ours by construction).
our_groups() {
    local g
    while IFS= read -r g; do
        [[ -n $(xp "$1" "string(/cib/configuration/resources/group[@id='$g']/primitive[@id='${g%-group}-cluster_ip-1']/@id)") ]] &&
            echo "$g"
    done < <(xp_attrs "$1" '/cib/configuration/resources/group/@id')
    return 0
}

# Canonical, sorted one-line-per-element dump of the configuration parts we
# touch (resources, constraints, cluster properties).
cib_canon() {
    local t=$1.canon   # one per input: the two calls run at once
    xmllint --noblanks "$1" >"$t" 2>/dev/null || die "cannot parse CIB file $1"
    xp "$t" '/cib/configuration/resources/* | /cib/configuration/constraints/* | /cib/configuration/crm_config//nvpair' |
        sort
}

# ---------------------------------------------------------------------------
# waits (all bounded)

wait_settle() {   # wait_settle WHAT
    offline && return 0
    if ((DRY_RUN)); then
        shquote crm_resource --wait "--timeout=${WAIT_S}s"
        return 0
    fi
    info "waiting up to ${WAIT_S}s for the cluster to settle ($1)"
    if ! crm_resource --wait "--timeout=${WAIT_S}s" >/dev/null 2>"$WORK/wait.err"; then
        die "timed out after ${WAIT_S}s waiting for the cluster to settle ($1; crm_resource --wait): $(tr '\n' ' ' <"$WORK/wait.err")"
    fi
}

wait_dc_and_nodes() {   # wait_dc_and_nodes NODE...
    if ((DRY_RUN)); then
        printf '# wait up to %ss for a DC with quorum and nodes online: %s\n' "$WAIT_S" "$*"
        return 0
    fi
    local deadline=$((SECONDS + WAIT_S)) n missing
    info "waiting up to ${WAIT_S}s for a DC with quorum and for nodes online: $*"
    while :; do
        missing=()
        if query_mon && have_quorum_dc; then
            for n in "$@"; do node_online "$n" || missing+=("$n"); done
            ((${#missing[@]} == 0)) && return 0
        else
            missing=("(DC with quorum)")
        fi
        if ((SECONDS >= deadline)); then
            die "timed out after ${WAIT_S}s waiting for: ${missing[*]}"
        fi
        sleep 1
    done
}

# ---------------------------------------------------------------------------
# building the configuration in $CIB_NEW

agent_force=()
agent_flags() {   # sets agent_force=(--force) if the agent is not installed here
    agent_force=()
    if ! timeout "$QUERY_TIMEOUT" crm_resource --show-metadata "$1" >/dev/null 2>&1; then
        warn "agent $1 is not installed on this node; creating its resource with --force"
        agent_force=(--force)
    fi
}

quorum_policy() { if (($1 < 3)); then echo ignore; else echo stop; fi; }

build_clones() {
    agent_flags ocf:heartbeat:ganesha_nfsd
    pcsf resource create nfs_setup ocf:heartbeat:ganesha_nfsd \
        "ha_vol_mnt=$CF_VOL_MNT" "state_dir=$CF_STATE_DIR" clone "${agent_force[@]}"
    agent_flags ocf:heartbeat:ganesha_mon
    pcsf resource create nfs-mon ocf:heartbeat:ganesha_mon \
        op monitor "interval=$CF_MON_INTERVAL" "OCF_CHECK_LEVEL=$CF_CHECK_LEVEL" clone "${agent_force[@]}"
    # notify=true on the clone (not the primitive: upstream BZ 1461019)
    agent_flags ocf:heartbeat:ganesha_grace
    pcsf resource create nfs-grace ocf:heartbeat:ganesha_grace clone notify=true "${agent_force[@]}"
    # either the transient attribute or ganesha_mon's permanent one
    # (README: a respawned pacemaker-attrd wipes the transient ones)
    pcsf constraint location nfs-grace-clone rule score=-INFINITY \
        grace-active ne 1 and "$PUBLISHED_ATTR" ne 1
}

# Whether the groups get NSM notification (HA_NLM): yes, no, or with auto
# whether ganesha serves NFSv3 with NLM by its configuration file (the
# shared HA_CONFDIR/ganesha.conf, else ganesha's own): ganesha's defaults
# are Protocols 3, 4 and Enable_NLM true, so only a file that turns one of
# them off in NFS_CORE_PARAM says no.
nlm_enabled() {
    # auto: ganesha.conf is read once per run, not once per group member
    if [[ -z $NLM_ON ]]; then
        NLM_ON=$CF_NLM
        if [[ $NLM_ON == auto ]]; then
            if nlm_in_ganesha_conf; then NLM_ON=yes; else NLM_ON=no; fi
        fi
    fi
    [[ $NLM_ON == yes ]]
}

nlm_in_ganesha_conf() {
    local f=$HA_CONFDIR/ganesha.conf core
    [[ -r $f ]] || f=$(ganesha_conf_path)
    [[ -r $f ]] || return 0
    core=$(sed 's/#.*//' "$f" | tr '\n' ' ' | grep -oiE 'NFS_CORE_PARAM[[:space:]]*\{[^}]*\}' | head -n 1) || true
    if grep -qiE 'Enable_NLM[[:space:]]*=[[:space:]]*"?(false|no|off|0)\b' <<<"$core"; then
        return 1
    fi
    if grep -qiE '(^|[^_[:alnum:]])Protocols[[:space:]]*=' <<<"$core" &&
        ! grep -qiE '(^|[^_[:alnum:]])Protocols[[:space:]]*=[^;]*(^|[^0-9.])(3|nfs3|v3)([^0-9.]|$)' <<<"$core"; then
        return 1
    fi
    return 0
}

# HA_NFS_UNBLOCK=auto: upstream's nfs_unblock, except with NSM notification
# (HA_NLM) and no nfs_block. Its stop resets the address's local
# connections, and then waits (0.1 + 0.5 + 1 + 2 + 4 s) for every
# connection to the address to go: those to NLM's port, which its REJECT
# does not cover, never do, so every move of the group took 7.6 s more
# (README, "NFSv3 and NLM").
nfs_unblock_wanted() {
    if [[ $CF_NFS_UNBLOCK != auto ]]; then echo "$CF_NFS_UNBLOCK"
    elif [[ $CF_NFS_BLOCK == yes ]] || ! nlm_enabled; then echo yes
    else echo no; fi
}

# build_group NODE: the VIP group of NODE and its order constraints
build_group() {
    local s=$1 v=${VIP[$1]}
    local nic=()
    [[ -n $CF_NIC ]] && nic=("nic=$CF_NIC")
    local first=()
    # ganesha_handoff first, so that it stops after the address: on failback
    # the survivor releases the home node's clients (RELEASE_IP) before the
    # address comes up at home, where they reclaim (README, failback)
    if [[ -z ${handoff_force+set} ]]; then
        agent_flags ocf:heartbeat:ganesha_handoff
        handoff_force=("${agent_force[@]}")
    fi
    # ip=: its SYN guard (a connection nothing listens for is dropped, not
    # refused, while the group is on a node: README, "The SYN guard")
    # nlm=true: its stop on a survivor also releases the NLM locks taken
    # through the address, which the clients then reclaim at home
    # tickle_dir: its monitor records the address's NFS connections there
    # (<ip>.conn, beside portblock's own files), and its start on the node
    # taking the address over tickles them once the address is up, so that
    # a crashed node's clients reconnect at once (README, "Tickle ACKs")
    local nlm=()
    nlm_enabled && nlm=(nlm=true "statd_dir=$CF_STATE_DIR/statd")
    pcsf resource create "$s-handoff" ocf:heartbeat:ganesha_handoff \
        "home_node=$s" "recovery_root=$CF_STATE_DIR/ganesha" "ip=$v" "${nlm[@]}" \
        "tickle_dir=$CF_VOL_MNT/nfs-ganesha/tickle_dir" \
        --group "$s-group" "${handoff_force[@]}"
    # upstream's nfs_block only with HA_NFS_BLOCK=yes (README: it drops NFS
    # to an address whose ganesha already serves, and costs two serial
    # operations on every failover)
    if [[ $CF_NFS_BLOCK == yes ]]; then
        pcsf resource create "$s-nfs_block" ocf:heartbeat:portblock \
            protocol=tcp portno=2049 action=block "ip=$v" --group "$s-group"
        first=(--after "$s-nfs_block")
    fi
    local prefix=32
    is_ipv6 "$v" && prefix=128
    pcsf resource create "$s-cluster_ip-1" "ocf:heartbeat:$CF_VIP_AGENT" \
        "ip=$v" "cidr_netmask=$prefix" "${nic[@]}" op monitor interval=15s \
        --group "$s-group" "${first[@]}"
    # portblock (resource-agents 4.12) drives iptables only: an IPv6 address
    # gets no nfs_unblock (no tickle ACKs; the clients reconnect by their
    # own TCP retransmission); HA_NFS_UNBLOCK=no leaves it out everywhere
    if [[ $(nfs_unblock_wanted) == yes ]] && ! is_ipv6 "$v"; then
        pcsf resource create "$s-nfs_unblock" ocf:heartbeat:portblock \
            protocol=tcp portno=2049 action=unblock "ip=$v" \
            reset_local_on_unblock_stop=true \
            "tickle_dir=$CF_VOL_MNT/nfs-ganesha/tickle_dir/" \
            op stop "timeout=$PORTBLOCK_UNBLOCK_TIMEOUT" \
            op start "timeout=$PORTBLOCK_UNBLOCK_TIMEOUT" \
            op monitor interval=10s "timeout=$PORTBLOCK_UNBLOCK_TIMEOUT" \
            --group "$s-group" --after "$s-cluster_ip-1"
    fi
    # NFSv3 + NLM: the clients learn from an NSM reboot notification, sent
    # from the address once it is up, that they must reclaim their locks
    # from the ganesha now behind it (in grace)
    if nlm_enabled; then
        if [[ -z ${smnotify_force+set} ]]; then
            agent_flags ocf:heartbeat:ganesha_smnotify
            smnotify_force=("${agent_force[@]}")
        fi
        pcsf resource create "$s-smnotify" ocf:heartbeat:ganesha_smnotify \
            "ip=$v" "statd_dir=$CF_STATE_DIR/statd" \
            --group "$s-group" "${smnotify_force[@]}"
    fi
    pcsf constraint order nfs-grace-clone "then" "$s-cluster_ip-1"
    # only where nfs-mon runs, and after its start in the same transition:
    # a fresh start deletes the permanent attribute a crash left behind
    # before the group may come (rejoin, boot)
    pcsf constraint colocation add "$s-group" with nfs-mon-clone INFINITY
    pcsf constraint order start nfs-mon-clone "then" start "$s-group" \
        kind=Optional symmetrical=false
    # crash path (doc/design.md): the address starts only after the clone's
    # post-stop notifications (grace confirmed on every survivor) completed;
    # with HA_NFS_BLOCK=yes the group's nfs_block may start meanwhile
    if [[ $CF_CRASH_ORDER != none ]]; then
        pcsf constraint order stop nfs-grace-clone "then" start "$s-cluster_ip-1" \
            "kind=$CF_CRASH_ORDER" symmetrical=false
    fi
}

# build_placement NODE...: location rules and rotated "prefers" scores
build_placement() {
    local -a list=("$@")
    local n=${#list[@]} i j w args
    for ((i = 0; i < n; i++)); do
        pcsf constraint location "${list[i]}-group" rule score=-INFINITY \
            ganesha-active ne 1 and "$PUBLISHED_ATTR" ne 1
        # off a survivor that did not confirm grace for this node while
        # another one did (README, "A survivor that does not answer")
        pcsf constraint location "${list[i]}-group" rule score=-INFINITY \
            "no-grace-ack-${list[i]}" eq 1
        args=()
        w=1000
        for ((j = 1; j < n; j++)); do
            args+=("${list[(i + j) % n]}=$w")
            w=$((w + 1000))
        done
        args+=("${list[i]}=$w")
        pcsf constraint location "${list[i]}-group" prefers "${args[@]}"
    done
}

# Clones must not run on cluster members that are not configured HA nodes.
build_clone_bans() {   # build_clone_bans MEMBER... (members not configured)
    local m c
    for m in "$@"; do
        for c in "${CLONES[@]}"; do
            pcsf constraint location "$c" avoids "$m"
        done
    done
}

# Remove from $CIB_NEW the bans that build_clone_bans made earlier.
remove_clone_bans() {
    local c xpath=""
    for c in "${CLONES[@]}"; do
        xpath+="${xpath:+ | }/cib/configuration/constraints/rsc_location[@rsc='$c' and @node and @score='-INFINITY']"
    done
    cibf --delete-all --xpath "$xpath"
}

# cibf ARGS...: cibadmin on the working copy (fast, for deletions)
cibf() {
    if ((DRY_RUN)); then
        shquote env "CIB_file=$CIB_NEW" cibadmin --force "$@"
        return 0
    fi
    CIB_file=$CIB_NEW cibadmin --force "$@" >/dev/null 2>"$WORK/cibf.err" ||
        die "cannot edit the CIB copy: $(tr '\n' ' ' <"$WORK/cibf.err")"
}

# delete_ours ID...: remove these top-level resources (clones, groups) and
# every constraint that names them or their members from $CIB_NEW.
delete_ours() {
    local id x xpath="" ids=()
    for id in "$@"; do
        ids+=("$id")
        while IFS= read -r x; do [[ -n $x ]] && ids+=("$x"); done \
            < <(xp_attrs "$CIB_NEW" "/cib/configuration/resources/*[@id='$id']//primitive/@id")
    done
    for x in "${ids[@]}"; do
        xpath+="${xpath:+ or }@rsc='$x' or @with-rsc='$x' or @first='$x' or @then='$x'"
    done
    cibf --delete-all --xpath "/cib/configuration/constraints/*[$xpath]"
    xpath=""
    for id in "$@"; do xpath+="${xpath:+ or }@id='$id'"; done
    cibf --delete-all --xpath "/cib/configuration/resources/*[$xpath]"
}

# The cluster-wide properties setup sets, with their values before it, are
# kept in HA_CONFDIR/.ganesha-ha-properties ("name=value", "name=" for
# unset); teardown puts back each one that still has the value setup gave it.
readonly PROPS_FILE=.ganesha-ha-properties
managed_properties() {
    echo no-quorum-policy
    [[ $CF_FENCING == no ]] && echo stonith-enabled
    return 0
}

save_properties() {
    local f=$HA_CONFDIR/$PROPS_FILE p
    [[ -e $f || ! -s $CIB_ORIG ]] && return 0
    if ((DRY_RUN)); then printf '# record the old values of %s in %s\n' "$(managed_properties | tr '\n' ' ')" "$f"; return 0; fi
    {
        while IFS= read -r p; do
            printf '%s=%s\n' "$p" "$(xp "$CIB_ORIG" "string(/cib/configuration/crm_config/cluster_property_set/nvpair[@name='$p']/@value)")"
        done < <(managed_properties)
    } >"$f.tmp" || die "cannot write $f.tmp"
    mv -f "$f.tmp" "$f" || die "cannot write $f"
}

restore_properties() {
    local f=$HA_CONFDIR/$PROPS_FILE line p old cur want
    if [[ ! -r $f ]]; then
        info "no record of the cluster properties before setup ($f): no-quorum-policy and stonith-enabled left as they are"
        return 0
    fi
    query_cib "$CIB_ORIG"
    while IFS= read -r line; do
        [[ $line =~ ^(no-quorum-policy|stonith-enabled)=([A-Za-z]*)$ ]] || { warn "$f: ignored line '$line'"; continue; }
        p=${BASH_REMATCH[1]} old=${BASH_REMATCH[2]}
        cur=$(xp "$CIB_ORIG" "string(/cib/configuration/crm_config/cluster_property_set/nvpair[@name='$p']/@value)")
        if [[ $p == stonith-enabled ]]; then want=false; else want=$(quorum_policy "${#NODES[@]}"); fi
        if [[ $cur != "$want" ]]; then
            info "$p=$cur was changed after setup; left as it is"
        elif [[ -z $old ]]; then
            run crm_attribute --type crm_config --name "$p" --delete --quiet || warn "could not unset $p"
        elif [[ $old != "$cur" ]]; then
            run crm_attribute --type crm_config --name "$p" --update "$old" || warn "could not restore $p=$old"
        fi
    done <"$f"
    run rm -f "$f"
}

build_properties() {   # build_properties NODE-COUNT
    pcsf property set "no-quorum-policy=$(quorum_policy "$1")"
    if [[ $CF_FENCING == no ]]; then
        pcsf property set stonith-enabled=false
    fi
}

# Everything for the node list given, into $CIB_NEW.
build_all() {
    local n
    build_clones
    for n in "$@"; do build_group "$n"; done
    build_placement "$@"
}

# Cluster members that are not in the list given.
unconfigured_members() {
    local m n found
    while IFS= read -r m; do
        found=0
        for n in "$@"; do [[ $m == "$n" ]] && found=1; done
        ((found)) || echo "$m"
    done < <(cluster_members)
    return 0
}

push_cib() {   # push_cib WHAT
    if offline; then
        # offline CIB file: apply the same diff a cib-push diff-against would
        if ((DRY_RUN)); then
            printf "# crm_diff -o %s -n %s | CIB_file=%s cibadmin --patch\n" "$CIB_ORIG" "$CIB_NEW" "$CIB_file"
            return 0
        fi
        local rc=0
        crm_diff -o "$CIB_ORIG" -n "$CIB_NEW" >"$WORK/patch.xml" || rc=$?
        ((rc == 0)) && { info "offline CIB: no change ($1)"; return 0; }
        ((rc == 1)) || die "crm_diff failed"
        # cibadmin rewrites a CIB file in place (O_TRUNC, then write): a kill
        # in between leaves it empty or half. The patch goes to a copy beside
        # it, renamed over it; Pacemaker's own cib.xml (written with its
        # digest through a temporary file by cibadmin itself) is patched as is.
        local tmp file live
        file=$(realpath -e -- "$CIB_file") || die "cannot find $CIB_file"
        live=$(realpath -e /var/lib/pacemaker/cib/cib.xml 2>/dev/null) || live=""
        if [[ $file == "$live" ]]; then
            cibadmin --patch --xml-file "$WORK/patch.xml" || die "cannot patch $CIB_file"
        else
            tmp=$(mktemp --suffix=".${file##*/}" "${file%/*}/.ganesha-ha.XXXXXX") ||
                die "cannot create a file beside $file"
            if ! cp -p -- "$file" "$tmp" || ! CIB_file=$tmp cibadmin --patch --xml-file "$WORK/patch.xml" ||
                ! mv -f -- "$tmp" "$file"; then
                rm -f -- "$tmp"
                die "cannot patch $CIB_file"
            fi
        fi
        info "offline CIB $CIB_file updated ($1)"
        return 0
    fi
    run_pcs cluster cib-push "$CIB_NEW" "diff-against=$CIB_ORIG"
    ((DRY_RUN)) || info "pushed the new configuration ($1)"
}

# fencing_checks CREATED: HA_FENCING=yes on a cluster that fences without a
# fencing device would push resources Pacemaker never starts: refused before
# any push (CREATED=1: the cluster was just created by this run).
fencing_checks() {
    if [[ $CF_FENCING == no ]]; then
        warn "HA_FENCING=no: setting stonith-enabled=false; a crashed node's clients lose their locks and a hung node can keep its VIP (upstream behaviour)"
        return 0
    fi
    if [[ ! -s $CIB_ORIG ]]; then
        info "dry run: a cluster created now has no fencing device yet; with HA_FENCING=yes the real run stops after creating it, before any resource is pushed"
        return 0
    fi
    local se
    se=$(xp "$CIB_ORIG" "string(/cib/configuration/crm_config//nvpair[@name='stonith-enabled']/@value)")
    if [[ ${se,,} == false || ${se,,} == no || $se == 0 ]]; then
        warn "stonith-enabled=false in the cluster although HA_FENCING=yes: whole-node failover gets no grace notifications (doc/design.md); left unchanged"
    elif [[ -z $(xp "$CIB_ORIG" 'string(/cib/configuration/resources//primitive[@class="stonith"]/@id)') ]]; then
        local created=""
        (($1)) && created="cluster $CF_NAME was created, but "
        die "${created}HA_FENCING=yes and the cluster fences without a fencing device: Pacemaker would start none of the HA resources. Configure one (pcs stonith create ...) and run setup again, or set HA_FENCING=no (upstream's choice: no fencing). No resource was pushed"
    fi
}

# ---------------------------------------------------------------------------
# shared-storage tree (upstream setup_state_volume; names used whole)

state_tree() {   # state_tree NODE...  (creates what is missing, both link directions)
    offline && { info "offline CIB: shared-storage tree skipped"; return 0; }
    local base=$CF_VOL_MNT/nfs-ganesha n p d
    local -a missing=()
    local have_rpcuser=0
    getent passwd rpcuser >/dev/null 2>&1 && getent group rpcuser >/dev/null 2>&1 && have_rpcuser=1
    [[ -d $base/tickle_dir ]] || run mkdir -p "$base/tickle_dir"
    for n in "$@"; do
        d=$base/$n/nfs
        missing=()
        # v4recov/node0 and v4old/node0: ganesha's fs recovery backend makes
        # them only at its own start; one started before nfs_setup switched
        # its state directory cannot record clients there, and a takeover
        # then ends grace at once ("mkdir .../v4old/node0/<client> failed").
        for p in "$d/ganesha/v4recov/node0" "$d/ganesha/v4old/node0" "$d/statd/sm" "$d/statd/sm.bak"; do
            [[ -d $p ]] || missing+=("$p")
        done
        ((${#missing[@]} == 0)) || run mkdir -p "${missing[@]}"
        missing=()
        for p in "$d/state" "$d/statd/state"; do
            [[ -e $p ]] || missing+=("$p")
        done
        ((${#missing[@]} == 0)) || run touch "${missing[@]}"
        if ((have_rpcuser)); then
            run chown rpcuser:rpcuser "$d/statd" "$d/state" "$d/statd/sm" "$d/statd/sm.bak" "$d/statd/state"
        fi
    done
    for n in "$@"; do
        for p in "$@"; do
            [[ $p == "$n" ]] && continue
            state_link "$base/$p/nfs/ganesha" "$base/$n/nfs/ganesha/$p"
            state_link "$base/$p/nfs/statd" "$base/$n/nfs/statd/$p"
        done
    done
}

state_link() {   # state_link TARGET LINK
    if [[ -L $2 ]]; then
        [[ $(readlink "$2") == "$1" ]] && return 0
        run rm -f "$2"
    elif [[ -e $2 ]]; then
        warn "$2 exists and is not a symlink; left alone"
        return 0
    fi
    run ln -s "$1" "$2"
}

state_tree_remove() {   # state_tree_remove NODE REMAINING...
    offline && return 0
    local base=$CF_VOL_MNT/nfs-ganesha gone=$1 p l
    shift
    for p in "$@"; do
        for l in "$base/$p/nfs/ganesha/$gone" "$base/$p/nfs/statd/$gone"; do
            if [[ -L $l ]] || ((DRY_RUN)); then run rm -f "$l"; fi
        done
    done
    if [[ -d $base/$gone ]] || ((DRY_RUN)); then run rm -rf -- "${base:?}/$gone"; fi
}

check_vol_mnt() {
    offline && return 0
    local msg=""
    if [[ ! -d $CF_VOL_MNT ]]; then
        msg="shared storage $CF_VOL_MNT does not exist"
    elif ! mountpoint -q "$CF_VOL_MNT"; then
        msg="shared storage $CF_VOL_MNT is not mounted"
    fi
    [[ -z $msg ]] && return 0
    if ((DRY_RUN)); then warn "$msg (would stop here without --dry-run)"; return 0; fi
    die "$msg (HA_VOL_MNT in $CONF_FILE); nothing was changed"
}

# ---------------------------------------------------------------------------
# commands

create_cluster() {
    offline && die "CIB_file=$CIB_file: cannot read it with crm_mon"
    info "no running cluster reachable on this node: creating cluster $CF_NAME with pcs"
    info "(needs pcsd on every node and 'pcs host auth ${NODES[*]}' done beforehand)"
    local -a totem=()
    [[ -n $CF_TOKEN ]] && totem=(totem "token=$CF_TOKEN")
    if ! run pcs cluster setup "$CF_NAME" "${NODES[@]}" "${totem[@]}" --start --enable "--wait=$WAIT_S"; then
        die "pcs cluster setup failed; see the pcs output above"
    fi
    run touch "$HA_CONFDIR/$CREATED_MARKER"
    wait_dc_and_nodes "${NODES[@]}"
}

# Whether some nfs-grace instance runs (MON_XML; false if not queried).
grace_running() {
    [[ -s $MON_XML ]] || return 1
    [[ $(xp "$MON_XML" "count(//clone[@id='nfs-grace-clone']/resource[@active='true'])") != 0 ]]
}

# With the Mandatory "order stop nfs-grace-clone then start <node>-cluster_ip-1",
# Pacemaker marks the group starts unrunnable in the transition in which
# nfs-grace-clone starts from nothing, and nothing re-runs the scheduler
# afterwards (until cluster-recheck-interval): the VIPs would stay down.
# So a fresh setup pushes the clones first, waits (bounded) for nfs-grace,
# then pushes the groups: the same CIB file, cut in two.
push_setup_in_two_steps() {
    local full=$CIB_NEW step1=$WORK/cib-step1.xml n
    local -a groups=()
    for n in "${NODES[@]}"; do groups+=("$n-group"); done
    if ((DRY_RUN)); then
        printf '# step 1: the CIB without the groups (%s), to start the clones first\n' "${groups[*]}"
    fi
    cp "$full" "$step1" 2>/dev/null || true
    CIB_NEW=$step1
    delete_ours "${groups[@]}"
    run_pcs cluster cib-push "$step1" "diff-against=$CIB_ORIG"
    CIB_NEW=$full
    wait_grace_started
    ((DRY_RUN)) && printf '# step 2: the groups and their constraints\n'
    run_pcs cluster cib-push "$full" "diff-against=$step1"
    ((DRY_RUN)) || info "pushed the new configuration (setup of $CF_NAME, in two steps)"
}

# Bounded wait for nfs-grace on every online configured node; on the bound
# a warning naming the nodes (ganesha not running there?), not an error.
wait_grace_started() {
    if ((DRY_RUN)); then
        printf '# wait up to %ss for nfs-grace-clone to run on the online configured nodes\n' "$WAIT_S"
        return 0
    fi
    local deadline=$((SECONDS + WAIT_S)) n missing=()
    info "waiting up to ${WAIT_S}s for nfs-grace to start on the configured nodes"
    while :; do
        missing=()
        if query_mon; then
            for n in "${NODES[@]}"; do
                node_online "$n" || continue
                [[ $(xp "$MON_XML" "count(//clone[@id='nfs-grace-clone']/resource[@active='true' and node/@name='$n'])") != 0 ]] ||
                    missing+=("$n")
            done
        else
            missing=("(cluster not reachable)")
        fi
        ((${#missing[@]} == 0)) && return 0
        if ((SECONDS >= deadline)); then
            warn "after ${WAIT_S}s nfs-grace is not running on: ${missing[*]} (is ganesha running there?); creating the groups anyway"
            return 0
        fi
        sleep 1
    done
}

cmd_setup() {
    load_confdir "$@"
    log_sys "setting up $CF_NAME"
    ((${#NODES[@]} >= 2)) || die 2 "insufficient servers for HA (${#NODES[@]}); HA_CLUSTER_NODES needs at least 2"
    check_vol_mnt
    init_work

    local fresh_cluster=0
    if cluster_running; then
        local cn
        query_cib "$CIB_ORIG"
        cn=$(xp "$CIB_ORIG" "string(/cib/configuration/crm_config//nvpair[@name='cluster-name']/@value)")
        if [[ -n $cn && $cn != "$CF_NAME" ]]; then
            die "the running cluster is named '$cn' but HA_NAME is '$CF_NAME' in $CONF_FILE; nothing was changed"
        fi
        local n
        for n in "${NODES[@]}"; do
            is_member "$n" || die "node '$n' (HA_CLUSTER_NODES) is not a member of the running cluster; nothing was changed"
        done
        have_quorum_dc || die "the cluster has no DC with quorum; nothing was changed"
    else
        fresh_cluster=1
        create_cluster
        if ((DRY_RUN)); then
            printf "# cibadmin --query > %s\n" "$CIB_ORIG"
        else
            query_cib "$CIB_ORIG"
        fi
    fi
    [[ -s $CIB_ORIG ]] && cp "$CIB_ORIG" "$CIB_NEW"

    local -a existing=() extra=()
    if [[ -s $CIB_ORIG ]]; then
        mapfile -t existing < <(our_ids "$CIB_ORIG")
        mapfile -t extra < <(unconfigured_members "${NODES[@]}")
    fi
    if ((${#existing[@]} > 0)); then
        info "found existing HA resources (${existing[*]}): comparing with $CONF_FILE"
        if ((DRY_RUN)); then
            info "dry run: the comparison needs the rebuilt configuration; showing the rebuild"
        fi
        delete_ours "${existing[@]}"
    fi
    fencing_checks "$fresh_cluster"
    build_all "${NODES[@]}"
    build_clone_bans "${extra[@]}"
    build_properties "${#NODES[@]}"

    if ((${#existing[@]} > 0 && DRY_RUN == 0)); then
        if diff <(cib_canon "$CIB_ORIG") <(cib_canon "$CIB_NEW") >"$WORK/canon.diff"; then
            state_tree "${NODES[@]}"
            info "already set up: the cluster matches $CONF_FILE; nothing changed"
            # and says how it runs: a setup that never started is not done
            setup_report
            return 0
        fi
        local ids
        ids=$(sed -n 's/^[<>] *<[A-Za-z_]* id="\([^"]*\)".*/\1/p' "$WORK/canon.diff" | sort -u | tr '\n' ' ')
        die "the existing HA configuration differs from $CONF_FILE (differences in: ${ids:-cluster properties}); run '$PROG teardown $HA_CONFDIR' first, or add/delete for node changes. Nothing was changed"
    fi

    state_tree "${NODES[@]}"
    save_properties
    if [[ $CF_CRASH_ORDER == Mandatory ]] && ! offline && ! grace_running; then
        push_setup_in_two_steps
    else
        push_cib "setup of $CF_NAME"
    fi
    wait_settle "starting the HA resources"
    ((fresh_cluster && !DRY_RUN)) && info "cluster $CF_NAME created"
    ((DRY_RUN)) && return 0
    setup_report
}

# After setup/add/delete: report, fail on BAD.
setup_report() {
    offline && return 0
    local rc=0
    status_report >&2 || rc=$?
    case $rc in
    0) info "done: HEALTHY" ;;
    1) warn "done, but some VIPs are not on their home node (FAILOVER)" ;;
    *) die "the HA resources did not all start (status above)" ;;
    esac
}

require_running_setup() {
    cluster_running || die "no running cluster reachable on this node (crm_mon failed: $(tr '\n' ' ' <"$WORK/crm_mon.err"))"
    have_quorum_dc || die "the cluster has no DC with quorum; nothing was changed"
    query_cib "$CIB_ORIG"
    cp "$CIB_ORIG" "$CIB_NEW"
    local c
    for c in "${CLONES[@]}"; do
        [[ -n $(xp "$CIB_ORIG" "string(/cib/configuration/resources/clone[@id='$c']/@id)") ]] ||
            die "$c is missing: the HA resources are not set up (run '$PROG setup $HA_CONFDIR')"
    done
}

# rebuild_groups NODE...: replace every VIP group/constraint for this list
rebuild_groups() {
    local n
    local -a extra=() groups=()
    mapfile -t groups < <(our_groups "$CIB_ORIG")
    ((${#groups[@]} == 0)) || delete_ours "${groups[@]}"
    remove_clone_bans
    for n in "$@"; do build_group "$n"; done
    build_placement "$@"
    mapfile -t extra < <(unconfigured_members "$@")
    build_clone_bans "${extra[@]}"
    build_properties "$#"
}

write_config() {   # write_config NEW-NODES-CSV [ADD-NODE ADD-VIP | -DEL-NODE]
    local csv=$1 tmp line lineno=0 skip_line=0
    [[ ${2:-} == -* ]] && skip_line=${VIP_LINE[${2#-}]}
    tmp=$(mktemp "$HA_CONFDIR/.$CONF_NAME.XXXXXX")
    {
        while IFS= read -r line || [[ -n $line ]]; do
            lineno=$((lineno + 1))
            if ((lineno == CF_NODES_LINE)); then
                printf 'HA_CLUSTER_NODES="%s"\n' "$csv"
            elif ((lineno == skip_line)); then
                continue
            else
                printf '%s\n' "$line"
            fi
        done <"$CONF_FILE"
        if [[ -n ${2:-} && ${2:-} != -* ]]; then
            printf 'VIP_%s="%s"\n' "$2" "$3"
        fi
    } >"$tmp"
    chmod --reference="$CONF_FILE" "$tmp" 2>/dev/null || true
    mv -f "$tmp" "$CONF_FILE"
}

cmd_add() {
    load_confdir "$1"
    local node=${2:-} vip=${3:-} n prob
    [[ -n $node && -n $vip ]] || die 2 "usage: $PROG add <HA_CONFDIR> <node> <vip>"
    prob=$(node_name_problem "$node")
    [[ -z $prob ]] || die 2 "$prob"
    valid_vip "$vip" || die 2 "'$vip' is not a valid unicast IPv4 or IPv6 address"
    if is_ipv6 "$vip"; then
        [[ $CF_VIP_AGENT == IPaddr2 ]] || die 2 "IPv6 VIP $vip needs HA_VIP_AGENT=IPaddr2 (IPaddr is IPv4 only)"
        [[ $CF_NFS_BLOCK == no ]] || die 2 "IPv6 VIP $vip cannot be used with HA_NFS_BLOCK=yes (portblock drives iptables, IPv4 only)"
    fi
    for n in "${NODES[@]}"; do
        [[ ${n,,} == "${node,,}" ]] && die 2 "node '$node' is already configured in $CONF_FILE"
        [[ ${VIP[$n],,} == "${vip,,}" ]] && die 2 "VIP $vip is already used by node '$n'"
    done
    log_sys "adding node $node with VIP $vip to $CF_NAME"
    check_vol_mnt
    init_work
    require_running_setup
    local -a newlist=("${NODES[@]}" "$node")
    if ! is_member "$node"; then
        offline && die "node '$node' is not in the offline CIB $CIB_file"
        info "node '$node' is not a cluster member: adding it with pcs"
        run_pcs cluster node add "$node" --start --enable "--wait=$WAIT_S"
        wait_dc_and_nodes "$node"
        ((DRY_RUN)) || { query_cib "$CIB_ORIG"; cp "$CIB_ORIG" "$CIB_NEW"; }
    else
        node_online "$node" || warn "node '$node' is a cluster member but offline; its group will run elsewhere until it joins"
    fi
    VIP[$node]=$vip
    rebuild_groups "${newlist[@]}"
    state_tree "${newlist[@]}"
    push_cib "add $node"
    wait_settle "after adding $node"
    local csv
    csv=$(IFS=,; printf '%s' "${newlist[*]}")
    if ((DRY_RUN)); then
        printf '# rewrite %s: HA_CLUSTER_NODES="%s" and append VIP_%s="%s"\n' "$CONF_FILE" "$csv" "$node" "$vip"
        return 0
    fi
    write_config "$csv" "$node" "$vip"
    NODES=("${newlist[@]}")
    info "added $node ($vip); $CONF_FILE updated"
    setup_report
}

# What a delete interrupted after its config rewrite (or an upstream delete)
# left of a node that is no longer configured: "; ..." clauses for the
# refusal, so that a re-run says what is left and how to finish it.
delete_leftovers() {
    local node=$1 out=""
    [[ -z $(node_name_problem "$node") ]] || return 0
    offline && return 0
    if [[ -d $CF_VOL_MNT/nfs-ganesha/$node ]]; then
        out+="; its state directory $CF_VOL_MNT/nfs-ganesha/$node is still there: remove it (and the links to it in the other nodes' directories) once nfs_setup no longer runs on $node"
    fi
    init_work
    if query_mon && is_member "$node"; then
        out+="; it is still a cluster member: 'pcs cluster node remove $node' takes it out"
    fi
    printf '%s' "$out"
}

cmd_delete() {
    load_confdir "$1"
    local node=${2:-} n found=0
    [[ -n $node ]] || die 2 "usage: $PROG delete <HA_CONFDIR> <node>"
    local -a newlist=()
    for n in "${NODES[@]}"; do
        if [[ $n == "$node" ]]; then found=1; else newlist+=("$n"); fi
    done
    ((found)) || die 2 "node '$node' is not in HA_CLUSTER_NODES of $CONF_FILE (names must match whole)$(delete_leftovers "$node")"
    ((${#newlist[@]} >= 2)) || die 2 "deleting '$node' would leave fewer than 2 nodes"
    log_sys "deleting node $node from $CF_NAME"
    init_work
    require_running_setup
    rebuild_groups "${newlist[@]}"
    push_cib "delete $node"
    wait_settle "after deleting $node"
    if ! offline; then
        # The clones stop on the deleted node all at once; a monitor caught in
        # between (nfs-grace after nfs-mon removed grace-active) leaves a
        # failed action there that says nothing about the HA nodes: clear it.
        local c
        for c in "${CLONES[@]}"; do
            run_quiet crm_resource --cleanup -r "$c" -N "$node" || true
        done
        wait_settle "after clearing $node's history"
    fi
    local csv
    csv=$(IFS=,; printf '%s' "${newlist[*]}")
    if ((DRY_RUN)); then
        printf '# rewrite %s: HA_CLUSTER_NODES="%s" and drop line %s (VIP of %s)\n' \
            "$CONF_FILE" "$csv" "${VIP_LINE[$node]}" "$node"
    else
        write_config "$csv" "-$node"
        info "deleted $node; $CONF_FILE updated"
    fi
    NODES=("${newlist[@]}")
    # Its state dir goes only when the cluster says nfs_setup no longer runs
    # there; no answer is not a yes (fail closed).
    if ((DRY_RUN)); then
        state_tree_remove "$node" "${newlist[@]}"
    elif ! query_mon; then
        warn "cannot query the cluster ($(tr '\n' ' ' <"$WORK/crm_mon.err")); the state directory $CF_VOL_MNT/nfs-ganesha/$node was kept: remove it once nfs_setup no longer runs on $node"
    elif [[ -n $(xp "$MON_XML" "string(//clone[@id='nfs_setup-clone']/resource[node/@name='$node' and @active='true']/@id)") ]]; then
        warn "nfs_setup still runs on $node; its state directory $CF_VOL_MNT/nfs-ganesha/$node was kept"
    else
        state_tree_remove "$node" "${newlist[@]}"
    fi
    if ((KEEP_NODE == 0)) && ! offline && is_member "$node"; then
        info "removing '$node' from the cluster membership (use --keep-node to skip)"
        if run pcs cluster node remove "$node"; then
            # the clone bans for a member that is gone now would only be stale
            local c xpath=""
            for c in "${CLONES[@]}"; do
                xpath+="${xpath:+ | }/cib/configuration/constraints/rsc_location[@rsc='$c' and @node='$node' and @score='-INFINITY']"
            done
            run cibadmin --force --delete-all --xpath "$xpath" ||
                warn "could not remove the clone bans for $node"
        else
            warn "pcs cluster node remove $node failed; the HA resources were removed anyway"
        fi
    fi
    ((DRY_RUN)) || setup_report
}

cmd_teardown() {
    load_confdir "$1"
    log_sys "tearing down $CF_NAME"
    init_work
    cluster_running || die "no running cluster reachable on this node (crm_mon failed: $(tr '\n' ' ' <"$WORK/crm_mon.err"))"
    query_cib "$CIB_ORIG"
    local -a ids=()
    mapfile -t ids < <(our_ids "$CIB_ORIG")
    if ((${#ids[@]} > 0)); then
        # 1. stop everything (groups before clones through the order
        #    constraints), wait, so nfs_setup's stop restores state_dir
        cp "$CIB_ORIG" "$CIB_NEW"
        pcsf resource disable "${ids[@]}"
        push_cib "stop the HA resources"
        wait_settle "stopping the HA resources"
        if ((DRY_RUN == 0)) && ! offline; then
            local still
            query_mon || die "cannot query the cluster after stopping the HA resources"
            still=$(xp_attrs "$MON_XML" "//resources//resource[@active='true' and (@id='nfs_setup' or @id='nfs-mon' or @id='nfs-grace' or contains(@id, '-cluster_ip-1') or contains(@id, '-handoff') or contains(@id, '-smnotify') or contains(@id, '-nfs_block') or contains(@id, '-nfs_unblock'))]/@id" | sort -u | tr '\n' ' ')
            [[ -z $still ]] || die "still active after the stop (left disabled, not deleted): $still"
        fi
        # 2. delete them and their constraints
        if ((DRY_RUN == 0)); then
            query_cib "$CIB_ORIG"
            cp "$CIB_ORIG" "$CIB_NEW"
        fi
        delete_ours "${ids[@]}"
        # ganesha_mon's stop deleted its permanent attribute; a node that
        # crashed meanwhile left it behind
        cibf --delete-all --xpath "/cib/configuration/nodes/node/instance_attributes/nvpair[@name='$PUBLISHED_ATTR']"
        push_cib "delete the HA resources"
        wait_settle "removing the HA resources"
    else
        info "no HA resources found"
    fi
    restore_properties

    local destroy=no
    [[ -e $HA_CONFDIR/$CREATED_MARKER ]] && destroy=yes
    [[ -n $FORCE_DESTROY ]] && destroy=$FORCE_DESTROY
    offline && destroy=no
    if [[ $destroy == yes ]]; then
        info "stopping and destroying cluster $CF_NAME"
        run_pcs cluster stop --all --force
        run_pcs cluster destroy --all
        run rm -f "$HA_CONFDIR/$CREATED_MARKER"
    else
        info "cluster left running (not created by $PROG setup; --destroy-cluster to destroy it)"
    fi
    ((DRY_RUN)) || info "teardown of $CF_NAME done"
}

# stack_here: corosync answers on this node (its IPC, which is per network
# namespace too), whatever crm_mon says.
stack_here() {
    if command -v corosync-cmapctl >/dev/null 2>&1; then
        timeout "$QUERY_TIMEOUT" corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1
    else
        pgrep -x corosync >/dev/null 2>&1 || pgrep -x pacemakerd >/dev/null 2>&1
    fi
}

cmd_cleanup() {
    load_confdir "$1"
    init_work
    if cluster_running; then
        query_cib "$CIB_ORIG"
        if [[ -n $(our_ids "$CIB_ORIG") ]]; then
            die "the HA resources still exist; run '$PROG teardown $HA_CONFDIR' first"
        fi
    elif ! offline && stack_here; then
        # crm_mon failed but the stack runs: this node may still be a member
        # with HA resources; nothing here may be undone on a guess
        die "the cluster stack runs on this node but crm_mon cannot query it ($(tr '\n' ' ' <"$WORK/crm_mon.err")); nothing was changed"
    fi
    # state_dir left as a symlink into shared storage (nfs_setup not stopped)
    local sd=$CF_STATE_DIR
    if [[ -L $sd && $(readlink "$sd") == "$CF_VOL_MNT"/* ]]; then
        info "restoring $sd (still a symlink into $CF_VOL_MNT)"
        run rm -f "$sd"
        if [[ -d $sd.backup ]]; then run mv "$sd.backup" "$sd"; else run mkdir -p "$sd"; fi
    fi
    # %include lines added for exports (upstream cleanup_ganesha_config)
    local gc=$HA_CONFDIR/ganesha.conf
    if [[ -f $gc ]] && grep -Eq '^[[:space:]]*%include[[:space:]]+"[^"]*\.conf"' "$gc"; then
        if ((DRY_RUN)); then
            printf '# remove %%include lines from %s (backup %s.ganesha-ha.bak)\n' "$gc" "$gc"
        else
            cp -p "$gc" "$gc.ganesha-ha.bak"
            local tmp
            tmp=$(mktemp "$HA_CONFDIR/.ganesha.conf.XXXXXX")
            grep -Ev '^[[:space:]]*%include[[:space:]]+"[^"]*\.conf"' "$gc" >"$tmp" || true
            chmod --reference="$gc" "$tmp" 2>/dev/null || true
            mv -f "$tmp" "$gc"
            info "removed %include lines from $gc (backup $gc.ganesha-ha.bak)"
        fi
    fi
    # cluster files only when setup created that cluster and it is stopped here
    if [[ -e $HA_CONFDIR/$CREATED_MARKER ]] && ! cluster_running; then
        run rm -f /etc/corosync/corosync.conf
        run find /var/lib/pacemaker/cib -mindepth 1 -maxdepth 1 -name 'cib*' -delete
    fi
    ((DRY_RUN)) || info "cleanup done"
}

remote_exec() {   # remote_exec NODE ARGV...
    local node=$1
    shift
    if [[ -n ${GANESHA_HA_REMOTE_EXEC:-} ]]; then
        local -a runner=()
        read -r -a runner <<<"$GANESHA_HA_REMOTE_EXEC"
        timeout "$WAIT_S" "${runner[@]}" "$node" "$@"
    else
        [[ -r $SECRET_PEM ]] || { printf 'Error: refresh-config failed. Passwordless ssh is not enabled (%s).\n' "$SECRET_PEM" >&2; return 1; }
        # never a prompt (BatchMode), never stdin (-n), a new host key is
        # learnt but a changed one refused (accept-new, not upstream's "no")
        timeout "$WAIT_S" ssh -n -oBatchMode=yes -oPasswordAuthentication=no \
            -oStrictHostKeyChecking=accept-new -oConnectTimeout=10 \
            -i "$SECRET_PEM" "root@$node" "$(shquote "$@")"
    fi
}

cmd_refresh_config() {
    load_confdir "$1"
    local vol=${2:-}
    [[ -n $vol ]] || die 2 "usage: $PROG refresh-config <HA_CONFDIR> <export>"
    [[ $vol =~ ^[A-Za-z0-9_.-]+$ ]] || die 2 "'$vol' is not a valid export/volume name"
    local ef=$HA_CONFDIR/exports/export.$vol.conf id line
    [[ -r $ef ]] || die "$ef: no such export file"
    line=$(grep -m1 -E '^[[:space:]]*Export_Id' "$ef" || true)
    id=$(printf '%s\n' "$line" | awk -F'[=,;]' '{gsub(/[[:space:]]/, "", $2); print $2}')
    [[ $id =~ ^[0-9]+$ ]] || die "$ef: no numeric Export_Id found"
    init_work
    local -a cmd=(dbus-send --print-reply --system "--reply-timeout=$((WAIT_S * 1000))"
        --dest=org.ganesha.nfsd /org/ganesha/nfsd/ExportMgr
        org.ganesha.nfsd.exportmgr.UpdateExport "string:$ef" "string:EXPORT(Export_Id=$id)")
    local me n failed=()
    me=$(local_node)
    for n in "${NODES[@]}"; do
        # whole names: node1.a and node1.b are two nodes (upstream compared
        # short names)
        [[ $n == "$me" ]] && continue
        if ((DRY_RUN)); then shquote "<on $n>" "${cmd[@]}"; continue; fi
        if remote_exec "$n" "${cmd[@]}" >"$WORK/out" 2>&1; then
            echo "Refresh-config completed on $n."
        else
            echo "Refresh-config failed on $n. Please check logs on $n" >&2
            failed+=("$n")
        fi
        log_sys "refresh-config $vol on $n: $(tr '\n' ' ' <"$WORK/out")"
    done
    if ((DRY_RUN)); then shquote "${cmd[@]}"; return 0; fi
    if "${cmd[@]}" >"$WORK/out" 2>&1; then
        echo "Success: refresh-config completed."
    else
        echo "Refresh-config failed on localhost: $(tr '\n' ' ' <"$WORK/out")" >&2
        failed+=("$me")
    fi
    ((${#failed[@]} == 0)) || die "refresh-config of $vol failed on: ${failed[*]}"
}

# ---------------------------------------------------------------------------
# setup-ganesha-conf-files (glusterd: "gluster nfs-ganesha enable|disable")

# ganesha_conf_path: ganesha's own configuration file, as upstream found it
# (CONFFILE, else "-f <file>" in OPTIONS, of the service's defaults file;
# those files are read for these two keys, never sourced).
ganesha_conf_path() {
    if [[ -n ${GANESHA_CONF:-} ]]; then printf '%s\n' "$GANESHA_CONF"; return; fi
    local f line v conffile="" options=""
    for f in /etc/sysconfig/ganesha /etc/conf.d/ganesha /etc/default/ganesha /etc/default/nfs-ganesha; do
        [[ -r $f ]] || continue
        while IFS= read -r line || [[ -n $line ]]; do
            [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?(CONFFILE|OPTIONS)=(.*)$ ]] || continue
            v=${BASH_REMATCH[3]}
            v=${v%%[[:space:]]#*}
            v=${v%"${v##*[![:space:]]}"}
            v=${v#[\"\']}; v=${v%[\"\']}
            if [[ ${BASH_REMATCH[2]} == CONFFILE ]]; then conffile=$v; else options=$v; fi
        done <"$f"
    done
    if [[ -z $conffile && $options =~ (^|[[:space:]])-f[[:space:]]*([^[:space:]]+) ]]; then
        conffile=${BASH_REMATCH[2]}
    fi
    printf '%s\n' "${conffile:-/etc/ganesha/ganesha.conf}"
}

# keep_aside FILE: moves a regular FILE to FILE.ganesha-ha.orig (or a
# numbered name if that exists and differs), never overwriting a backup.
keep_aside() {
    local f=$1 b=$1.ganesha-ha.orig i=1
    if [[ -e $b ]] && cmp -s "$f" "$b"; then run rm -f "$f"; return; fi
    while [[ -e $b ]]; do b=$1.ganesha-ha.orig.$i; i=$((i + 1)); done
    run mv "$f" "$b"
    ((DRY_RUN)) || info "kept the local $f as $b"
}

cmd_setup_conf_files() {
    local dir=${1:-} mode=${2:-}
    [[ -n $dir && ($mode == yes || $mode == no) && $# -eq 2 ]] ||
        die 2 "usage: $PROG --setup-ganesha-conf-files <HA_CONFDIR> yes|no"
    dir=${dir%/}
    [[ -d $dir ]] || die 2 "$dir: no such directory"
    local shared=$dir/ganesha.conf conf
    conf=$(ganesha_conf_path)
    [[ $conf == /* ]] || die 2 "ganesha's configuration file '$conf' is not an absolute path"
    [[ -d $(dirname "$conf") ]] || die "$(dirname "$conf"): no such directory (ganesha's configuration $conf)"
    if [[ $mode == yes ]]; then
        [[ -f $shared ]] || die "$shared does not exist: nothing to link $conf to"
        if [[ -L $conf && $(readlink "$conf") == "$shared" ]]; then
            info "$conf already links to $shared"
            return 0
        fi
        if [[ -L $conf ]]; then
            info "$conf linked to $(readlink "$conf"); relinking it to $shared"
        elif [[ -f $conf ]]; then
            keep_aside "$conf"
        elif [[ -e $conf ]]; then
            die "$conf exists and is neither a file nor a link; nothing was changed"
        fi
        # a new link renamed over the old name: never a moment without one
        run ln -sfn "$shared" "$conf.ganesha-ha.new"
        run mv -fT "$conf.ganesha-ha.new" "$conf"
        ((DRY_RUN)) || info "$conf now links to $shared"
        return 0
    fi
    # no: a local copy of the shared file, without the exports' %include lines
    if [[ ! -L $conf ]]; then
        info "$conf is not a link (nothing to undo); left as it is"
        return 0
    fi
    [[ -r $shared ]] || die "$shared cannot be read (is the shared storage mounted?); $conf left linked to $(readlink "$conf")"
    if ((DRY_RUN)); then
        printf '# copy %s to %s without its %%include "*.conf" lines\n' "$shared" "$conf"
        return 0
    fi
    local tmp
    tmp=$(mktemp "$(dirname "$conf")/.ganesha.conf.XXXXXX") || die "cannot create a file next to $conf"
    grep -Ev '^[[:space:]]*%include[[:space:]]+"[^"]*\.conf"' "$shared" >"$tmp" || true
    chmod 0644 "$tmp"
    mv -fT "$tmp" "$conf" || { rm -f "$tmp"; die "cannot replace $conf"; }
    info "$conf is now a local copy of $shared (export %include lines removed)"
}

# ---------------------------------------------------------------------------
# status

local_grace() {
    command -v dbus-send >/dev/null 2>&1 || { echo "unknown (no dbus-send)"; return; }
    local out
    if out=$(timeout 5 dbus-send --system --print-reply --reply-timeout=3000 \
        --dest=org.ganesha.nfsd /org/ganesha/nfsd/admin \
        org.ganesha.nfsd.admin.get_grace 2>&1); then
        if grep -q 'boolean true' <<<"$out"; then echo "in grace"; else echo "not in grace"; fi
    else
        echo "unknown (ganesha not reachable on D-Bus)"
    fi
}

# status_report: prints the report, returns 0 HEALTHY / 1 FAILOVER / 2 BAD.
# Needs MON_XML fresh.
status_report() {
    query_mon || { echo "cannot query the cluster"; return 3; }
    local n on ga gr vip_on vip_role g bad=0 away=0 reasons=()
    local -a online=() offline=()
    for n in "${NODES[@]}"; do
        if node_online "$n"; then online+=("$n"); else offline+=("$n"); fi
    done
    printf 'Online: [ %s ]\n' "${online[*]}"
    printf 'Offline: [ %s ]\n' "${offline[*]}"
    echo
    printf '%-20s %-8s %-15s %-13s %-13s %-15s %s\n' NODE STATE GANESHA-ACTIVE GRACE-ACTIVE NFS_SETUP VIP VIP-RUNS-ON
    local setup_on
    for n in "${NODES[@]}"; do
        on=offline
        node_online "$n" && on=online
        ga=$(xp "$MON_XML" "string(//node_attributes/node[@name='$n']/attribute[@name='ganesha-active']/@value)")
        gr=$(xp "$MON_XML" "string(//node_attributes/node[@name='$n']/attribute[@name='grace-active']/@value)")
        setup_on=$(xp "$MON_XML" "count(//clone[@id='nfs_setup-clone']/resource[@active='true' and node/@name='$n'])")
        [[ $setup_on == 0 ]] && setup_on=stopped || setup_on=started
        g=$n-cluster_ip-1
        vip_on=$(xp "$MON_XML" "string(//group[@id='$n-group']/resource[@id='$g' and @active='true']/node/@name)")
        vip_role=$(xp "$MON_XML" "string(//group[@id='$n-group']/resource[@id='$g']/@role)")
        printf '%-20s %-8s %-15s %-13s %-13s %-15s %s\n' "$n" "$on" "${ga:--}" "${gr:--}" \
            "$setup_on" "${VIP[$n]}" "${vip_on:-(${vip_role:-missing})}"
        if [[ -z $(xp "$MON_XML" "string(//group[@id='$n-group']/@id)") ]]; then
            bad=1; reasons+=("$n-group does not exist")
        elif [[ -z $vip_on ]]; then
            bad=1; reasons+=("VIP of $n is not running")
        else
            local member cnt
            for member in handoff nfs_block cluster_ip-1 nfs_unblock smnotify; do
                # nfs_block is optional (HA_NFS_BLOCK), handoff absent from
                # older setups, nfs_unblock from IPv6 groups, smnotify
                # without NLM (HA_NLM): each checked where it exists
                [[ $member != cluster_ip-1 ]] &&
                    [[ $(xp "$MON_XML" "count(//group[@id='$n-group']/resource[@id='$n-$member'])") == 0 ]] && continue
                cnt=$(xp "$MON_XML" "count(//group[@id='$n-group']/resource[@id='$n-$member' and @active='true' and @role='Started' and node/@name='$vip_on'])")
                [[ $cnt == 1 ]] || { bad=1; reasons+=("$n-$member is not started on $vip_on"); }
            done
            [[ $vip_on == "$n" ]] || { away=1; reasons+=("VIP of $n runs on $vip_on"); }
        fi
        if [[ $on == online && $setup_on == stopped ]]; then
            bad=1; reasons+=("nfs_setup is not running on online node $n")
        fi
        if [[ $on == online && $(xp "$MON_XML" "count(//clone[@id='nfs-mon-clone']/resource[@active='true' and node/@name='$n'])") == 0 ]]; then
            bad=1; reasons+=("nfs-mon is not running on online node $n")
        fi
        [[ $on == offline ]] && { away=1; reasons+=("$n is offline"); }
    done
    echo
    local failed failures
    failed=$(xp "$MON_XML" "count(//resources//resource[@failed='true'])")
    failures=$(xp "$MON_XML" 'count(/pacemaker-result/failures/failure)')
    if [[ $failures != 0 ]]; then
        bad=1; reasons+=("$failures failed action(s)")
        echo "Failed actions:"
        xp "$MON_XML" '/pacemaker-result/failures/failure' |
            sed -n 's/.*op_key="\([^"]*\)".*node="\([^"]*\)".*exitreason="\([^"]*\)".*/  \1 on \2: \3/p;t;s/.*op_key="\([^"]*\)".*node="\([^"]*\)".*/  \1 on \2/p'
    fi
    [[ $failed != 0 ]] && { bad=1; reasons+=("$failed resource(s) failed"); }
    printf 'Local ganesha (%s): %s\n' "$(local_node)" "$(local_grace)"
    local r
    for r in "${reasons[@]}"; do printf '  - %s\n' "$r"; done
    if ((bad)); then
        echo "Cluster HA Status: BAD"; return 2
    elif ((away)); then
        echo "Cluster HA Status: FAILOVER"; return 1
    fi
    echo "Cluster HA Status: HEALTHY"
    return 0
}

cmd_check_config() {
    load_confdir "$@"
    local n
    printf "HA_NAME=%s\n" "$CF_NAME"
    printf "HA_CLUSTER_NODES=%s\n" "$(IFS=,; printf "%s" "${NODES[*]}")"
    for n in "${NODES[@]}"; do printf "VIP[%s]=%s\n" "$n" "${VIP[$n]}"; done
    printf "HA_VOL_MNT=%s\nHA_STATE_DIR=%s\nHA_FENCING=%s\nHA_VIP_AGENT=%s\nHA_NIC=%s\nHA_MON_INTERVAL=%s\nHA_CHECK_LEVEL=%s\nHA_CRASH_ORDER=%s\nHA_NFS_BLOCK=%s\nHA_NFS_UNBLOCK=%s\nHA_NLM=%s\nHA_COROSYNC_TOKEN=%s\n" \
        "$CF_VOL_MNT" "$CF_STATE_DIR" "$CF_FENCING" "$CF_VIP_AGENT" "$CF_NIC" "$CF_MON_INTERVAL" "$CF_CHECK_LEVEL" "$CF_CRASH_ORDER" "$CF_NFS_BLOCK" "$CF_NFS_UNBLOCK" "$CF_NLM" "$CF_TOKEN"
}

# Upstream's status always exited 0, and scripts written for it read the
# "Cluster HA Status:" line; --exit-codes gives 0 HEALTHY, 1 FAILOVER, 2 BAD,
# 3 UNKNOWN. Errors before a report (configuration, arguments) are 3 either
# way.
cmd_status() {
    load_confdir "$@"
    init_work
    local rc=0
    if ! query_mon; then
        printf '%s: error: cannot query the cluster: %s\n' "$PROG" "$(tr '\n' ' ' <"$WORK/crm_mon.err")" >&2
        echo "Cluster HA Status: UNKNOWN"
        rc=3
    else
        status_report || rc=$?
    fi
    ((EXIT_CODES)) || rc=0
    exit "$rc"
}

# ---------------------------------------------------------------------------

main() {
    local -a args=()
    local a
    for a in "$@"; do
        case $a in
        --dry-run) DRY_RUN=1 ;;
        --destroy-cluster) FORCE_DESTROY=yes ;;
        --keep-cluster) FORCE_DESTROY=no ;;
        --keep-node) KEEP_NODE=1 ;;
        --exit-codes) EXIT_CODES=1 ;;
        *) args+=("$a") ;;
        esac
    done
    [[ $WAIT_S =~ ^[1-9][0-9]*$ ]] || die 2 "GANESHA_HA_WAIT must be a positive number of seconds"
    ((${#args[@]} > 0)) || { usage >&2; exit 2; }
    local sub=${args[0]}
    sub=${sub#--}
    SUBCMD=$sub
    args=("${args[@]:1}")
    case $sub in
    *help | -h) usage; exit 0 ;;
    esac
    command -v xmllint >/dev/null 2>&1 || die "xmllint (libxml2-utils) is required"
    case $sub in
    setup) cmd_setup "${args[@]}" ;;
    teardown) cmd_teardown "${args[@]}" ;;
    add) cmd_add "${args[@]}" ;;
    delete) cmd_delete "${args[@]}" ;;
    status) cmd_status "${args[@]}" ;;
    refresh-config) cmd_refresh_config "${args[@]}" ;;
    cleanup) cmd_cleanup "${args[@]}" ;;
    check-config) cmd_check_config "${args[@]}" ;;
    setup-ganesha-conf-files) cmd_setup_conf_files "${args[@]}" ;;
    *) usage >&2; die 2 "unknown command '$sub'" ;;
    esac
}

main "$@"
