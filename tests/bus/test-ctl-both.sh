#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vnettunectl with vnettune-guestd and vnettune-hostd both on the bus: read commands show both,
# changing commands need --guest/--host only when the daemon or link is ambiguous (exit status 2 and
# a message saying so), JSON carries both keys, completion offers the names of both; then each
# daemon stops in turn.
# Usage: test-ctl-both.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
SANDBOX_ARGS=--host-pid   # read by lib.sh's require_sandbox
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"

command -v python3 >/dev/null || { echo "SKIP: python3 missing" >&2; exit 77; }
unset NO_COLOR PAGER SYSTEMD_PAGER VNETTUNECTL_ROOT_CHECK

vctl() { "$VNETTUNECTL" "$@"; }
has() { grep -q -- "$1" "$2" || fail "$2 lacks '$1': $(head -c 1000 "$2")"; N_CHECKS=$((N_CHECKS + 1)); }
sysfs() { cat "/sys/class/net/$1/$2"; }
json_keys() { python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)))'; }

printf '[Host]\nVhostPlacement=0\n' >"$CONF_ROOT/etc/vnettune/hostd.conf"
# Both daemons read the same .link files here: the guest only reports, so it leaves the host's
# reverts of vt0 alone.
printf '[Guest]\nDrift=report\n' >"$CONF_ROOT/etc/vnettune/guestd.conf"
printf '[Match]\nName=va vb\n[Link]\nMTU=9000\n' >"$CONF_ROOT/etc/vnettune/40-veth.link"
printf '[Match]\nName=vbr0\n[Link]\nMTU=9000\n' >"$CONF_ROOT/etc/vnettune/50-bridge.link"
printf '[Match]\nDriver=tun\n[Link]\nTxQueueLength=4000\n' >"$CONF_ROOT/etc/vnettune/60-tap.link"

# lo 1, vb 2, va 3, vbr0 4, vt0 5. The veth pair is the guest's alone; vbr0 and vt0 both daemons'.
ip link add va address 02:00:00:00:00:0a type veth peer vb address 02:00:00:00:00:0b
ip link add vbr0 address 02:00:00:00:00:10 type bridge
start_tap_holder vt0 2 --vcpus 1 --vhost 1
ip link set vt0 address 02:00:00:00:00:20
ip link set vt0 master vbr0

start_guestd
start_hostd
settled() { ! guest_call ListLinks | grep -q '"pending"' && ! host_call ListLinks | grep -q '"pending"'; }
check "links settled" wait_until 10 settled
check "tap MTU follows the bridge" wait_until 5 bash -c '[ "$(cat /sys/class/net/vt0/mtu)" = 9000 ]'

# ---- read commands show both ----
vctl list >"$WORK/list.txt" || fail "list"
compare_snapshot both-list.txt "$WORK/list.txt"
vctl list --no-legend >"$WORK/list-nolegend.txt" || fail "list --no-legend"
check "--no-legend: rows of both, no titles" [ "$(wc -l <"$WORK/list-nolegend.txt")" = 6 ]
check "--no-legend: no titles" bash -c "! grep -q vnettune '$WORK/list-nolegend.txt'"
expect_status 0 "status" vctl status
has "^vnettune-guestd (org.vnettune.Guest1)" "$WORK/stdout"
has "^vnettune-hostd (org.vnettune.Host1)" "$WORK/stdout"
for cmd in status list plan "show vt0"; do
        # shellcheck disable=SC2086
        check "$cmd --json: both daemons" [ "$(vctl --json=short $cmd | json_keys)" = "guest host" ]
done
check_ctl_json list guest -- list
check_ctl_json list host -- list
check_ctl_json status guest -- status
check_ctl_json status host -- status
check "--guest --json: the guest only" [ "$(vctl --guest --json=short list | json_keys)" = guest ]
check "--host --json: the host only" [ "$(vctl --json=short list --host | json_keys)" = host ]
check "show va: the guest only" [ "$(vctl --json=short show va | json_keys)" = guest ]
check "show the VM: the host only" [ "$(vctl --json=short show vnt-tap-holder | json_keys)" = host ]
expect_status 0 "show vt0" vctl show vt0
has "^vt0 (index 5) on vnettune-guestd" "$WORK/stdout"
has "^vt0 (index 5) on vnettune-hostd" "$WORK/stdout"
expect_status 0 "vms needs no --host" vctl vms
has "vnt-tap-holder" "$WORK/stdout"
expect_status 0 "plan of a link only the guest knows" vctl plan va
check "plan va: no host section" bash -c "! grep -q vnettune-hostd '$WORK/stdout'"
expect_status 5 "plan of a link nobody knows" vctl plan nosuch
has "No link 'nosuch' on vnettune-guestd or vnettune-hostd." "$WORK/stderr"

# ---- changing commands: a flag only when it is ambiguous ----
for cmd in apply revert reload; do
        expect_status 2 "'$cmd' with both daemons and no flag" vctl $cmd
        has "Both vnettune-guestd and vnettune-hostd are running: say which one '$cmd' is for with --guest or --host." \
                "$WORK/stderr"
done
expect_status 2 "a link both daemons know" vctl revert vt0
has "Link 'vt0' is known to both vnettune-guestd and vnettune-hostd" "$WORK/stderr"
expect_status 5 "a link neither knows" vctl apply nosuch
ip link set va mtu 1500
expect_status 0 "revert va (the guest's alone, no flag needed)" vctl revert va
check "revert va: the original MTU" [ "$(sysfs va mtu)" = 1500 ]
expect_status 0 "apply va" vctl apply va
check "apply va: 9000" [ "$(sysfs va mtu)" = 9000 ]
expect_status 0 "--host revert vt0" vctl --host revert vt0
check "--host revert vt0: the MTU hostd had changed" [ "$(sysfs vt0 mtu)" = 1500 ]
expect_status 0 "--host apply vt0" vctl --host apply vt0
check "--host apply vt0: the bridge's MTU again" [ "$(sysfs vt0 mtu)" = 9000 ]
expect_status 0 "--guest reload" vctl --guest reload
expect_status 0 "--host reload" vctl reload --host

# ---- completion: the names of both, once each, and the VM ----
names=$(PATH=$VNT_BUILD_DIR/ctl:$PATH bash -c 'source "$1"; COMP_WORDS=(vnettunectl show ""); COMP_CWORD=2
        _vnettunectl; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$VNT_SRCDIR/ctl/vnettunectl.bash")
check "completion of show: links and VMs of both" [ "$names" = "va vb vbr0 vnt-tap-holder vt0 " ]
names=$(PATH=$VNT_BUILD_DIR/ctl:$PATH bash -c 'source "$1"; COMP_WORDS=(vnettunectl --host apply ""); COMP_CWORD=3
        _vnettunectl; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$VNT_SRCDIR/ctl/vnettunectl.bash")
check "completion with --host: the host's links" [ "$names" = "vbr0 vt0 " ]

# ---- one daemon stops, then the other ----
stop_hostd
expect_status 0 "status with the guest only" vctl status
check "status: no host section now" bash -c "! grep -q vnettune-hostd '$WORK/stdout'"
expect_status 0 "apply with one daemon left needs no flag" vctl apply
expect_status 3 "vms without vnettune-hostd" vctl vms
expect_status 3 "--host show without vnettune-hostd" vctl --host show vt0
stop_guestd
expect_status 3 "status with no daemon" vctl status
has "No vnettune daemon is running" "$WORK/stderr"
echo "$N_CHECKS checks passed"
