#!/bin/bash
# Scenario 8: what the scheduler plans (crm_simulate on the sandbox's live
# CIB, nothing is executed). Answers: in a whole-node crash, is the start of
# the failed node's VIP ordered after the survivors' post-stop
# notifications of nfs-grace (the grace calls)?
#   - with "order stop nfs-grace-clone then start <n>-cluster_ip-1" (Optional,
#     as design.md, or Mandatory): yes, the transition graph has the edge
#     nfs-grace-clone_confirmed-post_notify_stopped_0 -> <n>-cluster_ip-1_start_0,
#     and, with HA_NFS_BLOCK=yes, the group's first member (nfs_block)
#     starts without waiting;
#   - without it: no; the VIP start runs in parallel with the notifications.
# Also reports the cost of each kind at a cold start (nfs-grace starting on
# every node in the same transition as the groups): with Mandatory the group
# starts are "blocked" ("due to unrunnable nfs-grace-clone notified"), and
# nothing re-runs the scheduler once that transition is over.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

VICTIM=${GOCF_VICTIM:-n3}
sbx_begin --nodes 3
sbx_reset >/dev/null 2>&1 || true
D=$SBX_TMP
sbx_exec n1 cibadmin -Q -l >"$D/live.xml" 2>/dev/null
[[ -s $D/live.xml ]]
ok $? "saved the live CIB"

# variants of the crash-path orders: as configured, Optional, none
python3 - "$D" <<'PY'
import re, sys
d = sys.argv[1]
s = open(d + "/live.xml").read()
def crash_order(tag):
    return 'first-action="stop"' in tag and 'first="nfs-grace-clone"' in tag
open(d + "/optional.xml", "w").write(re.sub(r'<rsc_order [^>]*>', lambda m: re.sub(r'kind="[A-Za-z]*"', 'kind="Optional"', m.group(0)) if crash_order(m.group(0)) else m.group(0), s))
open(d + "/none.xml", "w").write(re.sub(r'\s*<rsc_order [^>]*/>', lambda m: "" if crash_order(m.group(0)) else m.group(0), s))
PY
n_live=$(grep -c 'first-action="stop"' "$D/live.xml")
diag "the live CIB has $n_live crash-path order(s): $(grep -o '<rsc_order [^>]*first-action="stop"[^>]*>' "$D/live.xml" | head -n 1)"

edge='"nfs-grace-clone_confirmed-post_notify_stopped_0" -> "'$VICTIM'-cluster_ip-1_start_0 '
block_edge='"nfs-grace-clone_confirmed-post_notify_stopped_0" -> "'$VICTIM'-nfs_block_start_0 '
for v in live optional none; do
    crm_simulate -x "$D/$v.xml" --node-fail "$VICTIM" -S --save-dotfile "$D/$v-crash.dot" >"$D/$v-crash.out" 2>&1
    order=$(sed -n '/Executing Cluster Transition/,/Revised Cluster Status/p' "$D/$v-crash.out" |
        grep -nE 'notify on|notified|_post_notify_stopped|'"$VICTIM"'-cluster_ip-1 +start|'"$VICTIM"'-group_start' | tr -s ' ')
    if grep -qF "$edge" "$D/$v-crash.dot"; then has=yes; else has=no; fi
    case $v in
        none) [[ $has == no ]]; ok $? "without the crash-path order the VIP group start is NOT ordered after the post-stop notifications" ;;
        *) [[ $has == yes ]]; ok $? "crash of $VICTIM ($v orders): $VICTIM-cluster_ip-1 starts after nfs-grace's confirmed post-stop notifications"
           if grep -q "id=\"$VICTIM-nfs_block\"" "$D/live.xml"; then
               ! grep -qF "$block_edge" "$D/$v-crash.dot"
               ok $? "crash of $VICTIM ($v orders): $VICTIM-nfs_block starts during the notifications (no edge)"
           else
               grep -q "\"$VICTIM-cluster_ip-1_start_0 " "$D/$v-crash.dot"
               ok $? "crash of $VICTIM ($v orders): no nfs_block (HA_NFS_BLOCK=no), the address is the group's first start"
           fi ;;
    esac
    diag "$v: simulated execution order (crash of $VICTIM):"
    diag "$order"
done

# cold start: nfs-grace and the VIP groups not running anywhere yet
for v in live optional; do
    python3 - "$D/$v.xml" "$D/$v-cold.xml" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
# forget the operation history of nfs-grace and of the groups' members
s = re.sub(r'<lrm_resource id="(nfs-grace[^"]*|n[0-9]+-(nfs_block|cluster_ip-1|nfs_unblock))"[^>]*>.*?</lrm_resource>', '', s, flags=re.S)
open(sys.argv[2], "w").write(s)
PY
    crm_simulate -x "$D/$v-cold.xml" -S >"$D/$v-cold.out" 2>&1
    blocked=$(grep -c '(blocked)' "$D/$v-cold.out")
    diag "$v orders, cold start: $blocked blocked action(s)$( ((blocked)) && printf '\n%s' "$(grep -m3 '(blocked)' "$D/$v-cold.out")")"
    if [[ $v == optional ]]; then
        ((blocked == 0))
        ok $? "with kind=Optional nothing is blocked at a cold start"
    fi
done
sbx_end
