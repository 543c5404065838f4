#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault injection: vnettune-guestd is SIGKILLed in the middle of a 500-link hotplug storm, then
# started again. Every link must converge (MTU, channels, XPS of the policy) and Revert must restore
# the true originals of every link, including those changed before the kill: half the links start
# at MTU 1400, half at 1500, and each is compared with a twin created alike in a namespace the
# daemon does not see.
# Usage: test-fault-kill-storm.sh BUILD_DIR   (VNT_STORM_PAIRS: veth pairs, default 250)
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"
command -v ethtool >/dev/null || { echo "SKIP: ethtool missing" >&2; exit 77; }

PAIRS=${VNT_STORM_PAIRS:-250}
N=$((PAIRS * 2))

cat >"$CONF_ROOT/etc/vnettune/50-storm.link" <<'EOC'
[Match]
Name=st*
[Link]
Channels=2
XPS=auto
MTU=9000
EOC

pair_cmd() {            # pair_cmd I: the ip command creating pair I (odd pairs start at MTU 1400)
        local mtu=1500
        (($1 % 2)) && mtu=1400
        echo "link add st${1}a mtu $mtu numtxqueues 4 numrxqueues 4 type veth peer st${1}b mtu $mtu numtxqueues 4 numrxqueues 4"
}

# The originals, from twins in a namespace of their own.
ip netns add twins || fail "cannot create the twins' namespace"
{ pair_cmd 0; pair_cmd 1; } | ip -n twins -batch - || fail "cannot create the twins"
twin_even=$(ip netns exec twins bash -c "$(declare -f link_state_dump); link_state_dump st0a")
twin_odd=$(ip netns exec twins bash -c "$(declare -f link_state_dump); link_state_dump st1a")
ip netns del twins
[[ $twin_even == *mtu=1500* && $twin_odd == *mtu=1400* ]] || fail "twins: '$twin_even' '$twin_odd'"

start_guestd

# The storm: pairs created in batches of 25 while the daemon tunes what it has already seen.
(
        for ((i = 0; i < PAIRS; i++)); do
                pair_cmd "$i"
        done | ip -batch - 2>"$WORK/storm.err"
        echo $? >"$WORK/storm.rc"
) &
storm=$!

# Kill once a fifth of the links is tuned: the rest of the storm, and part of the tuning, are lost.
tuned_at_least() { [ "$(links_in_state 'st[0-9]+[ab]' tuned)" -ge "$1" ]; }
wait_until 120 tuned_at_least $((N / 5)) || fail "not even $((N / 5)) links tuned"
stop_guestd KILL
wait "$storm"
[ "$(cat "$WORK/storm.rc")" = 0 ] || fail "creating the links failed: $(head -3 "$WORK/storm.err")"
n_links=$(ls -d /sys/class/net/st* | wc -l)
check "all $N links exist" [ "$n_links" = "$N" ]
n_9000=$(cat /sys/class/net/st*/mtu | grep -c '^9000$')
echo "killed with $n_9000 of $N links at MTU 9000"
check "the kill came in the middle of the storm" [ "$n_9000" -lt "$N" ]

# Restart: everything converges.
start_guestd
all_tuned() { [ "$(links_in_state 'st[0-9]+[ab]' tuned)" -eq "$N" ]; }
check "all $N links tuned after the restart" wait_until 180 all_tuned
check "every link at MTU 9000" [ "$(cat /sys/class/net/st*/mtu | grep -c '^9000$')" = "$N" ]
for i in 0 1 $((PAIRS / 2)) $((PAIRS - 1)); do
        check "st${i}a: two channels" bash -c "ethtool -l st${i}a | sed -n '/Current/,\$p' | grep -q '^TX:[[:space:]]*2'"
done

# Revert: each link back to what its twin has.
bus --timeout=300 call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Revert i 0 || fail "Revert failed"
wrong=0
for ((i = 0; i < PAIRS; i++)); do
        want=$twin_even
        ((i % 2)) && want=$twin_odd
        for s in a b; do
                got=$(link_state_dump "st$i$s")
                if [ "$got" != "$want" ]; then
                        ((wrong < 5)) && echo "st$i$s after Revert: '$got', original: '$want'" >&2
                        wrong=$((wrong + 1))
                fi
        done
done
check "Revert restored the true originals of all $N links ($wrong differ)" [ "$wrong" = 0 ]
check "no originals left behind" bash -c "[ -z \"\$(ls -A '$STATE_DIR/links' 2>/dev/null)\" ]"
check "daemon alive" kill -0 "$GUESTD_PID"
echo "$N_CHECKS checks passed"
