#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vnettune-guestd against real veth pairs and multi-queue taps: channels, XPS, MTU, offloads and
# per-namespace sysctls applied; drift re-asserted (enforce) or only reported (report); Revert
# restores every original exactly, also after the daemon was killed between apply and revert.
# Usage: test-guestd-tuning.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"

# ---- the devices as the "guest" booted with them ----
ip link add ea numtxqueues 8 numrxqueues 8 type veth peer eb numtxqueues 8 numrxqueues 8
ip link add ra numtxqueues 8 numrxqueues 8 type veth peer rb numtxqueues 8 numrxqueues 8
start_tap_holder tq0 4
TQ0_HOLDER=$HOLDER_PID
ip link set tq0 mtu 1400
# Already as the policy wants it when the agent takes it over: nothing to change at start.
ip link add pa mtu 9000 numtxqueues 4 numrxqueues 4 type veth peer pb mtu 9000 numtxqueues 4 numrxqueues 4
udevadm settle 2>/dev/null

snapshot() {            # everything we may touch, as one comparable text
        local d
        for d in ea eb ra rb tq0; do
                echo "== $d mtu $(cat /sys/class/net/$d/mtu)"
                ethtool -l "$d" 2>/dev/null | sed -n '/Current/,$p'
                ethtool -k "$d" | grep -E '^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload):'
                for q in /sys/class/net/$d/queues/tx-*/xps_cpus; do echo "$q $(cat "$q")"; done
        done
        sysctl -n net.ipv4.tcp_rmem net.ipv4.tcp_wmem net.core.somaxconn
}
before=$(snapshot)

cat >"$CONF_ROOT/usr/lib/vnettune/guestd.conf" <<'EOC'
[Guest]
Drift=enforce
[Sysctl]
net.ipv4.tcp_rmem=4096 1048576 16777216
net.ipv4.tcp_wmem=4096 1048576 16777216
net.core.somaxconn=4096
EOC
cat >"$CONF_ROOT/etc/vnettune/10-report.link" <<'EOC'
[Match]
Name=ra rb
[Link]
Channels=2
XPS=auto
MTU=4000
Drift=report
EOC
cat >"$CONF_ROOT/etc/vnettune/50-veth.link" <<'EOC'
[Match]
Driver=veth
[Link]
Channels=4
XPS=auto
MTU=9000
GRO=on
EOC
cat >"$CONF_ROOT/etc/vnettune/60-tap.link" <<'EOC'
[Match]
Driver=tun
[Link]
Channels=keep
XPS=auto
MTU=9000
EOC

start_guestd
ncpu=$(nproc)

xps_of() { cat /sys/class/net/$1/queues/tx-"$2"/xps_cpus; }
hex_eq() { [ $((16#$(echo "$1" | tr -d ,))) -eq $((16#$(echo "$2" | tr -d ,))) ]; }
channels_of() { ethtool -l "$1" | sed -n '/Current/,$p' | awk -v k="$2:" '$1 == k { print $2 }'; }

# ---- applied at start ----
check "ea channels tx 4" [ "$(channels_of ea TX)" = 4 ]
check "ea channels rx 4" [ "$(channels_of ea RX)" = 4 ]
check "ea mtu 9000" [ "$(cat /sys/class/net/ea/mtu)" = 9000 ]
check "ea gro on" bash -c "ethtool -k ea | grep -q '^generic-receive-offload: on'"
for q in 0 1 2 3; do
        # auto XPS: queue q gets CPU q mod ncpu (round robin when fewer CPUs than queues)
        want=$(printf '%x' $((1 << (q % ncpu))))
        [ "$ncpu" -ge 4 ] && want=$(printf '%x' $((1 << q)))
        check "ea xps tx-$q = $want" hex_eq "$(xps_of ea $q)" "$want"
done
check "ra channels 2 (report link)" [ "$(channels_of ra TX)" = 2 ]
check "ra mtu 4000" [ "$(cat /sys/class/net/ra/mtu)" = 4000 ]
check "tq0 mtu 9000" [ "$(cat /sys/class/net/tq0/mtu)" = 9000 ]
check "tq0 xps tx-0 set" hex_eq "$(xps_of tq0 0)" 1
check "tcp_rmem per-namespace sysctl" [ "$(sysctl -n net.ipv4.tcp_rmem | tr -s '\t ' ' ')" = "4096 1048576 16777216" ]
check "somaxconn" [ "$(sysctl -n net.core.somaxconn)" = 4096 ]
check "state tuned on the bus" [ "$(link_prop ea State)" = '"tuned"' ]
check "tap state tuned" [ "$(link_prop tq0 State)" = '"tuned"' ]
check "change logged with fields" grep -q 'ea: mtu 1500 -> 9000 (boot).*VNETTUNE_SETTING=mtu VNETTUNE_OLD=1500 VNETTUNE_NEW=9000 VNETTUNE_REASON=boot' "$GUESTD_LOG"
check "originals persisted" test -s "$STATE_DIR/links/$(ifindex ea)"

# A tap's users detach and attach queues with no netlink event: tx-3 comes back with an empty XPS
# mask, and only udev's queue event tells the agent (it follows those once it manages a tap).
kill -USR1 "$TQ0_HOLDER"
check "tap queue detached" wait_until 5 test ! -e /sys/class/net/tq0/queues/tx-3
kill -USR2 "$TQ0_HOLDER"
check "tap queue attached again" wait_until 5 test -e /sys/class/net/tq0/queues/tx-3
check "xps set on the queue a tap user attached" wait_until 5 \
        bash -c "[ \$((16#\$(tr -d , </sys/class/net/tq0/queues/tx-3/xps_cpus))) -ne 0 ]"

# ---- drift, enforce: someone else's ethtool -L and ip link set mtu are undone ----
ethtool -L ea rx 1 tx 1
check "channels re-asserted" wait_until 5 bash -c "[ \$(ethtool -l ea | sed -n '/Current/,\$p' | awk '\$1 == \"TX:\" {print \$2}') = 4 ]"
check "xps re-asserted after the channel change" wait_until 5 bash -c "[ \$((16#\$(cat /sys/class/net/ea/queues/tx-1/xps_cpus))) -ne 0 ]"
ip link set ea mtu 1500
check "mtu re-asserted" wait_until 5 bash -c '[ "$(cat /sys/class/net/ea/mtu)" = 9000 ]'
ethtool -K ea gro off
check "gro re-asserted" wait_until 5 bash -c "ethtool -k ea | grep -q '^generic-receive-offload: on'"
check "drift logged with reason" grep -q 'ea: channels drifted from rx 4 tx 4 to rx 1 tx 1 (drift), re-applying' "$GUESTD_LOG"

# Someone changes a link that needed no change at takeover; the agent undoes it. Revert must give
# back what the link had when the agent took it over (9000), not what it had at the first change.
ip link set pa mtu 1500
check "pa drift undone" wait_until 5 bash -c '[ "$(cat /sys/class/net/pa/mtu)" = 9000 ]'

# ---- drift, report: logged, state drifted, left alone ----
ip link set ra mtu 1500
check "report: drift logged" wait_until 5 grep -q 'ra: mtu drifted from 4000 to 1500 (drift)$\|ra: mtu drifted from 4000 to 1500 (drift) \[' "$GUESTD_LOG"
state_is() { [ "$(link_prop "$1" State)" = "\"$2\"" ]; }
check "report: state drifted" wait_until 5 state_is ra drifted
sleep 0.3
check "report: mtu left alone" [ "$(cat /sys/class/net/ra/mtu)" = 1500 ]

# ---- restart between apply and revert: the originals survive a SIGKILL ----
stop_guestd KILL
start_guestd
check "no change after restart on a tuned link" bash -c "! grep -q 'ea: mtu 1500 -> 9000 (boot)' <(tail -n +2 \"$GUESTD_LOG\" | sed -n '/ready/,\$p' | tail -n +2)"
guest_call Revert i 0 || fail "Revert failed"
after=$(snapshot)
if [ "$before" != "$after" ]; then
        diff <(echo "$before") <(echo "$after") >&2
        fail "revert did not restore every original"
fi
N_CHECKS=$((N_CHECKS + 1))
check "reverted state on the bus" [ "$(link_prop ea State)" = '"reverted"' ]
check "revert gives the takeover value, not the first-change value" [ "$(cat /sys/class/net/pa/mtu)" = 9000 ]
check "originals forgotten after a full revert" test ! -e "$STATE_DIR/links/$(ifindex ea)"
# A reverted link is left alone, even when the kernel changes it.
ip link set ea mtu 1600
sleep 0.3
check "reverted link left alone" [ "$(cat /sys/class/net/ea/mtu)" = 1600 ]
# Apply takes it back.
guest_call Apply i "$(ifindex ea)" || fail "Apply failed"
check "apply re-tunes" [ "$(cat /sys/class/net/ea/mtu)" = 9000 ]

echo "$N_CHECKS checks passed"
