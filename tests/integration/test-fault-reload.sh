#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault injection: policy reloads with broken files while vnettune-guestd is busy (links hotplugged and
# drifting in the background). An unreadable policy directory makes Reload (and SIGHUP) fail and the
# last good policy stays in effect for existing and new links; broken files (binary garbage, a
# directory named *.link, a dangling symlink, a 1 MiB line) are reported and skipped while the rest
# of the policy loads. The daemon answers and tunes throughout.
# Usage: test-fault-reload.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"

ETC=$CONF_ROOT/etc/vnettune
printf '[Match]\nName=rl*\n[Link]\nMTU=9000\n' >"$ETC/50-reload.link"
start_guestd
files_before=$(bus get-property org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager PolicyFiles)

# Load: 60 pairs appearing, and the first ones drifting, for the whole test.
(
        for i in $(seq 0 59); do
                ip link add "rl${i}a" type veth peer "rl${i}b" 2>/dev/null
                ((i > 5)) && ip link set rl$((i % 5))a mtu 1500 2>/dev/null
                sleep 0.05
        done
) &
load=$!

# ---- the policy directory becomes unreadable: Reload and SIGHUP keep the last good policy ----
sleep 0.5
mv "$ETC" "$ETC.saved"
echo "not a directory" >"$ETC"
for i in 1 2 3; do
        if guest_call Reload 2>"$WORK/reload.err"; then fail "Reload of an unreadable policy succeeded"; fi
        grep -q "last good policy" "$WORK/reload.err" || fail "unexpected Reload error: $(cat "$WORK/reload.err")"
        kill -HUP "$GUESTD_PID"
        sleep 0.2
done
N_CHECKS=$((N_CHECKS + 1))
check "policy files kept" [ "$(bus get-property org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager PolicyFiles)" = "$files_before" ]
wait "$load"
udevadm settle --timeout=60
all_tuned() { [ "$(cat /sys/class/net/rl*/mtu | grep -c '^9000$')" = 120 ]; }
check "links hotplugged during the broken reloads got the last good policy" wait_until 30 all_tuned
rm -f "$ETC"
mv "$ETC.saved" "$ETC"

# ---- broken files next to good ones: reported and skipped, the rest loads ----
head -c 4096 /dev/urandom >"$ETC/10-garbage.link"
mkdir "$ETC/20-directory.link"
ln -s /nonexistent/file "$ETC/30-dangling.link"
{ printf '[Link]\nMTU='; head -c $((1 << 20)) /dev/zero | tr '\0' 9; printf '\n'; } >"$ETC/35-huge.link"
printf '[Match]\nName=rl0a\n[Link]\nMTU=7000\n' >"$ETC/40-rl0a.link"
guest_call Reload || fail "Reload with broken files next to good ones failed"
check "the good new file applied" wait_until 10 bash -c '[ "$(cat /sys/class/net/rl0a/mtu)" = 7000 ]'
check "the old policy still applies to the others" [ "$(cat /sys/class/net/rl9b/mtu)" = 9000 ]
warnings=$(bus get-property org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager ConfigWarnings)
echo "warnings: ${warnings:0:400}"
check "the huge line is reported" bash -c "echo '${warnings:0:2000}' | grep -q 35-huge.link"
ip link add rlxa type veth peer rlxb
check "a link added after the broken reload is tuned" wait_until 10 bash -c '[ "$(cat /sys/class/net/rlxa/mtu)" = 9000 ]'
check "daemon alive" kill -0 "$GUESTD_PID"
echo "$N_CHECKS checks passed"
