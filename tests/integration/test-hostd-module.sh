#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vnettune-hostd re-applies its sysctls the moment a kernel module loads (bridge-nf-call-* appear
# with br_netfilter). A module's arrival is simulated with a synthetic "add" uevent of a loaded
# module (/sys/module/NAME/uevent); kernels without loadable modules cannot do that: skip (77).
# Usage: test-hostd-module.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
SANDBOX_ARGS=--host-pid
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"

uevent=$(ls /sys/module/*/uevent 2>/dev/null | head -n 1)
if [ -z "$uevent" ]; then
        echo "SKIP: this kernel has no loadable module whose uevent could stand in for br_netfilter loading" >&2
        exit 77
fi
if ! sysctl -n net.bridge.bridge-nf-call-iptables >/dev/null 2>&1; then
        echo "SKIP: no net.bridge.bridge-nf-call-iptables here (br_netfilter neither built in nor loaded)" >&2
        exit 77
fi
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"

printf '[Sysctl]\nnet.bridge.bridge-nf-call-iptables=0\n' >"$CONF_ROOT/etc/vnettune/hostd.conf"
start_hostd
check "applied at start" [ "$(sysctl -n net.bridge.bridge-nf-call-iptables)" = 0 ]
sysctl -qw net.bridge.bridge-nf-call-iptables=1
echo add >"$uevent"
check "re-applied when a module loads" wait_until 5 bash -c '[ "$(sysctl -n net.bridge.bridge-nf-call-iptables)" = 0 ]'
echo "$N_CHECKS checks passed"
