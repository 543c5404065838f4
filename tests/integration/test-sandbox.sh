#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Self-test of tests/helpers/sandbox.sh and vnt-tap-holder: devices created inside reach a udev
# listener and get initialised by the private udevd, the private bus takes root and unprivileged
# callers with Debian's default policy, and nothing (process, mount, device, directory) outlives it.
#
# Environment: VNT_TAP_HOLDER  path of the built vnt-tap-holder (meson sets it)
#              VNT_SANDBOX_SH  sandbox script (default: ../helpers/sandbox.sh next to this file)

set -u -o pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
SANDBOX=${VNT_SANDBOX_SH:-$(dirname "$SELF")/../helpers/sandbox.sh}
PROBE_NAME=org.vnettune.SandboxProbe

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

skip() {
        echo "SKIP: $*" >&2
        exit 77
}

step() {
        echo "== $*"
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
        local tries=$(($1 * 10))

        shift
        while ((tries-- > 0)); do
                "$@" && return 0
                sleep 0.1
        done
        return 1
}

# ---------------------------------------------------------------------------------------------------
# Inside the sandbox.

current_combined() {
        ethtool -l "$1" 2>/dev/null | awk '/^Current hardware settings/ { cur = 1 } cur && /^Combined:/ { print $2; exit }'
}

monitor_saw() {
        grep -Eq "$2" "$1"
}

# Asks udev to replay lo and looks whether the listener printed it.
lo_change_seen() {
        udevadm trigger --action=change /sys/class/net/lo
        sleep 0.1
        monitor_saw "$1" "change +/devices/virtual/net/lo \(net\)"
}

inside_main() {
        local report=$1 mon line dev n fd holder_pid comm out

        [[ ${VNT_SANDBOX:-} == 1 ]] || fail "VNT_SANDBOX is not set inside the sandbox"
        {
                echo "pidns=$(readlink /proc/self/ns/pid)"
                echo "netns=$(readlink /proc/self/ns/net)"
                echo "dir=$VNT_SANDBOX_DIR"
        } >"$report"

        step "environment"
        [[ -d $VNT_SANDBOX_DIR ]] || fail "VNT_SANDBOX_DIR $VNT_SANDBOX_DIR is not a directory"
        [[ $VNT_BUS_ADDRESS == unix:path=* ]] || fail "VNT_BUS_ADDRESS='$VNT_BUS_ADDRESS'"
        [[ $DBUS_SYSTEM_BUS_ADDRESS == "$VNT_BUS_ADDRESS" ]] || fail "DBUS_SYSTEM_BUS_ADDRESS differs from VNT_BUS_ADDRESS"
        [[ $(readlink /proc/self/ns/net) != "$HOST_NETNS" ]] || fail "still in the host's network namespace"
        out=$(ls /sys/class/net)
        [[ $out == lo ]] || fail "/sys/class/net is not the fresh namespace's: $out"
        ip -o link show lo | grep -q ',UP' || fail "lo is not up"
        [[ -S /run/udev/control ]] || fail "no udevd control socket in /run/udev"
        # The last of stacked mounts is the one on top.
        [[ $(findmnt -n -o SOURCE /run | tail -n 1) == vnt-sandbox-run ]] || fail "/run is not the sandbox's tmpfs"
        [[ $(findmnt -n -o SOURCE /dev | tail -n 1) == vnt-sandbox-dev ]] || fail "/dev is not the sandbox's tmpfs"
        [[ -c /dev/net/tun ]] || fail "/dev/net/tun is missing from the private /dev"
        for comm in systemd-udevd dbus-daemon; do
                n=$(pgrep -x "$comm" | head -n 1)
                [[ -n $n ]] || fail "$comm is not running"
                # The start time (clock ticks since boot) identifies the process from any PID namespace.
                echo "proc=$comm:$(awk '{ print $22 }' "/proc/$n/stat")" >>"$report"
        done

        step "udev events reach a listener inside"
        mon=$VNT_SANDBOX_DIR/monitor.log
        udevadm monitor --udev --subsystem-match=net >"$mon" 2>&1 &
        # Subscribed once it reports a change on lo: only then is it safe to create devices.
        wait_for 10 lo_change_seen "$mon" ||
                fail "udevadm monitor never saw a change event on lo"

        ip link add vnt-va numtxqueues 8 numrxqueues 8 type veth peer name vnt-vb numtxqueues 8 numrxqueues 8 ||
                fail "cannot create an 8-queue veth pair"

        coproc HOLDER { exec "$VNT_TAP_HOLDER" vnt-tap0 4 --vcpus 2 --vhost 1; }
        # shellcheck disable=SC2153  # set by coproc
        holder_pid=$HOLDER_PID
        read -r -t 10 line <&"${HOLDER[0]}" || fail "vnt-tap-holder said nothing"
        [[ $line == ready ]] || fail "vnt-tap-holder said '$line' instead of ready"

        udevadm settle --timeout=30 || fail "udevadm settle timed out"
        for dev in vnt-va vnt-vb vnt-tap0; do
                wait_for 5 monitor_saw "$mon" "add +/devices/virtual/net/$dev \(net\)" ||
                        fail "udevadm monitor --udev did not see the add event of $dev"
                [[ -e /sys/class/net/$dev ]] || fail "$dev is gone: renamed by a udev rule?"
                udevadm info "/sys/class/net/$dev" | grep -q '^E: USEC_INITIALIZED=[0-9]' ||
                        fail "udev did not initialise $dev"
                # 3 = NET_ADDR_SET: the default .link file's MACAddressPolicy=persistent rewrote the MAC.
                echo "   $dev initialised, addr_assign_type=$(cat "/sys/class/net/$dev/addr_assign_type")"
        done
        for dev in vnt-va vnt-vb; do
                n=$(find "/sys/class/net/$dev/queues" -maxdepth 1 -name 'tx-*' | wc -l)
                ((n == 8)) || fail "$dev has $n tx queues instead of 8"
        done

        step "the tap holder looks like a VMM"
        n=$(current_combined vnt-tap0)
        [[ $n == 4 ]] || fail "ethtool -l vnt-tap0 reports combined '$n' instead of 4"
        n=0
        for fd in /proc/"$holder_pid"/fdinfo/*; do
                grep -q "^iff:	vnt-tap0\$" "$fd" 2>/dev/null && n=$((n + 1))
        done
        ((n == 4)) || fail "$n fds of the holder show iff: vnt-tap0 instead of 4"
        out=$(cat /proc/"$holder_pid"/task/*/comm | LC_ALL=C sort | tr '\n' ',')
        [[ $out == "CPU 0/KVM,CPU 1/KVM,vhost-$holder_pid,vnt-tap-holder," ]] || fail "thread names: $out"

        kill -USR1 "$holder_pid"
        read -r -t 10 line <&"${HOLDER[0]}" || fail "no answer to SIGUSR1"
        [[ $line == "queues 3" ]] || fail "after SIGUSR1: '$line'"
        n=$(current_combined vnt-tap0)
        [[ $n == 3 ]] || fail "combined $n after detaching a queue"
        kill -USR2 "$holder_pid"
        read -r -t 10 line <&"${HOLDER[0]}" || fail "no answer to SIGUSR2"
        [[ $line == "queues 4" ]] || fail "after SIGUSR2: '$line'"

        kill -TERM "$holder_pid"
        wait "$holder_pid" || fail "vnt-tap-holder did not exit cleanly on SIGTERM"
        ! ip link show vnt-tap0 >/dev/null 2>&1 || fail "vnt-tap0 outlived its holder"
        wait_for 5 monitor_saw "$mon" "remove +/devices/virtual/net/vnt-tap0 \(net\)" ||
                fail "udevadm monitor did not see vnt-tap0 go"

        step "the private bus takes root and unprivileged callers"
        busctl --address="$VNT_BUS_ADDRESS" call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus GetId >/dev/null || fail "root cannot call the bus driver"
        runuser -u nobody -- busctl --address="$VNT_BUS_ADDRESS" call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus GetId >/dev/null || fail "nobody cannot call the bus driver"
        runuser -u nobody -- env -u DBUS_SYSTEM_BUS_ADDRESS busctl --system call org.freedesktop.DBus \
                /org/freedesktop/DBus org.freedesktop.DBus GetId >/dev/null ||
                fail "nobody cannot reach the bus at the default /run/dbus/system_bus_socket"
        runuser -u nobody -- busctl --address="$VNT_BUS_ADDRESS" list >/dev/null || fail "nobody cannot list names"

        step "the bus policy is Debian's default plus the included files"
        out=$(busctl --address="$VNT_BUS_ADDRESS" call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus RequestName su "$PROBE_NAME" 0 2>&1) ||
                fail "root may not own $PROBE_NAME although the included policy allows it: $out"
        [[ $out == "u 1" ]] || fail "RequestName as root answered '$out'"
        out=$(runuser -u nobody -- busctl --address="$VNT_BUS_ADDRESS" call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus RequestName su "$PROBE_NAME" 0 2>&1) &&
                fail "nobody may own $PROBE_NAME: $out"
        [[ $out == *"ccess denied"* || $out == *AccessDenied* || $out == *"not allowed"* ]] ||
                fail "nobody's RequestName failed, but not with access denied: $out"
        # Outside org.vnettune, so no project policy file can have opened it.
        out=$(busctl --address="$VNT_BUS_ADDRESS" call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus RequestName su org.example.VntSandboxUnopened 0 2>&1) &&
                fail "root may own a name no policy opens: $out"

        echo "inside: all checks passed"
}

# ---------------------------------------------------------------------------------------------------
# Outside: runs the sandbox several ways and checks what is left afterwards.

# Processes still alive in PID namespace $1 (zombies waiting for their parent do not count).
count_in_pidns() {
        local ns=$1 p n=0 stat

        for p in /proc/[0-9]*; do
                [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$ns" ]] || continue
                { read -r stat <"$p/stat"; } 2>/dev/null || continue
                stat=${stat##*) }
                [[ ${stat%% *} == Z ]] && continue
                n=$((n + 1))
        done
        echo "$n"
}

# Is a process with this comm and start time still around?
process_alive() {
        local comm=$1 start=$2 p stat fields

        for p in /proc/[0-9]*; do
                { read -r stat <"$p/stat"; } 2>/dev/null || continue
                [[ $stat == *"($comm) "* ]] || continue
                read -r -a fields <<<"${stat##*) }"
                # After the ") " the state is field 3, so start time (field 22) is index 19.
                [[ ${fields[19]} == "$start" && ${fields[0]} != Z ]] && return 0
        done
        return 1
}

pidns_empty() {
        [[ $(count_in_pidns "$1") == 0 ]]
}

# Checks that the sandbox described by report file $1 left nothing behind.
check_nothing_left() {
        local report=$1 pidns dir line comm start

        pidns=$(sed -n 's/^pidns=//p' "$report")
        dir=$(sed -n 's/^dir=//p' "$report")
        [[ -n $pidns ]] || fail "the sandbox wrote no report"

        wait_for 10 pidns_empty "$pidns" || fail "$(count_in_pidns "$pidns") processes left in $pidns"
        while read -r line; do
                [[ $line == proc=* ]] || continue
                line=${line#proc=}
                comm=${line%%:*}
                start=${line#*:}
                ! process_alive "$comm" "$start" || fail "$comm started by the sandbox is still running"
        done <"$report"
        if [[ -n $dir ]]; then
                [[ ! -e $dir ]] || fail "the sandbox directory $dir exists outside the sandbox"
        fi
        ! grep -q 'vnt-sandbox' /proc/self/mountinfo || fail "a sandbox mount is visible outside"
        for dev in vnt-va vnt-vb vnt-tap0; do
                ! ip link show "$dev" >/dev/null 2>&1 || fail "$dev exists outside the sandbox"
        done
}

# Starts a sandbox in the background whose command records its namespaces and then sleeps; waits
# until it runs. Sets bg_pid.
bg_pid=
start_sleeper() {
        local report=$1 prefix=$2

        rm -f "$report"
        # env: a background job of a script would otherwise start with SIGINT ignored.
        env --default-signal=INT bash "$SANDBOX" -- bash -c \
                "$prefix echo pidns=\$(readlink /proc/self/ns/pid) >$report.tmp; mv $report.tmp $report; sleep 1000" &
        bg_pid=$!
        wait_for 15 test -s "$report" || fail "the background sandbox did not start"
}

outside_main() {
        local work rc sig num t0 report

        ((EUID == 0)) || skip "needs root"
        [[ -n ${VNT_TAP_HOLDER:-} ]] || fail "VNT_TAP_HOLDER is not set (meson sets it to the built vnt-tap-holder)"
        [[ -x $VNT_TAP_HOLDER ]] || fail "VNT_TAP_HOLDER=$VNT_TAP_HOLDER is not executable"
        command -v busctl >/dev/null || skip "busctl is not installed"
        command -v ethtool >/dev/null || skip "ethtool is not installed"
        command -v runuser >/dev/null || skip "runuser is not installed"
        id nobody >/dev/null 2>&1 || skip "there is no user nobody"

        work=$(mktemp -d /tmp/vnt-test-sandbox.XXXXXX) || fail "mktemp"
        # shellcheck disable=SC2064  # expand now: work is local
        trap "rm -rf '$work'" EXIT
        chmod 0755 "$work"
        report=$work/report

        cat >"$work/probe.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root">
    <allow own="$PROBE_NAME"/>
  </policy>
</busconfig>
EOF

        step "full sandbox"
        HOST_NETNS=$(readlink /proc/self/ns/net) VNT_TAP_HOLDER=$(readlink -f "$VNT_TAP_HOLDER") \
                bash "$SANDBOX" --bus-policy "$work/probe.conf" -- bash "$SELF" --inside "$report"
        rc=$?
        ((rc == 77)) && skip "the sandbox cannot run here (see above)"
        ((rc == 0)) || fail "the checks inside the sandbox failed (exit status $rc)"
        check_nothing_left "$report"

        step "exit status of the command is passed on"
        bash "$SANDBOX" -- sh -c 'exit 7' 2>/dev/null
        rc=$?
        ((rc == 7)) || fail "exit 7 came back as $rc"
        bash "$SANDBOX" -- sh -c 'kill -KILL $$' 2>/dev/null
        rc=$?
        ((rc == 137)) || fail "a command killed by SIGKILL came back as $rc"
        bash "$SANDBOX" -- /nonexistent/command 2>/dev/null
        rc=$?
        ((rc == 127)) || fail "a missing command came back as $rc"

        step "--no-udev --no-dbus"
        bash "$SANDBOX" --no-udev --no-dbus -- bash -c \
                '[[ ! -e /run/udev/control && -z ${DBUS_SYSTEM_BUS_ADDRESS:-} && -z ${VNT_BUS_ADDRESS:-} &&
                    $VNT_SANDBOX_UDEV == 0 && $VNT_SANDBOX_DBUS == 0 && -z $(pgrep -x systemd-udevd) ]]' ||
                fail "--no-udev --no-dbus still started something"

        step "processes the command leaves behind are killed"
        bash "$SANDBOX" -- bash -c \
                "setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo pidns=\$(readlink /proc/self/ns/pid) >$report"
        rc=$?
        ((rc == 0)) || fail "exit status $rc"
        check_nothing_left "$report"

        for sig in TERM INT HUP; do
                step "teardown on SIG$sig to the sandbox"
                start_sleeper "$report" ""
                t0=$SECONDS
                kill "-$sig" "$bg_pid"
                wait "$bg_pid"
                rc=$?
                num=$(kill -l "$sig")
                ((rc == 128 + num)) || fail "SIG$sig: exit status $rc instead of $((128 + num))"
                ((SECONDS - t0 <= 10)) || fail "SIG$sig: teardown took $((SECONDS - t0)) s"
                check_nothing_left "$report"
        done

        step "a command that ignores SIGTERM is killed after the grace period"
        start_sleeper "$report" "trap '' TERM;"
        kill -TERM "$bg_pid"
        wait "$bg_pid"
        rc=$?
        ((rc == 143)) || fail "exit status $rc instead of 143"
        check_nothing_left "$report"

        step "SIGKILL to the whole process group (how meson ends a test that timed out)"
        rm -f "$report"
        setsid bash "$SANDBOX" -- bash -c \
                "echo pidns=\$(readlink /proc/self/ns/pid) >$report.tmp; mv $report.tmp $report; sleep 1000" &
        bg_pid=$!
        wait_for 15 test -s "$report" || fail "the background sandbox did not start"
        kill -KILL -- "-$bg_pid"
        { wait "$bg_pid"; } 2>/dev/null
        check_nothing_left "$report"

        echo "all checks passed"
}

if [[ ${1:-} == --inside ]]; then
        inside_main "$2"
else
        outside_main
fi
