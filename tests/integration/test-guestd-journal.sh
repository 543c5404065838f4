#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vnettune-guestd logging to a real (private) systemd-journald: one entry per change with
# MESSAGE_ID, INTERFACE, IFINDEX and the VNETTUNE_* fields, the caller's uid for API calls, reasons
# hotplug/api/reload; SIGHUP reloads; and links that appear and vanish in a storm never crash it.
# Usage: test-guestd-journal.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"

start_journald
rc=$?
[ "$rc" = 77 ] && { echo "SKIP: no systemd-journald binary" >&2; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing" >&2; exit 77; }

cat >"$CONF_ROOT/etc/vnettune/50-veth.link" <<'EOC'
[Match]
Driver=veth
[Link]
Channels=2
MTU=9000
EOC
printf '[Guest]\nDrift=enforce\n' >"$CONF_ROOT/etc/vnettune/guestd.conf"
GUESTD_LOG_TARGET=journal
start_guestd

ip link add ja numtxqueues 4 numrxqueues 4 type veth peer jb numtxqueues 4 numrxqueues 4
check "ja tuned" wait_until 5 bash -c '[ "$(cat /sys/class/net/ja/mtu)" = 9000 ]'
sleep 0.2

# entries VNETTUNE_SETTING INTERFACE: the matching entries as JSON lines
entries() {
        journalctl --no-pager -o json SYSLOG_IDENTIFIER=vnettune-guestd MESSAGE_ID=f1ee0164bbea47c792e535557f60671f \
                "VNETTUNE_SETTING=$1" "INTERFACE=$2"
}
field_check() {        # field_check JSON-LINES EXPECTED-COUNT KEY=VALUE...
        python3 - "$@" <<'P'
import json, sys
lines = [json.loads(l) for l in sys.argv[1].splitlines() if l.strip()]
want = int(sys.argv[2])
if len(lines) != want:
    sys.exit(f"{len(lines)} entries, expected {want}")
e = lines[-1]
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    if e.get(k) != v:
        sys.exit(f"{k}={e.get(k)!r}, expected {v!r}")
for k in ("MESSAGE", "MESSAGE_ID", "INTERFACE", "IFINDEX", "VNETTUNE_SETTING", "VNETTUNE_OLD",
          "VNETTUNE_NEW", "VNETTUNE_REASON", "PRIORITY"):
    if k not in e:
        sys.exit(f"field {k} missing")
P
}
check "one mtu entry for the hotplugged link, with every field" \
        field_check "$(entries mtu ja)" 1 VNETTUNE_OLD=1500 VNETTUNE_NEW=9000 VNETTUNE_REASON=hotplug \
        MESSAGE_ID=f1ee0164bbea47c792e535557f60671f "IFINDEX=$(ifindex ja)" PRIORITY=6
check "one channels entry" field_check "$(entries channels ja)" 1 "VNETTUNE_OLD=rx 4 tx 4" \
        "VNETTUNE_NEW=rx 2 tx 2"

# Revert and Apply through the bus: reason api and the caller's uid.
guest_call Revert i "$(ifindex ja)" || fail "Revert"
check "revert entry" field_check "$(journalctl --no-pager -o json MESSAGE_ID=e55ca2aec44f4ef5896e0948c5a8aec4 \
        INTERFACE=ja VNETTUNE_SETTING=mtu)" 1 VNETTUNE_OLD=9000 VNETTUNE_NEW=1500 VNETTUNE_REASON=api VNETTUNE_UID=0
guest_call Apply i "$(ifindex ja)" || fail "Apply"
check "api entry with uid" field_check "$(entries mtu ja)" 2 VNETTUNE_REASON=api VNETTUNE_UID=0 VNETTUNE_NEW=9000

# SIGHUP reloads: a changed policy is applied with reason reload.
sed -i 's/MTU=9000/MTU=8000/' "$CONF_ROOT/etc/vnettune/50-veth.link"
kill -HUP "$GUESTD_PID"
check "SIGHUP applied the new policy" wait_until 5 bash -c '[ "$(cat /sys/class/net/ja/mtu)" = 8000 ]'
check "reload entry" field_check "$(entries mtu ja)" 3 VNETTUNE_REASON=reload VNETTUNE_OLD=9000 VNETTUNE_NEW=8000

# A bad config line becomes a CONFIG_BAD entry naming file and line.
printf '[Link]\nMTU=huge\n' >"$CONF_ROOT/etc/vnettune/10-bad.link"
kill -HUP "$GUESTD_PID"
check "config error in the journal" wait_until 5 bash -c \
        "journalctl --no-pager -o cat MESSAGE_ID=11984efed6064d1dbc8e0230b88103c2 | grep -q \"10-bad.link:2: Invalid value 'huge' for MTU=\""
rm -f "$CONF_ROOT/etc/vnettune/10-bad.link"

# Storm: links appear and vanish while being tuned; the daemon keeps serving.
for round in $(seq 1 20); do
        for i in 0 1 2 3 4; do
                echo "link add st${i}a numtxqueues 4 numrxqueues 4 type veth peer st${i}b numtxqueues 4 numrxqueues 4"
        done | ip -batch - 2>/dev/null
        for i in 0 1 2 3 4; do echo "link del st${i}a"; done | ip -batch - 2>/dev/null
done
check "daemon survived the storm" kill -0 "$GUESTD_PID"
check "daemon still answers" guest_call ListLinks
check "no storm link left on the bus" bash -c "! busctl --address=$VNT_BUS_ADDRESS call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager ListLinks | grep -q '\"st'"
check "no originals left for vanished links" bash -c "[ \$(ls $STATE_DIR/links | wc -l) -le 3 ]"

echo "$N_CHECKS checks passed"
