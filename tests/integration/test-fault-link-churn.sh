#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault injection on the links themselves, against the real vnettune-guestd: links removed while they
# are being applied (created and deleted in the same burst), links renamed (ip link set name: a udev
# "move") into another policy and out of every policy, and an ifindex reused by a new link (ip link
# add ... index N) while the daemon runs. Nothing may be lost: no stale object on the bus, no stale
# originals under /run, the renamed link follows its new policy and Revert restores the true
# originals; the reused ifindex gets the new link's own originals.
# Usage: test-fault-link-churn.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"

printf '[Match]\nName=ch* rn* ix*\n[Link]\nMTU=9000\nXPS=auto\n' >"$CONF_ROOT/etc/vnettune/50-churn.link"
printf '[Match]\nName=renamed*\n[Link]\nMTU=7000\n' >"$CONF_ROOT/etc/vnettune/40-renamed.link"
start_guestd

# ---- removed while being applied ----
for round in 1 2 3; do
        for i in $(seq 0 39); do
                echo "link add ch${i}a numtxqueues 2 numrxqueues 2 type veth peer ch${i}b"
        done
        # half of them go again at once, the other half after a moment (while being tuned)
        for i in $(seq 0 2 39); do echo "link del ch${i}a"; done
done >"$WORK/churn.batch" 2>/dev/null
for round in 1 2 3; do
        sed -n "$(((round - 1) * 60 + 1)),$((round * 60))p" "$WORK/churn.batch" | ip -batch - 2>/dev/null
        sleep 0.$((RANDOM % 3))
        for i in $(seq 1 2 39); do echo "link del ch${i}a"; done | ip -batch - 2>/dev/null
done
udevadm settle --timeout=60
no_churn_left() { ! guest_call ListLinks | grep -q '"ch[0-9]*[ab]"'; }
check "removed links left the bus" wait_until 20 no_churn_left
stale=0
for f in "$STATE_DIR"/links/*; do
        [ -e "$f" ] || continue
        idx=${f##*/}
        [[ $idx =~ ^[0-9]+$ ]] || continue
        ip link show dev "$(ip -o link | awk -F': ' -v i="$idx" '$1 == i {print $2}' | cut -d@ -f1)" >/dev/null 2>&1 ||
                { echo "stale originals for ifindex $idx: $(cat "$f")" >&2; stale=$((stale + 1)); }
done
check "no originals left for removed links" [ "$stale" = 0 ]
check "daemon alive after the churn" kill -0 "$GUESTD_PID"

# ---- rename into another policy, and out of every policy ----
ip link add rn0 mtu 1450 type veth peer rn0p     # the MTU at creation: the daemon sees no other
check "rn0 tuned" wait_until 10 bash -c '[ "$(cat /sys/class/net/rn0/mtu)" = 9000 ]'
idx=$(ifindex rn0)
ip link set rn0 name renamed0
check "renamed link follows its new policy" wait_until 10 bash -c '[ "$(cat /sys/class/net/renamed0/mtu)" = 7000 ]'
check "bus name follows the rename" wait_until 5 bash -c "[ \"\$(busctl --address=$VNT_BUS_ADDRESS get-property org.vnettune.Guest1 $(bus_path "$idx") org.vnettune.Guest1.Link Name)\" = 's \"renamed0\"' ]"
check "policy on the bus follows the rename" bash -c "busctl --address=$VNT_BUS_ADDRESS get-property org.vnettune.Guest1 $(bus_path "$idx") org.vnettune.Guest1.Link Policy | grep -q 40-renamed.link"
ip link set renamed0 name plain0
unmanaged() { [ "$(link_prop plain0 State)" = '"unmanaged"' ]; }
check "renamed out of every policy: unmanaged" wait_until 10 unmanaged
guest_call Revert i "$idx" || fail "Revert of the renamed link failed"
check "Revert restores the original MTU across two renames" [ "$(cat /sys/class/net/plain0/mtu)" = 1450 ]
check "and forgets it" [ ! -e "$STATE_DIR/links/$idx" ]

# ---- the same ifindex for a new link while the daemon runs ----
ip link add ix0 index 4000 mtu 1400 type veth peer ix0p index 4001
check "ix0 tuned" wait_until 10 bash -c '[ "$(cat /sys/class/net/ix0/mtu)" = 9000 ]'
ip link del ix0
gone() { ! guest_call ListLinks | grep -q '"ix0"'; }
check "ix0 gone from the bus" wait_until 10 gone
ip link add ix1 index 4000 mtu 1280 type veth peer ix1p index 4001
check "ix1 (ifindex 4000 again) tuned" wait_until 10 bash -c '[ "$(cat /sys/class/net/ix1/mtu)" = 9000 ]'
check "the object of ifindex 4000 is ix1" [ "$(link_prop ix1 Name)" = '"ix1"' ]
guest_call Revert i 4000 || fail "Revert of ifindex 4000 failed"
check "ifindex 4000 reverted to ix1's own original, not ix0's" [ "$(cat /sys/class/net/ix1/mtu)" = 1280 ]

check "daemon alive" kill -0 "$GUESTD_PID"
echo "$N_CHECKS checks passed"
