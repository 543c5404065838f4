#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault injection: the system bus (the sandbox's dbus-daemon) stops and is started again under both
# daemons. Each must keep tuning while the bus is away, then reconnect, own its name again and answer
# calls and property reads within 15 s of the new bus listening.
# Usage: test-fault-bus-restart.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
SANDBOX_ARGS=--host-pid
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"
[ "${VNT_SANDBOX_DBUS:-0}" = 1 ] || { echo "SKIP: needs the sandbox's bus" >&2; exit 77; }

BUS2_PID=
trap '[ -n "$BUS2_PID" ] && kill "$BUS2_PID" 2>/dev/null; cleanup' EXIT

printf '[Match]\nName=br*\n[Link]\nMTU=9000\n' >"$CONF_ROOT/etc/vnettune/50-bus.link"
start_guestd
start_hostd

conf=$VNT_SANDBOX_DIR/dbus/system.conf
bpid=$(bus_daemon_pid) || fail "cannot find the sandbox's dbus-daemon"
kill "$bpid"
wait_until 10 bash -c "! kill -0 $bpid 2>/dev/null" || fail "dbus-daemon $bpid did not stop"

# While the bus is away: tuning goes on.
ip link add br0a type veth peer br0b
check "tuning goes on without the bus" wait_until 10 bash -c '[ "$(cat /sys/class/net/br0a/mtu)" = 9000 ]'
check "guestd survived the bus going away" kill -0 "$GUESTD_PID"
check "hostd survived the bus going away" kill -0 "$HOSTD_PID"

dbus-daemon --config-file="$conf" --nofork --nopidfile --nosyslog >>"$WORK/dbus-restarted.log" 2>&1 &
BUS2_PID=$!
wait_until 10 test -S "$VNT_SANDBOX_DIR/dbus/system_bus_socket" || fail "the new dbus-daemon does not listen"
ok=1
wait_until 15 guest_call ListLinks || { echo "FAILED: vnettune-guestd did not come back on the bus" >&2; ok=0; }
wait_until 15 host_call ListVMs || { echo "FAILED: vnettune-hostd did not come back on the bus" >&2; ok=0; }
[ $ok = 1 ] || fail "a daemon did not reconnect to the restarted bus (names now: $(bus list --no-legend 2>&1 | awk '{print $1}' | tr '\n' ' '))"
check "guestd answers after the restart" bash -c "busctl --address=$VNT_BUS_ADDRESS get-property org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Version >/dev/null"
check "the link tuned meanwhile is on the bus" bash -c "busctl --address=$VNT_BUS_ADDRESS call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager ListLinks | grep -q '\"br0a\" \"tuned\"'"
check "hostd answers after the restart" bash -c "busctl --address=$VNT_BUS_ADDRESS get-property org.vnettune.Host1 /org/vnettune/Host1 org.vnettune.Host1.Manager Tier >/dev/null"
echo "$N_CHECKS checks passed"
