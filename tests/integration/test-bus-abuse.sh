#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Both daemons under malformed, oversized and concurrent D-Bus traffic (tests/integration/dbus-raw.py
# speaks the wire protocol itself, so it can send what ordinary clients refuse to):
#   - wrong signatures, 1M-element and 8 MiB arrays, 1 MiB strings, invalid UTF-8, negative and
#     INT32_MIN/MAX ifindexes, bogus object paths: each answered with InvalidArgs (or the precise
#     error: NoSuchLink, UnknownObject...) or refused by the bus, and the daemon answers after each;
#   - 1000 read calls from 50 unprivileged clients, all in flight at once while a storm of links comes
#     and goes: every call answered.
# Usage: test-bus-abuse.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
SANDBOX_ARGS=--host-pid
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"
HERE=$(dirname "$(readlink -f "$0")")
command -v runuser >/dev/null || { echo "SKIP: runuser (util-linux) missing" >&2; exit 77; }
cp "$HERE/dbus-raw.py" "$WORK/dbus-raw.py"
chmod 755 "$WORK" "$WORK/dbus-raw.py"
raw() { "$PYTHON3" "$WORK/dbus-raw.py" --address "$VNT_BUS_ADDRESS" "$@"; }
raw_nobody() { runuser -u nobody -- "$PYTHON3" "$WORK/dbus-raw.py" --address "$VNT_BUS_ADDRESS" "$@"; }

printf '[Match]\nName=ab* ba*\n[Link]\nMTU=9000\nXPS=auto\n' >"$CONF_ROOT/etc/vnettune/50-abuse.link"
for i in $(seq 0 19); do echo "link add ab${i}a type veth peer ab${i}b"; done | ip -batch -
start_guestd
start_hostd

# ---- malformed and oversized arguments (as root, so they reach the daemons) ----
raw abuse org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager >"$WORK/abuse-guest" 2>&1
rc=$?
cat "$WORK/abuse-guest"
check "guestd: every malformed call rejected, the daemon kept answering" [ $rc = 0 ]
raw abuse org.vnettune.Host1 /org/vnettune/Host1 org.vnettune.Host1.Manager >"$WORK/abuse-host" 2>&1
rc=$?
cat "$WORK/abuse-host"
check "hostd: every malformed call rejected, the daemon kept answering" [ $rc = 0 ]

# ---- 1000 concurrent read calls from 50 clients during a storm ----
(
        for round in 1 2 3 4 5; do
                for i in $(seq 0 39); do echo "link add ba${i}a type veth peer ba${i}b"; done | ip -batch - 2>/dev/null
                sleep 0.3
                for i in $(seq 0 39); do echo "link del ba${i}a"; done | ip -batch - 2>/dev/null
        done
) &
storm=$!
idx=$(ifindex ab3a)
raw_nobody flood org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager 50 20 "$idx" >"$WORK/flood-guest" 2>&1
rc=$?
cat "$WORK/flood-guest"
check "guestd: 1000 concurrent reads from 50 clients during a storm all answered" [ $rc = 0 ]
raw_nobody flood org.vnettune.Host1 /org/vnettune/Host1 org.vnettune.Host1.Manager 50 20 0 >"$WORK/flood-host" 2>&1
rc=$?
cat "$WORK/flood-host"
check "hostd: 1000 concurrent reads from 50 clients during a storm all answered" [ $rc = 0 ]
wait "$storm"

check "guestd alive" kill -0 "$GUESTD_PID"
check "hostd alive" kill -0 "$HOSTD_PID"
check "guestd still tunes" bash -c 'ip link add abza type veth peer abzb && for i in $(seq 100); do [ "$(cat /sys/class/net/abza/mtu)" = 9000 ] && exit 0; sleep 0.1; done; exit 1'
echo "$N_CHECKS checks passed"
