#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault injection on the recorded originals under /run (--state-dir) of vnettune-guestd, each case
# with the daemon stopped by SIGKILL in between:
#   corrupt  a link's file is garbage: detected and reported, the daemon starts, tunes the link with
#            fresh originals, and does not overwrite the bytes it could not read;
#   truncated a link's file cut in the middle of a value ("mtu=140" of "mtu=1400"): detected, never
#            restored as if it were a value;
#   sysctl   the sysctl file is garbage: the daemon still starts, reports it, applies its sysctls and
#            keeps the unreadable bytes;
#   reuse    a link deleted while the daemon is down and a new one created with the same ifindex:
#            the new link's originals are its own, Revert does not apply the dead link's values.
# Every case runs and is reported; the test fails if any failed.
# Usage: test-fault-state.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"

FAILED=()
expect() {              # expect DESCRIPTION COMMAND...: records a failure and goes on
        local what=$1
        shift
        if "$@"; then
                N_CHECKS=$((N_CHECKS + 1))
        else
                echo "FAILED: $what" >&2
                FAILED+=("$what")
        fi
}
mtu_is() { [ "$(cat "/sys/class/net/$1/mtu")" = "$2" ]; }
start_or_note() {       # start_or_note: starts guestd; returns 1 (with the reason noted) if it does not come up
        "$GUESTD" --config-root="$CONF_ROOT" --state-dir="$STATE_DIR" --log-target=console >>"$GUESTD_LOG" 2>&1 &
        GUESTD_PID=$!
        wait_until 10 guest_call ListLinks && return 0
        kill -0 "$GUESTD_PID" 2>/dev/null || GUESTD_PID=
        return 1
}

printf '[Match]\nName=sf*\n[Link]\nMTU=9000\n' >"$CONF_ROOT/etc/vnettune/50-state.link"
printf '[Guest]\n[Sysctl]\nnet.core.somaxconn=1234\n' >"$CONF_ROOT/etc/vnettune/guestd.conf"
ip link add sf0 type veth peer sf0p
ip link add sf1 type veth peer sf1p
ip link set sf0 mtu 1400
ip link set sf1 mtu 1400
somaxconn=$(sysctl -n net.core.somaxconn)
start_guestd
wait_until 10 mtu_is sf0 9000 || fail "sf0 not tuned"
wait_until 10 mtu_is sf1 9000 || fail "sf1 not tuned"
i0=$(ifindex sf0)
i1=$(ifindex sf1)
grep -qx "mtu=1400" "$STATE_DIR/links/$i0" && grep -qx "#end" "$STATE_DIR/links/$i0" ||
        fail "unexpected record: $(cat "$STATE_DIR/links/$i0")"
stop_guestd KILL

# ---- corrupt and truncated link files, corrupt sysctl file ----
garbage=$'\x01\x02 this is not a record\n=\n'
printf '%s' "$garbage" >"$STATE_DIR/links/$i0"
printf 'mtu=140' >"$STATE_DIR/links/$i1"
printf 'garbage without a separator\n' >"$STATE_DIR/sysctl"
ip link set sf0 mtu 1400        # changed back while the daemon was down: it must record afresh
sysctl -q -w net.core.somaxconn="$somaxconn"
: >"$GUESTD_LOG"
if start_or_note; then
        expect "sysctl: the daemon starts with a corrupt sysctl file" true
else
        expect "sysctl: the daemon starts with a corrupt sysctl file ($(tail -n 1 "$GUESTD_LOG"))" false
        # The rest needs a running daemon: let it start from here on.
        mv "$STATE_DIR/sysctl" "$WORK/sysctl.moved-by-test"
        start_guestd
fi
expect "corrupt: reported with the file name" grep -q "links/$i0" "$GUESTD_LOG"
expect "truncated: reported with the file name" grep -q "links/$i1" "$GUESTD_LOG"
expect "corrupt: the link is tuned all the same" wait_until 10 mtu_is sf0 9000
expect "corrupt: the unreadable bytes are kept, not overwritten" \
        bash -c "grep -rqF 'this is not a record' '$STATE_DIR'"
[ -f "$WORK/sysctl.moved-by-test" ] ||
        expect "sysctl: the unreadable bytes are kept" bash -c "grep -rqF 'garbage without a separator' '$STATE_DIR'"
[ -f "$WORK/sysctl.moved-by-test" ] ||
        expect "sysctl: the sysctls are applied" [ "$(sysctl -n net.core.somaxconn)" = 1234 ]
guest_call Revert i "$i1" >/dev/null 2>&1
expect "truncated: Revert does not restore the cut value 140" bash -c "[ \"\$(cat /sys/class/net/sf1/mtu)\" != 140 ]"
stop_guestd KILL

# ---- an ifindex reused while the daemon is down ----
ip link add sf2 index 4000 type veth peer sf2p index 4001
ip link set sf2 mtu 1400
start_guestd
wait_until 10 mtu_is sf2 9000 || fail "sf2 not tuned"
stop_guestd KILL
ip link del sf2
ip link add sf3 index 4000 type veth peer sf3p index 4001
ip link set sf3 mtu 1280
start_guestd
expect "reuse: the new link is tuned" wait_until 10 mtu_is sf3 9000
guest_call Revert i 4000 >/dev/null 2>&1
expect "reuse: Revert restores the new link's own original (1280, not the dead link's 1400)" mtu_is sf3 1280

if [ ${#FAILED[@]} -gt 0 ]; then
        fail "${#FAILED[@]} of $((${#FAILED[@]} + N_CHECKS)) state checks failed: $(printf '[%s] ' "${FAILED[@]}")"
fi
echo "$N_CHECKS checks passed"
