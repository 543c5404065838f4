#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault injection: kernel writes that fail, against the real vnettune-guestd. A sysctl that does not
# exist in a network namespace (net.core.rmem_max, or a made-up key where the kernel has it), a read-only one (tcp_available_congestion_control)
# and a sysfs XPS file made read-only (a read-only bind mount over one queue's xps_cpus) fail; each
# failure is reported exactly once, also across drift re-checks, while every other sysctl and every
# other setting of the same link is applied. An explicit Apply may report it again.
# Usage: test-fault-write-fails.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"

# A key the kernel does not have here: rmem_max is absent from non-initial namespaces on older
# kernels; on newer ones it exists, and a key no kernel has takes its place.
missing=net.core.rmem_max
[ -e /proc/sys/net/core/rmem_max ] && missing=net.core.vnettune_no_such_key
[ -e /proc/sys/net/ipv4/tcp_available_congestion_control ] || { echo "SKIP: no tcp_available_congestion_control" >&2; exit 77; }

sed "s/\${MISSING}/$missing/" >"$CONF_ROOT/etc/vnettune/guestd.conf" <<'EOC'
[Guest]
Drift=enforce
[Sysctl]
${MISSING}=16777216
net.core.somaxconn=2345
net.ipv4.tcp_available_congestion_control=reno
net.ipv4.tcp_rmem=4096 1048576 16777216
EOC
printf '[Match]\nName=wf*\n[Link]\nXPS=auto\nMTU=9000\n' >"$CONF_ROOT/etc/vnettune/50-wf.link"

ip link add wf0 numtxqueues 2 numrxqueues 2 type veth peer wf0p numtxqueues 2 numrxqueues 2
xps=/sys/class/net/wf0/queues/tx-0/xps_cpus
cat "$xps" >"$WORK/xps-frozen"
mount --bind -o ro "$WORK/xps-frozen" "$xps" || { echo "SKIP: cannot bind-mount over sysfs" >&2; exit 77; }
echo 1 >"$xps" 2>/dev/null && fail "the read-only bind mount does not make the write fail"

start_guestd
check "other sysctls applied (somaxconn)" wait_until 5 bash -c '[ "$(sysctl -n net.core.somaxconn)" = 2345 ]'
check "other sysctls applied (tcp_rmem)" [ "$(sysctl -n net.ipv4.tcp_rmem | tr -s '\t ' ' ')" = "4096 1048576 16777216" ]
check "other settings of the link applied (MTU)" wait_until 5 bash -c '[ "$(cat /sys/class/net/wf0/mtu)" = 9000 ]'
check "the other queue's XPS applied" bash -c "[ \"\$(cat /sys/class/net/wf0/queues/tx-1/xps_cpus)\" != 0 ] || [ $(nproc) = 1 ]"
degraded() { [ "$(link_prop wf0 State)" = '"degraded"' ]; }
wait_until 5 degraded || { link_prop wf0 State >&2; link_prop wf0 LastError >&2; grep wf0 "$GUESTD_LOG" >&2; }
check "the link is degraded, not tuned" wait_until 5 degraded
check "LastError names the failure" bash -c "[ -n \"\$(busctl --address=$VNT_BUS_ADDRESS get-property org.vnettune.Guest1 $(bus_path "$(ifindex wf0)") org.vnettune.Guest1.Link LastError | cut -d' ' -f2- | tr -d '\"')\" ]"

# Drift re-checks: change the MTU and a sysctl; the daemon puts them back without repeating the failures.
for i in 1 2 3; do
        ip link set wf0 mtu 1500
        wait_until 5 bash -c '[ "$(cat /sys/class/net/wf0/mtu)" = 9000 ]' || fail "drift $i not undone"
done
count() { grep -c -- "$1" "$GUESTD_LOG"; }
echo "---- failure lines ----"; grep -E "$missing|congestion|xps:tx-0" "$GUESTD_LOG" | grep -vi "debug"
check "missing sysctl reported exactly once" [ "$(count "$missing")" = 1 ]
check "read-only sysctl reported exactly once" [ "$(count 'tcp_available_congestion_control')" = 1 ]
check "read-only XPS file reported exactly once" [ "$(count 'wf0: setting xps:tx-0')" = 1 ]

# An explicit Apply is a new request: reporting again is allowed, the rest stays applied.
guest_call Apply i 0 >/dev/null 2>&1
check "still applied after Apply" [ "$(sysctl -n net.core.somaxconn)" = 2345 ]
check "daemon alive" kill -0 "$GUESTD_PID"
umount "$xps"
echo "$N_CHECKS checks passed"
