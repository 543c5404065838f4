#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Baseline 1 of the benchmarks: the tuning guides' shell recipe, run once per link in a loop the way
# an administrator or a boot script would: `ethtool -L` (rx/tx on veth, which has no combined
# channels), one `printf MASK > .../xps_cpus` per active transmit queue (a shell builtin and a
# redirection: no fork, the cheapest form of the guide's `printf | tee`), then `ip link set mtu`.
# XPS masks follow the guide, one CPU per queue (queue q -> CPU q modulo the online CPUs).
# With --as-written, each XPS write is the guide's own line, `printf MASK | tee FILE` (a pipeline: two
# processes per queue), without its `sudo` (the recipe runs as root, like a boot script).
# Usage: shell-recipe.sh [--as-written] PREFIX COUNT CHANNELS MTU     (CHANNELS 0: leave channels alone)
set -eu -o pipefail

as_written=0
if [ "${1:-}" = --as-written ]; then
        as_written=1
        shift
fi
prefix=$1 count=$2 channels=$3 mtu=$4
ncpu=$(nproc)

for ((i = 0; i < count; i++)); do
        dev=$prefix$i
        ((channels > 0)) && ethtool -L "$dev" rx "$channels" tx "$channels"
        queues=("/sys/class/net/$dev/queues/"tx-*)
        for ((q = 0; q < ${#queues[@]}; q++)); do
                if ((as_written)); then
                        printf '%x' $((1 << (q % ncpu))) | tee "/sys/class/net/$dev/queues/tx-$q/xps_cpus" >/dev/null
                else
                        printf '%x' $((1 << (q % ncpu))) >"/sys/class/net/$dev/queues/tx-$q/xps_cpus"
                fi
        done
        ip link set dev "$dev" mtu "$mtu"
done
