#!/bin/bash
# Scenario 16: a survivor that cannot confirm grace (its system bus is hung:
# dbus-daemon stopped with SIGSTOP).
#
# Part 1: n2's bus hangs, then ganesha is killed on n3. n2 is the survivor
# n3's VIP prefers. n2's notification gives up after one bounded D-Bus step
# and, since n1 confirmed, n2 bans n3's VIP from itself
# (no-grace-ack-n3=1): the VIP must come up on n1, which is in grace, well
# before grace_delay ends, and n2 itself must keep its own VIP (a hung bus
# is no failover of n2).
# Part 2: the bus is back, ganesha on n3 restarts: the VIP goes home and the
# ban is deleted.
# Part 3: no survivor can confirm (both buses hung): n3 waits grace_delay,
# bans nobody and the VIP moves anyway (README, "A survivor that does not
# answer").
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/sandbox-lib.sh
. "$(dirname "$0")/../lib/sandbox-lib.sh"

FROZEN=()
bus_pid() { sbx_exec "$1" cat /run/dbus/pid 2>/dev/null; }
freeze_bus() {
    local p
    p=$(bus_pid "$1") && [[ -n $p ]] && kill -STOP "$p" && FROZEN+=("$p")
}
thaw_buses() {
    local p
    for p in "${FROZEN[@]}"; do kill -CONT "$p" 2>/dev/null; done
    FROZEN=()
}
trap 'thaw_buses; sbx_teardown' EXIT
attr_of() { attrs_now | awk -v n="$1" -v a="$2" '$1==n && index($2, a"=")==1 {sub(/^[^=]*=/, "", $2); print $2}'; }
no_ban_anywhere() { ! grep -q " no-grace-ack-n3=" <<<"$(attrs_now)"; }
# the release line n3 logged last
release_line() {
    grep -hE 'grace confirmed by|no grace confirmation after|no survivor confirmed grace' \
        "$(sbx_pacemaker_log n3)" 2>/dev/null | tail -n 1
}
# kill -> VIP of n3 up, ms, from the timeline
kill_to_vip() {
    local t0 t1
    t0=$(awk '$2=="mark" && $4=="fail" {print $1; exit}' "$SBX_TL")
    t1=$(tl_first fail "\$2==\"vip\" && \$4==\"+$(sbx_vip n3)\"")
    [[ -n $t0 && -n $t1 ]] && echo $((t1 - t0))
}

sbx_begin --nodes 3
sbx_reset >/dev/null 2>&1 || true
ok "$(all_vips_home && echo 0 || echo 1)" "every VIP at home at the start"

# ---- part 1: one sick survivor ----------------------------------------------
n2_log=$(stat -c %s "$(sbx_pacemaker_log n2)" 2>/dev/null || echo 0)
freeze_bus n2
ok $? "n2's dbus-daemon stopped (SIGSTOP)"
: >"$SBX_TL"
tl_start || fail "timeline recorder started"
tl_mark fail "kill ganesha on n3"
sbx kill-ganesha n3
wait_until 30 "VIP of n3 up on a survivor" vip_moved_off n3
ok $? "n3's VIP moved ($(sbx_vip_node n3))"
sleep 1.5
tl_stop
diag "timeline (ms after the kill):"
diag "$(tl_show --since fail | grep -v ' n2 grace' | head -n 40)"
vip_on n3 n1
ok $? "n3's VIP is on n1, the survivor that confirmed grace, not on n2"
out=$(tl_check --since fail --victims n3 --survivors n1 2>&1)
ok $? "invariant: n1 in grace before n3's VIP came up"
diag "$out"
ms=$(kill_to_vip)
diag "kill -> VIP on n1: ${ms:-?} ms (grace_delay is 5000 ms)"
# the behaviour is the release on n2's refusal (checked below); this bound
# only catches the old hang, the notification's whole 20 s timeout
[[ -n $ms ]] && ((ms < 15000))
ok $? "the sick survivor did not hold the failover up for its notify timeout"
[[ $(attr_of n2 no-grace-ack-n3) == 1 ]]
ok $? "n2 carries no-grace-ack-n3=1 (it did not confirm grace for n3)"
rel=$(release_line)
diag "n3's release: ${rel:-(none found)}"
[[ $rel == *"refused (VIP banned) on: n2"* ]]
ok $? "n3 released on n1's ack and n2's refusal, not on the grace_delay bound"
# n2 itself serves on: its bus hangs, its ganesha does not. Past more than
# hung_probes (3) failed probes it must still be published, VIP at home.
bus_probes_n2() {
    tail -c +"$((n2_log + 1))" "$(sbx_pacemaker_log n2)" 2>/dev/null |
        grep -c 'the system bus does not answer.*not counted'
}
four_bus_probes() { (($(bus_probes_n2) >= 4)); }
wait_until 60 "four probes on n2 failed on its bus" four_bus_probes
ok $? "n2's watcher saw $(bus_probes_n2) probes fail on the bus and counted none"
vip_home n2
ok $? "n2 keeps its own VIP while its bus is hung (no false failover)"
[[ $(attr_of n2 ganesha-active) == 1 ]]
ok $? "n2's ganesha-active is still 1"

# ---- part 2: the bus is back, n3 comes back ----------------------------------
thaw_buses
sbx_q start-ganesha n3
ok $? "ganesha on n3 started again"
wait_until 60 "VIP of n3 home" vip_home n3
ok $? "n3's VIP back home"
wait_until 30 "no-grace-ack-n3 deleted" no_ban_anywhere
ok $? "the ban on n2 is deleted once n3 serves again"
wait_until 120 "cluster idle" sbx_q wait-idle 5
wait_until 60 "no ganesha in grace" no_grace_anywhere

# ---- part 3: no survivor can confirm -----------------------------------------
freeze_bus n1 && freeze_bus n2
ok $? "n1's and n2's dbus-daemons stopped"
: >"$SBX_TL"
tl_start || fail "timeline recorder started"
tl_mark fail "kill ganesha on n3"
sbx kill-ganesha n3
wait_until 30 "VIP of n3 up on a survivor" vip_moved_off n3
ok $? "with no survivor in grace, n3's VIP still moves ($(sbx_vip_node n3))"
tl_stop
ms=$(kill_to_vip)
diag "kill -> VIP: ${ms:-?} ms"
no_ban_anywhere
ok $? "no survivor is banned when none confirmed"
rel=$(release_line)
diag "n3's release: ${rel:-(none found)}"
[[ $rel == *"no survivor confirmed grace"* ]]
ok $? "n3 logged that no survivor confirmed grace"

thaw_buses
sbx_q start-ganesha n3
wait_until 60 "VIP of n3 home" vip_home n3
ok $? "n3's VIP back home after the buses came back"
wait_until 120 "cluster idle" sbx_q wait-idle 5
wait_until 60 "no ganesha in grace" no_grace_anywhere

# ---- part 4: n3 crashes while n2's bus hangs ---------------------------------
# After a crash the address was placed before the notifications and waits
# for them: n2's refusal reaches the CIB before its notification ends, which
# aborts that transition, and the address must start on n1.
freeze_bus n2
ok $? "n2's dbus-daemon stopped again"
: >"$SBX_TL"
tl_start || fail "timeline recorder started"
tl_mark fail "crash n3"
sbx crash-node n3 >/dev/null 2>&1
wait_until 120 "VIP of n3 up on a survivor" vip_moved_off n3
ok $? "after the crash n3's VIP moved ($(sbx_vip_node n3))"
sleep 1.5
tl_stop
diag "timeline (ms after the crash):"
diag "$(tl_show --since fail | grep -v ' n2 grace' | head -n 40)"
ms=$(kill_to_vip)
diag "crash -> VIP: ${ms:-?} ms"
out=$(tl_check --since fail --victims n3 --survivors n1 2>&1)
ok $? "invariant: n1 in grace before n3's VIP came up"
diag "$out"
! grep -q "vip *n2 *+$(sbx_vip n3)" "$SBX_TL"
ok $? "n3's VIP never came up on n2"
vip_on n3 n1
ok $? "n3's VIP is on n1"
thaw_buses
sbx_q restart n3 >/dev/null 2>&1
ok $? "n3 booted again"
wait_until 180 "VIP of n3 home" vip_home n3
ok $? "n3's VIP back home after the reboot"
wait_until 60 "no-grace-ack-n3 deleted" no_ban_anywhere
ok $? "the ban on n2 is deleted once n3 serves again"
check_settled "cluster settles"
check_no_failed_actions
sbx_end
