#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The benchmarks of vnettune (hotplug storms, boot enumeration, idle cost, syscalls per link, the
# host's VM storm), each against baselines measured in the same run on the same machine: the tuning
# guides' shell recipe, systemd-udevd applying a .link file, and udevd alone. Prints figures and
# ratios and writes docs/benchmarks.md. Asserts nothing, but stops with "MEASUREMENT FAILED" when a
# figure could not be measured (a link never reached its target, a monitor overran, a daemon died).
#
#     sudo bash tests/bench/run-bench.sh
#
# Options:
#   --build-dir DIR    meson build directory (default $VNT_BUILD_DIR or build-bench; created as
#                      buildtype=debugoptimized when missing)
#   --section NAME     all (default), guest-storm, guest-boot, guest-idle, guest-syscalls, host-storm
#   --sizes "N..."     storm sizes (default "1 100 400 1000")
#   --idle-seconds S   length of the idle measurement (default 60)
#   --output FILE      where to write the report (default docs/benchmarks.md; only with --section all)
#   --artifacts DIR    copy per-link rows, daemon logs and the strace summary to DIR at the end
#   --no-doc           print the figures only
#   --no-build         do not run meson/ninja        --no-install   do not run install-deps.sh
set -u -o pipefail
SELF=$(readlink -f "$0")
SRC=$(cd "$(dirname "$SELF")/../.." && pwd)

build_dir=${VNT_BUILD_DIR:-$SRC/build-bench}
section=all
sizes="1 100 400 1000"
idle_seconds=60
output=$SRC/docs/benchmarks.md
write_doc=1
artifacts=
do_build=1
do_install=1
inside=0
while (($# > 0)); do
        case $1 in
        --build-dir)    build_dir=$(readlink -f "$2"); shift ;;
        --section)      section=$2; shift ;;
        --sizes)        sizes=$2; shift ;;
        --idle-seconds) idle_seconds=$2; shift ;;
        --output)       output=$(readlink -f "$2"); shift ;;
        --artifacts)    artifacts=$(readlink -f "$2"); shift ;;
        --no-doc)       write_doc=0 ;;
        --no-build)     do_build=0 ;;
        --no-install)   do_install=0 ;;
        --inside)       inside=1 ;;
        -h|--help)      sed -n '3,20p' "$SELF" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *)              echo "run-bench: unknown argument $1" >&2; exit 2 ;;
        esac
        shift
done
case $section in
all|guest-storm|guest-boot|guest-idle|guest-syscalls|host-storm) ;;
*) echo "run-bench: unknown section $section" >&2; exit 2 ;;
esac
[ "$section" = all ] || write_doc=0

# ---------------------------------------------------------------------------------------------------
# Outside the sandbox: dependencies, build, then re-run ourselves inside a sandbox.

if ((!inside)); then
        if [ "$(id -u)" != 0 ]; then
                echo "run-bench: SKIP: needs root (namespaces, udevd, tuning links)" >&2
                exit 77
        fi
        if ((do_install)); then
                bash "$SRC/tests/helpers/install-deps.sh" strace || exit 1
        fi
        if ((do_build)); then
                if [ ! -f "$build_dir/build.ninja" ]; then
                        meson setup "$build_dir" "$SRC" --buildtype=debugoptimized >/dev/null || exit 1
                fi
                ninja -C "$build_dir" guest/vnettune-guestd host/vnettune-hostd tests/helpers/vnt-tap-holder \
                        tests/bench/vnt-bench-watch tests/bench/vnt-bench-floor tests/bench/vnt-bench-notify tests/bench/vnt-bench-taps \
                        tests/bench/vnt-bench-stamp >/dev/null || exit 1
        fi
        args=(--inside --build-dir "$build_dir" --section "$section" --sizes "$sizes"
              --idle-seconds "$idle_seconds" --output "$output")
        ((write_doc)) || args+=(--no-doc)
        [ -n "$artifacts" ] && args+=(--artifacts "$artifacts")
        # --host-pid: vnettune-hostd follows processes through the proc connector, which serves
        # only the host's PID namespace; the network namespace, /run, /sys and udevd stay private.
        exec bash "$SRC/tests/helpers/sandbox.sh" --host-pid -- bash "$SELF" "${args[@]}"
fi

# ---------------------------------------------------------------------------------------------------
# Inside the sandbox.

export VNT_BUILD_DIR=$build_dir
# shellcheck source=../helpers/lib.sh
source "$SRC/tests/helpers/lib.sh"

BENCH=$VNT_BUILD_DIR/tests/bench
WATCH=$BENCH/vnt-bench-watch
FLOOR=$BENCH/vnt-bench-floor
NOTIFY=$BENCH/vnt-bench-notify
TAPS=$BENCH/vnt-bench-taps
STAMP=$BENCH/vnt-bench-stamp
RECIPE=$SRC/tests/bench/shell-recipe.sh
for b in "$GUESTD" "$HOSTD" "$TAP_HOLDER" "$WATCH" "$FLOOR" "$NOTIFY" "$TAPS" "$STAMP"; do
        [ -x "$b" ] || { echo "run-bench: $b is not built" >&2; exit 1; }
done

MTU=9000                # target MTU of every link
CHANNELS=4              # target rx/tx channels of the 8-queue veths (a change: they start at 8)
VETH_QUEUES=8
TAP_QUEUES=4
BOOT_SIZES="256 400"
BOOT_RUNS=5
SHELL_RUNS=3
STORM_RUNS=3
HOST_VMS=100
PEER_NS=vntbench-peer   # the veths' other ends live there: only the measured end is in our namespace
CLK_TCK=$(getconf CLK_TCK)
# The daemons run with the scheduling priority their units give them (Nice=, default 0).
unit_nice() { local v; v=$(sed -n 's/^Nice=\(-\{0,1\}[0-9]*\)$/\1/p' "$SRC/units/$1.service.in" 2>/dev/null | tail -n 1); echo "${v:-0}"; }
GUESTD_NICE=$(unit_nice vnettune-guestd)
HOSTD_NICE=$(unit_nice vnettune-hostd)
NCPU=$(nproc)

declare -A R=()         # every figure, by key
T0_WALL=$(date +%s)

save_artifacts() {
        [ -n "$artifacts" ] || return 0
        mkdir -p "$artifacts" && cp -f "$WORK"/*.tsv "$WORK"/*.log "$WORK"/*.txt "$WORK"/*.stamped "$artifacts"/ 2>/dev/null
        return 0
}

die() {
        echo "run-bench: MEASUREMENT FAILED: $*" >&2
        save_artifacts
        exit 1
}
note() { printf '%s\n' "$*" >&2; }
say() { printf '\n== %s ==\n' "$*" >&2; }

# get OUTPUT KEY: the value of KEY= in a helper's key=value output
get() {
        local v
        v=$(sed -n "s/^$2=//p" <<<"$1" | tail -n 1)
        [ -n "$v" ] || die "no $2 in the measurement output"
        printf '%s' "$v"
}

OBSERVER=fifo
observer() {            # observer OUTPUT: note when vnt-bench-watch could not run SCHED_FIFO
        grep -q '^observer=normal' <<<"$1" && OBSERVER=normal
        return 0
}

put() {                 # put KEY VALUE: record a figure and show it
        [ -n "$2" ] || die "no figure for $1"
        R[$1]=$2
        printf '  %-44s %s\n' "$1" "$2" >&2
}

# Arithmetic on decimals without a subshell per figure is not worth it here: awk.
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# ---- CPU and memory accounting ---------------------------------------------------------------------

# On-CPU nanoseconds of every thread of PID (schedstat), plus what its reaped children used (ticks).
proc_cpu_ns() {
        local pid=$1 t a total=0 stat f
        for t in /proc/"$pid"/task/*/schedstat; do
                { read -r a _ <"$t"; } 2>/dev/null || continue
                total=$((total + a))
        done
        { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || { echo 0; return; }
        stat=${stat##*) }
        read -r -a f <<<"$stat"
        # After "(comm) ": index 0 is field 3 (state); cutime and cstime are fields 16 and 17.
        total=$((total + (f[13] + f[14]) * 1000000000 / CLK_TCK))
        echo "$total"
}

# udevd and its live workers (reaped workers are in udevd's own children figures).
udevd_cpu_ns() {
        local total c children=()
        total=$(proc_cpu_ns "$UDEVD_PID")
        { read -r -a children <"/proc/$UDEVD_PID/task/$UDEVD_PID/children"; } 2>/dev/null
        for c in "${children[@]}"; do
                total=$((total + $(proc_cpu_ns "$c")))
        done
        echo "$total"
}

ctxt_switches() {       # voluntary + involuntary context switches of every thread of PID
        awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ { n += $2 } END { print n + 0 }' /proc/"$1"/task/*/status
}

status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# The sandbox's own udevd: the one in our network namespace (--host-pid shows everybody's).
find_udevd() {
        local p ns
        ns=$(readlink /proc/self/ns/net)
        for p in $(pgrep -x systemd-udevd); do
                [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$ns" ] && { echo "$p"; return 0; }
        done
        return 1
}
UDEVD_PID=$(find_udevd) || die "cannot find the sandbox's systemd-udevd"

# ---- links ---------------------------------------------------------------------------------------

links_with_prefix() { local n=0 d; for d in /sys/class/net/"$1"*; do [ -e "$d" ] && n=$((n + 1)); done; echo "$n"; }

settle() { udevadm settle --timeout=120 || die "udevadm settle timed out"; }

# The command that creates N links of KIND (veth: 8-queue pairs whose peers go to $PEER_NS; tap:
# N taps with 4 queues held by one process) named PREFIX0..N-1, as an argv in CREATE.
veth_batch() {
        local n=$1 prefix=$2 i
        for ((i = 0; i < n; i++)); do
                echo "link add $prefix$i numtxqueues $VETH_QUEUES numrxqueues $VETH_QUEUES type veth" \
                     "peer name pp$i netns $PEER_NS numtxqueues $VETH_QUEUES numrxqueues $VETH_QUEUES"
        done >"$WORK/veth-$n.batch"
}
create_cmd() {          # create_cmd KIND N PREFIX: sets CREATE
        case $1 in
        veth)
                ip netns add "$PEER_NS" 2>/dev/null
                veth_batch "$2" "$3"
                CREATE=(ip -batch "$WORK/veth-$2.batch") ;;
        tap)
                CREATE=("$TAPS" --prefix "$3" --count "$2" --queues "$TAP_QUEUES" --pid-file "$WORK/taps.pid") ;;
        esac
}
destroy_links() {       # destroy_links KIND PREFIX
        local i
        case $1 in
        veth) ip netns del "$PEER_NS" 2>/dev/null ;;
        tap) [ -s "$WORK/taps.pid" ] && kill "$(cat "$WORK/taps.pid")" 2>/dev/null; rm -f "$WORK/taps.pid" ;;
        esac
        for ((i = 0; i < 600; i++)); do
                (($(links_with_prefix "$2") == 0)) && break
                sleep 0.05
        done
        (($(links_with_prefix "$2") == 0)) || die "links $2* did not go away"
        settle
}
create_links() {        # create_links KIND N PREFIX: outside any measurement
        create_cmd "$@"
        "${CREATE[@]}" >/dev/null || die "cannot create $2 $1 links"
        settle
        (($(links_with_prefix "$3") == $2)) || die "expected $2 links $3*"
}
kind_channels() { [ "$1" = veth ] && echo "$CHANNELS" || echo 0; }
kind_prefix() { [ "$1" = veth ] && echo vb || echo vt; }

# ---- vnettune-guestd -----------------------------------------------------------------------------

write_guest_policy() {  # write_guest_policy REVERT_ON_STOP
        rm -rf "${CONF_ROOT:?}/etc/vnettune" && mkdir -p "$CONF_ROOT/etc/vnettune"
        printf '[Guest]\nApplySysctls=no\nRevertOnStop=%s\n' "$1" >"$CONF_ROOT/etc/vnettune/guestd.conf"
        printf '[Match]\nDriver=veth\n[Link]\nChannels=%s\nXPS=auto\nMTU=%s\n' "$CHANNELS" "$MTU" \
                >"$CONF_ROOT/etc/vnettune/50-bench-veth.link"
        printf '[Match]\nDriver=tun\n[Link]\nXPS=auto\nMTU=%s\n' "$MTU" >"$CONF_ROOT/etc/vnettune/60-bench-tap.link"
}

NOTIFY_PID=
NOTIFY_OUT=
guestd_start() {        # guestd_start LOG: starts the daemon under vnt-bench-notify; sets GUESTD_PID, READY_MS
        local log=$1 i
        NOTIFY_OUT=$WORK/notify.out
        : >"$NOTIFY_OUT"
        rm -rf "$STATE_DIR"
        "$NOTIFY" --timeout 60 --nice "$GUESTD_NICE" -- "$GUESTD" --config-root="$CONF_ROOT" --state-dir="$STATE_DIR" \
                --log-target=console >"$NOTIFY_OUT" 2>"$log" &
        NOTIFY_PID=$!
        for ((i = 0; i < 3000; i++)); do
                grep -q '^pid=' "$NOTIFY_OUT" && break
                kill -0 "$NOTIFY_PID" 2>/dev/null || break
                sleep 0.02
        done
        grep -q '^pid=' "$NOTIFY_OUT" || { tail -n 20 "$log" >&2; die "vnettune-guestd did not get ready"; }
        GUESTD_PID=$(get "$(cat "$NOTIFY_OUT")" pid)
        READY_MS=$(get "$(cat "$NOTIFY_OUT")" ready_ms)
}
guestd_stop() {
        [ -n "$GUESTD_PID" ] && kill -TERM "$GUESTD_PID" 2>/dev/null
        [ -n "$NOTIFY_PID" ] && wait "$NOTIFY_PID" 2>/dev/null
        GUESTD_PID= NOTIFY_PID=
}

# Nearest-rank p50, p99 and max of the daemon's own "NAME: tuned X ms after udev initialised it."
self_reported() {       # self_reported LOG PREFIX: prints "p50 p99 max n"
        grep -o "^$2[0-9]*: tuned [0-9.]* ms after udev" "$1" | awk '{ print $3 }' | sort -g |
                awk '{ v[NR] = $1 } END {
                        if (NR == 0) { print "n/a n/a n/a 0"; exit }
                        r50 = int(0.5 * NR + 0.999999); r99 = int(0.99 * NR + 0.999999)
                        printf "%.1f %.1f %.1f %d\n", v[r50], v[r99], v[NR], NR }'
}

# ---- systemd-udevd applying a .link file ---------------------------------------------------------

# The distribution's 99-default.link with our [Match] and the same channels and MTU as the others:
# so the only difference to "udevd alone" is the tuning. /run is the sandbox's own.
udev_link_install() {   # udev_link_install KIND PREFIX
        local f=/run/systemd/network/10-vnt-bench.link
        mkdir -p /run/systemd/network
        {
                printf '[Match]\nOriginalName=%s*\n\n[Link]\n' "$2"
                sed -n '/^\[Link\]/,/^\[/{/^[A-Za-z]/p}' /usr/lib/systemd/network/99-default.link 2>/dev/null
                printf 'MTUBytes=%s\n' "$MTU"
                [ "$1" = veth ] && printf 'RxChannels=%s\nTxChannels=%s\n' "$CHANNELS" "$CHANNELS"
        } >"$f"
        udevadm control --reload || die "udevadm control --reload failed"
}
udev_link_remove() {
        rm -f /run/systemd/network/10-vnt-bench.link
        udevadm control --reload || die "udevadm control --reload failed"
}

# ===================================================================================================
# Section: hotplug storms

storm_one() {           # storm_one KIND N RUN: one run of every storm; figures under storm.KIND.N.rRUN.*
        local kind=$1 n=$2 prefix ch out c0 c1 u0 u1 k=$1.$2.r$3 sr
        prefix=$(kind_prefix "$kind")
        ch=$(kind_channels "$kind")
        local targets=(--mtu "$MTU")
        ((ch > 0)) && targets+=(--channels "$ch")

        say "storm: $n $kind links (run $(($3 + 1)) of $STORM_RUNS)"
        # udevd alone (no tuning), then the shell recipe on those same links.
        create_cmd "$kind" "$n" "$prefix"
        u0=$(udevd_cpu_ns)
        out=$("$WATCH" --prefix "$prefix" --count "$n" --settle -- "${CREATE[@]}") || die "udevd-alone storm ($k)"
        observer "$out"
        u1=$(udevd_cpu_ns)
        put "storm.$k.udevd.total_ms" "$(get "$out" total_ms)"
        put "storm.$k.udevd.settle_ms" "$(get "$out" settle_ms)"
        put "storm.$k.udevd.cpu_ms" "$(calc "($u1 - $u0) / 1e6" 1)"

        out=$("$WATCH" --existing --prefix "$prefix" --count "$n" "${targets[@]}" --verify-xps -- \
                bash "$RECIPE" "$prefix" "$n" "$ch" "$MTU") || die "shell recipe ($k)"
        put "storm.$k.shell.total_ms" "$(get "$out" total_ms)"
        put "storm.$k.shell.cpu_ms" "$(get "$out" command_cpu_ms)"
        settle
        destroy_links "$kind" "$prefix"

        # systemd-udevd applying a .link file with the same channels and MTU (it cannot do XPS).
        udev_link_install "$kind" "$prefix"
        create_cmd "$kind" "$n" "$prefix"
        u0=$(udevd_cpu_ns)
        out=$("$WATCH" --prefix "$prefix" --count "$n" "${targets[@]}" --settle -- "${CREATE[@]}") ||
                die "udevd .link storm ($k)"
        observer "$out"
        u1=$(udevd_cpu_ns)
        put "storm.$k.udevlink.total_ms" "$(get "$out" total_ms)"
        put "storm.$k.udevlink.settle_ms" "$(get "$out" settle_ms)"
        put "storm.$k.udevlink.cpu_ms" "$(calc "($u1 - $u0) / 1e6" 1)"
        udev_link_remove
        destroy_links "$kind" "$prefix"

        # vnettune-guestd, running before the storm.
        write_guest_policy no
        guestd_start "$WORK/guestd-storm-$k.log"
        create_cmd "$kind" "$n" "$prefix"
        c0=$(proc_cpu_ns "$GUESTD_PID")
        u0=$(udevd_cpu_ns)
        out=$("$WATCH" --prefix "$prefix" --count "$n" "${targets[@]}" --verify-xps --settle \
                --rows "$WORK/rows-$k.tsv" -- "${CREATE[@]}") || die "vnettune storm ($k)"
        observer "$out"
        c1=$(proc_cpu_ns "$GUESTD_PID")
        u1=$(udevd_cpu_ns)
        kill -0 "$GUESTD_PID" 2>/dev/null || die "vnettune-guestd died during the storm"
        put "storm.$k.vnt.total_ms" "$(get "$out" total_ms)"
        put "storm.$k.vnt.settle_ms" "$(get "$out" settle_ms)"
        put "storm.$k.vnt.announced_last_ms" "$(get "$out" announced_last_ms)"
        put "storm.$k.vnt.last_after_last_announce_ms" "$(get "$out" last_tuned_after_last_announced_ms)"
        put "storm.$k.vnt.after_announce_p50_ms" "$(get "$out" after_announce_p50_ms)"
        put "storm.$k.vnt.after_announce_p99_ms" "$(get "$out" after_announce_p99_ms)"
        put "storm.$k.vnt.after_announce_max_ms" "$(get "$out" after_announce_max_ms)"
        put "storm.$k.vnt.after_init_p50_ms" "$(get "$out" after_init_p50_ms)"
        put "storm.$k.vnt.after_init_p99_ms" "$(get "$out" after_init_p99_ms)"
        put "storm.$k.vnt.cpu_ms" "$(calc "($c1 - $c0) / 1e6" 1)"
        put "storm.$k.vnt.udevd_cpu_ms" "$(calc "($u1 - $u0) / 1e6" 1)"
        read -r -a sr < <(self_reported "$WORK/guestd-storm-$k.log" "$prefix")
        ((sr[3] == n)) || die "vnettune-guestd logged $((sr[3])) of $n 'tuned ... after udev' lines ($k)"
        put "storm.$k.vnt.self_p50_ms" "${sr[0]}"
        put "storm.$k.vnt.self_p99_ms" "${sr[1]}"
        guestd_stop
        destroy_links "$kind" "$prefix"
}

# Storms are short and a single one is at the mercy of whatever else the machine does: each is run
# STORM_RUNS times and every figure is the median of the runs (min and max kept for the latency).
section_storm() {
        local kind n run key all f
        for kind in veth tap; do
                for n in $sizes; do
                        for ((run = 0; run < STORM_RUNS; run++)); do
                                storm_one "$kind" "$n" "$run"
                        done
                        for key in "${!R[@]}"; do
                                [[ $key == storm.$kind.$n.r0.* ]] || continue
                                f=${key#storm.$kind.$n.r0.}
                                all=
                                for ((run = 0; run < STORM_RUNS; run++)); do
                                        all+=" ${R[storm.$kind.$n.r$run.$f]}"
                                done
                                R[storm.$kind.$n.$f]=$(median <<<"$all")
                                [ "$f" = vnt.last_after_last_announce_ms ] &&
                                        R[storm.$kind.$n.$f.minmax]=$(minmax <<<"$all")
                        done
                        note "  storm $kind $n: medians of $STORM_RUNS runs, last tuned after last announced:" \
                                "${R[storm.$kind.$n.vnt.last_after_last_announce_ms]} ms" \
                                "(${R[storm.$kind.$n.vnt.last_after_last_announce_ms.minmax]})"
                done
        done
}

# ===================================================================================================
# Section: boot enumeration (links present before the daemon starts; exec to READY=1)

median() { tr ' ' '\n' | sort -g | awk 'NF { v[++n] = $1 } END { print v[int((n + 1) / 2)] }'; }
minmax() { tr ' ' '\n' | sort -g | awk 'NF { v[++n] = $1 } END { print v[1], v[n] }'; }

# boot_shell_runs N [--as-written]: the shell recipe on the N existing links, SHELL_RUNS times (the
# links put back in between); prints the median time.
boot_shell_runs() {
        local n=$1 run out all=
        shift
        for ((run = 0; run < SHELL_RUNS; run++)); do
                out=$("$WATCH" --existing --prefix vb --count "$n" --mtu "$MTU" --channels "$CHANNELS" \
                        --verify-xps -- bash "$RECIPE" "$@" vb "$n" "$CHANNELS" "$MTU") ||
                        die "shell recipe $* (boot, $n links)"
                all+=" $(get "$out" total_ms)"
                "$FLOOR" --prefix vb --count "$n" --channels "$VETH_QUEUES" --mtu 1500 >/dev/null ||
                        die "floor, putting back ($n links)"
                settle
        done
        median <<<"$all"
}

section_boot() {
        local n run out all mm
        write_guest_policy yes

        say "boot: no links (the fixed cost of starting)"
        all=
        for ((run = 0; run < BOOT_RUNS; run++)); do
                guestd_start "$WORK/guestd-boot-0.log"
                all+=" $READY_MS"
                guestd_stop
        done
        put "boot.0.ready_ms" "$(median <<<"$all")"

        for n in $BOOT_SIZES; do
                say "boot: $n veth links present before the start"
                create_links veth "$n" vb
                all=
                for ((run = 0; run < BOOT_RUNS; run++)); do
                        guestd_start "$WORK/guestd-boot-$n.log"
                        all+=" $READY_MS"
                        # Everything must be tuned when READY=1 was sent.
                        "$WATCH" --verify-only --prefix vb --count "$n" --mtu "$MTU" --channels "$CHANNELS" \
                                --verify-xps >/dev/null || die "links not tuned at READY=1 (boot, $n links)"
                        guestd_stop
                        # RevertOnStop=yes put the originals back: the next run starts from scratch.
                        "$WATCH" --verify-only --prefix vb --count "$n" --mtu 1500 --channels "$VETH_QUEUES" \
                                >/dev/null || die "the revert on stop left links tuned ($n links)"
                        settle
                done
                put "boot.$n.ready_ms" "$(median <<<"$all")"
                read -r -a mm < <(minmax <<<"$all")
                put "boot.$n.ready_min_ms" "${mm[0]}"
                put "boot.$n.ready_max_ms" "${mm[1]}"
                # The floor: nothing but the required kernel operations; put back (channels, MTU) after
                # each run by the same program. It leaves XPS masks behind, which changes nothing below.
                all=
                local cpu=
                for ((run = 0; run < BOOT_RUNS; run++)); do
                        out=$("$FLOOR" --prefix vb --count "$n" --channels "$CHANNELS" --mtu "$MTU") ||
                                die "floor ($n links)"
                        "$WATCH" --verify-only --prefix vb --count "$n" --mtu "$MTU" --channels "$CHANNELS" \
                                --verify-xps >/dev/null || die "the floor program left links untuned ($n links)"
                        all+=" $(get "$out" total_ms)"
                        cpu+=" $(calc "$(get "$out" cpu_user_ms) + $(get "$out" cpu_sys_ms)" 1)"
                        "$FLOOR" --prefix vb --count "$n" --channels "$VETH_QUEUES" --mtu 1500 >/dev/null ||
                                die "floor, putting back ($n links)"
                        settle
                done
                put "boot.$n.floor_ms" "$(median <<<"$all")"
                put "boot.$n.floor_cpu_ms" "$(median <<<"$cpu")"
                out=$(boot_shell_runs "$n") || exit 1
                put "boot.$n.shell_ms" "$out"
                # The guide's XPS line as written: `printf | tee` per queue.
                out=$(boot_shell_runs "$n" --as-written) || exit 1
                put "boot.$n.shell_tee_ms" "$out"
                destroy_links veth vb
        done
}

# ===================================================================================================
# Section: idle cost with 256 managed links

section_idle() {
        local n=256 c0 c1 s0 s1
        say "idle: $n managed links, $idle_seconds s"
        write_guest_policy no
        create_links veth "$n" vb
        guestd_start "$WORK/guestd-idle.log"
        "$WATCH" --verify-only --prefix vb --count "$n" --mtu "$MTU" --channels "$CHANNELS" --verify-xps \
                >/dev/null || die "links not tuned (idle)"
        settle
        sleep 2
        s0=$(ctxt_switches "$GUESTD_PID")
        c0=$(proc_cpu_ns "$GUESTD_PID")
        sleep "$idle_seconds"
        s1=$(ctxt_switches "$GUESTD_PID")
        c1=$(proc_cpu_ns "$GUESTD_PID")
        kill -0 "$GUESTD_PID" 2>/dev/null || die "vnettune-guestd died while idle"
        put "idle.seconds" "$idle_seconds"
        put "idle.wakeups" "$((s1 - s0))"
        put "idle.cpu_ms" "$(calc "($c1 - $c0) / 1e6" 3)"
        put "idle.rss_kib" "$(status_kib "$GUESTD_PID" VmRSS)"
        put "idle.rss_anon_kib" "$(status_kib "$GUESTD_PID" RssAnon)"
        put "idle.rss_file_kib" "$(status_kib "$GUESTD_PID" RssFile)"
        put "idle.hwm_kib" "$(status_kib "$GUESTD_PID" VmHWM)"
        put "idle.threads" "$(status_kib "$GUESTD_PID" Threads)"
        put "idle.pss_kib" "$(awk '$1 == "Pss:" { print $2 }' "/proc/$GUESTD_PID/smaps_rollup")"
        # Resident KiB per mapped file (shared libraries) and anonymous memory, largest first.
        R[idle.rss_by_mapping]=$(awk '
                /^[0-9a-f]+-[0-9a-f]+ / { name = NF >= 6 ? $6 : "[anon]"; sub(".*/", "", name); next }
                $1 == "Rss:" { rss[name] += $2 }
                END { for (n in rss) if (rss[n] > 0) printf "%s=%d\n", n, rss[n] }' "/proc/$GUESTD_PID/smaps" |
                sort -t= -k2 -g -r | head -n 10 | tr '\n' ' ')
        note "  resident KiB by mapping: ${R[idle.rss_by_mapping]}"
        guestd_stop
        destroy_links veth vb
}

# ===================================================================================================
# Section: syscalls per tuned link (strace -c -f on the running daemon during a storm)

section_syscalls() {
        local n=100 spid i out minimum=$((1 + 1 + CHANNELS))
        command -v strace >/dev/null || die "strace is not installed"
        say "syscalls: storm of $n veth links under strace -c -f"
        write_guest_policy no
        guestd_start "$WORK/guestd-strace.log"
        strace -c -f -p "$GUESTD_PID" -o "$WORK/strace.txt" 2>"$WORK/strace.err" &
        spid=$!
        for ((i = 0; i < 250; i++)); do
                awk '$1 == "TracerPid:" && $2 != 0 { found = 1 } END { exit !found }' "/proc/$GUESTD_PID/status" && break
                sleep 0.02
        done
        ((i < 250)) || die "strace did not attach"
        create_cmd veth "$n" vb
        out=$("$WATCH" --prefix vb --count "$n" --mtu "$MTU" --channels "$CHANNELS" --verify-xps --timeout 300 \
                -- "${CREATE[@]}") || die "storm under strace"
        sleep 0.5
        kill -INT "$spid"
        wait "$spid"
        [ -s "$WORK/strace.txt" ] || die "strace wrote no summary"
        local total
        total=$(awk '$NF == "total" { print $4 }' "$WORK/strace.txt")
        [ -n "$total" ] || die "cannot read the strace summary"
        put "syscalls.links" "$n"
        put "syscalls.total" "$total"
        put "syscalls.per_link" "$(calc "$total / $n" 1)"
        put "syscalls.minimum_per_link" "$minimum"
        # The largest contributors, per link.
        R[syscalls.top]=$(awk -v n="$n" '/^-/ { sep++; next } sep == 1 && NF >= 5 && $NF != "total" {
                        printf "%s=%.1f ", $NF, $4 / n }' "$WORK/strace.txt" | tr ' ' '\n' |
                        sort -t= -k2 -g -r | head -n 12 | tr '\n' ' ')
        note "  per link: ${R[syscalls.top]}"
        guestd_stop
        # The same six operations per link as system calls: the floor program on the same links, put
        # back first (its own start-up is spread over the links: well under one call per link).
        "$FLOOR" --prefix vb --count "$n" --channels "$VETH_QUEUES" --mtu 1500 >/dev/null || die "floor, putting back"
        settle
        strace -c -f -o "$WORK/strace-floor.txt" "$FLOOR" --prefix vb --count "$n" --channels "$CHANNELS" \
                --mtu "$MTU" >/dev/null 2>"$WORK/strace-floor.err" || die "floor under strace"
        total=$(awk '$NF == "total" { print $4 }' "$WORK/strace-floor.txt")
        [ -n "$total" ] || die "cannot read the floor's strace summary"
        put "syscalls.floor_per_link" "$(calc "$total / $n" 1)"
        destroy_links veth vb
}

# ===================================================================================================
# Section: the host's storm of fake VMs

section_host() {
        local i t0 c0 c1 last_line now pids=() log=$WORK/hostd.stamped
        say "host: $HOST_VMS fake VMs (4-queue tap, 4 vCPU threads, 4 vhost workers each) at once"
        rm -rf "${CONF_ROOT:?}/etc/vnettune" && mkdir -p "$CONF_ROOT/etc/vnettune"
        printf '[Host]\nVhostPlacement=numa\nApplySysctls=no\n' >"$CONF_ROOT/etc/vnettune/hostd.conf"
        : >"$log"
        local netns=()
        [ -n "${VNT_SANDBOX_HOST_NETNS:-}" ] && netns=(--proc-events-netns="$VNT_SANDBOX_HOST_NETNS")
        nice -n "$HOSTD_NICE" "$HOSTD" --config-root="$CONF_ROOT" --state-dir="$STATE_DIR/host" --log-target=console "${netns[@]}" \
                > >("$STAMP" >"$log") 2>&1 &
        HOSTD_PID=$!
        wait_until 20 grep -q 'vnettune-hostd ready' "$log" || die "vnettune-hostd did not start"
        sleep 0.5
        c0=$(proc_cpu_ns "$HOSTD_PID")
        t0=$("$STAMP" --now)
        for ((i = 0; i < HOST_VMS; i++)); do
                "$TAP_HOLDER" "vh$i" 4 --vcpus 4 --vhost 4 >"$WORK/vh$i.out" 2>&1 &
                pids+=($!)
                HOLDER_PIDS+=($!)
        done
        for ((i = 0; i < 600; i++)); do
                [ "$(cat "$WORK"/vh*.out 2>/dev/null | grep -cx ready)" = "$HOST_VMS" ] && break
                sleep 0.1
        done
        ((i < 600)) || die "the fake VMs did not all get ready"
        # Quiet for 3 s (the daemon re-reads VMs 2 s after their threads last changed) or 120 s at most.
        for ((i = 0; i < 600; i++)); do
                sleep 0.2
                last_line=$(tail -n 1 "$log" | cut -f1)
                now=$("$STAMP" --now)
                ((now - last_line > 3000000)) && break
        done
        ((i < 600)) || die "vnettune-hostd did not go quiet within 120 s"
        c1=$(proc_cpu_ns "$HOSTD_PID")
        kill -0 "$HOSTD_PID" 2>/dev/null || die "vnettune-hostd died"

        # From the stamped log: when the last of our VMs was found, when the last worker was placed.
        local mine=" ${pids[*]} " found placed writes workers
        read -r found placed writes workers < <(awk -F'\t' -v mine="$mine" '
                {
                        if (!match($2, /VNETTUNE_PID=[0-9]+/)) next
                        pid = substr($2, RSTART + 13, RLENGTH - 13)
                        if (index(mine, " " pid " ") == 0) next
                        if ($2 ~ /^Found VM/) { if (!(pid in f)) { f[pid] = $1; nf++ } ; if ($1 > lf) lf = $1 }
                        if ($2 ~ /^affinity:/) { w++; if ($1 > lp) lp = $1; split($2, a, /[: ]/); t[a[2]] = 1 }
                }
                END { nt = 0; for (x in t) nt++; printf "%s %s %d %d\n", (nf ? lf : 0), (w ? lp : 0), w, nt }' "$log")
        local n_found
        n_found=$(awk -F'\t' -v mine="$mine" '$2 ~ /^Found VM/ && match($2, /VNETTUNE_PID=[0-9]+/) {
                pid = substr($2, RSTART + 13, RLENGTH - 13); if (index(mine, " " pid " ")) s[pid] = 1 }
                END { n = 0; for (p in s) n++; print n }' "$log")
        ((n_found == HOST_VMS)) || die "vnettune-hostd found $n_found of $HOST_VMS VMs"
        ((workers == HOST_VMS * 4)) || die "vnettune-hostd placed $workers of $((HOST_VMS * 4)) vhost workers"
        # And the bus agrees.
        local listed
        listed=$(host_call ListVMs | grep -o '/org/vnettune/Host1/vm/_3[0-9]*' | sed 's/.*_3//' |
                 awk -v mine="$mine" 'index(mine, " " $1 " ") { n++ } END { print n + 0 }')
        ((listed == HOST_VMS)) || die "ListVMs shows $listed of our $HOST_VMS VMs"

        put "host.vms" "$HOST_VMS"
        put "host.discovered_ms" "$(calc "($found - $t0) / 1000" 1)"
        put "host.placed_ms" "$(calc "($placed - $t0) / 1000" 1)"
        put "host.affinity_writes" "$writes"
        put "host.vhost_workers" "$workers"
        put "host.cpu_ms" "$(calc "($c1 - $c0) / 1e6" 1)"
        for i in "${pids[@]}"; do kill "$i" 2>/dev/null; done
        for i in "${pids[@]}"; do wait "$i" 2>/dev/null; done
        HOLDER_PIDS=()
        stop_hostd
}

# ===================================================================================================
# The report

machine_md() {
        local model mhz mem
        model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
        mhz=$(awk -F': ' '/^cpu MHz/ { printf "%.0f MHz", $2; exit }' /proc/cpuinfo)
        mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
        echo "| | |"
        echo "|---|---|"
        echo "| CPU | ${model:-unknown} (${mhz:-?}), $NCPU online CPUs ($(cat /sys/devices/system/cpu/online)) |"
        echo "| Memory | $mem |"
        echo "| Kernel | $(uname -r) ($(uname -m)) |"
        echo "| System | Debian $(cat /etc/debian_version 2>/dev/null), systemd-udevd $(udevadm --version), $(ethtool --version | head -n 1), $(ip -V | sed 's/,.*//') |"
        echo "| Daemons | run as the units run them: Nice=$GUESTD_NICE (vnettune-guestd), Nice=$HOSTD_NICE (vnettune-hostd); logging to stderr (a file) |"
        echo "| Build | $(meson introspect --buildoptions "$VNT_BUILD_DIR" 2>/dev/null | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))' 2>/dev/null || echo '?'), $(cc --version | head -n 1) |"
        echo "| Load average | at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg) |"
}

yesno() { awk "BEGIN { exit !($1) }" && echo "**met**" || echo "**missed**"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.1fx", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.1f%%", 100 * a / b }'; }

write_report() {
        local f=$1 n kind k
        {
        echo "# vnettune benchmarks"
        echo
        echo "Generated by \`sudo bash tests/bench/run-bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "($(( $(date +%s) - T0_WALL )) s). Every figure below comes from that one run; the baselines were measured"
        echo "in the same run on the same machine, and the ratios compare only figures of that run. Absolute"
        echo "times on a shared 2-CPU machine are noisy: read the ratios, and re-run to compare."
        echo
        echo "## Machine"
        echo
        machine_md
        echo
        echo "## Targets (issue 8)"
        echo
        echo "| Target | Measured | |"
        echo "|---|---|---|"
        local s400 v400 lt cpu_v cpu_u nmax
        nmax=$(tr ' ' '\n' <<<"$sizes" | sort -g | tail -n 1)
        if [ -n "${R[boot.400.ready_ms]:-}" ]; then
                s400=${R[boot.400.shell_tee_ms]} v400=${R[boot.400.ready_ms]}
                echo "| 400 existing links tuned >= 20x faster than the shell recipe | vnettune $v400 ms (exec to READY=1) vs the guide's recipe as written (\`printf\` piped into \`tee\` per queue) $s400 ms: $(ratio "$s400" "$v400") (the kernel operations alone: $(ratio "$s400" "${R[boot.400.floor_ms]}")); vs its cheapest form (a builtin \`printf >\` per queue) ${R[boot.400.shell_ms]} ms: $(ratio "${R[boot.400.shell_ms]}" "$v400") (the kernel operations alone: $(ratio "${R[boot.400.shell_ms]}" "${R[boot.400.floor_ms]}")) | $(yesno "$s400 / $v400 >= 20") against the guide's recipe; $(yesno "${R[boot.400.shell_ms]} / $v400 >= 20") against its cheapest form |"
        fi
        if [ -n "${R[storm.veth.$nmax.vnt.last_after_last_announce_ms]:-}" ]; then
                for kind in veth tap; do
                        local lat="" cpu="" lat_ok=1 cpu_ok=1
                        for n in $sizes; do
                                k=storm.$kind.$n
                                lt=${R[$k.vnt.last_after_last_announce_ms]}
                                cpu_v=${R[$k.vnt.cpu_ms]} cpu_u=${R[$k.udevd.cpu_ms]}
                                lat+="${lat:+, }N=$n: $(calc "$lt" 1) ms"
                                cpu+="${cpu:+, }N=$n: $(pct "$cpu_v" "$cpu_u")"
                                awk "BEGIN { exit !($lt <= 10) }" || lat_ok=0
                                awk "BEGIN { exit !($cpu_v <= 0.1 * $cpu_u) }" || cpu_ok=0
                        done
                        echo "| $kind storms: last link tuned <= 10 ms after udev announced the last link | $lat | $( ((lat_ok)) && echo '**met**' || echo '**missed**') |"
                        echo "| $kind storms: vnettune CPU <= 10% of udevd's (udevd alone, same storm) | $cpu | $( ((cpu_ok)) && echo '**met**' || echo '**missed**') |"
                done
        fi
        if [ -n "${R[boot.256.ready_ms]:-}" ]; then
                echo "| 256 links enumerated and tuned to READY=1 in < 100 ms | ${R[boot.256.ready_ms]} ms (median of $BOOT_RUNS; the kernel operations alone: ${R[boot.256.floor_ms]} ms) | $(yesno "${R[boot.256.ready_ms]} < 100") |"
        fi
        if [ -n "${R[idle.wakeups]:-}" ]; then
                echo "| zero wakeups while idle (256 links, ${R[idle.seconds]} s) | ${R[idle.wakeups]} | $(yesno "${R[idle.wakeups]} == 0") |"
                echo "| RSS <= 4 MiB (256 links) | VmRSS $(calc "${R[idle.rss_kib]} / 1024" 2) MiB ($(calc "${R[idle.rss_anon_kib]} / 1024" 2) MiB anonymous, the rest shared libraries; PSS $(calc "${R[idle.pss_kib]} / 1024" 2) MiB) | $(yesno "${R[idle.rss_kib]} <= 4096") |"
        fi
        if [ -n "${R[syscalls.per_link]:-}" ]; then
                echo "| syscalls per link within 2x of the minimum (${R[syscalls.minimum_per_link]} operations; as system calls, measured on the floor program: ${R[syscalls.floor_per_link]}) | ${R[syscalls.per_link]}: $(ratio "${R[syscalls.per_link]}" "${R[syscalls.floor_per_link]}") the floor's system calls, $(ratio "${R[syscalls.per_link]}" "${R[syscalls.minimum_per_link]}") the operations | $(yesno "${R[syscalls.per_link]} <= 2 * ${R[syscalls.floor_per_link]}") |"
        fi

        if [ -n "${R[storm.veth.$nmax.vnt.total_ms]:-}" ]; then
        echo
        echo "## Hotplug storms"
        echo
        echo "N links are created at once (\`ip -batch\` of N \`link add ... type veth\`, 8 tx/rx queues each, the"
        echo "peer ends in another network namespace so only the measured end exists here; or one process"
        echo "opening N taps with $TAP_QUEUES queues each, IFF_MULTI_QUEUE) in a sandbox with its own systemd-udevd."
        echo "Every storm (each tuner's and the baselines') is run $STORM_RUNS times; each figure below is the"
        echo "median of the runs, and the time from the last announcement to the last link tuned also shows the"
        echo "smallest and largest of the runs."
        echo "The target state of every link: MTU $MTU, XPS one CPU per active transmit queue, and on veth"
        echo "rx/tx channels 8 -> $CHANNELS (taps have no ethtool channels). Offloads are left as they are."
        echo
        echo "The times are observed by \`vnt-bench-watch\`, an independent observer, from the kernel's and udev's"
        echo "broadcasts: rtnetlink link notifications (MTU), the ethtool netlink monitor group (channels), the"
        echo "udev monitor (\"announced\": when udevd broadcast the initialised device, the earliest a daemon"
        echo "following udev can act). XPS writes have no notification; every tuner here writes them before"
        echo "the MTU (vnettune's planner orders channels, XPS, MTU), and at the end the watcher checks in sysfs"
        echo "that every link has the MTU, the channel count and an XPS mask on every active queue, and fails"
        echo "otherwise. A link counts as tuned when its last notification arrived; \"total\" is from the first"
        echo "\`link add\` to the last link tuned (and announced), \"settle\" to \`udevadm settle\` returning. The watcher"
        echo "takes a timestamp when it reads a message, so it runs SCHED_FIFO to read each one as it arrives"
        echo "(in this run: $( [ "$OBSERVER" = fifo ] && echo "it did" || echo "it could NOT, so its timestamps may lag on a loaded machine"))."
        echo
        echo "- **vnettune**: vnettune-guestd running before the storm, policy \`Channels=$CHANNELS XPS=auto MTU=$MTU\` (veth), \`XPS=auto MTU=$MTU\` (tun)."
        echo "- **udevd alone**: the same storm, no tuning at all: what the storm costs anyway."
        echo "- **udevd .link**: udevd applying \`10-vnt-bench.link\` (the distribution's 99-default.link plus"
        echo "  \`MTUBytes=$MTU\`, \`RxChannels=$CHANNELS\`/\`TxChannels=$CHANNELS\` on veth); it cannot set XPS."
        echo "- **shell recipe**: \`tests/bench/shell-recipe.sh\` run on the links of the \"udevd alone\" storm after they"
        echo "  settled: per link \`ethtool -L\`, one builtin \`printf > xps_cpus\` per queue, \`ip link set mtu\`."
        echo "- Per-link latency (vnettune): link tuned minus udev's announcement; \"after init\" is minus"
        echo "  USEC_INITIALIZED (when udevd started on the device), which the daemon itself logs as"
        echo "  \"tuned X ms after udev initialised it\" (its own figures in the \"self\" columns)."
        echo "- CPU: on-CPU time (schedstat) of vnettune-guestd during the storm; of systemd-udevd and its workers"
        echo "  during the udevd-alone storm; of the shell and its children."
        for kind in veth tap; do
                echo
                echo "### $kind: latency of vnettune"
                echo
                echo "| N | all tuned | udev announced the last | last tuned after last announced | per link after announce p50 / p99 / max | per link after USEC_INITIALIZED p50 / p99 | self-reported p50 / p99 |"
                echo "|---:|---:|---:|---:|---:|---:|---:|"
                for n in $sizes; do
                        k=storm.$kind.$n
                        [ -n "${R[$k.vnt.total_ms]:-}" ] || continue
                        echo "| $n | ${R[$k.vnt.total_ms]} ms | ${R[$k.vnt.announced_last_ms]} ms | ${R[$k.vnt.last_after_last_announce_ms]} ms (${R[$k.vnt.last_after_last_announce_ms.minmax]/ / - }) | ${R[$k.vnt.after_announce_p50_ms]} / ${R[$k.vnt.after_announce_p99_ms]} / ${R[$k.vnt.after_announce_max_ms]} ms | ${R[$k.vnt.after_init_p50_ms]} / ${R[$k.vnt.after_init_p99_ms]} ms | ${R[$k.vnt.self_p50_ms]} / ${R[$k.vnt.self_p99_ms]} ms |"
                done
                echo
                echo "### $kind: time until every link is tuned, from the first \`link add\`"
                echo
                echo "The shell recipe can only start once the links exist: its path is udevd alone until"
                echo "\`udevadm settle\` plus the recipe's own run. udevd .link cannot set XPS (its links are not fully tuned)."
                echo
                echo "| N | vnettune (settled) | udevd alone, no tuning (settled) | udevd .link (settled) | shell recipe: settle + recipe | shell path / vnettune | .link / vnettune |"
                echo "|---:|---:|---:|---:|---:|---:|---:|"
                for n in $sizes; do
                        k=storm.$kind.$n
                        [ -n "${R[$k.vnt.total_ms]:-}" ] || continue
                        local shell_path
                        shell_path=$(calc "${R[$k.udevd.settle_ms]} + ${R[$k.shell.total_ms]}" 1)
                        echo "| $n | ${R[$k.vnt.total_ms]} (${R[$k.vnt.settle_ms]}) ms | ${R[$k.udevd.total_ms]} (${R[$k.udevd.settle_ms]}) ms | ${R[$k.udevlink.total_ms]} (${R[$k.udevlink.settle_ms]}) ms | ${R[$k.udevd.settle_ms]} + ${R[$k.shell.total_ms]} = $shell_path ms | $(ratio "$shell_path" "${R[$k.vnt.total_ms]}") | $(ratio "${R[$k.udevlink.total_ms]}" "${R[$k.vnt.total_ms]}") |"
                done
                echo
                echo "### $kind: CPU time"
                echo
                echo "| N | vnettune | udevd alone | vnettune / udevd alone | udevd during the vnettune storm | udevd .link | shell recipe | shell / vnettune |"
                echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
                for n in $sizes; do
                        k=storm.$kind.$n
                        [ -n "${R[$k.vnt.cpu_ms]:-}" ] || continue
                        echo "| $n | ${R[$k.vnt.cpu_ms]} ms | ${R[$k.udevd.cpu_ms]} ms | $(pct "${R[$k.vnt.cpu_ms]}" "${R[$k.udevd.cpu_ms]}") | ${R[$k.vnt.udevd_cpu_ms]} ms | ${R[$k.udevlink.cpu_ms]} ms | ${R[$k.shell.cpu_ms]} ms | $(ratio "${R[$k.shell.cpu_ms]}" "${R[$k.vnt.cpu_ms]}") |"
                done
        done
        fi

        if [ -n "${R[boot.256.ready_ms]:-}" ]; then
        echo
        echo "## Boot enumeration"
        echo
        echo "N untuned 8-queue veth links exist; vnettune-guestd is started by \`vnt-bench-notify\` with"
        echo "NOTIFY_SOCKET on its own datagram socket: the time from \`execve()\` to the READY=1 datagram. The"
        echo "daemon tunes every link before it sends READY=1 (checked right after: MTU, channels, XPS on every"
        echo "link). Median, min and max of $BOOT_RUNS starts; \`RevertOnStop=yes\` restores the links between"
        echo "starts (checked). Then the floor (below), $BOOT_RUNS times, and the shell recipe in both forms,"
        echo "$SHELL_RUNS times each, on the same links (put back in between), medians. \"As written\" is the"
        echo "guide's XPS line, \`printf '%x' MASK | tee .../xps_cpus\` (two processes per queue; its \`sudo\` left"
        echo "out, as root needs none); \"cheapest\" writes with the shell's builtin instead (no process per queue)."
        echo
        echo "| N links | vnettune: exec to READY=1, median (min - max) | shell recipe as written | as written / vnettune | shell recipe, cheapest | cheapest / vnettune | floor: kernel operations only (its CPU) | vnettune / floor |"
        echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
        echo "| 0 | ${R[boot.0.ready_ms]} ms | | | | | | |"
        for n in $BOOT_SIZES; do
                echo "| $n | ${R[boot.$n.ready_ms]} ms (${R[boot.$n.ready_min_ms]} - ${R[boot.$n.ready_max_ms]}) | ${R[boot.$n.shell_tee_ms]} ms | $(ratio "${R[boot.$n.shell_tee_ms]}" "${R[boot.$n.ready_ms]}") | ${R[boot.$n.shell_ms]} ms | $(ratio "${R[boot.$n.shell_ms]}" "${R[boot.$n.ready_ms]}") | ${R[boot.$n.floor_ms]} ms (${R[boot.$n.floor_cpu_ms]} ms) | $(ratio "${R[boot.$n.ready_ms]}" "${R[boot.$n.floor_ms]}") |"
        done
        echo
        echo "The floor is \`vnt-bench-floor\` on fresh links: per link one ethtool CHANNELS_SET and one RTM_SETLINK"
        echo "(each waiting for the kernel's acknowledgement) and one \`xps_cpus\` write per queue, nothing else:"
        echo "no reads, no logging, no bookkeeping. It is what the kernel charges any tuner for these links."
        fi

        if [ -n "${R[idle.wakeups]:-}" ]; then
        echo
        echo "## Idle cost"
        echo
        echo "vnettune-guestd managing 256 tuned veth links, nothing happening, measured over ${R[idle.seconds]} s (after"
        echo "a 2 s pause): wakeups are the voluntary and involuntary context switches of all its threads"
        echo "(/proc/PID/task/*/status), CPU time from schedstat, memory from /proc/PID/status at the end."
        echo
        echo "| Wakeups | CPU time | VmRSS (anon + file) | PSS | VmHWM | Threads |"
        echo "|---:|---:|---:|---:|---:|---:|"
        echo "| ${R[idle.wakeups]} | ${R[idle.cpu_ms]} ms | ${R[idle.rss_kib]} KiB (${R[idle.rss_anon_kib]} + ${R[idle.rss_file_kib]}) | ${R[idle.pss_kib]} KiB | ${R[idle.hwm_kib]} KiB | ${R[idle.threads]} |"
        echo
        echo "Resident KiB by mapping (file mappings are shared libraries, counted in full by VmRSS; PSS"
        echo "divides each shared page by the processes mapping it): \`${R[idle.rss_by_mapping]}\`"
        fi

        if [ -n "${R[syscalls.per_link]:-}" ]; then
        echo
        echo "## System calls per tuned link"
        echo
        echo "\`strace -c -f -p\` attached to the running vnettune-guestd during a storm of ${R[syscalls.links]} veth links (tuned to"
        echo "MTU $MTU, $CHANNELS channels, XPS on $CHANNELS queues), every system call of the daemon divided by the"
        echo "number of links. The minimum is one channels SET, one MTU SET and one write per transmit queue:"
        echo "${R[syscalls.minimum_per_link]} operations per link. As system calls they are more: a netlink SET is a send and the"
        echo "kernel's acknowledgement, a sysfs write an open, the write and a close. The floor program"
        echo "(\`vnt-bench-floor\`, below) does exactly those operations; \`strace -c -f\` of it tuning the same links"
        echo "gives the minimum in system calls."
        echo
        echo "| Links | System calls | Per link | Floor program per link | Per link / floor | Operations per link | Per link / operations |"
        echo "|---:|---:|---:|---:|---:|---:|---:|"
        echo "| ${R[syscalls.links]} | ${R[syscalls.total]} | ${R[syscalls.per_link]} | ${R[syscalls.floor_per_link]} | $(ratio "${R[syscalls.per_link]}" "${R[syscalls.floor_per_link]}") | ${R[syscalls.minimum_per_link]} | $(ratio "${R[syscalls.per_link]}" "${R[syscalls.minimum_per_link]}") |"
        echo
        echo "Largest contributors, calls per link: \`${R[syscalls.top]}\`"
        fi

        if [ -n "${R[host.placed_ms]:-}" ]; then
        echo
        echo "## Host: a storm of fake VMs"
        echo
        echo "vnettune-hostd (\`VhostPlacement=numa\`) is running; ${R[host.vms]} copies of \`vnt-tap-holder vhN 4 --vcpus 4 --vhost 4\`"
        echo "(a stand-in for QEMU: a 4-queue tap, 4 threads named \`CPU n/KVM\`, 4 named \`vhost-PID\`) are started"
        echo "at once. The daemon's log lines are time-stamped as they arrive through a pipe (\`vnt-bench-stamp\`)."
        echo "\"Discovered\" is the last \"Found VM\" line of the ${R[host.vms]}, \"placed\" the last \`affinity:\` change for"
        echo "their workers, both from the moment the first one was started, taken once the daemon had been quiet"
        echo "for 3 s (it re-reads VMs 2 s after their threads last changed); every one of the $((HOST_VMS * 4)) workers must"
        echo "have been placed and ListVMs must show every VM."
        echo
        echo "| VMs | all discovered | all placed | affinity writes (minimum) | hostd CPU |"
        echo "|---:|---:|---:|---:|---:|"
        echo "| ${R[host.vms]} | ${R[host.discovered_ms]} ms | ${R[host.placed_ms]} ms | ${R[host.affinity_writes]} (${R[host.vhost_workers]}) | ${R[host.cpu_ms]} ms |"
        echo
        echo "More affinity writes than workers means workers were placed more than once: a VM is found as"
        echo "soon as it holds its tap, before all its threads exist, and the placement of the VMs found so"
        echo "far is recomputed as more arrive."
        fi

        if [ -f "$SRC/tests/bench/analysis.md" ]; then
                echo
                cat "$SRC/tests/bench/analysis.md"
        fi
        echo
        echo "## Reproduce"
        echo
        echo "    sudo bash tests/bench/run-bench.sh"
        echo
        echo "installs what is missing (tests/helpers/install-deps.sh plus strace), builds into build-bench"
        echo "(or \$VNT_BUILD_DIR), runs everything inside tests/helpers/sandbox.sh --host-pid and rewrites this"
        echo "file. One part at a time: \`--section guest-storm|guest-boot|guest-idle|guest-syscalls|host-storm\`"
        echo "(prints only), or \`meson test --benchmark -C BUILD --suite bench\`."
        } >"$f.tmp" && mv "$f.tmp" "$f"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
note "run-bench: $NCPU CPUs, load average $LOAD_START, build $VNT_BUILD_DIR"
case $section in
all)
        section_storm
        section_boot
        section_idle
        section_syscalls
        section_host
        ;;
guest-storm) section_storm ;;
guest-boot) section_boot ;;
guest-idle) section_idle ;;
guest-syscalls) section_syscalls ;;
host-storm) section_host ;;
esac

if ((write_doc)); then
        write_report "$output"
        note "run-bench: wrote $output"
fi
save_artifacts
note "run-bench: done in $(( $(date +%s) - T0_WALL )) s"
