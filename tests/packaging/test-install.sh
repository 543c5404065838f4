#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install test of the .deb packages: a minimal Debian system (debootstrap, cached) booted with
# systemd-nspawn as PID 1 in a private network namespace, in which the packages are installed,
# exercised, upgraded, removed and purged. Everything is checked from outside with nsenter.
# Needs root, debootstrap and systemd-nspawn (installed with apt-get when missing), and the package
# archive of apt's sources the first time (to build the cached root file system); skips otherwise.
#
# Usage: test-install.sh
# Environment: VNT_ROOTFS_CACHE  where cached root file systems live (/var/cache/vnettune-tests)
#              VNT_KEEP=1        keep the work directory (packages, console log) for a look afterwards

set -u -o pipefail

SRCDIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
CACHE=${VNT_ROOTFS_CACHE:-/var/cache/vnettune-tests}

# What the root file system holds besides debootstrap's minbase: systemd as init, a system bus,
# what the maintainer scripts and this test call (procps for pgrep and the units' /bin/kill,
# iproute2 for ip), and the shared libraries the packages depend on. The packages are installed
# offline (the container has no network), so a new Depends of theirs belongs here too.
ROOTFS_PACKAGES=(
        systemd systemd-sysv dbus udev procps iproute2
        libnl-3-200 libnl-route-3-200 libmnl0 libjansson4
)
# Bump when the way the root file system is prepared below changes (invalidates the cache).
ROOTFS_RECIPE=1

GUEST_CAPS=0000000000001000     # CAP_NET_ADMIN
HOST_CAPS=0000000000881004      # CAP_NET_ADMIN CAP_SYS_NICE CAP_SYS_PTRACE CAP_DAC_READ_SEARCH
MSG_CHANGED=f1ee0164bbea47c792e535557f60671f

work=
rootfs=
debs=()
nspawn_pid=
leader=
n_checks=0

say() {
        echo "==> $*"
}

skip() {
        echo "SKIP: $*"
        exit 77
}

cleanup() {
        local i

        if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
                # SIGTERM makes nspawn ask the container's systemd to power off.
                kill -TERM "$nspawn_pid" 2>/dev/null
                for ((i = 0; i < 150; i++)); do
                        kill -0 "$nspawn_pid" 2>/dev/null || break
                        sleep 0.1
                done
                kill -KILL "$nspawn_pid" 2>/dev/null
                wait "$nspawn_pid" 2>/dev/null
        fi
        nspawn_pid=
        leader=
        if [[ -n $work ]]; then
                if [[ ${VNT_KEEP:-} == 1 ]]; then
                        echo "kept $work"
                else
                        rm -rf -- "$work"
                fi
        fi
        work=
}
trap cleanup EXIT

# Runs a command inside the container, with a clean environment.
ct() {
        nsenter -t "$leader" -a \
                env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
                SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

fail() {
        echo "FAIL: $*" >&2
        if [[ -n $leader ]] && kill -0 "$leader" 2>/dev/null; then
                echo "---- systemctl status ----" >&2
                ct systemctl status --no-pager --lines=0 vnettune-guestd.service vnettune-hostd.service >&2
                echo "---- journal (last 60 lines) ----" >&2
                ct journalctl --no-pager -n 60 -o short-monotonic >&2
        fi
        exit 1
}

check() {               # check DESCRIPTION COMMAND...: the command must succeed
        local what=$1
        shift
        "$@" || fail "$what"
        n_checks=$((n_checks + 1))
        echo "ok: $what"
}

wait_until() {          # wait_until SECONDS COMMAND...: polls every 0.1 s
        local limit=$1 i
        shift
        for ((i = 0; i < limit * 10; i++)); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        return 1
}

ct_equals() {           # ct_equals EXPECTED COMMAND...: the command's output, stripped, is EXPECTED
        local want=$1 got
        shift
        got=$(ct "$@" 2>/dev/null) || return 1
        [[ $got == "$want" ]] || { echo "  got '$got', want '$want'" >&2; return 1; }
}

ct_has() {              # ct_has EXTENDED-REGEX COMMAND...
        local re=$1 got
        shift
        got=$(ct "$@" 2>&1) || return 1
        grep -Eq -- "$re" <<<"$got" || { echo "  no match for '$re' in: ${got:0:600}" >&2; return 1; }
}

ct_fails() {            # ct_fails COMMAND...: the command fails
        ! ct "$@" >/dev/null 2>&1
}

ensure_tools() {
        local missing=() tool

        for tool in debootstrap:debootstrap systemd-nspawn:systemd-container nsenter:util-linux \
                pgrep:procps; do
                command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
        done
        ((${#missing[@]} == 0)) && return 0
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >/dev/null 2>&1 ||
                skip "cannot install ${missing[*]} with apt-get"
        for tool in debootstrap systemd-nspawn nsenter pgrep; do
                command -v "$tool" >/dev/null 2>&1 || skip "$tool is missing"
        done
}

# The first "main" archive of apt's own sources for this release; no host name is written here.
find_mirror() {
        local codename=$1 m

        m=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(IDENTIFIER)' 2>/dev/null |
                awk -v c="$codename" '$2 == c && $3 == "main" && $4 == "Packages" { print $1; exit }')
        if [[ -z $m ]]; then
                apt-get update -q >/dev/null 2>&1
                m=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(IDENTIFIER)' 2>/dev/null |
                        awk -v c="$codename" '$2 == c && $3 == "main" && $4 == "Packages" { print $1; exit }')
        fi
        echo "$m"
}

# Sets rootfs to a root file system with ROOTFS_PACKAGES, built once per package list and recipe.
ensure_rootfs() {
        local codename arch key mirror tmp

        codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
        [[ -n $codename ]] || skip "cannot tell this system's release from /etc/os-release"
        arch=$(dpkg --print-architecture)
        key=$(printf '%s\n' "$codename" "$arch" "$ROOTFS_RECIPE" "${ROOTFS_PACKAGES[@]}" | sha256sum | cut -c1-16)
        rootfs=$CACHE/rootfs-$codename-$arch-$key
        mkdir -p "$CACHE" || skip "cannot create $CACHE"

        # One builder at a time; the others wait and then find it ready.
        exec 9>"$CACHE/.lock"
        flock 9
        if [[ ! -e $rootfs/.complete ]]; then
                mirror=$(find_mirror "$codename")
                [[ -n $mirror ]] || skip "apt's sources name no $codename main archive"
                /usr/lib/apt/apt-helper download-file "${mirror%/}/dists/$codename/Release" "$work/Release" \
                        >/dev/null 2>&1 || skip "the package archive of apt's sources is not reachable"

                say "building the root file system $rootfs (debootstrap, once)"
                rm -rf -- "$rootfs" "$CACHE"/tmp.*
                tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
                chmod 0755 "$tmp"
                debootstrap --variant=minbase --components=main \
                        --include="$(IFS=,; echo "${ROOTFS_PACKAGES[*]}")" \
                        "$codename" "$tmp" "$mirror" >"$work/debootstrap.log" 2>&1 || {
                        tail -n 30 "$work/debootstrap.log" >&2
                        rm -rf -- "$tmp"
                        fail "debootstrap failed"
                }
                # The journal in memory; no timers that would take apt's lock during the test.
                mkdir -p "$tmp/etc/systemd/journald.conf.d"
                printf '[Journal]\nStorage=volatile\n' >"$tmp/etc/systemd/journald.conf.d/volatile.conf"
                ln -sf /dev/null "$tmp/etc/systemd/system/apt-daily.timer"
                ln -sf /dev/null "$tmp/etc/systemd/system/apt-daily-upgrade.timer"
                rm -rf "$tmp/var/cache/apt/archives/"*.deb
                touch "$tmp/.complete"
                mv "$tmp" "$rootfs"
        fi
        exec 9>&-
}

boot() {
        local c i
        local -a unit_opts=(--register=no)

        say "booting $rootfs (volatile overlay, private network)"
        # Without systemd on the host there is no machined to register with and no manager to create
        # a scope unit: nspawn then runs only with --keep-unit as well.
        [[ -d /run/systemd/system ]] || unit_opts+=(--keep-unit)
        # --volatile=overlay: every write goes to a tmpfs, the cached tree stays as it is.
        # --private-network: a network namespace of its own with only lo (the host's network is never
        # shared); the container keeps CAP_NET_ADMIN in it.
        systemd-nspawn --quiet "${unit_opts[@]}" --boot \
                --directory="$rootfs" --volatile=overlay --private-network \
                --machine="vnettune-pkgtest-$$" --console=read-only \
                --bind-ro="$work/debs:/vnettune-debs" \
                </dev/null >"$work/console.log" 2>&1 &
        nspawn_pid=$!

        # The container's PID 1 is the child of nspawn that is PID 1 in its own namespace.
        for ((i = 0; i < 100; i++)); do
                kill -0 "$nspawn_pid" 2>/dev/null || break
                for c in $(pgrep -P "$nspawn_pid"); do
                        grep -Eq '^NSpid:[[:space:]]+[0-9]+[[:space:]]+1$' "/proc/$c/status" 2>/dev/null && leader=$c
                done
                [[ -n $leader ]] && break
                sleep 0.1
        done
        [[ -n $leader ]] || { cat "$work/console.log" >&2; fail "systemd-nspawn did not start a container"; }

        wait_until 60 ct busctl status org.freedesktop.systemd1 || fail "the container's systemd does not answer"
        ct timeout 60 systemctl is-system-running --wait >/dev/null
        ct_has '^(running|degraded)$' systemctl is-system-running ||
                fail "the container did not finish booting"
}

ct_exposure() {         # ct_exposure UNIT MAX-TIMES-TEN: systemd-analyze security of the loaded unit
        local report rc

        report=$(ct systemd-analyze security --no-pager --threshold="$2" "$1" 2>&1)
        rc=$?
        ((rc == 0)) || echo "$report" >&2
        echo "  ${report##*$'\n'}"
        return $rc
}

ct_diagnose() {         # ct_diagnose --guest|--host: Diagnose answers (0: all fine, 6: it found warnings)
        local out rc

        out=$(ct vnettunectl "$1" --no-pager --window=1 diagnose 2>&1)
        rc=$?
        sed 's/^/  | /' <<<"$out"
        ((rc == 0 || rc == 6)) && return 0
        echo "  vnettunectl $1 diagnose: exit status $rc" >&2
        return 1
}

main_pid() {            # main_pid UNIT
        ct systemctl show -P MainPID "$1"
}

# The capability bounding set, no_new_privs and seccomp mode of a unit's main process.
check_sandbox() {
        local unit=$1 caps=$2 pid status

        pid=$(main_pid "$unit")
        [[ $pid =~ ^[1-9][0-9]*$ ]] || fail "$unit has no main process"
        status=$(ct cat "/proc/$pid/status")
        check "$unit runs with CapBnd $caps" grep -q "^CapBnd:[[:space:]]*$caps\$" <<<"$status"
        check "$unit runs with no_new_privs" grep -q '^NoNewPrivs:[[:space:]]*1$' <<<"$status"
        check "$unit runs with a seccomp filter" grep -q '^Seccomp:[[:space:]]*2$' <<<"$status"
}

# Sets debs to the three packages in SUBDIR of the build output, as the container sees them.
set_debs() {
        local f

        debs=()
        for f in "$work/debs/$1"/vnettune-{common,guest,host}_*.deb; do
                [[ -f $f ]] || fail "no ${f##*/} was built"
                debs+=("/vnettune-debs/$1/${f##*/}")
        done
}

catalog_ids() {
        sed -n 's/^-- \([0-9a-f]\{32\}\)\( .*\)\{0,1\}$/\1/p' "$SRCDIR/packaging/vnettune.catalog"
}

test_installed() {
        local id out f

        say "installing"
        set_debs .
        ct apt-get install -y -q --no-install-recommends "${debs[@]}" >"$work/apt-install.log" 2>&1 || {
                cat "$work/apt-install.log" >&2
                fail "apt-get install of the packages failed"
        }
        for p in vnettune-common vnettune-guest vnettune-host; do
                check "$p is installed" ct_equals "install ok installed" dpkg-query -W -f='${Status}' "$p"
        done

        for u in vnettune-guestd vnettune-hostd; do
                check "$u.service is enabled" ct_equals enabled systemctl is-enabled "$u.service"
                check "$u.service is active" ct_equals active systemctl is-active "$u.service"
                check "$u.service passes systemd-analyze verify" ct systemd-analyze verify --man=no "$u.service"
        done
        check "the guest unit's exposure is at most 1.8" ct_exposure vnettune-guestd.service 18
        check "the host unit's exposure is at most 2.5" ct_exposure vnettune-hostd.service 25
        check_sandbox vnettune-guestd.service "$GUEST_CAPS"
        check_sandbox vnettune-hostd.service "$HOST_CAPS"

        check "busctl tree org.vnettune.Guest1 answers" ct_has '/org/vnettune/Guest1' busctl tree org.vnettune.Guest1
        check "busctl tree org.vnettune.Host1 answers" ct_has '/org/vnettune/Host1' busctl tree org.vnettune.Host1
        check "vnettunectl answers for both daemons" ct_has 'vnettune-hostd' vnettunectl --no-pager status
        for f in /usr/bin/vnettunectl /usr/share/man/man1/vnettunectl.1.gz /usr/share/man/man5/vnettune.conf.5.gz \
                /usr/share/man/man7/vnettune.7.gz /usr/share/man/man8/vnettune-guestd.8.gz \
                /usr/share/man/man8/vnettune-hostd.8.gz /usr/share/bash-completion/completions/vnettunectl \
                /usr/share/dbus-1/interfaces/org.vnettune.Guest1.xml /usr/lib/systemd/catalog/vnettune.catalog \
                /lib/udev/rules.d/80-vnettune-guestd.rules /usr/lib/modules-load.d/vnettune.conf; do
                check "$f is installed" ct test -f "$f"
        done
        check "vnettune-hostd reports a tier" ct_has '^s "' busctl get-property org.vnettune.Host1 \
                /org/vnettune/Host1 org.vnettune.Host1.Manager Tier

        # The vendor sysctls reach the container's network namespace through ReadWritePaths=/proc/sys/net.
        check "net.core.somaxconn was written" ct_equals 65535 cat /proc/sys/net/core/somaxconn
        check "net.ipv4.tcp_rmem was written" ct_has '^4096[[:space:]]+1048576[[:space:]]+16777216$' \
                cat /proc/sys/net/ipv4/tcp_rmem

        out=$(ct journalctl --list-catalog)
        for id in $(catalog_ids); do
                check "the catalog has $id" grep -q "^$id " <<<"$out"
        done
        check "journalctl --catalog explains the agent's changes" ct_has 'Subject: vnettune changed' \
                journalctl --catalog --no-pager -u vnettune-guestd.service "MESSAGE_ID=$MSG_CHANGED"

        check "the guest's local drop-in is a conffile" ct_has '^ /etc/vnettune/guestd\.conf\.d/50-local\.conf [0-9a-f]{32}$' \
                dpkg-query -W -f='${Conffiles}\n' vnettune-guest
        check "the host's local drop-in is a conffile" ct_has '^ /etc/vnettune/hostd\.conf\.d/50-local\.conf [0-9a-f]{32}$' \
                dpkg-query -W -f='${Conffiles}\n' vnettune-host
        check "the vendor policy is no conffile" ct_fails grep -q /usr/lib/vnettune /var/lib/dpkg/info/vnettune-guest.conffiles
}

# The daemons at work inside their sandbox: netlink, the driver lookup, sysfs, the bus.
test_tuning() {
        local path

        say "tuning a veth with vnettune-guestd and a bridge with vnettune-hostd"
        ct sh -c 'printf "[Match]\nDriver=veth\nName=vnt-g0\n\n[Link]\nMTU=1400\n" >/etc/vnettune/40-pkgtest-veth.link'
        check "systemctl reload vnettune-guestd works" ct systemctl reload vnettune-guestd.service
        ct ip link add vnt-g0 type veth peer name vnt-g1 || fail "cannot create a veth in the container"
        check "vnettune-guestd set the veth's MTU (policy matched by Driver=veth)" \
                wait_until 20 ct_has 'mtu 1400 ' ip -o link show vnt-g0
        path=$(ct busctl call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager ListLinks |
                grep -o '"vnt-g0" "[^"]*" "[^"]*"' | awk '{ print $3 }' | tr -d '"')
        [[ -n $path ]] || fail "ListLinks does not list vnt-g0"
        check "vnettune-guestd reports the veth's driver" ct_equals 's "veth"' busctl get-property \
                org.vnettune.Guest1 "$path" org.vnettune.Guest1.Link Driver
        check "vnettunectl lists the veth" ct_has 'vnt-g0' vnettunectl --guest --no-pager list
        check "the agent diagnoses from inside its sandbox" ct_diagnose --guest
        check "the host service diagnoses from inside its sandbox" ct_diagnose --host

        ct sed -i 's/^MTU=1400$/MTU=1300/' /etc/vnettune/40-pkgtest-veth.link
        ct systemctl reload vnettune-guestd.service
        check "a changed policy applies after a reload" wait_until 20 ct_has 'mtu 1300 ' ip -o link show vnt-g0

        # The agent would tune the bridge too: let vnettune-hostd do it alone.
        ct systemctl stop vnettune-guestd.service
        ct sh -c 'printf "[Match]\nName=vnt-br0\n\n[Link]\nMTU=1280\n" >/etc/vnettune/41-pkgtest-bridge.link'
        check "systemctl reload vnettune-hostd works" ct systemctl reload vnettune-hostd.service
        ct ip link add vnt-br0 type bridge || fail "cannot create a bridge in the container"
        check "vnettune-hostd set the bridge's MTU" wait_until 20 ct_has 'mtu 1280 ' ip -o link show vnt-br0
        check "vnettune-hostd logged the change" ct_has "INTERFACE=vnt-br0" journalctl --no-pager -o verbose \
                -u vnettune-hostd.service "MESSAGE_ID=$MSG_CHANGED"
        ct systemctl start vnettune-guestd.service
        check "vnettune-guestd is back" ct_equals active systemctl is-active vnettune-guestd.service
}

test_upgrade() {
        local d
        local -A old_pid old_inv

        say "upgrading to the rebuilt packages"
        for d in guestd hostd; do
                ct sh -c "echo pkgtest >/run/vnettune/$d/pkgtest-marker" || fail "cannot write into /run/vnettune/$d"
                old_pid[$d]=$(main_pid "vnettune-$d.service")
                old_inv[$d]=$(ct systemctl show -P InvocationID "vnettune-$d.service")
        done
        check "the agent kept its original sysctl values" ct test -s /run/vnettune/guestd/sysctl
        ct sh -c 'echo "# edited by the administrator" >>/etc/vnettune/guestd.conf.d/50-local.conf'

        set_debs upgrade
        ct apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold \
                "${debs[@]}" >"$work/apt-upgrade.log" 2>&1 || {
                cat "$work/apt-upgrade.log" >&2
                fail "apt-get install of the upgrade packages failed"
        }
        for d in guestd hostd; do
                check "vnettune-${d%d} is upgraded" ct_has '\+upgrade1$' dpkg-query -W -f='${Version}' \
                        "vnettune-${d%d}"
                check "vnettune-$d.service is active after the upgrade" \
                        ct_equals active systemctl is-active "vnettune-$d.service"
                check "vnettune-$d.service was restarted" \
                        test "$(ct systemctl show -P InvocationID "vnettune-$d.service")" != "${old_inv[$d]}"
                check "vnettune-$d runs as a new process" test "$(main_pid "vnettune-$d.service")" != "${old_pid[$d]}"
                check "/run/vnettune/$d survived the upgrade" ct test -e "/run/vnettune/$d/pkgtest-marker"
        done
        check "the agent's originals survived the upgrade" ct test -s /run/vnettune/guestd/sysctl
        check "the administrator's edit of the conffile survived" \
                ct grep -q '^# edited by the administrator$' /etc/vnettune/guestd.conf.d/50-local.conf
        check "busctl tree org.vnettune.Guest1 answers after the upgrade" \
                ct_has '/org/vnettune/Guest1' busctl tree org.vnettune.Guest1
}

test_remove_purge() {
        local p d

        say "removing and purging"
        ct rm -f /etc/vnettune/40-pkgtest-veth.link /etc/vnettune/41-pkgtest-bridge.link
        for p in guest host; do
                d=${p}d
                ct apt-get remove -y -q "vnettune-$p" >"$work/apt-remove-$p.log" 2>&1 ||
                        { cat "$work/apt-remove-$p.log" >&2; fail "apt-get remove vnettune-$p failed"; }
                check "vnettune-$d.service is stopped by remove" ct_fails systemctl is-active "vnettune-$d.service"
                check "no vnettune-$d process is left" ct_fails pgrep -x "vnettune-$d"
                check "remove keeps vnettune-$p's conffile" \
                        ct test -f "/etc/vnettune/$d.conf.d/50-local.conf"
                check "remove keeps /run/vnettune/$d" ct test -d "/run/vnettune/$d"
                check "org.vnettune.${p^}1 is gone from the bus" ct_fails busctl status "org.vnettune.${p^}1"

                ct apt-get purge -y -q "vnettune-$p" >"$work/apt-purge-$p.log" 2>&1 ||
                        { cat "$work/apt-purge-$p.log" >&2; fail "apt-get purge vnettune-$p failed"; }
                check "purge removes /etc/vnettune/$d.conf.d" ct_fails test -e "/etc/vnettune/$d.conf.d"
                check "purge removes /run/vnettune/$d" ct_fails test -e "/run/vnettune/$d"
                check "vnettune-$p is gone from dpkg's database" \
                        ct_fails dpkg-query -W -f='${Status}' "vnettune-$p"
                check "purge leaves no enablement symlink of vnettune-$d" \
                        ct_fails sh -c "ls /etc/systemd/system/*/vnettune-$d.service /etc/systemd/system/dbus-org.vnettune.${p^}1.service"
        done
        check "purging both removes /etc/vnettune" ct_fails test -e /etc/vnettune
        check "purging both removes /run/vnettune" ct_fails test -e /run/vnettune
        ct apt-get purge -y -q vnettune-common >/dev/null 2>&1 || fail "apt-get purge vnettune-common failed"
        check "nothing of vnettune is left in dpkg's database" ct_fails sh -c 'dpkg -l "vnettune*" 2>/dev/null | grep -q "^[a-z][a-z] "'
}

main() {
        ((EUID == 0)) || skip "needs root (debootstrap, systemd-nspawn, nsenter)"
        [[ -r /etc/debian_version ]] || skip "needs a Debian system (the packages are .deb)"
        ensure_tools
        work=$(mktemp -d "${TMPDIR:-/tmp}/vnettune-pkgtest.XXXXXX")

        ensure_rootfs

        say "building the packages"
        "$SRCDIR/packaging/build-packages.sh" --out "$work/debs" --formats deb --upgrade --no-lint ||
                fail "building the packages failed"
        rm -f "$work"/debs/*-dbgsym_*.deb "$work"/debs/upgrade/*-dbgsym_*.deb

        boot
        test_installed
        test_tuning
        test_upgrade
        test_remove_purge
        echo "$n_checks checks passed"
}

main "$@"
