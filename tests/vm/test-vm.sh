#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The vm suite: vnettune in a real Debian guest under QEMU (TCG), with a real multi-queue virtio-net
# device, systemd as PID 1 and vnettune-hostd on the host side of the tap.
#
#   1. (outside any namespace) installs QEMU and debootstrap with tests/helpers/install-deps.sh, builds or
#      reuses the cached base image (tests/vm/build-image.sh base) and installs this tree's vnettune-guest
#      and vnettune-common .deb packages on top of it, with the suite's runner units and the test policy
#      (build-image.sh layer);
#   2. in a sandbox on the host's PID namespace (tests/helpers/sandbox.sh --host-pid: own network
#      namespace, udevd and system bus) starts vnettune-hostd as tests/helpers/lib.sh does, then boots
#      the image twice, with snapshot=on:
#        a: -smp 4, a 4-queue tap (mq=on, vectors=10, host_mtu=9000), a PCIe root port for NIC hotplug;
#        b: -smp 2,maxcpus=4, the same NIC, vCPUs hot-added over QMP;
#      Inside, vnettune-vm-runner.service runs tests/vm/guest/checks.sh from a 9p share; the script asks
#      for hotplug and host-side checks by dropping request files in the share, which this script
#      answers (QMP on a unix socket, busctl against vnettune-hostd), and it writes its log and exit code
#      back there before the guest powers off.
#
# Usage: test-vm.sh BUILD_DIR     (its vnettune-hostd runs on the host side; with VNT_VM_INSTALL=destdir
#                                 it also provides the guest's install and needs --prefix=/usr)
# Environment:
#   VNT_VM_INSTALL=deb    (default) build the .deb packages with packaging/build-packages.sh and install
#                         vnettune-guest and vnettune-common into the image with dpkg
#   VNT_VM_INSTALL=destdir  install with `meson install --destdir` of BUILD_DIR instead (the unit enabled
#                         with systemctl), e.g. while packaging is broken
#   VNT_VM_DEBS=DIR       take the .deb packages from DIR (built already, e.g. by the packaging suite)
#   VNT_VM_CACHE=DIR      where the base image and downloaded .debs are kept (/var/cache/vnettune-vm)
#   VNT_VM_BOOTS="a b"    which boots to run
#   VNT_VM_ARTIFACTS=DIR  where console logs, guest logs and journals go (BUILD_DIR/tests/vm/artifacts)
#   VNT_VM_KEEP=1         keep the run directory (image, shares) and print its name
# Exit status: 0 all checks passed, 1 a check failed, 77 this machine cannot run it (says why).

set -u -o pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
SRC=$(cd "$HERE/../.." && pwd)

BOOT_MAC=52:54:00:76:6e:01
HOTPLUG_MAC=52:54:00:76:6e:02
HOST_IP=10.77.0.1
GUEST_IP=10.77.0.2
BOOT_TIMEOUT=${VNT_VM_BOOT_TIMEOUT:-420}

skip() {
        echo "SKIP: $*" >&2
        exit 77
}

now() { date +%s.%N | cut -c1-14; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# ---------------------------------------------------------------------------------------------------
# Outside: prerequisites, image

write_runner_tree() {   # write_runner_tree DIR: what the suite adds to the image besides vnettune
        local t=$1

        install -D -m 0644 "$HERE/guest/vnettune-vm-runner.service" "$t/etc/systemd/system/vnettune-vm-runner.service"
        install -D -m 0644 "$HERE/guest/vnettune-vm-bootvalues.service" \
                "$t/etc/systemd/system/vnettune-vm-bootvalues.service"
        install -D -m 0755 "$HERE/guest/record-boot-values.sh" "$t/usr/local/lib/vnettune-vm/record-boot-values"
        mkdir -p "$t/mnt/vnt"
        cat >"$t/etc/fstab" <<'EOF'
# vnettune vm suite
/dev/vda  /         ext4  rw,errors=remount-ro  0 0
vnt       /mnt/vnt  9p    trans=virtio,version=9p2000.L,msize=262144,nofail  0 0
EOF
        # The test policy on top of the vendor one, as an administrator would write it. host_mtu=9000 on
        # the device makes MTU=max safe (the vendor file says why it is not the default).
        install -d "$t/etc/vnettune/90-virtio-net.link.d"
        cat >"$t/etc/vnettune/90-virtio-net.link.d/50-vm-test.conf" <<'EOF'
# vnettune vm suite: the NICs of this guest have host_mtu=9000, so their maximum MTU is safe.
[Link]
MTU=max
EOF
        cat >"$t/etc/vnettune/10-vm-hotplug.link" <<EOF
# vnettune vm suite: the hot-plugged NIC, by its MAC address, gets two queue pairs.
[Match]
MACAddress=$HOTPLUG_MAC
[Link]
Channels=2
XPS=auto
MTU=max
TSO=on
GSO=on
GRO=on
EOF
}

outside_main() {
        local build=${1:?Usage: test-vm.sh BUILD_DIR} base run rc t0 t prefix
        local -a install_from

        build=$(readlink -f "$build")
        t0=$(now)
        ((EUID == 0)) || skip "needs root (tap devices, namespaces, debootstrap)"
        [ -c /dev/net/tun ] || skip "/dev/net/tun is missing (no tun driver): no tap for the guest's NIC"
        bash "$SRC/tests/helpers/install-deps.sh" qemu-system-x86 qemu-utils debootstrap socat e2fsprogs jq \
                python3 || skip "cannot install QEMU and debootstrap with apt-get (no access to the archive?)"
        command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
        command -v debootstrap >/dev/null || skip "debootstrap is not installed"
        unshare --mount true 2>/dev/null || skip "cannot create mount namespaces (unshare --mount)"

        t=$(now)
        base=$(bash "$HERE/build-image.sh" base)
        rc=$?
        ((rc == 77)) && exit 77
        ((rc == 0)) || { echo "FAIL: building the base image failed" >&2; exit 1; }
        echo "base image: $base ($(elapsed "$t"))"

        run=$(mktemp -d /var/tmp/vnettune-vm.XXXXXX)
        if [ "${VNT_VM_KEEP:-0}" = 1 ]; then
                # shellcheck disable=SC2064
                trap "echo 'kept $run' >&2" EXIT
        else
                # shellcheck disable=SC2064
                trap "rm -rf '$run'" EXIT
        fi

        t=$(now)
        if [ -n "${VNT_VM_DEBS:-}" ]; then
                install_from=(--debs "$(readlink -f "$VNT_VM_DEBS")")
                echo "installing vnettune from the packages in $VNT_VM_DEBS"
        elif [ "${VNT_VM_INSTALL:-deb}" = deb ] && [ -f "$SRC/packaging/build-packages.sh" ]; then
                # The product as users get it: the .deb packages of this tree, installed with dpkg.
                if ! bash "$SRC/packaging/build-packages.sh" --out "$run/debs" --formats deb --no-lint \
                        >"$run/packages.log" 2>&1; then
                        tail -n 40 "$run/packages.log" >&2
                        echo "FAIL: packaging/build-packages.sh failed (VNT_VM_INSTALL=destdir tests a meson install instead)" >&2
                        exit 1
                fi
                install_from=(--debs "$run/debs")
                echo "installing vnettune from .deb packages built by packaging/build-packages.sh ($(elapsed "$t"))"
        else
                prefix=$(meson introspect --buildoptions "$build" 2>/dev/null |
                        python3 -c 'import json, sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
                [ "$prefix" = /usr ] || { echo "FAIL: $build has prefix '$prefix'; the image needs --prefix=/usr" >&2; exit 1; }
                meson install -C "$build" --destdir "$run/destdir" --quiet >"$run/install.log" 2>&1 ||
                        { cat "$run/install.log" >&2; echo "FAIL: meson install failed" >&2; exit 1; }
                install_from=(--destdir "$run/destdir")
                echo "installing vnettune with meson install --destdir of $build"
        fi
        t=$(now)
        write_runner_tree "$run/add"
        bash "$HERE/build-image.sh" layer --base "$base" --out "$run/image.raw" "${install_from[@]}" \
                --add "$run/add" || { echo "FAIL: building the run image failed" >&2; exit 1; }
        echo "run image: $run/image.raw ($(elapsed "$t"))"

        bash "$SRC/tests/helpers/sandbox.sh" --host-pid -- bash "$SELF" --inside "$build" "$run" "$base"
        rc=$?
        echo "vm suite: $(elapsed "$t0") in all, exit status $rc"
        exit "$rc"
}

# ---------------------------------------------------------------------------------------------------
# Inside the sandbox: vnettune-hostd, the boots, the host's answers

HOST_FAILED=()
QEMU_PID=
QMP=
SHARE=
N_HOST=0

hlog() { echo "host: $*"; }

# hcheck DESCRIPTION COMMAND...: a host-side check; its output explains a failure.
hcheck() {
        local what=$1 out
        shift
        if out=$("$@" 2>&1); then
                N_HOST=$((N_HOST + 1))
                hlog "PASS: $what${out:+ ($out)}"
                return 0
        fi
        HOST_FAILED+=("$what")
        hlog "FAIL: $what${out:+: $out}"
        return 1
}

hbus() { busctl --address="$VNT_BUS_ADDRESS" "$@"; }
hprop() {               # hprop PATH INTERFACE-SUFFIX PROPERTY: value as JSON
        hbus --json=short get-property org.vnettune.Host1 "$1" "org.vnettune.Host1.$2" "$3" | jq -c .data
}
vm_path() {             # the object path of the VM with our QEMU's pid
        hbus --json=short call org.vnettune.Host1 /org/vnettune/Host1 org.vnettune.Host1.Manager ListVMs |
                jq -r --argjson p "$QEMU_PID" '.data[0][] | select(.[0] == $p) | .[2]'
}
tap_path() {            # tap_path NAME
        hbus --json=short call org.vnettune.Host1 /org/vnettune/Host1 org.vnettune.Host1.Manager ListLinks |
                jq -r --arg n "$1" '.data[0][] | select(.[1] == $n) | .[4]'
}
has_vm() { [ -n "$(vm_path)" ]; }
has_tap() { [ -n "$(tap_path "$1")" ]; }
kernel_active_queues() {        # the attached queues of a tap ("numqueues N" in `ip -d link`; the
                                # detached ones are counted apart as numdisabled)
        ip -d link show dev "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == "numqueues") print $(i + 1) }'
}
tier_missing_ok() {     # TierMissing (JSON) names the emulation and vhost_net
        jq -e 'any(test("emulation")) and any(test("vhost_net"))' <<<"$1" >/dev/null || return 1
        echo "both named"
}

# await SECONDS WANT COMMAND...: until COMMAND prints WANT.
await() {
        local limit=$1 want=$2 got='' i
        shift 2
        for ((i = 0; i < limit * 10; i++)); do
                got=$("$@" 2>/dev/null)
                [ "$got" = "$want" ] && { echo "$got"; return 0; }
                sleep 0.1
        done
        echo "$*: got '$got', expected '$want' after $limit s"
        return 1
}

vcpu_threads_ok() {     # VCPUs lists each vCPU thread of QEMU, its index matching the "CPU n/TCG" name
        local path=$1 want=$2 list n tid idx comm
        list=$(hprop "$path" VM VCPUs) || return 1
        n=$(jq length <<<"$list")
        [ "$n" = "$want" ] || { echo "VCPUs has $n entries, expected $want: $list"; return 1; }
        while read -r tid idx; do
                comm=$(cat "/proc/$QEMU_PID/task/$tid/comm" 2>/dev/null)
                [ "$comm" = "CPU $idx/TCG" ] || { echo "thread $tid (vCPU $idx) is named '$comm'"; return 1; }
        done < <(jq -r '.[] | "\(.[0]) \(.[1])"' <<<"$list")
        echo "$n threads named CPU n/TCG"
}

# ---- request handlers: each prints why it failed and returns non-zero ----

req_check_vm() {        # check-vm TAP QUEUES VCPUS
        local tap=$1 queues=$2 vcpus=$3 vm lp tier missing ok=0
        wait_until 15 has_vm
        vm=$(vm_path)
        hcheck "hostd lists the QEMU process (pid $QEMU_PID) as a VM" test -n "$vm" || return 1
        hcheck "VM Pid" await 1 "$QEMU_PID" hprop "$vm" VM Pid || ok=1
        hcheck "VM TCG is true (vCPUs under emulation)" await 1 true hprop "$vm" VM TCG || ok=1
        hcheck "VM Taps holds $tap with 4 queue fds" bash -c \
                "busctl --address='$VNT_BUS_ADDRESS' --json=short get-property org.vnettune.Host1 '$vm' org.vnettune.Host1.VM Taps | jq -e '.data | any(.[0] == \"$tap\" and .[1] == 4)'" || ok=1
        hcheck "VM VCPUs: the $vcpus vCPU threads" await 15 "$vcpus threads named CPU n/TCG" vcpu_threads_ok "$vm" "$vcpus" || ok=1
        hcheck "VM Name from -name" await 1 "\"vnt-guest-$MODE\"" hprop "$vm" VM Name || ok=1
        tier=$(hprop /org/vnettune/Host1 Manager Tier)
        missing=$(hprop /org/vnettune/Host1 Manager TierMissing)
        hlog "Tier $tier, KVM $(hprop /org/vnettune/Host1 Manager KVM), VhostNet $(hprop /org/vnettune/Host1 Manager VhostNet)"
        hlog "TierMissing $missing"
        hcheck "tier 3: the VM runs under TCG" test "$tier" = '"3"' || ok=1
        if [ "$(hprop /org/vnettune/Host1 Manager KVM)" = true ] && ! grep -Eqw 'vmx|svm' /proc/cpuinfo; then
                hlog "NOTE: KVM is reported usable, but this CPU has no vmx/svm flag: /dev/kvm answers the API" \
                        "version query, yet no guest runs under -accel kvm here"
        fi
        hcheck "VhostNet false (no vhost-net here)" test "$(hprop /org/vnettune/Host1 Manager VhostNet)" = false || ok=1
        hcheck "TierMissing names the emulation and vhost_net" tier_missing_ok "$missing" || ok=1
        hcheck "MultiQueueTaps counts the tap" bash -c \
                "[ \"\$(busctl --address='$VNT_BUS_ADDRESS' --json=short get-property org.vnettune.Host1 /org/vnettune/Host1 org.vnettune.Host1.Manager MultiQueueTaps | jq -c .data)\" = '[1,1]' ]" || ok=1
        lp=$(tap_path "$tap")
        hcheck "hostd lists the tap $tap" test -n "$lp" || return 1
        hcheck "tap $tap: VMPid is QEMU" await 5 "$QEMU_PID" hprop "$lp" Link VMPid || ok=1
        hcheck "tap $tap: MTU 9000 (kernel)" await 5 9000 cat "/sys/class/net/$tap/mtu" || ok=1
        hcheck "tap $tap: MTU 9000 (bus)" await 5 9000 hprop "$lp" Link MTU || ok=1
        hcheck "tap $tap: $queues active queues (kernel)" await 10 "$queues" kernel_active_queues "$tap" || ok=1
        hcheck "tap $tap: Queues $queues (bus)" await 10 "$queues" hprop "$lp" Link Queues || ok=1
        return $ok
}

req_tap_mtu_drift() {   # tap-mtu-drift TAP
        ip link set dev "$1" mtu 1500
        hcheck "tap $1: MTU set to 1500 by hand comes back to 9000" await 5 9000 cat "/sys/class/net/$1/mtu"
}

req_expect_queues() {   # expect-queues TAP N
        local lp
        lp=$(tap_path "$1")
        hcheck "tap $1: $2 active queues (kernel)" await 10 "$2" kernel_active_queues "$1" || return 1
        hcheck "tap $1: hostd follows, Queues $2" await 10 "$2" hprop "$lp" Link Queues
}

req_check_tap() {       # check-tap TAP QUEUES: a hot-plugged tap of the same VM
        local lp vm ok=0
        wait_until 10 has_tap "$1"
        lp=$(tap_path "$1")
        hcheck "hostd lists the hot-plugged tap $1" test -n "$lp" || return 1
        vm=$(vm_path)
        hcheck "tap $1: VMPid is the same QEMU" await 10 "$QEMU_PID" hprop "$lp" Link VMPid || ok=1
        hcheck "VM Taps now holds $1 too" await 10 true bash -c \
                "busctl --address='$VNT_BUS_ADDRESS' --json=short get-property org.vnettune.Host1 '$vm' org.vnettune.Host1.VM Taps | jq '.data | any(.[0] == \"$1\")'" || ok=1
        hcheck "tap $1: MTU 9000" await 5 9000 cat "/sys/class/net/$1/mtu" || ok=1
        hcheck "tap $1: $2 active queues (kernel)" await 10 "$2" kernel_active_queues "$1" || ok=1
        hcheck "tap $1: Queues $2 (bus)" await 10 "$2" hprop "$lp" Link Queues || ok=1
        return $ok
}

req_hotplug_nic() {
        python3 "$HERE/qmp.py" "$QMP" hotplug-nic n1 nic1 vt1 4 hp1 "$HOTPLUG_MAC" host_mtu=9000 || return 1
        hcheck "QEMU created the tap vt1" await 10 yes bash -c '[ -e /sys/class/net/vt1 ] && echo yes' || return 1
        ip link set dev vt1 up
}

req_unplug_nic() {
        local vm ok=0
        python3 "$HERE/qmp.py" "$QMP" unplug-nic n1 nic1 || return 1
        vm=$(vm_path)
        hcheck "the tap vt1 is gone" await 10 no bash -c '[ -e /sys/class/net/vt1 ] && echo yes || echo no' || return 1
        hcheck "hostd drops vt1" await 10 "" tap_path vt1 || ok=1
        hcheck "VM Taps lists vt0 only" await 10 '["vt0"]' bash -c \
                "busctl --address='$VNT_BUS_ADDRESS' --json=short get-property org.vnettune.Host1 '$vm' org.vnettune.Host1.VM Taps | jq -c '[.data[][0]]'" || ok=1
        hcheck "MultiQueueTaps counts one tap again" await 10 '[1,1]' hprop /org/vnettune/Host1 Manager MultiQueueTaps || ok=1
        return $ok
}

req_hotplug_cpus() {    # hotplug-cpus N
        local before
        before=$(python3 "$HERE/qmp.py" "$QMP" count-cpus) || return 1
        python3 "$HERE/qmp.py" "$QMP" hotplug-cpus "$1" || return 1
        hcheck "QEMU has $((before + $1)) vCPUs" await 5 $((before + $1)) python3 "$HERE/qmp.py" "$QMP" count-cpus
}

handle_request() {      # handle_request N: answers req/N in ack/N
        local n=$1 line out rc log=$WORK/request.out
        local -a words
        line=$(cat "$SHARE/req/$n")
        read -r -a words <<<"$line"
        hlog "request $n: $line"
        # Not in a command substitution: hcheck's records must reach this shell.
        case ${words[0]} in
        check-vm)       req_check_vm "${words[@]:1}" ;;
        tap-mtu-drift)  req_tap_mtu_drift "${words[@]:1}" ;;
        expect-queues)  req_expect_queues "${words[@]:1}" ;;
        check-tap)      req_check_tap "${words[@]:1}" ;;
        hotplug-nic)    req_hotplug_nic ;;
        unplug-nic)     req_unplug_nic ;;
        hotplug-cpus)   req_hotplug_cpus "${words[@]:1}" ;;
        *)              echo "unknown request '$line'"; false ;;
        esac >"$log" 2>&1
        rc=$?
        out=$(cat "$log")
        [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
        if ((rc != 0)); then
                # The host checks above recorded themselves; a failed action (QMP) is recorded here.
                grep -q 'FAIL:' <<<"$out" || HOST_FAILED+=("request '$line': $(tail -n 1 <<<"$out")")
                printf 'fail: %s\n' "$(grep 'FAIL:' <<<"$out" | head -n 3 | tr '\n' ';' | sed 's/^ *//')" \
                        >"$SHARE/ack/.$n"
        else
                echo ok >"$SHARE/ack/.$n"
        fi
        mv "$SHARE/ack/.$n" "$SHARE/ack/$n"
        return 0
}

run_boot() {            # run_boot MODE: one boot of the image; 0 when the guest reported success
        local mode=$1 smp run=$RUN t0 n rc deadline guest_rc
        MODE=$mode
        SHARE=$run/share-$mode
        QMP=$run/qmp-$mode.sock
        case $mode in
        a) smp="4" ;;
        b) smp="2,maxcpus=4" ;;
        esac
        rm -rf "$SHARE"
        mkdir -p "$SHARE/req" "$SHARE/ack" "$SHARE/out"
        cp "$HERE/guest/checks.sh" "$SHARE/checks.sh"
        cat >"$SHARE/params" <<EOF
MODE=$mode
BOOT_MAC=$BOOT_MAC
HOTPLUG_MAC=$HOTPLUG_MAC
GUEST_IP=$GUEST_IP
HOST_IP=$HOST_IP
EOF
        echo
        echo "==== boot $mode: -smp $smp ===="
        t0=$(now)
        qemu-system-x86_64 \
                -name "vnt-guest-$mode,debug-threads=on" \
                -machine q35 -accel tcg,thread=multi -cpu max -smp "$smp" -m 1G \
                -nodefaults -display none -no-reboot \
                -serial "file:$ART/console-$mode.log" \
                -kernel "$BASE/vmlinuz" -initrd "$BASE/initrd.img" \
                -append "console=ttyS0 root=/dev/vda rw panic=-1 systemd.show_status=auto" \
                -drive "file=$run/image.raw,format=raw,if=virtio,snapshot=on" \
                -netdev tap,id=n0,ifname=vt0,script=no,downscript=no,vhost=off,queues=4 \
                -device "virtio-net-pci,netdev=n0,id=nic0,mq=on,vectors=10,host_mtu=9000,mac=$BOOT_MAC" \
                -device pcie-root-port,id=hp1,bus=pcie.0,chassis=1,slot=1 \
                -virtfs "local,path=$SHARE,mount_tag=vnt,security_model=none,id=vnt" \
                -qmp "unix:$QMP,server=on,wait=off" \
                >"$ART/qemu-$mode.log" 2>&1 &
        QEMU_PID=$!

        if await 10 yes bash -c '[ -e /sys/class/net/vt0 ] && echo yes' >/dev/null; then
                ip addr add "$HOST_IP/24" dev vt0
                ip link set dev vt0 up
        else
                HOST_FAILED+=("boot $mode: QEMU did not create the tap vt0")
                cat "$ART/qemu-$mode.log"
        fi

        deadline=$((SECONDS + BOOT_TIMEOUT))
        while kill -0 "$QEMU_PID" 2>/dev/null; do
                # In order: the guest numbers its requests 1, 2, ... and waits for each answer.
                for ((n = 1; ; n++)); do
                        [ -e "$SHARE/req/$n" ] || break
                        [ -e "$SHARE/ack/$n" ] || handle_request "$n"
                done
                if ((SECONDS > deadline)); then
                        HOST_FAILED+=("boot $mode: the guest did not power off within $BOOT_TIMEOUT s")
                        hlog "timeout: killing QEMU"
                        kill "$QEMU_PID"
                        break
                fi
                sleep 0.2
        done
        wait "$QEMU_PID"
        rc=$?
        hlog "QEMU exited with status $rc after $(elapsed "$t0")"
        [ -s "$ART/qemu-$mode.log" ] && sed 's/^/    qemu: /' "$ART/qemu-$mode.log"
        cp -r "$SHARE/out" "$ART/guest-$mode"

        echo "---- guest log (boot $mode) ----"
        cat "$SHARE/out/guest.log" 2>/dev/null || echo "(none)"
        echo "---- end of guest log ----"
        guest_rc=$(cat "$SHARE/out/exit-code" 2>/dev/null)
        if [ -z "$guest_rc" ]; then
                HOST_FAILED+=("boot $mode: the guest never reported an exit code")
                echo "---- last lines of the console (boot $mode) ----"
                tail -n 60 "$ART/console-$mode.log"
                return 1
        fi
        hlog "boot $mode: guest checks exit status $guest_rc"
        ((guest_rc == 0)) || HOST_FAILED+=("boot $mode: guest checks failed (exit status $guest_rc)")

        # The VM is gone: vnettune-hostd lets go of it.
        hcheck "boot $mode: hostd drops the VM after QEMU exits" await 10 0 bash -c \
                "busctl --address='$VNT_BUS_ADDRESS' --json=short call org.vnettune.Host1 /org/vnettune/Host1 org.vnettune.Host1.Manager ListVMs | jq '.data[0] | length'"
        ((guest_rc == 0))
}

inside_main() {
        local b
        BUILD=$1 RUN=$2 BASE=$3
        export VNT_BUILD_DIR=$BUILD
        # shellcheck source=../helpers/lib.sh
        source "$SRC/tests/helpers/lib.sh"
        ART=${VNT_VM_ARTIFACTS:-$BUILD/tests/vm/artifacts}
        rm -rf "$ART"
        mkdir -p "$ART"

        # vnettune-hostd with a tap policy: taps at MTU 9000, like the guest's host_mtu. No [Sysctl]:
        # the sandbox shares the host's kernel, and the test must not touch its global knobs.
        printf '[Host]\nDrift=enforce\nVhostPlacement=numa\n' >"$CONF_ROOT/etc/vnettune/hostd.conf"
        printf '[Match]\nDriver=tun\n[Link]\nMTU=9000\n' >"$CONF_ROOT/etc/vnettune/50-vm-tap.link"
        start_hostd
        hlog "vnettune-hostd running (pid $HOSTD_PID)"

        for b in ${VNT_VM_BOOTS:-a b}; do
                run_boot "$b"
        done

        cp "$HOSTD_LOG" "$ART/hostd.log" 2>/dev/null
        hcheck "vnettune-hostd still running" kill -0 "$HOSTD_PID"
        echo
        echo "artifacts (console, guest logs and journals, hostd log): $ART"
        if ((${#HOST_FAILED[@]} > 0)); then
                echo "FAILED:"
                printf '  %s\n' "${HOST_FAILED[@]}"
                exit 1
        fi
        echo "all boots passed ($N_HOST host-side checks)"
        exit 0
}

if [ "${1:-}" = --inside ]; then
        shift
        inside_main "$@"
else
        outside_main "$@"
fi
