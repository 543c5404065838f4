#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Diagnose against real traffic: a 4-queue veth whose XPS sends every CPU's traffic to queue 0,
# UDP flows from both CPUs to a peer namespace (bounded: 2 x 16 flows x 300 packets, inside a 6 s
# window so a slow start still counts); the idle
# queues are reported with their numbers; after the agent applies XPS=auto they are not; an idle,
# well-tuned link reports no warning; the event loop answers during a diagnosis window.
# Usage: test-guestd-diagnose.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"
command -v python3 >/dev/null || { echo "SKIP: python3 missing (traffic generator)" >&2; exit 77; }
command -v tc >/dev/null || { echo "SKIP: tc (iproute2) missing" >&2; exit 77; }
[ "$(nproc)" -ge 2 ] || { echo "SKIP: needs 2 CPUs to send from two CPUs" >&2; exit 77; }

ip netns add peer
ip link add dq numtxqueues 4 numrxqueues 4 type veth peer dqp numtxqueues 4 numrxqueues 4
ip link set dqp netns peer
ip addr add 10.77.0.1/24 dev dq
ip link set dq up
ip -n peer addr add 10.77.0.2/24 dev dqp
ip -n peer link set dqp up
ip -n peer link set lo up
# Per-queue counters come from the mq root's children (virtio_net gets mq by default, veth not).
tc qdisc replace dev dq root handle 1: mq
# Bad XPS: every CPU on queue 0 only.
echo 3 >/sys/class/net/dq/queues/tx-0/xps_cpus
for q in 1 2 3; do echo 0 >/sys/class/net/dq/queues/tx-$q/xps_cpus; done

# A well-tuned idle pair: 2 queues for 2 CPUs.
ip link add ok0 numtxqueues 2 numrxqueues 2 type veth peer ok1 numtxqueues 2 numrxqueues 2
echo 1 >/sys/class/net/ok0/queues/tx-0/xps_cpus
echo 2 >/sys/class/net/ok0/queues/tx-1/xps_cpus
ethtool -K ok0 gro on

printf '[Guest]\nApplySysctls=no\n' >"$CONF_ROOT/etc/vnettune/guestd.conf"
start_guestd

send_traffic() {        # 16 UDP flows from each CPU, 300 packets each, to the peer
        local cpu pids=()
        for cpu in 0 1; do
                taskset -c "$cpu" python3 - <<'P' &
import socket
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(16)]
for i in range(300):
    for s in socks:
        s.sendto(b"x" * 64, ("10.77.0.2", 9))
P
                pids+=($!)
        done
        wait "${pids[@]}"
}

diagnose() {            # diagnose IFINDEX WINDOW_MS > output
        bus --timeout=30 call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Diagnose iu "$1" "$2"
}

# ---- bad XPS: the idle queues are reported, with numbers ----
diagnose "$(ifindex dq)" 6000 >"$WORK/d1" &
dpid=$!
sleep 0.3
# The loop keeps serving while the window runs.
t0=$(date +%s%N)
guest_call ListLinks >/dev/null || fail "ListLinks during a diagnosis window"
check "bus answered during the window" [ $((($(date +%s%N) - t0) / 1000000)) -lt 1000 ]
send_traffic
wait "$dpid" || fail "Diagnose failed: $(cat "$WORK/d1")"
check "idle queues reported" grep -q '"idle-tx-queues" "warning" "dq" "only 1 of 4 tx queues carry traffic"' "$WORK/d1"
check "evidence names the queues" grep -q 'tx queues 0 carried [0-9]* packets; queues 1-3 next to none' "$WORK/d1"
check "fix names XPS" grep -q 'XPS=auto' "$WORK/d1"
check "finding in the log with its MESSAGE_ID fields" grep -q 'dq: only 1 of 4 tx queues carry traffic.*VNETTUNE_FINDING=idle-tx-queues' "$GUESTD_LOG"

# ---- the agent applies XPS=auto: the finding is gone ----
printf '[Match]\nName=dq\n[Link]\nXPS=auto\n' >"$CONF_ROOT/etc/vnettune/50-dq.link"
guest_call Reload || fail "Reload"
check "XPS applied" [ "$(cat /sys/class/net/dq/queues/tx-1/xps_cpus)" != 0 ]
diagnose "$(ifindex dq)" 6000 >"$WORK/d2" &
dpid=$!
sleep 0.3
send_traffic
wait "$dpid" || fail "Diagnose failed: $(cat "$WORK/d2")"
check "no idle queues after XPS=auto" bash -c "! grep -q idle-tx-queues '$WORK/d2'"
check "no XPS finding after XPS=auto" bash -c "! grep -q '\"xps-' '$WORK/d2'"

# ---- an idle, well-tuned link: no warning ----
diagnose "$(ifindex ok0)" 1000 >"$WORK/d3" || fail "Diagnose ok0"
# (Machine-wide findings such as a busy CPU depend on what else runs here: only the link's count.)
check "no warnings on a well-tuned idle link" bash -c "! grep -Eq '\"(warning|critical)\" \"ok0\"' '$WORK/d3'"
check "reply is an empty or info-only list" grep -q '^a(ssssss) ' "$WORK/d3"

# ---- bad arguments ----
err=$(bus call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Diagnose iu 0 600000 2>&1) &&
        fail "a 10 minute window was accepted"
check "window limit explained" has_text "$err" 'at most 60000 ms'
err=$(bus call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Diagnose iu 99999 0 2>&1) &&
        fail "unknown link accepted"
check "unknown link named" has_text "$err" 'No link with interface index 99999'
check "nobody may diagnose" runuser -u nobody -- busctl --address="$VNT_BUS_ADDRESS" call org.vnettune.Guest1 \
        /org/vnettune/Guest1 org.vnettune.Guest1.Manager Diagnose iu 0 0

ip netns del peer
echo "$N_CHECKS checks passed"
