#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the guest image of the vm suite: a cached Debian bookworm base (debootstrap minbase, kernel and
# a small initramfs), and for each run a raw ext4 image of that base with vnettune installed on top.
#
# Usage:
#   build-image.sh base [--cache-dir DIR]
#       Prints the directory holding vmlinuz, initrd.img and rootfs/ of the base image, building it
#       first when the cache has none for the current inputs (this script and image-packages.txt,
#       hashed). Takes the mirror from apt's own sources; keeps the downloaded .debs in DIR/debs.
#       Default DIR: $VNT_VM_CACHE or /var/cache/vnettune-vm.
#   build-image.sh layer --base DIR --out IMAGE (--destdir TREE | --debs DIR) [--add TREE]...
#       Writes IMAGE (raw ext4, 2 GiB sparse): the base rootfs, vnettune installed on it from a
#       `meson install --destdir` TREE (copied, vnettune-guestd.service enabled) or from the
#       vnettune-guest and vnettune-common .deb packages in DIR (dpkg -i in a chroot), then every
#       --add TREE copied over it. The base stays untouched (an overlay mount in a private mount
#       namespace).
#
# Exit status: 0, 77 when this machine cannot build the image (not root, no debootstrap, unshare or
# mkfs.ext4, no bookworm source in apt's configuration, the archive unreachable), 1 on failure.

set -eu -o pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
PACKAGE_LIST=$HERE/image-packages.txt
SUITE=bookworm
ARCH=amd64
# Fixed, so that every boot of every image has the same identity (journal file names, D-Bus).
MACHINE_ID=7d9a1c4e5b3f4e0a9c2b8d6f1e0a3c5b
IMAGE_SIZE=2G
# Loaded from the initramfs: the disk, the root file system, the NIC and the results share.
INITRD_MODULES=(virtio_pci virtio_blk virtio_net ext4 9p 9pnet_virtio)

say() {
        echo "build-image: $*" >&2
}

die() {
        echo "build-image: $*" >&2
        exit 1
}

skip() {
        echo "build-image: SKIP: $*" >&2
        exit 77
}

need_root_and() {
        local t

        ((EUID == 0)) || skip "needs root (debootstrap, chroot, mounts)"
        for t in "$@"; do
                command -v "$t" >/dev/null || skip "$t is not installed"
        done
}

read_package_list() {
        sed -e 's/#.*//' "$PACKAGE_LIST" | tr -s ' \t\n' '\n' | sed '/^$/d'
}

# The cache key: everything that decides what the base contains.
inputs_hash() {
        { cat "$SELF"; echo "--- packages"; read_package_list; echo "--- $SUITE $ARCH"; } |
                sha256sum | cut -c1-16
}

# The archive apt on this machine uses for the suite's main component, so that no host name is written
# down here (CI and a developer's machine may use different mirrors or a proxy configured in apt).
find_mirror() {
        apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null |
                awk -v s="$SUITE" '$1 == "deb" && $3 == s && $4 == "main" { print $2; exit }'
}

# ---------------------------------------------------------------------------------------------------
# base

# Runs inside a private mount namespace: everything mounted here vanishes with it.
configure_rootfs() {
        local root=$1 kver m

        mount -t proc proc "$root/proc"

        echo "$MACHINE_ID" >"$root/etc/machine-id"
        echo vnt-guest >"$root/etc/hostname"
        printf '127.0.0.1 localhost\n127.0.1.1 vnt-guest\n' >"$root/etc/hosts"
        chroot "$root" passwd -d root >/dev/null

        # The journal in memory only: the image is used with snapshot=on, nothing survives anyway.
        mkdir -p "$root/etc/systemd/journald.conf.d"
        printf '[Journal]\nStorage=volatile\n' >"$root/etc/systemd/journald.conf.d/50-vnettune-vm.conf"

        # Timers, services and mounts that only cost boot time in a throwaway guest without logins
        # (under TCG every process started at boot shows). No getty: the runner needs none.
        for m in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
                 fstrim.timer dpkg-db-backup.timer systemd-pstore.service systemd-logind.service \
                 getty@.service serial-getty@.service modprobe@.service dev-hugepages.mount dev-mqueue.mount \
                 sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
                 sys-fs-fuse-connections.mount systemd-update-utmp.service systemd-update-utmp-runlevel.service; do
                if [ -e "$root/lib/systemd/system/$m" ]; then chroot "$root" systemctl mask --quiet "$m"; fi
        done

        # A 6 MB initramfs with just what finds the root file system, instead of 30 MB of drivers.
        mkdir -p "$root/etc/initramfs-tools/conf.d"
        printf 'MODULES=list\nCOMPRESS=zstd\n' >"$root/etc/initramfs-tools/conf.d/50-vnettune-vm.conf"
        printf '%s\n' "${INITRD_MODULES[@]}" >>"$root/etc/initramfs-tools/modules"
        kver=$(basename "$(ls -d "$root"/lib/modules/* | head -n 1)")
        [ -n "$kver" ] || die "no kernel in the root file system"
        chroot "$root" update-initramfs -u -k "$kver" >/dev/null 2>&1 ||
                chroot "$root" update-initramfs -c -k "$kver" >/dev/null
        cp "$root/boot/vmlinuz-$kver" "$2/vmlinuz"
        cp "$root/boot/initrd.img-$kver" "$2/initrd.img"
        echo "$kver" >"$2/kernel-version"

        # Kernel modules a virtio guest never loads: each run copies the rootfs into a fresh image, so
        # every megabyte saved here is saved on every run. kvm_amd and the cpufreq drivers would be
        # loaded for -cpu max, fail, and cost seconds of boot.
        for m in sound drivers/gpu drivers/media drivers/infiniband drivers/net/wireless drivers/net/ethernet \
                 drivers/net/can drivers/net/usb drivers/staging drivers/scsi drivers/usb drivers/bluetooth \
                 drivers/isdn drivers/mtd drivers/iio drivers/hid drivers/input drivers/video drivers/target \
                 drivers/nvme drivers/md drivers/edac drivers/hwmon drivers/leds drivers/mmc drivers/platform \
                 drivers/thunderbolt drivers/firewire drivers/ata drivers/crypto drivers/misc drivers/mfd \
                 drivers/cpufreq arch/x86/kvm \
                 net/wireless net/mac80211 net/bluetooth fs/btrfs fs/xfs fs/ocfs2 fs/gfs2 fs/nfs fs/nfsd \
                 fs/ceph fs/smb fs/f2fs fs/nilfs2 fs/jfs fs/reiserfs fs/ubifs; do
                rm -rf "$root/lib/modules/$kver/kernel/$m"
        done
        chroot "$root" depmod -a "$kver"
        rm -f "$root"/boot/initrd.img-* "$root"/boot/vmlinuz-* "$root"/boot/System.map-*
        rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* \
               "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages

        chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$2/packages.lock"
        umount "$root/proc"
}

build_base() {
        local cache=$1 dir=$2 tmp mirror packages

        need_root_and debootstrap unshare chroot apt-get
        mirror=$(find_mirror)
        [ -n "$mirror" ] || skip "apt has no source for $SUITE main; cannot pick a mirror"
        # debootstrap's own failure would not say whether the network or the build broke.
        /usr/lib/apt/apt-helper download-file "${mirror%/}/dists/$SUITE/Release" "$cache/.release-probe" \
                >/dev/null 2>&1 || skip "the Debian archive apt uses ($mirror) is not reachable"
        rm -f "$cache/.release-probe"

        packages=$(read_package_list | paste -sd, -)
        tmp=$cache/.build-$$
        rm -rf "$tmp"
        mkdir -p "$tmp/rootfs" "$cache/debs"
        # shellcheck disable=SC2064
        trap "rm -rf '$tmp'" EXIT

        say "debootstrap $SUITE from $mirror (downloads are kept in $cache/debs)"
        if ! debootstrap --variant=minbase --arch="$ARCH" --include="$packages" --cache-dir="$cache/debs" \
                "$SUITE" "$tmp/rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
                tail -n 30 "$tmp/debootstrap.log" >&2
                [ -f "$tmp/rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$tmp/rootfs/debootstrap/debootstrap.log" >&2
                die "debootstrap failed"
        fi

        say "configuring the root file system"
        export -f configure_rootfs die
        export MACHINE_ID
        INITRD_MODULES_LIST="${INITRD_MODULES[*]}" unshare --mount --propagation private \
                bash -c 'set -eu -o pipefail; INITRD_MODULES=($INITRD_MODULES_LIST); configure_rootfs "$1" "$2"' \
                bash "$tmp/rootfs" "$tmp"
        rm -f "$tmp/debootstrap.log"
        date -u +%Y-%m-%dT%H:%M:%SZ >"$tmp/complete"

        rm -rf "$dir"
        mv "$tmp" "$dir"
        trap - EXIT
        # Bases of other inputs nobody used for two days go (a run in progress may still boot one).
        find "$cache" -mindepth 2 -maxdepth 2 -path "$cache/base-*/complete" -mtime +2 -printf '%h\0' |
                xargs -0 -r rm -rf --
        say "base image ready in $dir ($(du -sh "$dir/rootfs" | cut -f1) root file system)"
}

cmd_base() {
        local cache=${VNT_VM_CACHE:-/var/cache/vnettune-vm} dir

        while (($# > 0)); do
                case $1 in
                --cache-dir)    cache=$2; shift ;;
                --cache-dir=*)  cache=${1#*=} ;;
                *)              die "base: unknown option '$1'" ;;
                esac
                shift
        done
        ((EUID == 0)) || skip "needs root (debootstrap, chroot, mounts)"
        mkdir -p "$cache"
        cache=$(cd "$cache" && pwd)
        dir=$cache/base-$(inputs_hash)

        # One builder at a time; a second caller waits and then finds the result.
        exec 9>"$cache/.lock"
        flock 9
        if [ -f "$dir/complete" ]; then
                touch "$dir/complete"
        else
                build_base "$cache" "$dir"
        fi
        echo "$dir"
}

# ---------------------------------------------------------------------------------------------------
# layer

# Runs inside a private mount namespace.
layer_in_namespace() {
        local base=$1 work=$2 out=$3 destdir=$4 debs=$5
        shift 5
        local merged=$work/merged t

        mkdir -p "$work/upper" "$work/ovl" "$merged"
        mount -t overlay overlay -o "lowerdir=$base/rootfs,upperdir=$work/upper,workdir=$work/ovl" "$merged"

        if [ -n "$destdir" ]; then
                # --keep-directory-symlink: /lib is a symlink to usr/lib in the guest (merged /usr).
                tar -C "$destdir" -cf - . | tar -C "$merged" --keep-directory-symlink -xf -
                chroot "$merged" systemctl enable --quiet vnettune-guestd.service
        else
                mkdir -p "$merged/tmp/vnettune-debs"
                cp "$debs"/vnettune-guest_*.deb "$debs"/vnettune-common_*.deb "$merged/tmp/vnettune-debs/"
                mount -t proc proc "$merged/proc"
                chroot "$merged" sh -c 'dpkg -i /tmp/vnettune-debs/*.deb' >"$work/dpkg.log" 2>&1 || {
                        cat "$work/dpkg.log" >&2
                        die "dpkg -i of the vnettune packages failed"
                }
                umount "$merged/proc"
                rm -rf "$merged/tmp/vnettune-debs"
        fi
        for t in "$@"; do
                tar -C "$t" -cf - . | tar -C "$merged" --keep-directory-symlink --no-same-owner -xf -
        done
        # Units the added trees bring along declare their own [Install] section.
        for t in "$merged"/etc/systemd/system/vnettune-vm-*.service; do
                [ -e "$t" ] && chroot "$merged" systemctl enable --quiet "${t##*/}"
        done

        rm -f "$out"
        truncate -s "$IMAGE_SIZE" "$out"
        mkfs.ext4 -q -F -L vnt-root -d "$merged" "$out"
        umount "$merged"
}

cmd_layer() {
        local base='' out='' destdir='' debs='' work
        local -a adds=()

        while (($# > 0)); do
                case $1 in
                --base)         base=$2; shift ;;
                --out)          out=$2; shift ;;
                --destdir)      destdir=$2; shift ;;
                --debs)         debs=$2; shift ;;
                --add)          adds+=("$(readlink -f "$2")"); shift ;;
                *)              die "layer: unknown option '$1'" ;;
                esac
                shift
        done
        if [ -z "$base" ] || [ -z "$out" ]; then die "layer needs --base and --out"; fi
        if [ -n "$destdir" ] && [ -n "$debs" ] || [ -z "$destdir$debs" ]; then
                die "layer needs exactly one of --destdir and --debs"
        fi
        [ -f "$base/complete" ] || die "$base is not a complete base image"
        if [ -n "$debs" ]; then
                compgen -G "$debs/vnettune-guest_*.deb" >/dev/null || die "no vnettune-guest .deb in $debs"
                compgen -G "$debs/vnettune-common_*.deb" >/dev/null || die "no vnettune-common .deb in $debs"
        fi
        need_root_and unshare chroot mkfs.ext4 truncate

        base=$(readlink -f "$base")
        [ -z "$destdir" ] || destdir=$(readlink -f "$destdir")
        [ -z "$debs" ] || debs=$(readlink -f "$debs")
        mkdir -p "$(dirname "$out")"
        out=$(readlink -f "$out")
        work=$(mktemp -d "$(dirname "$out")/.layer.XXXXXX")
        # shellcheck disable=SC2064
        trap "rm -rf '$work'" EXIT

        export -f layer_in_namespace die
        export IMAGE_SIZE
        unshare --mount --propagation private bash -c 'set -eu -o pipefail; layer_in_namespace "$@"' \
                bash "$base" "$work" "$out" "$destdir" "$debs" "${adds[@]}"
}

case ${1:-} in
base)           shift; cmd_base "$@" ;;
layer)          shift; cmd_layer "$@" ;;
-h|--help)      sed -n '3,20p' "$SELF" | sed 's/^# \{0,1\}//' ;;
*)              echo "Usage: $0 base [--cache-dir DIR] | layer --base DIR --out IMAGE (--destdir TREE | --debs DIR) [--add TREE]..." >&2
                exit 2 ;;
esac
