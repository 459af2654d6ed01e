#!/usr/bin/env bash
# metadata-tools.sh: the cluster tools read each installed agent's meta-data
# as intended: crm_resource --show-metadata and pcs resource describe show
# every parameter, crm_resource --validate runs validate-all, and pcs creates
# the resources the way the setup does, into a CIB that crm_verify accepts.
# None of this needs a running cluster (an offline CIB file is used).
set -u
# shellcheck source=tests/integration/lib/agents.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/agents.sh"

[[ $(id -u) -eq 0 ]] || skip_all "needs root (pcs)"
for p in crm_resource pcs cibadmin crm_verify xmllint; do
    command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done
agents_installed || skip_all "agents not installed in $AGENT_DIR (make install)"

dtd_dir=/usr/share/resource-agents
work=$(mktemp -d /tmp/gocf-metadata-tools.XXXXXX)
trap 'rm -rf "$work"' EXIT
export HA_LOGFACILITY=none

# The specification: each agent's parameters, exactly.
declare -A params=(
    [ganesha_mon]="early_grace ganesha_active grace_active grace_ack grace_delay hung_probes kill_hung pidfile probe_ms published watch_ms watcher"
    [ganesha_grace]="grace_active grace_ack"
    [ganesha_nfsd]="ha_vol_mnt node_dir state_dir"
    [ganesha_handoff]="home_node ip nfs_port nlm recovery_root restart_grace statd_dir syn_guard tickle_dir"
    [ganesha_smnotify]="ip nfs_port notify_timeout statd_dir"
)
declare -A actions=(
    [ganesha_mon]="start stop monitor reload-agent validate-all meta-data"
    [ganesha_grace]="start stop monitor notify reload-agent validate-all meta-data"
    [ganesha_nfsd]="start stop monitor validate-all meta-data"
    [ganesha_handoff]="start stop monitor reload-agent validate-all meta-data"
    [ganesha_smnotify]="start stop monitor validate-all meta-data"
)
# The parameters a change of which runs reload-agent, not stop and start.
declare -A reloadable=(
    [ganesha_mon]="early_grace grace_delay hung_probes kill_hung pidfile probe_ms watch_ms watcher"
    [ganesha_grace]="grace_active grace_ack"
    [ganesha_nfsd]=""
    [ganesha_handoff]="tickle_dir"
    [ganesha_smnotify]=""
)

for agent in $AGENTS; do
    ra=ocf:heartbeat:$agent
    xml=$(crm_resource --show-metadata "$ra" 2>&1)
    check "crm_resource --show-metadata $ra succeeds" test $? -eq 0
    if (cd "$dtd_dir" && xmllint --noout --valid - <<<"$xml") 2>/dev/null; then
        ok "$agent: its meta-data is valid against ra-api-1.dtd"
    else
        not_ok "$agent: its meta-data is valid against ra-api-1.dtd" \
            "$(cd "$dtd_dir" && xmllint --noout --valid - <<<"$xml" 2>&1 | head -5)"
    fi
    shown=$(xmllint --xpath '//parameters/parameter/@name' - <<<"$xml" 2>/dev/null |
        sed 's/ *name="\([^"]*\)"/\1\n/g' | sed '/^$/d' | sort | xargs)
    want=$(tr ' ' '\n' <<<"${params[$agent]}" | sort | xargs)
    if [[ $shown == "$want" ]]; then
        ok "$agent: meta-data lists exactly its parameters ($want)"
    else
        not_ok "$agent: meta-data lists exactly its parameters" "want: $want" "got:  $shown"
    fi
    shown=$(xmllint --xpath '//actions/action/@name' - <<<"$xml" 2>/dev/null |
        sed 's/ *name="\([^"]*\)"/\1\n/g' | sed '/^$/d' | sort -u | xargs)
    want=$(tr ' ' '\n' <<<"${actions[$agent]}" | sort | xargs)
    if [[ $shown == "$want" ]]; then
        ok "$agent: meta-data advertises exactly its actions, no status alias"
    else
        not_ok "$agent: meta-data advertises exactly its actions" "want: $want" "got:  $shown"
    fi
    shown=$(xmllint --xpath '//parameters/parameter[@reloadable="1"]/@name' - <<<"$xml" 2>/dev/null |
        sed 's/ *name="\([^"]*\)"/\1\n/g' | sed '/^$/d' | sort | xargs)
    want=$(tr ' ' '\n' <<<"${reloadable[$agent]}" | sort | xargs)
    if [[ $shown == "$want" ]]; then
        ok "$agent: meta-data marks exactly the reloadable parameters (${want:-none})"
    else
        not_ok "$agent: meta-data marks exactly the reloadable parameters" "want: $want" "got:  $shown"
    fi
    version=$(xmllint --xpath 'string(/resource-agent/@version)' - <<<"$xml" 2>/dev/null)
    check "$agent: agent version is 1.0.0 (got '$version')" test "$version" = 1.0.0
    if grep -qi dummy <<<"$xml"; then
        not_ok "$agent: its descriptions are its own, not upstream's dummy text"
    else
        ok "$agent: its descriptions are its own, not upstream's dummy text"
    fi

    described=$(pcs resource describe "$ra" 2>&1)
    check "pcs resource describe $ra succeeds" test $? -eq 0
    missing=
    for p in ${params[$agent]}; do
        grep -qE "^ +$p( \(required\))?:" <<<"$described" || missing+=" $p"
    done
    if [[ -z $missing ]]; then
        ok "pcs resource describe $ra shows every parameter"
    else
        not_ok "pcs resource describe $ra shows every parameter" "missing:$missing" \
            "$(head -20 <<<"$described")"
    fi
    if grep -qE '^ +monitor:' <<<"$described"; then
        ok "pcs resource describe $ra shows a default monitor operation"
    else
        not_ok "pcs resource describe $ra shows a default monitor operation"
    fi

    # validate-all through the cluster's own executor path (ganesha_handoff's
    # home_node and ganesha_smnotify's ip have no default)
    required=()
    [[ $agent == ganesha_handoff ]] && required=(--option home_node=n1)
    [[ $agent == ganesha_smnotify ]] && required=(--option ip=10.0.0.1)
    out=$(crm_resource --validate --class ocf --provider heartbeat --agent "$agent" "${required[@]}" 2>&1)
    check "crm_resource --validate $ra with the defaults returns 0" test $? -eq 0
done

out=$(crm_resource --validate --class ocf --provider heartbeat --agent ganesha_mon \
    --option grace_delay=abc 2>&1)
rc=$?
if ((rc == 6)) && grep -q 'grace_delay' <<<"$out"; then
    ok "crm_resource --validate shows ganesha_mon's reason for grace_delay=abc (6)"
else
    not_ok "crm_resource --validate shows ganesha_mon's reason for grace_delay=abc" \
        "exit $rc" "$out"
fi
out=$(crm_resource --validate --class ocf --provider heartbeat --agent ganesha_nfsd \
    --option state_dir=var/lib/nfs 2>&1)
rc=$?
if ((rc == 6)) && grep -q 'state_dir' <<<"$out"; then
    ok "crm_resource --validate shows ganesha_nfsd's reason for a relative state_dir (6)"
else
    not_ok "crm_resource --validate shows ganesha_nfsd's reason for a relative state_dir" \
        "exit $rc" "$out"
fi

# ---- pcs creates the resources as the setup does ---------------------------
cib=$work/cib.xml
cibadmin --empty >"$cib"
CIB_file=$cib crm_attribute -t crm_config -n stonith-enabled -v false
pcs_f() { pcs -f "$cib" "$@" 2>&1; }
out=$(pcs_f resource create nfs_setup ocf:heartbeat:ganesha_nfsd \
    ha_vol_mnt=/run/gluster/shared_storage clone)
check "pcs creates the ganesha_nfsd clone" test $? -eq 0
out=$(pcs_f resource create nfs-mon ocf:heartbeat:ganesha_mon grace_delay=5 \
    op monitor interval=1s timeout=20s OCF_CHECK_LEVEL=10 clone)
check "pcs creates the ganesha_mon clone (monitor at OCF_CHECK_LEVEL=10)" test $? -eq 0
out=$(pcs_f resource create nfs-grace ocf:heartbeat:ganesha_grace clone notify=true)
check "pcs creates the ganesha_grace clone with notify=true" test $? -eq 0
out=$(pcs_f constraint location nfs-grace-clone rule score=-INFINITY grace-active ne 1)
check "pcs adds the grace-active location rule" test $? -eq 0
if ! out=$(pcs_f resource create bad ocf:heartbeat:ganesha_mon no_such_param=1) &&
    grep -q no_such_param <<<"$out"; then
    ok "pcs refuses a parameter the meta-data does not list"
else
    not_ok "pcs refuses a parameter the meta-data does not list" "$out"
fi
out=$(CIB_file=$cib crm_verify -L 2>&1)
check "crm_verify accepts the resulting configuration" test $? -eq 0
if grep -q 'name="notify" value="true"' "$cib" &&
    xmllint --xpath '//clone[@id="nfs-grace-clone"]/meta_attributes/nvpair[@name="notify"]' \
        "$cib" >/dev/null 2>&1; then
    ok "notify=true sits on the clone, not the primitive (BZ 1461019)"
else
    not_ok "notify=true sits on the clone, not the primitive (BZ 1461019)"
fi

done_testing
