#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs with apt-get what building, testing and the demo need on Debian 12; does nothing (and
# needs no network) when everything is there already. Usage: install-deps.sh [EXTRA PACKAGES...]
set -eu -o pipefail

packages=(
        meson ninja-build pkg-config gcc libc6-dev
        libsystemd-dev libudev-dev libnl-3-dev libnl-route-3-dev libmnl-dev libjansson-dev
        udev dbus-daemon dbus-bin iproute2 ethtool kmod procps util-linux python3 scdoc
        "$@"
)

missing=()
for p in "${packages[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
        echo "install-deps: missing packages (${missing[*]}); run as root so apt-get can install them" >&2
        exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
