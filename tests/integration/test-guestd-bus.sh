#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The real vnettune-guestd under a private dbus-daemon with the shipped bus policy and a private
# udevd: 50 veth pairs hotplugged at once are all tuned; every property reads; the live
# introspection equals dbus/org.vnettune.Guest1.xml; a non-root caller can read but is denied
# Apply/Revert/Reload; Plan changes nothing; a bad config is reported with file:line and survived;
# a broken reload keeps the last good policy.
# Usage: test-guestd-bus.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"
SRC=$VNT_SRCDIR

command -v runuser >/dev/null || { echo "SKIP: runuser (util-linux) missing" >&2; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing (introspection diff)" >&2; exit 77; }

cat >"$CONF_ROOT/etc/vnettune/50-veth.link" <<'EOC'
[Match]
Driver=veth
[Link]
Channels=2
XPS=auto
MTU=9000
EOC
# A file with mistakes: each bad line is reported and skipped, the rest applies.
cat >"$CONF_ROOT/etc/vnettune/40-bad.link" <<'EOC'
[Match]
Name=bad*
[Link]
MTU=8000
Channels=lots
Frobnicate=yes
[Bogus]
Key=1
EOC
printf '[Guest]\nDrift=enforce\n' >"$CONF_ROOT/etc/vnettune/guestd.conf"

ip link add bada numtxqueues 4 numrxqueues 4 type veth peer badb numtxqueues 4 numrxqueues 4
start_guestd

# ---- bad config: reported with file:line, the good lines of that file applied ----
check "bad value reported with file:line" grep -q "40-bad.link:5: .*Channels=" "$GUESTD_LOG"
check "unknown key reported with file:line" grep -q "40-bad.link:6: .*Frobnicate" "$GUESTD_LOG"
check "bad section reported" grep -q "40-bad.link:7: .*Bogus" "$GUESTD_LOG"
check "good line of the bad file applied" wait_until 5 bash -c '[ "$(cat /sys/class/net/bada/mtu)" = 8000 ]'
check "warnings on the bus" bash -c "busctl --address=$VNT_BUS_ADDRESS get-property org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager ConfigWarnings | grep -q '40-bad.link:6'"

# ---- 50 veth pairs (100 links) created at once ----
start=$(date +%s%N)
for i in $(seq 0 49); do
        echo "link add hp${i}a numtxqueues 4 numrxqueues 4 type veth peer hp${i}b numtxqueues 4 numrxqueues 4"
done | ip -batch -
all_tuned() {
        local n
        n=$(guest_call ListLinks | grep -o '"hp[0-9]*[ab]" "tuned"' | wc -l)
        [ "$n" -eq 100 ]
}
check "all 100 hotplugged links tuned" wait_until 30 all_tuned
ms=$((($(date +%s%N) - start) / 1000000))
echo "100 links tuned ${ms} ms after creation started"
for i in 0 17 49; do
        check "hp${i}a mtu" [ "$(cat /sys/class/net/hp${i}a/mtu)" = 9000 ]
        check "hp${i}b channels" bash -c "ethtool -l hp${i}b | sed -n '/Current/,\$p' | grep -q '^TX:[[:space:]]*2'"
done
check "hotplug reason logged" grep -q 'hp7a: mtu 1500 -> 9000 (hotplug)' "$GUESTD_LOG"

# ---- every property reads, as root and as an unprivileged user ----
path=$(bus_path "$(ifindex hp3a)")
for who in root nobody; do
        out=$(runuser -u "$who" -- busctl --address="$VNT_BUS_ADDRESS" introspect org.vnettune.Guest1 "$path" \
              org.vnettune.Guest1.Link) || fail "introspect as $who"
        for p in Index Name Driver MACAddress State Policy Drift ChannelKind Channels MaxChannels TxQueues XPS \
                 MTU MinMTU MaxMTU Offloads LastError LastChangeUSec; do
                v=$(runuser -u "$who" -- busctl --address="$VNT_BUS_ADDRESS" get-property org.vnettune.Guest1 \
                    "$path" org.vnettune.Guest1.Link "$p") || fail "$who cannot read $p"
                [ -n "$v" ] || fail "$p empty"
        done
        N_CHECKS=$((N_CHECKS + 1))
        runuser -u "$who" -- busctl --address="$VNT_BUS_ADDRESS" get-property org.vnettune.Guest1 \
                /org/vnettune/Guest1 org.vnettune.Guest1.Manager Version >/dev/null || fail "$who: Version"
        runuser -u "$who" -- busctl --address="$VNT_BUS_ADDRESS" call org.vnettune.Guest1 /org/vnettune/Guest1 \
                org.vnettune.Guest1.Manager Plan i 0 >/dev/null || fail "$who cannot call Plan"
done
check "MTU property" [ "$(link_prop hp3a MTU)" = 9000 ]
check "Channels property" [ "$(link_prop hp3a Channels)" = 2 ]
check "Driver property" [ "$(link_prop hp3a Driver)" = '"veth"' ]
xps_prop=$(link_prop hp3a XPS)
check "XPS property has two masks" [ "${xps_prop%% *}" = 2 ]

# ---- non-root is denied every mutating call ----
for m in "Apply i 0" "Revert i 0" "Reload"; do
        # shellcheck disable=SC2086
        if err=$(runuser -u nobody -- busctl --address="$VNT_BUS_ADDRESS" call org.vnettune.Guest1 \
                 /org/vnettune/Guest1 org.vnettune.Guest1.Manager $m 2>&1); then
                fail "nobody was allowed to call $m"
        fi
        echo "$err" | grep -qi "access denied\|AccessDenied" || fail "unexpected error for nobody/$m: $err"
        N_CHECKS=$((N_CHECKS + 1))
done
check "still tuned after denied revert" [ "$(cat /sys/class/net/hp3a/mtu)" = 9000 ]

# ---- bad arguments and unknown links ----
err=$(guest_call Apply i 999999 2>&1) && fail "Apply of an unknown link succeeded"
check "unknown link named error" bash -c "echo '$err' | grep -q 'No link with interface index 999999'"
err=$(guest_call Plan i -- -5 2>&1) && fail "Plan -5 succeeded"
check "negative index rejected" bash -c "echo '$err' | grep -qi 'must be 0'"

# ---- Plan changes nothing ----
cat >"$CONF_ROOT/etc/vnettune/30-report.link" <<'EOC'
[Match]
Name=hp9a
[Link]
MTU=7000
Drift=report
EOC
guest_call Reload || fail "Reload failed"
check "reload applied the new policy" [ "$(cat /sys/class/net/hp9a/mtu)" = 7000 ]
ip link set hp9a mtu 1500       # drift on a Drift=report link: reported, left pending
state_is() { [ "$(link_prop "$1" State)" = "\"$2\"" ]; }
check "report link drifted" wait_until 5 state_is hp9a drifted
check "report link pending change visible in Plan" bash -c "busctl --address=$VNT_BUS_ADDRESS call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Plan i $(ifindex hp9a) | grep -q '\"mtu\"'"
mtu_before=$(cat /sys/class/net/hp9a/mtu)
guest_call Plan i 0 >/dev/null
sleep 0.2
check "Plan changed nothing" [ "$(cat /sys/class/net/hp9a/mtu)" = "$mtu_before" ]

# ---- a broken reload keeps the last good policy ----
files_before=$(bus get-property org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager PolicyFiles)
mv "$CONF_ROOT/etc/vnettune" "$CONF_ROOT/etc/vnettune.saved"
echo "not a directory" >"$CONF_ROOT/etc/vnettune"
if guest_call Reload 2>"$WORK/reload.err"; then fail "reload of an unreadable policy succeeded"; fi
check "reload failure explained" grep -q "last good policy" "$WORK/reload.err"
check "policy kept" [ "$(bus get-property org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager PolicyFiles)" = "$files_before" ]
ip link set hp3a mtu 1500
check "kept policy still enforced" wait_until 5 bash -c '[ "$(cat /sys/class/net/hp3a/mtu)" = 9000 ]'
rm -f "$CONF_ROOT/etc/vnettune"
mv "$CONF_ROOT/etc/vnettune.saved" "$CONF_ROOT/etc/vnettune"

# ---- removal drops the object ----
ip link del hp0a
check "removed link leaves the bus" wait_until 5 bash -c "! busctl --address=$VNT_BUS_ADDRESS call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager ListLinks | grep -q '\"hp0a\"'"

# ---- the live API equals the contract ----
bus introspect --xml-interface org.vnettune.Guest1 /org/vnettune/Guest1 >"$WORK/mgr.xml"
bus introspect --xml-interface org.vnettune.Guest1 "$path" >"$WORK/link.xml"
check "introspection matches dbus/org.vnettune.Guest1.xml" \
        python3 "$SRC/tests/bus/introspect-diff.py" "$SRC/dbus/org.vnettune.Guest1.xml" "$WORK/mgr.xml" "$WORK/link.xml"
# and the diff tool does fail on a difference
sed 's/name="MaxMTU"/name="MaxMtu"/' "$SRC/dbus/org.vnettune.Guest1.xml" >"$WORK/altered.xml"
check "introspection diff detects a renamed property" \
        bash -c "! python3 '$SRC/tests/bus/introspect-diff.py' '$WORK/altered.xml' '$WORK/mgr.xml' '$WORK/link.xml' >/dev/null"

# ---- the daemon survived all of it ----
check "daemon alive" kill -0 "$GUESTD_PID"
echo "$N_CHECKS checks passed"
