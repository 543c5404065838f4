#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs one command in a throwaway network + mount + PID namespace with its own sysfs, /run and /dev,
# a private udevd and a private system-type dbus-daemon; the kernel removes all of it when it ends.
#
# Usage: tests/helpers/sandbox.sh [--no-udev] [--no-dbus] [--host-dev] [--bus-policy FILE]... -- COMMAND [ARG...]
#
# Inside, COMMAND finds (see usage() for the full list):
#   VNT_SANDBOX_DIR          private scratch directory (on the private /run; gone afterwards)
#   DBUS_SYSTEM_BUS_ADDRESS  the private bus (also reachable at /run/dbus/system_bus_socket)
#   VNT_BUS_ADDRESS          the same, for `busctl --address=$VNT_BUS_ADDRESS`
#
# Teardown does not depend on this script surviving: PID 1 of the namespace is the inner half of
# this script, and when it exits (or is killed) the kernel kills every process left inside, and the
# network and mount namespaces, with their devices and mounts, go away with the last process.
#
# Exit status: COMMAND's (128+N when it died of signal N), 77 when the machine lacks something
# (not root, no unshare/udevd/dbus-daemon/ip, namespaces refused), 99 when the sandbox itself could
# not be set up (a daemon failed to start: its log is printed), 128+N when the sandbox got signal N.

set -u -o pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
SRCDIR=$(cd "$(dirname "$SELF")/../.." && pwd)

# Fixed paths are fine: they exist only inside the private mount namespace.
SANDBOX_DIR=/run/vnt-sandbox

EXIT_SKIP=77
EXIT_SETUP=99

use_udev=1
use_dbus=1
host_pid=
outer_pid=
private_dev=1
bus_policies=()

usage() {
        cat <<EOF
Usage: $0 [OPTIONS] -- COMMAND [ARG...]

Runs COMMAND as root in a fresh network, mount and PID namespace with a fresh sysfs on /sys, a
tmpfs on /run (so /run/udev, /run/dbus, /run/vnettune, /run/netns are private), a private /dev,
its own systemd-udevd and a private dbus-daemon configured like Debian's system bus, which
includes \$SRCDIR/dbus/org.vnettune.{Host1,Guest1}.conf when they exist. Everything is torn down
when COMMAND exits or the sandbox is interrupted.

Options:
  --no-udev          do not start udevd (/run/udev stays empty, as on a machine without udev)
  --no-dbus          do not start dbus-daemon (DBUS_SYSTEM_BUS_ADDRESS is unset)
  --host-dev         keep the host's /dev instead of a private one (udevd may then touch it)
  --host-pid         stay in the host's PID namespace (for code that needs the proc connector, which
                     only serves the initial PID and network namespace); teardown then kills what
                     carries this sandbox's VNT_SANDBOX_ID in its environment, and
                     VNT_SANDBOX_HOST_NETNS names the network namespace the sandbox came from
  --bus-policy FILE  also include FILE in the bus configuration (repeatable; must exist)
  -h, --help         show this help

Environment given to COMMAND:
  VNT_SANDBOX=1, VNT_SANDBOX_DIR, VNT_SRCDIR, VNT_SANDBOX_UDEV=0|1, VNT_SANDBOX_DBUS=0|1,
  DBUS_SYSTEM_BUS_ADDRESS and VNT_BUS_ADDRESS (with dbus). NOTIFY_SOCKET, JOURNAL_STREAM,
  DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR and the socket-activation variables are removed.

Environment read:
  VNT_SANDBOX_UDEV_LOG_LEVEL  log level of udevd (default: info)

Exit status: COMMAND's; 77 when a prerequisite is missing; 99 when the sandbox could not be set up.
EOF
}

skip() {
        echo "sandbox: SKIP: $*" >&2
        exit "$EXIT_SKIP"
}

# ---------------------------------------------------------------------------------------------------
# Inner half: PID 1 of the new namespaces.

declare -a daemon_logs=()
cmd_pid=
torn_down=

# Counts the processes of this PID namespace other than ourselves that have not exited yet (zombies
# excluded) into n_live. Builtins only: a subshell or a cat would count itself.
n_live=0
count_live_processes() {
        local p stat state

        n_live=0
        for p in /proc/[0-9]*; do
                [[ ${p#/proc/} == 1 ]] && continue
                { read -r stat <"$p/stat"; } 2>/dev/null || continue
                # The state follows the command name, which is in parentheses and may hold spaces.
                stat=${stat##*) }
                state=${stat%% *}
                [[ $state == Z || $state == X ]] && continue
                n_live=$((n_live + 1))
        done
}

# Asks everything in the namespace to stop, gives it a moment, then leaves the rest to the kernel,
# which SIGKILLs whatever is left when PID 1 exits. Safe to call more than once.
# In the host's PID namespace "-1" would be the whole machine: kill what we started instead, found
# by the marker every process of ours inherits in its environment.
kill_tagged() {
        local sig=$1 p n=0

        for p in /proc/[0-9]*; do
                [[ ${p#/proc/} == "$$" ]] && continue
                if grep -qz "^VNT_SANDBOX_ID=$VNT_SANDBOX_ID\$" "$p/environ" 2>/dev/null; then
                        kill "-$sig" "${p#/proc/}" 2>/dev/null && n=$((n + 1))
                fi
        done
        n_live=$n
}

teardown() {
        local i

        [[ -n $torn_down ]] && return 0
        torn_down=1

        if [[ -n $host_pid ]]; then
                kill_tagged TERM
                for ((i = 0; i < 30 && n_live > 0; i++)); do
                        sleep 0.1
                        kill_tagged 0
                done
                kill_tagged KILL
                return 0
        fi

        # From PID 1 of a PID namespace, -1 means every other process in it. Anywhere else it
        # would mean every process of the machine: never without the PID 1 check.
        (($$ == 1)) || return 0
        kill -TERM -1 2>/dev/null
        for ((i = 0; i < 30; i++)); do
                count_live_processes
                ((n_live == 0)) && break
                sleep 0.1
        done
        kill -KILL -1 2>/dev/null
        return 0
}

print_daemon_logs() {
        local log

        for log in "${daemon_logs[@]}"; do
                [[ -s $log ]] || continue
                echo "sandbox: --- last lines of ${log##*/} ---" >&2
                tail -n 40 "$log" >&2
        done
}

setup_failed() {
        echo "sandbox: $*" >&2
        print_daemon_logs
        teardown
        exit "$EXIT_SETUP"
}

# shellcheck disable=SC2317  # called from traps
on_signal() {
        local sig=$1 num

        num=$(kill -l "$sig")
        trap '' INT TERM HUP
        teardown
        exit $((128 + num))
}

setup_run() {
        mount -t tmpfs -o mode=0755,nosuid,nodev vnt-sandbox-run /run ||
                setup_failed "cannot mount a tmpfs on /run"
        if ! { mkdir -p /run/lock /run/udev /run/vnettune /run/dbus /run/netns /run/user "$SANDBOX_DIR" &&
               chmod 1777 /run/lock && chmod 0755 "$SANDBOX_DIR"; }; then
                setup_failed "cannot populate /run"
        fi
}

# A sysfs mounted from inside the network namespace shows that namespace's devices under
# /sys/class/net. It hides the cgroup mounts below /sys/fs/cgroup, which libsystemd looks at
# (statfs) to decide the cgroup layout, so move those over to the new sysfs.
setup_sys() {
        local keep=$SANDBOX_DIR/.cgroup have_cgroup=

        if mountpoint -q /sys/fs/cgroup 2>/dev/null; then
                mkdir -p "$keep" && mount --rbind /sys/fs/cgroup "$keep" && have_cgroup=1
        fi
        mount -t sysfs -o nosuid,nodev,noexec sysfs /sys || setup_failed "cannot mount sysfs on /sys"
        if [[ -n $have_cgroup ]]; then
                mount --move "$keep" /sys/fs/cgroup || setup_failed "cannot move the cgroup mounts back"
                rmdir "$keep"
        fi
}

# udevd also receives the uevents of devices that are not network devices (block, cpu, module...)
# from the whole machine, and its rules would create symlinks, change permissions and start
# programs for them in /dev. A tmpfs /dev with copies of the few nodes tests need keeps that
# private; the host's ttys stay reachable through a bind of /dev/pts.
setup_dev() {
        local stage=$SANDBOX_DIR/.dev node

        if ! { mkdir -p "$stage" && mount -t tmpfs -o mode=0755,nosuid vnt-sandbox-dev "$stage"; }; then
                setup_failed "cannot mount a tmpfs for /dev"
        fi

        for node in null zero full random urandom tty ptmx kmsg net/tun kvm vhost-net vhost-vsock fuse; do
                [[ -c /dev/$node ]] || continue
                if ! { mkdir -p "$(dirname "$stage/$node")" && cp -a "/dev/$node" "$stage/$node"; }; then
                        setup_failed "cannot copy /dev/$node"
                fi
        done

        if ! { mkdir -p "$stage/pts" "$stage/shm" &&
               mount --rbind /dev/pts "$stage/pts" &&
               mount -t tmpfs -o mode=1777,nosuid,nodev vnt-sandbox-shm "$stage/shm" &&
               ln -s /proc/self/fd "$stage/fd" &&
               ln -s /proc/self/fd/0 "$stage/stdin" &&
               ln -s /proc/self/fd/1 "$stage/stdout" &&
               ln -s /proc/self/fd/2 "$stage/stderr"; }; then
                setup_failed "cannot populate the private /dev"
        fi

        mount --move "$stage" /dev || setup_failed "cannot move the private /dev into place"
        rmdir "$stage"
}

find_udevd() {
        local p

        for p in /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd /usr/libexec/systemd-udevd \
                 /sbin/udevd /usr/sbin/udevd; do
                [[ -x $p ]] && { echo "$p"; return 0; }
        done
        return 1
}

start_udevd() {
        local udevd log=$SANDBOX_DIR/udevd.log pid i

        udevd=$(find_udevd) || setup_failed "systemd-udevd disappeared"
        daemon_logs+=("$log")

        # Not --daemon: this way it stays our child. Logs go to a file, not to the host's kmsg.
        SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=${VNT_SANDBOX_UDEV_LOG_LEVEL:-info} \
                "${guard[@]}" "$udevd" </dev/null >>"$log" 2>&1 &
        pid=$!

        for ((i = 0; i < 100; i++)); do
                udevadm control --ping --timeout=2 >/dev/null 2>&1 && break
                kill -0 "$pid" 2>/dev/null || setup_failed "systemd-udevd exited during startup"
                sleep 0.1
        done
        ((i < 100)) || setup_failed "systemd-udevd did not answer within 10 s"

        # Only lo exists yet; this gives it a udev database entry like every later device.
        udevadm trigger --action=add --subsystem-match=net >>"$log" 2>&1 ||
                setup_failed "udevadm trigger failed"
        udevadm settle --timeout=30 >>"$log" 2>&1 || setup_failed "udevadm settle timed out"
}

xml_escape() {
        local s=$1

        s=${s//&/&amp;}
        s=${s//</&lt;}
        s=${s//>/&gt;}
        s=${s//\"/&quot;}
        printf '%s' "$s"
}

# Debian's system bus policy in our own words: everyone may connect and talk to the bus driver,
# nobody may own a name or send a method call unless a service's policy file opens it, and replies
# and signals flow. Then the project's policy files, exactly as they would be installed.
write_bus_config() {
        local conf=$1 socket=$2 f

        cat >"$conf" <<EOF || return 1
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- Generated by tests/helpers/sandbox.sh: a private bus behaving like Debian's system bus. -->
<busconfig>
  <type>system</type>
  <listen>unix:path=$(xml_escape "$socket")</listen>
  <auth>EXTERNAL</auth>

  <policy context="default">
    <!-- Any uid may connect, root and unprivileged alike. -->
    <allow user="*"/>

    <!-- Closed unless a service's own policy file opens it. -->
    <deny own="*"/>
    <deny send_type="method_call"/>

    <!-- Broadcasts and answers to calls that were allowed. -->
    <allow send_type="signal"/>
    <allow send_type="method_return" send_requested_reply="true"/>
    <allow send_type="error" send_requested_reply="true"/>

    <!-- Receiving is never the problem. -->
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>

    <!-- The bus driver itself, minus its privileged corners. -->
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>
  </policy>

  <!-- root may watch the bus (busctl monitor) and read its statistics. -->
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>
  </policy>

  <include ignore_missing="yes">$(xml_escape "$SRCDIR/dbus/org.vnettune.Host1.conf")</include>
  <include ignore_missing="yes">$(xml_escape "$SRCDIR/dbus/org.vnettune.Guest1.conf")</include>
EOF
        for f in "${bus_policies[@]}"; do
                printf '  <include ignore_missing="no">%s</include>\n' "$(xml_escape "$f")" >>"$conf" || return 1
        done
        echo '</busconfig>' >>"$conf"
}

start_dbus() {
        local dir=$SANDBOX_DIR/dbus log=$SANDBOX_DIR/dbus-daemon.log
        local socket=$SANDBOX_DIR/dbus/system_bus_socket pid i

        daemon_logs+=("$log")
        if ! { mkdir -p "$dir" && chmod 0755 "$dir"; }; then
                setup_failed "cannot create $dir"
        fi
        write_bus_config "$dir/system.conf" "$socket" || setup_failed "cannot write the bus configuration"

        # The address is printed once the socket listens; that is our readiness signal.
        "${guard[@]}" dbus-daemon --config-file="$dir/system.conf" --nofork --nopidfile --nosyslog \
                --print-address=3 3>"$dir/address" </dev/null >>"$log" 2>&1 &
        pid=$!

        for ((i = 0; i < 100; i++)); do
                [[ -s $dir/address && -S $socket ]] && break
                kill -0 "$pid" 2>/dev/null || setup_failed "dbus-daemon exited during startup"
                sleep 0.1
        done
        ((i < 100)) || setup_failed "dbus-daemon did not listen within 10 s"

        # Programs that ignore DBUS_SYSTEM_BUS_ADDRESS (or run with a scrubbed environment, like
        # runuser -l) still land on the private bus.
        ln -sf "$socket" /run/dbus/system_bus_socket || setup_failed "cannot link /run/dbus/system_bus_socket"

        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$socket"
        export VNT_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS
}

inner_main() {
        local rc

        if [[ -z $host_pid ]] && (($$ != 1)); then
                echo "sandbox: --inner is internal: it must run as PID 1 of a new PID namespace" >&2
                exit 2
        fi
        export VNT_SANDBOX_ID=${VNT_SANDBOX_ID:-$$-$RANDOM$RANDOM}
        # With --host-pid nothing kills our daemons if this script is SIGKILLed (no PID namespace
        # to collapse): they get SIGKILL when it dies.
        guard=()
        if [[ -n $host_pid ]] && setpriv --pdeathsig KILL true 2>/dev/null; then
                guard=(setpriv --pdeathsig KILL --)
        fi

        trap 'on_signal INT' INT
        trap 'on_signal TERM' TERM
        trap 'on_signal HUP' HUP

        # The host's service manager, journal and session bus are not reachable from here; a
        # daemon under test must not try to notify or log to them.
        unset NOTIFY_SOCKET JOURNAL_STREAM DBUS_SESSION_BUS_ADDRESS DBUS_SYSTEM_BUS_ADDRESS \
              XDG_RUNTIME_DIR LISTEN_FDS LISTEN_PID LISTEN_FDNAMES WATCHDOG_USEC WATCHDOG_PID \
              INVOCATION_ID MANAGERPID SYSTEMD_EXEC_PID

        setup_run
        setup_sys
        ip link set lo up || setup_failed "cannot bring lo up"
        [[ -n $private_dev ]] && setup_dev

        # With --host-pid, a handle on the network namespace we came from: code that must open a
        # socket there (the proc connector serves only the initial namespace) can setns() to it.
        if [[ -n $host_pid && -n $outer_pid ]]; then
                if touch "$SANDBOX_DIR/host-netns" &&
                   mount --bind "/proc/$outer_pid/ns/net" "$SANDBOX_DIR/host-netns"; then
                        export VNT_SANDBOX_HOST_NETNS=$SANDBOX_DIR/host-netns
                fi
        fi
        export VNT_SANDBOX=1 VNT_SANDBOX_DIR=$SANDBOX_DIR VNT_SRCDIR=$SRCDIR
        export VNT_SANDBOX_UDEV=$use_udev VNT_SANDBOX_DBUS=$use_dbus
        ((use_udev)) && start_udevd
        ((use_dbus)) && start_dbus

        # Started asynchronously so a signal reaches our trap at once. Bash would give an
        # asynchronous command /dev/null as stdin and ignore SIGINT/SIGQUIT in it: undo both, so
        # an interactive COMMAND and tests that send SIGINT behave as in a foreground run.
        env --default-signal=INT,QUIT -- "$@" <&0 &
        cmd_pid=$!

        while :; do
                wait "$cmd_pid"
                rc=$?
                # A trap interrupts wait; the traps exit, so getting here means COMMAND ended.
                kill -0 "$cmd_pid" 2>/dev/null || break
        done

        if ((rc != 0 && rc != EXIT_SKIP)); then
                print_daemon_logs
        fi
        teardown
        exit "$rc"
}

# ---------------------------------------------------------------------------------------------------
# Outer half: checks what is needed, then runs the inner half in new namespaces and forwards
# signals to it.

inner_pid=

# shellcheck disable=SC2317  # called from traps
forward_signal() {
        local sig=$1 child children=()

        # unshare blocks SIGINT/SIGTERM while it waits, so send the signal to its child (the inner half).
        [[ -n $inner_pid ]] || return 0
        { read -r -a children <"/proc/$inner_pid/task/$inner_pid/children"; } 2>/dev/null
        # That file needs CONFIG_PROC_CHILDREN; pgrep (procps) does the same the slow way.
        ((${#children[@]} > 0)) || mapfile -t children < <(pgrep -P "$inner_pid" 2>/dev/null)
        for child in "${children[@]}"; do
                kill "-$sig" "$child" 2>/dev/null
        done
        return 0
}

outer_main() {
        local err rc

        ((EUID == 0)) || skip "needs root (namespaces, mounts, udevd)"
        command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
        command -v ip >/dev/null || skip "ip (iproute2) is not installed"
        env --default-signal=INT true 2>/dev/null || skip "env does not support --default-signal (coreutils >= 8.31)"
        if ((use_udev)); then
                find_udevd >/dev/null || skip "systemd-udevd is not installed (package udev)"
                command -v udevadm >/dev/null || skip "udevadm is not installed (package udev)"
        fi
        if ((use_dbus)); then
                command -v dbus-daemon >/dev/null || skip "dbus-daemon is not installed (package dbus-daemon)"
        fi
        for f in "${bus_policies[@]}"; do
                [[ -r $f ]] || { echo "sandbox: bus policy file $f is not readable" >&2; exit 2; }
        done

        if ! err=$(unshare --net --mount --pid --fork --mount-proc --propagation private true 2>&1); then
                skip "cannot create namespaces: ${err:-unshare failed}"
        fi

        trap 'forward_signal INT' INT
        trap 'forward_signal TERM' TERM
        trap 'forward_signal HUP' HUP

        local -a args=(--inner)
        ((use_udev)) || args+=(--no-udev)
        ((use_dbus)) || args+=(--no-dbus)
        [[ -n $private_dev ]] || args+=(--host-dev)
        [[ -n $host_pid ]] && args+=(--host-pid --outer-pid $$)
        for f in "${bus_policies[@]}"; do
                args+=(--bus-policy "$f")
        done

        # --kill-child: if unshare itself is SIGKILLed, the inner half (PID 1) dies and takes
        # everything with it. env undoes the SIGINT/SIGQUIT ignoring of asynchronous commands.
        local -a ns=(--net --mount --pid --fork --mount-proc --propagation private --kill-child)
        [[ -n $host_pid ]] && ns=(--net --mount --fork --propagation private --kill-child)
        unshare "${ns[@]}" \
                env --default-signal=INT,QUIT "$BASH" "$SELF" "${args[@]}" -- "$@" <&0 &
        inner_pid=$!

        while :; do
                wait "$inner_pid"
                rc=$?
                kill -0 "$inner_pid" 2>/dev/null || break
        done
        exit "$rc"
}

# ---------------------------------------------------------------------------------------------------

inner=
while (($# > 0)); do
        case $1 in
        --inner)        inner=1 ;;
        --no-udev)      use_udev=0 ;;
        --no-dbus)      use_dbus=0 ;;
        --host-dev)     private_dev= ;;
        --host-pid)     host_pid=1 ;;
        --outer-pid)    outer_pid=$2; shift ;;
        --bus-policy)
                (($# >= 2)) || { echo "sandbox: --bus-policy needs a file" >&2; exit 2; }
                bus_policies+=("$(readlink -f "$2")")
                shift ;;
        --bus-policy=*) bus_policies+=("$(readlink -f "${1#*=}")") ;;
        -h|--help)      usage; exit 0 ;;
        --)             shift; break ;;
        *)              echo "sandbox: unknown option '$1' (commands go after --)" >&2; exit 2 ;;
        esac
        shift
done

if (($# == 0)); then
        echo "sandbox: no command given; usage: $0 [OPTIONS] -- COMMAND [ARG...]" >&2
        exit 2
fi

if [[ -n $inner ]]; then
        inner_main "$@"
else
        outer_main "$@"
fi
