# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Shell helpers for tests that run the real daemons inside tests/helpers/sandbox.sh: start/stop a
# daemon, read its D-Bus properties, wait for a condition, fail with context. Source it; set
# VNT_BUILD_DIR to the meson build directory first.

set -u -o pipefail

: "${VNT_BUILD_DIR:?VNT_BUILD_DIR must point to the build directory}"
GUESTD=$VNT_BUILD_DIR/guest/vnettune-guestd
HOSTD=$VNT_BUILD_DIR/host/vnettune-hostd
TAP_HOLDER=$VNT_BUILD_DIR/tests/helpers/vnt-tap-holder
WORK=${VNT_SANDBOX_DIR:-/tmp}/work
CONF_ROOT=$WORK/root
STATE_DIR=$WORK/state
GUESTD_LOG=$WORK/guestd.log
GUESTD_PID=
HOSTD_LOG=$WORK/hostd.log
HOSTD_PID=
HOLDER_PIDS=()
N_CHECKS=0

mkdir -p "$WORK" "$CONF_ROOT/etc/vnettune" "$CONF_ROOT/usr/lib/vnettune"

fail() {
        echo "FAIL: $*" >&2
        local log
        for log in "$GUESTD_LOG" "$HOSTD_LOG"; do
                [ -s "$log" ] || continue
                echo "---- last lines of ${log##*/} ----" >&2
                tail -n 40 "$log" >&2
        done
        exit 1
}

check() {               # check DESCRIPTION COMMAND...: the command must succeed
        local what=$1
        shift
        "$@" || fail "$what"
        N_CHECKS=$((N_CHECKS + 1))
}

# wait_until SECONDS COMMAND...: polls every 20 ms.
wait_until() {
        local limit=$1 i
        shift
        for ((i = 0; i < limit * 50; i++)); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.02
        done
        return 1
}

has_text() {            # has_text TEXT EXTENDED-REGEX
        printf '%s\n' "$1" | grep -Eq "$2"
}

bus() {
        busctl --address="$VNT_BUS_ADDRESS" "$@"
}

guest_call() {          # guest_call METHOD [SIGNATURE ARGS...]
        local m=$1
        shift
        bus call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager "$m" "$@"
}

ifindex() {
        cat "/sys/class/net/$1/ifindex"
}

# link_prop IFNAME PROPERTY: the value as busctl prints it, without the type.
link_prop() {
        local path
        path=$(bus_path "$(ifindex "$1")")
        bus get-property org.vnettune.Guest1 "$path" org.vnettune.Guest1.Link "$2" | cut -d' ' -f2-
}

bus_path() {            # object path of ifindex N: sd_bus_path_encode escapes a leading digit as _3N
        local n=$1 out="" i c
        for ((i = 0; i < ${#n}; i++)); do
                c=${n:i:1}
                if ((i == 0)); then out+="_3$c"; else out+=$c; fi
        done
        echo "/org/vnettune/Guest1/link/$out"
}

start_guestd() {        # start_guestd [EXTRA ARGS]: returns when the daemon owns its bus name
        "$GUESTD" --config-root="$CONF_ROOT" --state-dir="$STATE_DIR" --log-target="${GUESTD_LOG_TARGET:-console}" "$@" \
                >>"$GUESTD_LOG" 2>&1 &
        GUESTD_PID=$!
        wait_until 10 guest_call ListLinks || fail "vnettune-guestd did not come up on the bus"
}

host_call() {           # host_call METHOD [SIGNATURE ARGS...]
        local m=$1
        shift
        bus call org.vnettune.Host1 /org/vnettune/Host1 org.vnettune.Host1.Manager "$m" "$@"
}

# hostd needs the proc connector, which serves only the initial network namespace: the sandbox
# must run with --host-pid, which also names that namespace in VNT_SANDBOX_HOST_NETNS.
start_hostd() {         # start_hostd [EXTRA ARGS]: returns when the daemon owns its bus name
        local netns=()
        [ -n "${VNT_SANDBOX_HOST_NETNS:-}" ] && netns=(--proc-events-netns="$VNT_SANDBOX_HOST_NETNS")
        "$HOSTD" --config-root="$CONF_ROOT" --state-dir="$STATE_DIR/host" \
                --log-target="${HOSTD_LOG_TARGET:-console}" "${netns[@]}" "$@" >>"$HOSTD_LOG" 2>&1 &
        HOSTD_PID=$!
        wait_until 10 host_call ListVMs || fail "vnettune-hostd did not come up on the bus"
}

stop_hostd() {
        [ -n "$HOSTD_PID" ] || return 0
        kill -"${1:-TERM}" "$HOSTD_PID" 2>/dev/null
        wait "$HOSTD_PID" 2>/dev/null
        HOSTD_PID=
}

stop_guestd() {         # stop_guestd [SIGNAL]
        [ -n "$GUESTD_PID" ] || return 0
        kill -"${1:-TERM}" "$GUESTD_PID" 2>/dev/null
        wait "$GUESTD_PID" 2>/dev/null
        GUESTD_PID=
}

start_tap_holder() {    # start_tap_holder NAME QUEUES [ARGS...]: returns once the tap is held
        local out=$WORK/holder-$1.out
        : >"$out"
        # A file, not a pipe: the holder reports "queues N" after each SIGUSR1/2 later on.
        "$TAP_HOLDER" "$@" >"$out" &
        HOLDER_PID=$!
        HOLDER_PIDS+=("$HOLDER_PID")
        wait_until 5 grep -qx ready "$out" || fail "tap holder for $1 did not get ready: $(cat "$out")"
}

cleanup() {
        stop_guestd KILL
        stop_hostd KILL
        [ -n "${JOURNALD_PID:-}" ] && kill "$JOURNALD_PID" 2>/dev/null
        for p in "${HOLDER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
        wait 2>/dev/null
}
trap cleanup EXIT

# Requires the sandbox (a private netns with udevd and a bus): re-exec through it otherwise.
require_sandbox() {     # [SANDBOX_ARGS="--host-pid"] require_sandbox "$0" "$@"
        if [ "${VNT_SANDBOX:-0}" != 1 ]; then
                # shellcheck disable=SC2086
                exec bash "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/sandbox.sh" ${SANDBOX_ARGS:-} -- bash "$@"
        fi
}

# A private systemd-journald on the sandbox's own /run, so daemons started with
# --log-target=journal write real journal entries that journalctl (reading /run/log/journal) shows.
JOURNALD_PID=
start_journald() {
        local j
        for j in /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald; do
                [ -x "$j" ] && break
        done
        [ -x "$j" ] || return 77
        [ "${VNT_SANDBOX:-0}" = 1 ] || fail "start_journald only inside the sandbox (it takes over /run/systemd/journal)"
        mkdir -p /run/systemd/journal /run/log/journal
        "$j" >"$WORK/journald.log" 2>&1 &
        JOURNALD_PID=$!
        wait_until 5 test -S /run/systemd/journal/socket || fail "systemd-journald did not start"
}

# ---- vnettunectl, as a user runs it (tests/bus) ----
VNETTUNECTL=$VNT_BUILD_DIR/ctl/vnettunectl

# expect_status STATUS DESCRIPTION COMMAND...: COMMAND must exit with STATUS. Its output is kept in
# $WORK/stdout and $WORK/stderr for further checks.
expect_status() {
        local want=$1 what=$2 rc=0
        shift 2
        "$@" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
        [ "$rc" = "$want" ] || fail "$what: exit status $rc, expected $want; stderr: $(head -c 2000 "$WORK/stderr")"
        N_CHECKS=$((N_CHECKS + 1))
}

# compare_snapshot NAME FILE: FILE must equal tests/bus/expected/NAME. With VNT_UPDATE_SNAPSHOTS=1
# the snapshot is written from FILE first (review the diff before committing it).
compare_snapshot() {
        local expected=$VNT_SRCDIR/tests/bus/expected/$1
        if [ "${VNT_UPDATE_SNAPSHOTS:-0}" = 1 ]; then
                cp "$2" "$expected" || fail "cannot write $expected"
        fi
        [ -f "$expected" ] || fail "no snapshot $expected (VNT_UPDATE_SNAPSHOTS=1 writes it)"
        diff -u "$expected" "$2" >&2 || fail "the output differs from the snapshot $1"
        N_CHECKS=$((N_CHECKS + 1))
}

# check_ctl_json KIND DAEMON [IFINDEX] -- ARGS...: `vnettunectl --json=short ARGS...` must parse and
# equal, value by value, what busctl reads (tests/bus/ctl-json-check.py KIND DAEMON FILE [IFINDEX]).
# The two reads are not atomic and a daemon may change a value in between: up to three tries.
check_ctl_json() {
        local try check_args=()
        while [ "$1" != -- ]; do check_args+=("$1"); shift; done
        shift
        for try in 1 2 3; do
                "$VNETTUNECTL" --json=short "$@" >"$WORK/ctl.json" 2>"$WORK/ctl.err" ||
                        fail "vnettunectl --json=short $*: $(cat "$WORK/ctl.err")"
                if python3 "$VNT_SRCDIR/tests/bus/ctl-json-check.py" "${check_args[0]}" "${check_args[1]}" \
                        "$WORK/ctl.json" "${check_args[@]:2}" >"$WORK/ctl-check.out" 2>&1; then
                        cat "$WORK/ctl-check.out"
                        N_CHECKS=$((N_CHECKS + 1))
                        return 0
                fi
                sleep 1
        done
        fail "vnettunectl --json=short $* differs from busctl: $(cat "$WORK/ctl-check.out")"
}

# ---- helpers of the fault-injection and authorization tests (tests/integration/test-fault-*.sh,
# test-authz.sh, test-bus-abuse.sh) ----

# link_state_dump IFNAME...: one line per link with everything vnettune may change on it (MTU,
# txqueuelen, channel counts, each queue's XPS mask, the managed offloads) and nothing else, the name
# replaced by "-" so two links created alike give the same line.
link_state_dump() {
        local n q ch off xps
        for n in "$@"; do
                ch=$(ethtool -l "$n" 2>/dev/null | sed -n '/Current/,$p' | awk -F: 'NF == 2 { gsub(/[ \t]/, "", $2); printf "%s/", $2 }')
                off=$(ethtool -k "$n" 2>/dev/null | awk -F': ' '/^(tcp-segmentation|generic-segmentation|generic-receive|large-receive)-offload:/ { printf "%s/", $2 }')
                xps=
                for q in /sys/class/net/"$n"/queues/tx-*/xps_cpus; do
                        [ -r "$q" ] || continue
                        xps+="$(basename "$(dirname "$q")")=$(cat "$q" 2>/dev/null || echo '?') "
                done
                echo "- mtu=$(cat "/sys/class/net/$n/mtu") txqlen=$(cat "/sys/class/net/$n/tx_queue_len") ch=$ch off=$off xps=$xps"
        done
}

# links_in_state REGEX STATE: how many links whose name matches REGEX ListLinks shows in STATE.
links_in_state() {
        guest_call ListLinks | grep -oE "\"($1)\" \"$2\"" | wc -l
}

# bus_daemon_pid: the sandbox's dbus-daemon, found by its configuration file and, since with
# --host-pid other sandboxes' processes are visible too, by this sandbox's VNT_SANDBOX_ID.
bus_daemon_pid() {
        local p
        for p in /proc/[0-9]*; do
                if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "--config-file=$VNT_SANDBOX_DIR/dbus/system.conf" &&
                   grep -qz "^VNT_SANDBOX_ID=${VNT_SANDBOX_ID:-}\$" "$p/environ" 2>/dev/null; then
                        echo "${p#/proc/}"
                        return 0
                fi
        done
        return 1
}

# The system python, which an unprivileged user can run (a per-user python of root's may not be).
PYTHON3=$(command -v /usr/bin/python3 || command -v python3)
