#!/bin/bash
# slow
# Scenario 5: kill/restart cycles of ganesha (10, GOCF_CYCLES=N for more), rotating
# over the nodes; scenario 17 runs kills back to back.
# Each cycle: kill, wait until the VIP moved, start ganesha, wait until the VIP
# is home and the cluster idle. Afterwards: no stale attribute (every node
# ganesha-active=1 and grace-active=1, nothing else but grace acks), no leaked
# process in any node, no failed action.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

CYCLES=${GOCF_CYCLES:-10}
sbx_begin --nodes 3
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home at the start"

# processes per node, by name, at rest: a monitor is in flight up to half of
# the time (its watch), so take the sample with the fewest processes of
# eight, 150 ms apart
proc_summary() {
    local n s best i
    for n in $(sbx_nodes); do
        best=
        for ((i = 0; i < 8; i++)); do
            s=$(node_procs "$n" | awk '{print $2}' | sort | uniq -c | awk '{print $2"="$1}' | tr '\n' ' ')
            if [[ -z $best ]] || (($(wc -w <<<"$s") < $(wc -w <<<"$best") ||
                ($(wc -w <<<"$s") == $(wc -w <<<"$best") && ${#s} < ${#best}))); then
                best=$s
            fi
            sleep 0.15
        done
        echo "$n: $best"
    done
}
count_of() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<" $(grep "^$1:" <<<"$3" | cut -d: -f2)" | head -n 1; }
before=$(proc_summary)
diag "processes at the start:"
diag "$before"

mapfile -t nodes < <(sbx_nodes)
bad=0 t0=$SECONDS
for ((i = 1; i <= CYCLES; i++)); do
    v=${nodes[$(((i - 1) % ${#nodes[@]}))]}
    c0=$SECONDS
    if ! sbx kill-ganesha "$v"; then bad=1; fail "cycle $i: kill ganesha on $v"; break; fi
    if ! wait_until 90 "cycle $i: VIP of $v moved" vip_moved_off "$v"; then bad=1; fail "cycle $i: VIP of $v moved"; break; fi
    if ! sbx_q start-ganesha "$v"; then bad=1; fail "cycle $i: start ganesha on $v"; break; fi
    if ! wait_until 120 "cycle $i: VIP of $v home" vip_home "$v"; then bad=1; fail "cycle $i: VIP of $v home"; break; fi
    if ! wait_until 120 "cycle $i: idle" sbx_q wait-idle 5; then bad=1; fail "cycle $i: cluster idle"; break; fi
    diag "cycle $i ($v): $((SECONDS - c0)) s"
done
((bad)) || pass "$CYCLES kill/restart cycles, each VIP away and back ($((SECONDS - t0)) s)"

a=$(attrs_now)
diag "attributes: $(tr '\n' ';' <<<"$a")"
stale=0
for n in $(sbx_nodes); do
    grep -q "^$n ganesha-active=1$" <<<"$a" || { stale=1; diag "$n: ganesha-active is not 1"; }
    grep -q "^$n grace-active=1$" <<<"$a" || { stale=1; diag "$n: grace-active is not 1"; }
    grep -q "^$n ganesha-published=1$" <<<"$a" || { stale=1; diag "$n: ganesha-published is not 1"; }
done
# acks are spent once ganesha is back: ganesha_mon deletes them then
# (crm_mon lists the permanent ganesha-published with the transient ones)
others=$(grep -vE ' (ganesha-active|grace-active|ganesha-published)=1$' <<<"$a" || true)
[[ -z $others ]] || { stale=1; diag "unexpected attributes: $others"; }
ok $stale "no stale attribute (no grace ack left either)"

after=$(proc_summary)
diag "processes at the end:"
diag "$after"
leak=0
for n in $(sbx_nodes); do
    for p in ganesha.nfsd dbus-daemon corosync pacemakerd; do
        c=$(count_of "$n" "$p" "$after")
        [[ $c == 1 ]] || { leak=1; diag "$n: $p x${c:-0}"; }
    done
    for p in ganesha_mon ganesha_grace ganesha_nfsd dbus-send attrd_updater crm_attribute cibadmin sleep; do
        c=$(count_of "$n" "$p" "$after")
        cb=$(count_of "$n" "$p" "$before")
        ((${c:-0} <= ${cb:-0})) || { leak=1; diag "$n: $p x$c (start: x${cb:-0})"; }
    done
    tb=$(grep "^$n:" <<<"$before" | tr ' ' '\n' | awk -F= 'NF==2{s+=$2} END{print s+0}')
    ta=$(grep "^$n:" <<<"$after" | tr ' ' '\n' | awk -F= 'NF==2{s+=$2} END{print s+0}')
    ((ta <= tb)) || { leak=1; diag "$n: $ta processes now, $tb at the start"; }
done
zombies=$(ps -eo stat=,ppid=,pid=,comm= | awk '$1 ~ /^Z/' | while read -r _ pp pid comm; do
    for n in $(sbx_nodes); do
        [[ $(readlink "/proc/$pp/ns/mnt" 2>/dev/null) == "$(cat "$SBX_DIR/nodes/$n/mntns")" ]] && echo "$n:$comm($pid)"
    done
done)
[[ -z $zombies ]] || { leak=1; diag "zombies: $zombies"; }
ok $leak "no leaked process in any node"

check_no_failed_actions
sbx_end
