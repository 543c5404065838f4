#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vnettunectl against the real vnettune-hostd with a VMM stand-in (vnt-tap-holder: a multi-queue tap,
# vCPU and vhost threads), a bridge and a tap no VM holds, in a sandbox on the host's PID namespace:
# status, list, vms, show (link, VM by name and by pid), plan, apply, revert, reload; JSON equal to
# busctl's values; exit statuses; the non-root view; snapshots of the human tables.
# Usage: test-ctl-host.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
SANDBOX_ARGS=--host-pid   # read by lib.sh's require_sandbox
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"
HERE=$VNT_SRCDIR/tests/bus

for tool in runuser python3 taskset; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool missing" >&2; exit 77; }
done
unset NO_COLOR PAGER SYSTEMD_PAGER VNETTUNECTL_ROOT_CHECK

vctl() { "$VNETTUNECTL" "$@"; }
nobody() { runuser -u nobody -- "$@"; }
normalise() { python3 "$HERE/normalise.py" "$@"; }
has() { grep -q -- "$1" "$2" || fail "$2 lacks '$1': $(head -c 1000 "$2")"; N_CHECKS=$((N_CHECKS + 1)); }
sysfs() { cat "/sys/class/net/$1/$2"; }
cpus_of() { awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$1/status"; }
tids_named() {          # tids_named PID REGEX
        local t
        for t in /proc/"$1"/task/*; do
                grep -qE "$2" "$t/comm" && echo "${t##*/}"
        done
}
host_link_state() {
        bus get-property org.vnettune.Host1 "/org/vnettune/Host1/link/_3$(ifindex "$1")" org.vnettune.Host1.Link \
                State | cut -d' ' -f2-
}

# CPU 0 for every vhost worker: the same placement on every machine, so the snapshots hold.
cat >"$CONF_ROOT/etc/vnettune/hostd.conf" <<'EOC'
[Host]
VhostPlacement=0
[Sysctl]
net.ipv4.tcp_fin_timeout=30
EOC
printf '[Match]\nName=vbr0\n[Link]\nMTU=9000\n' >"$CONF_ROOT/etc/vnettune/50-bridge.link"
printf '[Match]\nName=vt9\n[Link]\nMTU=65535\n' >"$CONF_ROOT/etc/vnettune/55-spare.link"
printf '[Match]\nDriver=tun\n[Link]\nTxQueueLength=4000\n' >"$CONF_ROOT/etc/vnettune/60-tap.link"

# Indexes in the fresh network namespace: lo 1, vbr0 2, vt0 3, vt9 4.
ip link add vbr0 type bridge
start_tap_holder vt0 4 --vcpus 2 --vhost 2
VM=$HOLDER_PID
ip link set vt0 master vbr0
ip tuntap add vt9 mode tap
mapfile -t WORKERS < <(tids_named "$VM" '^vhost-' | sort -n)
mapfile -t VCPUS < <(tids_named "$VM" '^CPU ')
if [ ${#WORKERS[@]} != 2 ] || [ ${#VCPUS[@]} != 2 ]; then
        fail "the stand-in has ${#WORKERS[@]} workers and ${#VCPUS[@]} vCPUs"
fi
orig_worker=$(cpus_of "${WORKERS[0]}")

expect_status 3 "vms without vnettune-hostd" vctl vms
has "No vnettune daemon is running" "$WORK/stderr"
expect_status 3 "--host status without vnettune-hostd" vctl --host status

start_hostd
check "VM found" wait_until 10 bash -c "busctl --address=$VNT_BUS_ADDRESS call org.vnettune.Host1 /org/vnettune/Host1 \
        org.vnettune.Host1.Manager ListVMs | grep -q 'a(iso) 1 '"
check "workers pinned to CPU 0" wait_until 10 bash -c "[ \"\$(awk '/^Cpus_allowed_list:/ {print \$2}' \
        /proc/${WORKERS[1]}/status)\" = 0 ]"
check "tap MTU follows the bridge" wait_until 5 bash -c '[ "$(cat /sys/class/net/vt0/mtu)" = 9000 ]'
settled() { ! host_call ListLinks | grep -q '"pending"'; }
check "links settled" wait_until 10 settled
words=(--word "$VM=PID" --word "${WORKERS[0]}=TID0" --word "${WORKERS[1]}=TID1")

# ---- human output: snapshots ----
vctl status | normalise --field Version --field Tier --drop-field Missing --field KVM --field vhost-net \
        --field "Huge pages" --field "Online CPUs" >"$WORK/status.txt"
compare_snapshot host-status.txt "$WORK/status.txt"
vctl list >"$WORK/list.txt" || fail "list"
compare_snapshot host-list.txt "$WORK/list.txt"
vctl vms | normalise "${words[@]}" --squeeze >"$WORK/vms.txt" || fail "vms"
compare_snapshot host-vms.txt "$WORK/vms.txt"
vctl show vt0 | normalise "${words[@]}" >"$WORK/show-vt0.txt" || fail "show vt0"
compare_snapshot host-show-vt0.txt "$WORK/show-vt0.txt"
vctl show vt9 | normalise >"$WORK/show-vt9.txt" || fail "show vt9"
compare_snapshot host-show-vt9.txt "$WORK/show-vt9.txt"
vctl show vnt-tap-holder | normalise "${words[@]}" --field vCPUs --field "Emulator CPUs" >"$WORK/show-vm.txt" ||
        fail "show VM"
compare_snapshot host-show-vm.txt "$WORK/show-vm.txt"
vctl show "$VM" | normalise "${words[@]}" --field vCPUs --field "Emulator CPUs" >"$WORK/show-pid.txt" ||
        fail "show PID"
check "show by pid equals show by name" cmp -s "$WORK/show-pid.txt" "$WORK/show-vm.txt"
vctl show "$VM" >"$WORK/show-vcpus.txt"
check "vCPU threads shown" grep -q "vCPU 1: thread $(tids_named "$VM" '^CPU 1/'), CPUs" "$WORK/show-vcpus.txt"

# ---- JSON equal to busctl's values ----
for cmd in status list vms "show vt0" "show vnt-tap-holder" "show $VM" plan "plan vt9"; do
        # shellcheck disable=SC2086
        vctl --json=short $cmd >"$WORK/short.json" || fail "$cmd --json=short"
        # shellcheck disable=SC2086
        vctl --json=pretty $cmd >"$WORK/pretty.json" || fail "$cmd --json=pretty"
        check "$cmd: short and pretty JSON agree" python3 -c 'import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
sys.exit(a != b or list(a) != ["host"])' "$WORK/short.json" "$WORK/pretty.json"
        # shellcheck disable=SC2086
        case $cmd in
        "plan vt9") check_ctl_json plan host "$(ifindex vt9)" -- $cmd ;;
        plan) check_ctl_json plan host 0 -- $cmd ;;
        *) check_ctl_json "${cmd%% *}" host -- $cmd ;;
        esac
done
vctl --json=short show "$VM" >"$WORK/vm.json"
check "show PID: only the VM" python3 -c 'import json, sys
h = json.load(open(sys.argv[1]))["host"]
sys.exit(h["Links"] != [] or [v["Pid"] for v in h["VMs"]] != [int(sys.argv[2])])' "$WORK/vm.json" "$VM"

# ---- a worker moved by someone else: the plan moves it back (compared right away: hostd may too) ----
if [ "$(nproc)" -ge 2 ]; then
        taskset -p -c 1 "${WORKERS[0]}" >/dev/null      # someone moves a worker: the plan moves it back
        vctl plan | normalise "${words[@]}" --squeeze >"$WORK/plan.txt" || fail "plan"
        compare_snapshot host-plan.txt "$WORK/plan.txt"
        check "plan changed nothing" [ "$(cpus_of "${WORKERS[0]}")" = 1 ]
else
        echo "one CPU: the plan of a moved worker is not checked"
fi
vctl plan vt9 >"$WORK/plan-vt9.txt" || fail "plan vt9"
compare_snapshot host-plan-vt9.txt "$WORK/plan-vt9.txt"

# ---- exit statuses ----
expect_status 5 "show an unknown name" vctl show nosuch
has "No link or VM 'nosuch' on vnettune-hostd" "$WORK/stderr"
expect_status 5 "apply an unknown link" vctl apply nosuch
expect_status 5 "a VM is not a link to apply" vctl apply vnt-tap-holder
expect_status 5 "plan an unknown link" vctl --host plan 9999
expect_status 3 "--guest without vnettune-guestd" vctl --guest list
has "vnettune-guestd is not running" "$WORK/stderr"
expect_status 2 "vms takes no argument" vctl vms vt0
expect_status 2 "vms --guest" vctl vms --guest

# ---- non-root: the same view, no changes ----
for cmd in status list vms "show vt0" "show vnt-tap-holder" plan "--json=short vms"; do
        # shellcheck disable=SC2086
        vctl $cmd >"$WORK/root.out" 2>&1
        # shellcheck disable=SC2086
        expect_status 0 "'$cmd' as nobody" nobody "$VNETTUNECTL" $cmd
        check "'$cmd' shows nobody what it shows root" cmp -s "$WORK/stdout" "$WORK/root.out"
done
for cmd in "apply vt0" "revert" "reload"; do
        # shellcheck disable=SC2086
        expect_status 4 "'$cmd' as nobody" nobody "$VNETTUNECTL" $cmd
        has "needs root" "$WORK/stderr"
        # shellcheck disable=SC2086
        expect_status 4 "'$cmd' as nobody past our check" nobody env VNETTUNECTL_ROOT_CHECK=0 "$VNETTUNECTL" $cmd
        has "access denied" "$WORK/stderr"
done

# ---- apply, revert, reload ----
expect_status 0 "revert vt0" vctl revert vt0
check "revert: tap MTU" [ "$(sysfs vt0 mtu)" = 1500 ]
check "revert: tap txqueuelen" [ "$(sysfs vt0 tx_queue_len)" = 1000 ]
check "revert: state" [ "$(host_link_state vt0)" = '"reverted"' ]
check "revert: the bridge untouched" [ "$(sysfs vbr0 mtu)" = 9000 ]
expect_status 0 "apply vt0" vctl apply vt0
check "apply: tap MTU" [ "$(sysfs vt0 mtu)" = 9000 ]
check "apply: tap txqueuelen" [ "$(sysfs vt0 tx_queue_len)" = 4000 ]
expect_status 0 "revert everything" vctl revert
check "revert: worker affinity restored" [ "$(cpus_of "${WORKERS[1]}")" = "$orig_worker" ]
check "revert: bridge MTU" [ "$(sysfs vbr0 mtu)" = 1500 ]
check "revert: sysctl" [ "$(sysctl -n net.ipv4.tcp_fin_timeout)" = 60 ]
expect_status 0 "apply everything" vctl --host apply
check "apply: workers pinned again" [ "$(cpus_of "${WORKERS[1]}")" = 0 ]
check "apply: bridge MTU" [ "$(sysfs vbr0 mtu)" = 9000 ]
sed -i 's/^TxQueueLength=.*/TxQueueLength=3000/' "$CONF_ROOT/etc/vnettune/60-tap.link"
expect_status 0 "reload" vctl reload
check "reload: new txqueuelen" [ "$(sysfs vt0 tx_queue_len)" = 3000 ]
vctl list >"$WORK/list2.txt"
check "list shows the new txqueuelen with its unit" grep -q '3000 packets' "$WORK/list2.txt"

# ---- the VM goes: gone from vms, show says so ----
kill "$VM"
check "VM dropped" wait_until 5 bash -c "! '$VNETTUNECTL' --no-legend vms | grep -q vnt-tap-holder"
expect_status 0 "vms with no VM" vctl vms
check "vms: none listed" grep -qx "0 VMs listed." "$WORK/stdout"
expect_status 5 "show the gone VM" vctl show "$VM"

check "daemon alive" kill -0 "$HOSTD_PID"
echo "$N_CHECKS checks passed"
