#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vnettunectl diagnose against the real guest agent and host service: findings printed with
# evidence and fix, exit status 6 when a warning is found and 0 when not, --json parsed back to
# the same findings as the D-Bus method returns, a VM diagnosed on the host, bad input refused.
# Usage: test-ctl-diagnose.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
SANDBOX_ARGS=--host-pid
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"
command -v python3 >/dev/null || { echo "SKIP: python3 missing" >&2; exit 77; }

# A link with a problem (XPS unset on 4 queues) and one without.
ip link add bad0 numtxqueues 4 numrxqueues 4 type veth peer bad1 numtxqueues 4 numrxqueues 4
ip link add ok0 numtxqueues 2 numrxqueues 2 type veth peer ok1 numtxqueues 2 numrxqueues 2
echo 1 >/sys/class/net/ok0/queues/tx-0/xps_cpus
echo 2 >/sys/class/net/ok0/queues/tx-1/xps_cpus
ethtool -K ok0 gro on
printf '[Guest]\nApplySysctls=no\n' >"$CONF_ROOT/etc/vnettune/guestd.conf"
start_guestd

expect_status 6 "diagnose of a link with a warning" "$VNETTUNECTL" --guest --no-pager diagnose bad0 --window=0
check "finding printed" grep -q '^warning  bad0: no XPS mask is set on any of 4 tx queues \[xps-unset\]' "$WORK/stdout"
check "evidence line" grep -q '^         evidence: xps_cpus of tx-0..tx-3 are all 0' "$WORK/stdout"
check "fix line" grep -q '^         fix:      XPS=auto' "$WORK/stdout"

# Static checks only: machine-wide load findings would depend on what else runs here.
expect_status 0 "diagnose of a well-tuned link" "$VNETTUNECTL" --guest --no-pager diagnose ok0 --window=0
check "says there is nothing" grep -q 'No findings' "$WORK/stdout"

# JSON: the same findings as the method.
expect_status 6 "diagnose --json" "$VNETTUNECTL" --guest --json=short diagnose bad0 --window=0
cp "$WORK/stdout" "$WORK/ctl.json"
bus call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Diagnose iu \
        "$(ifindex bad0)" 0 --json=short >"$WORK/bus.json" || fail "Diagnose over busctl"
check "JSON equals the method's reply" python3 - "$WORK/ctl.json" "$WORK/bus.json" <<'P'
import json, sys
ctl = json.load(open(sys.argv[1]))["guest"]
bus = json.load(open(sys.argv[2]))["data"][0]
keys = ["Code", "Severity", "Subject", "Summary", "Evidence", "Fix"]
got = [[f[k] for k in keys] for f in ctl]
if got != bus:
    sys.exit(f"ctl {got!r} != bus {bus!r}")
P

expect_status 5 "unknown link" "$VNETTUNECTL" --guest diagnose nosuch0 --window=0
expect_status 2 "bad window" "$VNETTUNECTL" --guest diagnose --window=99
expect_status 2 "bad window text" "$VNETTUNECTL" --guest diagnose --window=soon
# Readers may diagnose: it changes nothing.
expect_status 6 "nobody may diagnose" runuser -u nobody -- env DBUS_SYSTEM_BUS_ADDRESS="$VNT_BUS_ADDRESS" \
        "$VNETTUNECTL" --guest --no-pager diagnose bad0 --window=0

# The host side: a VM by name or pid.
start_tap_holder dvt0 2 --vcpus 2 --vhost 1
start_hostd
rc=0
"$VNETTUNECTL" --host --no-pager diagnose "$HOLDER_PID" --window=0.5 >"$WORK/host.out" 2>&1 || rc=$?
check "host diagnose ran (0 or 6)" bash -c "[ $rc = 0 ] || [ $rc = 6 ]"
check "host findings name the VM" grep -q "(pid $HOLDER_PID)" "$WORK/host.out"
check "idle workers explained" grep -q 'workers-idle' "$WORK/host.out"
expect_status 5 "unknown VM" "$VNETTUNECTL" --host diagnose 1 --window=0

echo "$N_CHECKS checks passed"
