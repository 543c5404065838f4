#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's main command: installs what is missing, builds, then shows vnettune-guestd tuning
# real multi-queue veth and tap links in a scratch network namespace (with a private udevd,
# dbus-daemon and journald), links made before and after it starts, drift, the D-Bus view, the
# journal, and Revert; then vnettune-hostd finding two fake VMs (processes holding multi-queue
# taps, with vCPU and vhost threads), pinning their vhost workers, keeping tap and bridge MTU
# consistent and reporting the host tier. Everything is removed at the end. Run as root on Debian 12:
#     sudo bash tests/demo.sh
set -eu -o pipefail
SRC=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)

if [ "${1:-}" != --inside ]; then
        bash "$SRC/tests/helpers/install-deps.sh"
        BUILD=${VNT_BUILD_DIR:-$SRC/build}
        [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" "$SRC" >/dev/null
        ninja -C "$BUILD" guest/vnettune-guestd host/vnettune-hostd tests/helpers/vnt-tap-holder >/dev/null
        # --host-pid: vnettune-hostd follows VM processes through the proc connector, which only
        # serves the host's PID namespace (the sandbox still has its own network namespace).
        exec bash "$SRC/tests/helpers/sandbox.sh" --host-pid -- bash "$SRC/tests/demo.sh" --inside "$BUILD"
fi

export VNT_BUILD_DIR=$2
source "$SRC/tests/helpers/lib.sh"
set +e

say() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
bus_show() { printf '$ busctl %s\n' "$*"; bus "$@"; }
state() {
        local d=$1
        printf '%-6s mtu %-5s channels %-12s xps %s  gro %s\n' "$d" "$(cat /sys/class/net/$d/mtu)" \
                "$(ethtool -l "$d" 2>/dev/null | sed -n '/Current/,$p' | awk '$1=="RX:"{r=$2} $1=="TX:"{t=$2} $1=="Combined:"{c=$2} END{if (c!="n/a") print "combined " c; else print "rx " r " tx " t}')" \
                "$(cat /sys/class/net/$d/queues/tx-*/xps_cpus 2>/dev/null | tr '\n' ' ')" \
                "$(ethtool -k "$d" | awk '/^generic-receive-offload:/ {print $2}')"
}

start_journald || echo "(no systemd-journald binary: the change log is shown from the daemon's stderr)"

say "Links present before the agent starts (8-queue veth pair, 4-queue tap held like QEMU holds it)"
ip link add vm0a numtxqueues 8 numrxqueues 8 type veth peer vm0b numtxqueues 8 numrxqueues 8
start_tap_holder tap0 4
udevadm settle 2>/dev/null
for d in vm0a vm0b tap0; do state $d; done

say "Policy: vendor-style guestd.conf plus link files (what an image builder ships)"
cat >"$CONF_ROOT/usr/lib/vnettune/guestd.conf" <<'EOC'
[Guest]
Drift=enforce
[Sysctl]
# per network namespace, so the demo can show them; net.core.* only exist in the initial one
net.ipv4.tcp_rmem=4096 1048576 16777216
net.ipv4.tcp_wmem=4096 1048576 16777216
net.core.rmem_max=16777216
EOC
cat >"$CONF_ROOT/etc/vnettune/50-veth.link" <<'EOC'
[Match]
Driver=veth
[Link]
Channels=auto
XPS=auto
MTU=9000
GRO=on
EOC
cat >"$CONF_ROOT/etc/vnettune/60-tap.link" <<'EOC'
[Match]
Driver=tun
[Link]
XPS=auto
MTU=9000
EOC
for f in "$CONF_ROOT"/usr/lib/vnettune/guestd.conf "$CONF_ROOT"/etc/vnettune/*.link; do
        echo "--- ${f#"$CONF_ROOT"}"; cat "$f"
done

say "Starting vnettune-guestd (Type=notify daemon; here under a private bus, udevd and journald)"
GUESTD_LOG_TARGET=${JOURNALD_PID:+journal}
GUESTD_LOG_TARGET=${GUESTD_LOG_TARGET:-console}
start_guestd
for d in vm0a vm0b tap0; do state $d; done

say "Hotplug: links created while it runs are tuned as udev announces them"
link_tuned() { [ -e "/sys/class/net/$1" ] && [ "$(link_prop "$1" State 2>/dev/null)" = '"tuned"' ]; }
t0=$(date +%s%N)
ip link add vm1a numtxqueues 8 numrxqueues 8 type veth peer vm1b numtxqueues 8 numrxqueues 8
wait_until 5 link_tuned vm1a
echo "vm1a tuned $((($(date +%s%N) - t0) / 1000000)) ms after 'ip link add' (including this script's polling)"
t0=$(date +%s%N)
start_tap_holder tap1 4
wait_until 5 link_tuned tap1
echo "tap1 tuned $((($(date +%s%N) - t0) / 1000000)) ms after the VMM opened it"
for d in vm1a vm1b tap1; do state $d; done

say "Drift: someone runs 'ethtool -L vm0a rx 1 tx 1' and 'ip link set vm0a mtu 1500'"
ethtool -L vm0a rx 1 tx 1
ip link set vm0a mtu 1500
sleep 0.3
state vm0a

say "What the bus shows"
bus_show tree org.vnettune.Guest1
bus_show introspect org.vnettune.Guest1 "$(bus_path "$(ifindex vm0a)")" org.vnettune.Guest1.Link
bus_show call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager ListLinks
bus_show get-property org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Sysctls
echo "Plan is a dry run: what would change (setting, current, desired, why refused). Here only the"
echo "sysctl this network namespace does not let anyone write is left:"
bus_show call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Plan i 0
echo "A drop-in changes the policy (MTU 4000 for veth links); Reload applies it:"
mkdir -p "$CONF_ROOT/etc/vnettune/50-veth.link.d"
printf '[Link]\nMTU=4000\n' >"$CONF_ROOT/etc/vnettune/50-veth.link.d/10-smaller.conf"
bus_show call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Reload
state vm0a
echo "An unprivileged user may read but not change:"
printf '$ runuser -u nobody -- busctl call ... Revert i 0\n'
runuser -u nobody -- busctl --address="$VNT_BUS_ADDRESS" call org.vnettune.Guest1 /org/vnettune/Guest1 \
        org.vnettune.Guest1.Manager Revert i 0

say "The change log"
if [ -n "$JOURNALD_PID" ]; then
        show journalctl --no-pager -o cat -t vnettune-guestd
        echo
        echo "One entry in full (journalctl -o verbose VNETTUNE_SETTING=mtu INTERFACE=vm0a):"
        journalctl --no-pager -o verbose VNETTUNE_SETTING=mtu INTERFACE=vm0a -n 1 |
                grep -E '^\s*(MESSAGE|MESSAGE_ID|INTERFACE|IFINDEX|VNETTUNE_[A-Z]+|PRIORITY)='
else
        cat "$GUESTD_LOG"
fi

say "Revert: every original comes back (as root)"
bus_show call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Revert i 0
for d in vm0a vm0b tap0 vm1a vm1b tap1; do state $d; done
sysctl net.ipv4.tcp_rmem

stop_guestd
for p in "${HOLDER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
HOLDER_PIDS=()

say "The host side: vnettune-hostd with a bridge and two fake VMs (VMM stand-ins holding taps)"
cat >"$CONF_ROOT/etc/vnettune/hostd.conf" <<'EOC'
[Host]
VhostPlacement=numa
[Sysctl]
net.bridge.bridge-nf-call-iptables=0
net.ipv4.tcp_rmem=4096 1048576 16777216
EOC
printf '[Match]\nName=br-vms\n[Link]\nMTU=9000\n' >"$CONF_ROOT/etc/vnettune/50-bridge.link"
printf '[Match]\nDriver=tun\n[Link]\nTxQueueLength=4000\n' >"$CONF_ROOT/etc/vnettune/60-tap.link"
rm -f "$CONF_ROOT/etc/vnettune/50-veth.link" "$CONF_ROOT/etc/vnettune/60-tap.link.d" 2>/dev/null
for f in hostd.conf 50-bridge.link 60-tap.link; do echo "--- /etc/vnettune/$f"; cat "$CONF_ROOT/etc/vnettune/$f"; done
ip link add br-vms type bridge
start_tap_holder vmtap0 4 --vcpus 2 --vhost 2
ip link set vmtap0 master br-vms
HOSTD_LOG_TARGET=${JOURNALD_PID:+journal}
HOSTD_LOG_TARGET=${HOSTD_LOG_TARGET:-console}
start_hostd
echo "A second VM starts while the service runs:"
start_tap_holder vmtap1 2 --vcpus 1 --vhost 1
ip link set vmtap1 master br-vms
sleep 0.5
bus_show tree org.vnettune.Host1
bus_show introspect org.vnettune.Host1 /org/vnettune/Host1 org.vnettune.Host1.Manager
vm=$(host_call ListVMs | grep -o '"/org[^"]*"' | head -n 1 | tr -d '"')
bus_show introspect org.vnettune.Host1 "$vm" org.vnettune.Host1.VM
echo "Where the vhost workers run now (sched_getaffinity):"
for p in /proc/[0-9]*; do
        c=$(cat "$p/comm" 2>/dev/null) || continue
        [ "$c" = vnt-tap-holder ] || continue
        for t in "$p"/task/*; do
                printf '  pid %-7s %-12s %s\n' "${p#/proc/}" "$(cat "$t/comm")" \
                        "$(awk '/^Cpus_allowed_list/ {print $2}' "$t/status")"
        done
done
for d in br-vms vmtap0 vmtap1; do
        printf '%-7s mtu %-5s txqueuelen %s\n' "$d" "$(cat /sys/class/net/$d/mtu)" "$(cat /sys/class/net/$d/tx_queue_len)"
done
if [ -n "$JOURNALD_PID" ]; then
        show journalctl --no-pager -o cat -t vnettune-hostd
else
        cat "$HOSTD_LOG"
fi
say "Revert on the host: workers, MTUs, queue lengths and sysctls back to what they were"
bus_show call org.vnettune.Host1 /org/vnettune/Host1 org.vnettune.Host1.Manager Revert i 0
for d in br-vms vmtap0 vmtap1; do
        printf '%-7s mtu %-5s txqueuelen %s\n' "$d" "$(cat /sys/class/net/$d/mtu)" "$(cat /sys/class/net/$d/tx_queue_len)"
done

say "Done: the sandbox (namespace, udevd, dbus-daemon, journald, fake VMs) is being removed"
