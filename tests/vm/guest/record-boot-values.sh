#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Records, into the file given, the settings vnettune-guestd may change: for each virtio-net link (by
# MAC address, as the name changes when udev renames it) its channels, XPS masks, MTU and offloads,
# and the value of each sysctl the installed guestd.conf names. One "KEY VALUE" line each:
#   MAC/channels N   MAC/xps M0 M1 ...   MAC/mtu N   MAC/offload:tso on   sysctl:KEY VALUE
# It runs before vnettune-guestd, on its critical path: under TCG every program started costs a
# quarter of a second, so this uses bash builtins for everything but ethtool.
set -u -o pipefail
out=${1:?output file}
lines=()

for dev in /sys/class/net/*; do
        # cd -P resolves the driver symlink without starting readlink.
        cd -P "$dev/device/driver" 2>/dev/null || continue
        driver=${PWD##*/}
        cd /
        [ "$driver" = virtio_net ] || continue
        name=${dev##*/}
        read -r mac <"$dev/address"
        read -r mtu <"$dev/mtu"
        lines+=("$mac/name $name" "$mac/mtu $mtu")
        section=
        while read -r key value _; do
                case $key in
                Pre-set) section=max ;;
                Current) section=cur ;;
                Combined:) [ "$section" = cur ] && lines+=("$mac/channels $value") ;;
                esac
        done < <(ethtool -l "$name" 2>/dev/null)
        masks=()
        for ((q = 0; ; q++)); do
                [ -r "$dev/queues/tx-$q/xps_cpus" ] || break
                read -r m <"$dev/queues/tx-$q/xps_cpus"
                printf -v m '%x' "$((16#${m//,/}))"
                masks+=("$m")
        done
        lines+=("$mac/xps ${masks[*]}")
        while read -r key value _; do
                case $key in
                tcp-segmentation-offload:) lines+=("$mac/offload:tso $value") ;;
                generic-segmentation-offload:) lines+=("$mac/offload:gso $value") ;;
                generic-receive-offload:) lines+=("$mac/offload:gro $value") ;;
                large-receive-offload:) lines+=("$mac/offload:lro $value") ;;
                esac
        done < <(ethtool -k "$name" 2>/dev/null)
done

declare -A seen=()
for conf in /usr/lib/vnettune/guestd.conf /etc/vnettune/guestd.conf /etc/vnettune/guestd.conf.d/*.conf; do
        [ -r "$conf" ] || continue
        in_sysctl=
        while IFS= read -r line; do
                case $line in
                \[Sysctl\]*) in_sysctl=1 ;;
                \[*) in_sysctl= ;;
                [a-z]*=*) [ -n "$in_sysctl" ] && seen[${line%%=*}]=1 ;;
                esac
        done <"$conf"
done
for key in "${!seen[@]}"; do
        f=/proc/sys/${key//.//}
        [ -r "$f" ] || continue
        read -r -a v <"$f"
        lines+=("sysctl:$key ${v[*]}")
done

printf '%s\n' "${lines[@]}" >"$out.tmp" && mv "$out.tmp" "$out"
