#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault injection: the udev monitor of vnettune-guestd overflows. Its receive buffer is shrunk from
# outside (tests/integration/netlink-rcvbuf.py: pidfd_getfd + SO_RCVBUF on the daemon's own socket),
# the daemon is stopped (SIGSTOP) while 50 veth pairs appear, and continued: the kernel dropped most
# of their uevents (checked: its drop counter grew), so the daemon must notice the overflow (ENOBUFS)
# and resync from a full enumeration. Every one of the 100 links must end up tuned.
# Usage: test-fault-udev-overflow.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"
HERE=$(dirname "$(readlink -f "$0")")
[ "${VNT_SANDBOX_UDEV:-0}" = 1 ] || { echo "SKIP: needs udevd" >&2; exit 77; }

printf '[Match]\nName=of*\n[Link]\nMTU=9000\n' >"$CONF_ROOT/etc/vnettune/50-overflow.link"
start_guestd

"$PYTHON3" "$HERE/netlink-rcvbuf.py" "$GUESTD_PID" 15 1 >"$WORK/rcvbuf.before"
rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail "cannot shrink the udev monitor's buffer"
cat "$WORK/rcvbuf.before"
drops_before=$(awk '{ s += $6 } END { print s }' "$WORK/rcvbuf.before")

kill -STOP "$GUESTD_PID"
for i in $(seq 0 49); do
        echo "link add of${i}a type veth peer of${i}b"
done | ip -batch - || { kill -CONT "$GUESTD_PID"; fail "cannot create the links"; }
udevadm settle --timeout=60
"$PYTHON3" "$HERE/netlink-rcvbuf.py" "$GUESTD_PID" 15 0 >"$WORK/rcvbuf.after"
drops_after=$(awk '{ s += $6 } END { print s }' "$WORK/rcvbuf.after")
kill -CONT "$GUESTD_PID"
echo "uevents dropped by the kernel: $((drops_after - drops_before))"
check "the monitor really overflowed" [ "$drops_after" -gt "$drops_before" ]

all_tuned() { [ "$(links_in_state 'of[0-9]+[ab]' tuned)" -eq 100 ]; }
if ! wait_until 30 all_tuned; then
        fail "after the overflow only $(links_in_state 'of[0-9]+[ab]' tuned) of 100 links are tuned (no resync)"
fi
check "every link at MTU 9000" [ "$(cat /sys/class/net/of*/mtu | grep -c '^9000$')" = 100 ]
check "daemon alive" kill -0 "$GUESTD_PID"
echo "$N_CHECKS checks passed"
