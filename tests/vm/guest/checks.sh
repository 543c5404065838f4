#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The guest half of the vm suite: runs inside the booted Debian guest (as root, from the 9p share, by
# vnettune-vm-runner.service) and checks vnettune-guestd the way a user would: systemctl, ethtool, ip,
# sysfs, busctl, journalctl. Asks the host (tests/vm/test-vm.sh) for hotplug and for its own checks
# through request files in the share. Prints PASS/FAIL lines; exits 1 when any check failed.
#
# The share holds: params (sourced: MODE=a|b, BOOT_MAC, HOTPLUG_MAC, GUEST_IP, HOST_IP), req/ and ack/
# (the request protocol, see host_do), out/ (this script's log, exit code and the guest's journal).
#
# Under TCG on a busy host every program started costs a few hundred milliseconds, so the script
# reads sysfs and /proc with bash builtins, takes one snapshot of a link (ethtool, ip, one GetAll on
# the bus) per situation, reads the journal once per situation, and sleeps without starting sleep.

set -u -o pipefail

SHARE=${VNT_SHARE:-/mnt/vnt}
# shellcheck source=/dev/null
. "$SHARE/params"
BOOT_VALUES=/run/vnettune-vm-boot-values
TMP=/run/vnettune-vm-checks
mkdir -p "$TMP"

# MESSAGE_IDs of vnettune's journal entries (common/message-ids.h, explained in vnettune.catalog).
MID_CHANGED=f1ee0164bbea47c792e535557f60671f
MID_DRIFT=b594a1fd17a7482897bb1fb50fde89bc
MID_REVERTED=e55ca2aec44f4ef5896e0948c5a8aec4
MID_MANAGED=0ca734a81be64de588a13dc47bbdb673
MID_GONE=a0211ba0a2304b8186bc642abcc9c6e3

BUS_NAME=org.vnettune.Guest1
MANAGER=/org/vnettune/Guest1

FAILED=()
N_PASS=0

# A sleep without starting sleep(1): a read with a timeout on a pipe nobody writes to.
exec {NAP_FD}<> <(:)
nap() { read -rt "$1" -u "$NAP_FD" || :; }

# ---------------------------------------------------------------------------------------------------
# Reporting

note() {
        local up _
        read -r up _ </proc/uptime
        printf '[%8s] %s\n' "$up" "$*"
}

# check DESCRIPTION COMMAND...: runs COMMAND in this shell (it may set variables), whose output
# explains the result; the run goes on either way.
check() {
        local what=$1 rc line
        shift
        "$@" >"$TMP/out" 2>&1
        rc=$?
        if ((rc == 0)); then
                N_PASS=$((N_PASS + 1))
                note "PASS: $what"
        else
                FAILED+=("$what")
                note "FAIL: $what"
        fi
        while IFS= read -r line; do
                printf '        %s\n' "$line"
        done <"$TMP/out"
        return "$rc"
}

expect_eq() {           # expect_eq WHAT GOT WANT
        if [ "$2" = "$3" ]; then
                echo "$1: $2"
        else
                echo "$1: got '$2', expected '$3'"
                return 1
        fi
}

expect_le() {           # expect_le WHAT A B: A <= B (integers)
        if (($2 <= $3)); then
                echo "$1: $2 <= $3"
        else
                echo "$1: $2 > $3"
                return 1
        fi
}

# await SECONDS WANT GETTER ARG...: calls GETTER (which sets GOT) every 0.1 s until GOT is WANT.
GOT=
await() {
        local limit=$1 want=$2 i
        shift 2
        for ((i = 0; i < limit * 10; i++)); do
                GOT=
                "$@" 2>/dev/null
                [ "$GOT" = "$want" ] && { echo "$*: $GOT"; return 0; }
                nap 0.1
        done
        echo "$*: got '$GOT', expected '$want' (waited $limit s)"
        return 1
}

# ---------------------------------------------------------------------------------------------------
# The host side: a request file req/N with one line, answered by ack/N ("ok" or "fail: why").

REQ_SEQ=0
host_do() {
        local n i answer
        REQ_SEQ=$((REQ_SEQ + 1))
        n=$REQ_SEQ
        printf '%s\n' "$*" >"$SHARE/req/.$n"
        mv "$SHARE/req/.$n" "$SHARE/req/$n"
        for ((i = 0; i < 1800; i++)); do
                if [ -s "$SHARE/ack/$n" ]; then
                        IFS= read -r answer <"$SHARE/ack/$n"
                        echo "host ($*): $answer"
                        [ "$answer" = ok ]
                        return
                fi
                nap 0.1
        done
        echo "the host did not answer '$*' within 180 s"
        return 1
}

# ---------------------------------------------------------------------------------------------------
# The kernel's view. Getters set GOT (for await); snapshots set K_* variables.

g_nic() {               # g_nic MAC: the interface with that address, or empty
        local d a
        GOT=
        for d in /sys/class/net/*; do
                read -r a <"$d/address" 2>/dev/null || continue
                [ "$a" = "$1" ] && { GOT=${d##*/}; return 0; }
        done
        return 0
}

g_txq() {               # active tx queues (the channel count of a virtio NIC)
        local a=("/sys/class/net/$1/queues/"tx-*)
        [ -e "${a[0]}" ] && GOT=${#a[@]} || GOT=0
}

norm_mask() {           # sets M: "00000000,0000000c" -> "c"
        printf -v M '%x' "$((16#${1//,/}))"
}

g_xps() {               # the XPS masks of the tx queues in queue order, normalised ("1 2 4 8")
        local q m out=()
        for ((q = 0; ; q++)); do
                [ -r "/sys/class/net/$1/queues/tx-$q/xps_cpus" ] || break
                read -r m <"/sys/class/net/$1/queues/tx-$q/xps_cpus"
                norm_mask "$m"
                out+=("$M")
        done
        GOT=${out[*]}
}

g_mtu() { read -r GOT <"/sys/class/net/$1/mtu"; }

g_offload() {           # g_offload IF tso|gso|gro|lro
        snap_offloads "$1"
        case $2 in
        tso) GOT=$K_TSO ;; gso) GOT=$K_GSO ;; gro) GOT=$K_GRO ;; lro) GOT=$K_LRO ;;
        esac
}

snap_offloads() {
        local key value _
        K_TSO='' K_GSO='' K_GRO='' K_LRO=''
        while read -r key value _; do
                case $key in
                tcp-segmentation-offload:) K_TSO=$value ;;
                generic-segmentation-offload:) K_GSO=$value ;;
                generic-receive-offload:) K_GRO=$value ;;
                large-receive-offload:) K_LRO=$value ;;
                esac
        done < <(ethtool -k "$1")
}

snap_kernel() {         # snap_kernel IF: ethtool -l, ethtool -k, ip -d link, sysfs
        local key value section='' w
        local -a words
        K_CH='' K_CHMAX='' K_MAXMTU=''
        while read -r key value _; do
                case $key in
                Pre-set) section=max ;;
                Current) section=cur ;;
                Combined:) if [ "$section" = max ]; then K_CHMAX=$value; else K_CH=$value; fi ;;
                esac
        done < <(ethtool -l "$1")
        snap_offloads "$1"
        read -r -a words < <(ip -d -o link show dev "$1")
        for ((w = 0; w < ${#words[@]}; w++)); do
                [ "${words[w]}" = maxmtu ] && K_MAXMTU=${words[w + 1]}
        done
        g_mtu "$1"; K_MTU=$GOT
        g_xps "$1"; K_XPS=$GOT
        g_txq "$1"; K_TXQ=$GOT
        cd -P "/sys/class/net/$1/device/driver" 2>/dev/null && K_DRIVER=${PWD##*/}
        cd /
}

ONLINE=()
read_online() {         # ONLINE: the online CPUs
        local spec part
        read -r spec </sys/devices/system/cpu/online
        ONLINE_SPEC=$spec
        ONLINE=()
        IFS=, read -r -a parts <<<"$spec"
        for part in "${parts[@]}"; do
                if [[ $part == *-* ]]; then
                        eval "ONLINE+=({${part%-*}..${part#*-}})"
                else
                        ONLINE+=("$part")
                fi
        done
}

# ---------------------------------------------------------------------------------------------------
# The policy (the vendor 90-virtio-net.link: Channels=auto, XPS=auto, TSO/GSO/GRO on; the test's
# drop-in MTU=max), as documented, written down here independently of the daemon's planner.

want_channels() {       # Channels=auto: one queue pair per online CPU, at most what the device offers
        read_online
        local n=${#ONLINE[@]}
        W_CH=$((n < $1 ? n : $1))
}

# XPS=auto for N queues: the online CPUs in contiguous groups over the queues (sizes differing by at
# most one, one CPU each when the counts are equal); with fewer CPUs than queues, queue q gets CPU
# q mod ncpus.
want_xps() {
        local nq=$1 q i first end mask out=()
        read_online
        local n=${#ONLINE[@]}
        for ((q = 0; q < nq; q++)); do
                mask=0
                if ((n >= nq)); then
                        first=$((q * n / nq))
                        end=$(((q + 1) * n / nq))
                        for ((i = first; i < end; i++)); do
                                mask=$((mask | (1 << ONLINE[i])))
                        done
                else
                        mask=$((1 << ONLINE[q % n]))
                fi
                printf -v M '%x' "$mask"
                out+=("$M")
        done
        W_XPS=${out[*]}
}

# POLICY_SYSCTL[key]=value from the installed vendor guestd.conf.
declare -A POLICY_SYSCTL=()
read_policy_sysctls() {
        local line in_sysctl='' v
        while IFS= read -r line; do
                case $line in
                \[Sysctl\]*) in_sysctl=1 ;;
                \[*) in_sysctl= ;;
                [a-z]*=*) if [ -n "$in_sysctl" ]; then
                                read -r -a v <<<"${line#*=}"
                                POLICY_SYSCTL[${line%%=*}]=${v[*]}
                        fi ;;
                esac
        done </usr/lib/vnettune/guestd.conf
}

g_sysctl() {            # the value with whitespace squeezed, as in the policy
        local -a v
        read -r -a v <"/proc/sys/${1//.//}"
        GOT=${v[*]}
}

# BOOT[key]: what record-boot-values wrote before the agent started.
declare -A BOOT=()
read_boot_values() {
        local key value
        while read -r key value; do
                BOOT[$key]=$value
        done <"$BOOT_VALUES"
}

# ---------------------------------------------------------------------------------------------------
# The agent's view on the bus

# LINKS[ifindex]=path from ListLinks (busctl's plain output: a(isso) N IDX "name" "state" "path" ...)
declare -A LINKS=()
list_links() {
        local -a w
        local i
        LINKS=()
        read -r -a w < <(busctl call "$BUS_NAME" "$MANAGER" org.vnettune.Guest1.Manager ListLinks)
        for ((i = 2; i + 3 < ${#w[@]}; i += 4)); do
                LINKS[${w[i]}]=${w[i + 3]//\"/}
        done
}

g_link_path() { list_links; GOT=${LINKS[$1]:-}; }

g_link_state() {        # g_link_state IFINDEX
        local t v
        GOT=
        list_links
        [ -n "${LINKS[$1]:-}" ] || return 0
        read -r t v < <(busctl get-property "$BUS_NAME" "${LINKS[$1]}" org.vnettune.Guest1.Link State)
        GOT=${v//\"/}
}

g_in_tree() {           # "present" or "absent": does busctl tree list PATH
        local p
        GOT=absent
        while read -r p; do
                [ "$p" = "$1" ] && GOT=present
        done < <(busctl --list tree "$BUS_NAME")
        return 0
}

# snap_bus PATH: one GetAll of the Link interface into B_* variables.
snap_bus() {
        eval "$(busctl --json=short call "$BUS_NAME" "$1" org.freedesktop.DBus.Properties GetAll s \
                org.vnettune.Guest1.Link | jq -r '.data[0] |
                "B_NAME=\(.Name.data | @sh) B_DRIVER=\(.Driver.data | @sh) B_STATE=\(.State.data | @sh)",
                "B_POLICY=\(.Policy.data | @sh) B_CH=\(.Channels.data) B_CHMAX=\(.MaxChannels.data)",
                "B_TXQ=\(.TxQueues.data) B_XPS=(\(.XPS.data | map(@sh) | join(" "))) B_MTU=\(.MTU.data)",
                "B_MAXMTU=\(.MaxMTU.data) B_LASTERROR=\(.LastError.data | @sh)",
                "B_TSO=\(.Offloads.data.tso // "" | @sh) B_GSO=\(.Offloads.data.gso // "" | @sh) B_GRO=\(.Offloads.data.gro // "" | @sh)"')"
        local m out=()
        for m in "${B_XPS[@]}"; do
                norm_mask "$m"
                out+=("$M")
        done
        B_XPS_NORM=${out[*]}
}

# snap_manager: the Manager's OnlineCPUs and Sysctls into B_ONLINE and B_SYSCTL[key].
declare -A B_SYSCTL=()
snap_manager() {
        local key value
        B_SYSCTL=()
        B_ONLINE=$(busctl --json=short get-property "$BUS_NAME" "$MANAGER" org.vnettune.Guest1.Manager OnlineCPUs |
                jq -r .data)
        while IFS=$'\t' read -r key value; do
                B_SYSCTL[$key]=$value
        done < <(busctl --json=short get-property "$BUS_NAME" "$MANAGER" org.vnettune.Guest1.Manager Sysctls |
                jq -r '.data[] | "\(.[0])\t\(.[1] | gsub("[ \t]+"; " "))"')
}

declare -A UP=()
unit_props() {          # unit_props UNIT PROPERTY...: UP[PROPERTY]=value (one systemctl show)
        local unit=$1 line
        shift
        UP=()
        while IFS= read -r line; do
                [[ $line == *=* ]] && UP[${line%%=*}]=${line#*=}
        done < <(systemctl show "${@/#/--property=}" "$unit")
}

guest_call() {
        local m=$1
        shift
        busctl call "$BUS_NAME" "$MANAGER" org.vnettune.Guest1.Manager "$m" "$@"
}

# ---------------------------------------------------------------------------------------------------
# The journal: vnettune-guestd's entries after a mark (realtime microseconds), one read per situation.
# (Not `journalctl --after-cursor` with matches: systemd 252 then skips the first matching entry.)

mark() { MARK=${EPOCHREALTIME/./}; }

US=$'\x1f'
# The fields every entry about a setting carries; link entries also INTERFACE and IFINDEX.
J_FILTER='
def s: if type == "array" then "DUPLICATE:" + (map(tostring) | join("|")) else tostring end;
def required: ["MESSAGE", "MESSAGE_ID", "PRIORITY", "VNETTUNE_SETTING", "VNETTUNE_OLD", "VNETTUNE_NEW",
               "VNETTUNE_REASON"] + (if (.VNETTUNE_SETTING // "" | s | startswith("sysctl:")) then []
               else ["INTERFACE", "IFINDEX"] end);
select((.__REALTIME_TIMESTAMP | tonumber) > $m)
| . as $e
| [(.MESSAGE_ID // "" | s), (.IFINDEX // "" | s), (.INTERFACE // "" | s), (.VNETTUNE_SETTING // "" | s),
   (.VNETTUNE_OLD // "" | s), (.VNETTUNE_NEW // "" | s), (.VNETTUNE_REASON // "" | s), (.VNETTUNE_UID // "" | s),
   .__MONOTONIC_TIMESTAMP,
   (if .VNETTUNE_SETTING then [required[] | select($e[.] == null)] | join(",") else "" end),
   (.MESSAGE // "" | s)]
| join("\u001f")'

jload() {               # jload MARK: the agent's entries of this boot after MARK into the J_* arrays
        local mid idx ifc set old new reason uid mono missing msg
        J_MID=() J_IDX=() J_IF=() J_SET=() J_OLD=() J_NEW=() J_REASON=() J_UID=() J_MONO=() J_MISSING=() J_MSG=()
        while IFS=$US read -r mid idx ifc set old new reason uid mono missing msg; do
                J_MID+=("$mid") J_IDX+=("$idx") J_IF+=("$ifc") J_SET+=("$set") J_OLD+=("$old") J_NEW+=("$new")
                J_REASON+=("$reason") J_UID+=("$uid") J_MONO+=("$mono") J_MISSING+=("$missing") J_MSG+=("$msg")
        done < <(journalctl -q -b --no-pager -o json SYSLOG_IDENTIFIER=vnettune-guestd |
                jq -r --argjson m "$1" "$J_FILTER")
}

# jmatch I MID IFINDEX SETTING REASON [OLD NEW]: entry I matches (globs; "*" for any)
jmatch() {
        local i=$1
        # shellcheck disable=SC2053
        [[ ${J_MID[i]} == $2 && ${J_IDX[i]} == $3 && ${J_SET[i]} == $4 && ${J_REASON[i]} == $5 &&
           ${J_OLD[i]} == ${6:-*} && ${J_NEW[i]} == ${7:-*} ]]
}

jcount() {              # jcount MID IFINDEX SETTING REASON [OLD NEW]: sets JC, lists the matches
        local i
        JC=0
        for ((i = 0; i < ${#J_MID[@]}; i++)); do
                jmatch "$i" "$@" || continue
                JC=$((JC + 1))
                echo "  ${J_MSG[i]}"
        done
}

expect_count() {        # expect_count N MID IFINDEX SETTING REASON [OLD NEW]
        local want=$1
        shift
        jcount "$@"
        expect_eq entries "$JC" "$want"
}

expect_count_ge() {     # expect_count_ge N MID IFINDEX SETTING REASON [OLD NEW]
        local want=$1
        shift
        jcount "$@"
        ((JC >= want)) || { echo "entries: $JC, expected at least $want"; return 1; }
        echo "entries: $JC"
}

expect_count_le() {    # expect_count_le N MID IFINDEX SETTING REASON [OLD NEW]
        local want=$1
        shift
        jcount "$@"
        ((JC <= want)) || { echo "entries: $JC, expected at most $want"; return 1; }
        echo "entries: $JC"
}

jfields() {             # jfields MID IFINDEX: every matching entry about a setting has every field
        local i n=0 bad=0
        for ((i = 0; i < ${#J_MID[@]}; i++)); do
                jmatch "$i" "$1" "$2" "?*" "*" || continue
                n=$((n + 1))
                if [ -n "${J_MISSING[i]}" ] || [[ "${J_MID[i]}${J_IDX[i]}${J_SET[i]}${J_OLD[i]}${J_NEW[i]}" == *DUPLICATE:* ]]; then
                        echo "'${J_MSG[i]}': missing ${J_MISSING[i]:-nothing}, duplicated fields: ${J_SET[i]} ${J_OLD[i]} ${J_NEW[i]}"
                        bad=$((bad + 1))
                fi
        done
        echo "$n entries checked"
        ((n > 0 && bad == 0))
}

jshow() {               # jshow IFINDEX-GLOB: the entries about settings, for the log
        local i
        for ((i = 0; i < ${#J_MID[@]}; i++)); do
                # shellcheck disable=SC2053
                [[ ${J_IDX[i]} == $1 && -n ${J_SET[i]} ]] || continue
                case ${J_MID[i]} in
                "$MID_CHANGED") echo "    change: ${J_MSG[i]}" ;;
                "$MID_DRIFT") echo "    drift:  ${J_MSG[i]}" ;;
                "$MID_REVERTED") echo "    revert: ${J_MSG[i]}" ;;
                *) echo "    other:  ${J_MSG[i]}" ;;
                esac
        done
}

# ---------------------------------------------------------------------------------------------------
# Checks shared by both boots

BOOT_IF=
BOOT_IDX=
BOOT_PATH=

check_agent_at_boot() {
        local pre agent_ready managed='' last_change='' i

        g_nic "$BOOT_MAC"
        BOOT_IF=$GOT
        [ -n "$BOOT_IF" ] || { check "the boot NIC $BOOT_MAC exists" false; return 1; }
        read -r BOOT_IDX <"/sys/class/net/$BOOT_IF/ifindex"
        read_online
        note "boot NIC: $BOOT_IF (ifindex $BOOT_IDX), CPUs online: $ONLINE_SPEC"
        unit_props network-pre.target ActiveEnterTimestampMonotonic
        pre=${UP[ActiveEnterTimestampMonotonic]:-0}
        unit_props vnettune-guestd.service ActiveState UnitFileState ActiveEnterTimestampMonotonic
        agent_ready=${UP[ActiveEnterTimestampMonotonic]:-0}
        check "vnettune-guestd.service is active" expect_eq ActiveState "${UP[ActiveState]}" active
        check "vnettune-guestd.service is enabled" expect_eq UnitFileState "${UP[UnitFileState]}" enabled
        check "boot values recorded before the agent started" test -s "$BOOT_VALUES"
        read_boot_values
        note "boot values:"
        while IFS= read -r i; do echo "        $i"; done <"$BOOT_VALUES"

        # Tuning of the boot NIC done before network-pre.target: the agent is Type=notify, ordered
        # before it, and tunes the links it finds before READY=1; its journal entries say when.
        check "network-pre.target was reached" test "$pre" -gt 0
        check "the agent was ready before network-pre.target" expect_le "ready <= network-pre (us)" "$agent_ready" "$pre"
        jload 0
        for ((i = 0; i < ${#J_MID[@]}; i++)); do
                [ "${J_IDX[i]}" = "$BOOT_IDX" ] || continue
                if [ "${J_MID[i]}" = "$MID_MANAGED" ] && [ -z "$managed" ]; then
                        managed=${J_MONO[i]}
                        check "the boot NIC was taken in hand at boot, not later as a hotplug" \
                                expect_eq message "${J_MSG[i]}" "$BOOT_IF: link appeared (boot)"
                fi
                [ "${J_MID[i]}" = "$MID_CHANGED" ] && last_change=${J_MONO[i]}
        done
        check "the boot NIC was taken in hand before network-pre.target" \
                expect_le "link appeared <= network-pre (us)" "${managed:-999999999999}" "$pre"
        if [ -n "$last_change" ]; then
                check "every change to the boot NIC at boot made before network-pre.target" \
                        expect_le "last change <= network-pre (us)" "$last_change" "$pre"
        else
                note "(no change to the boot NIC was needed at boot: the kernel's defaults match the policy)"
        fi
        note "systemd-analyze critical-chain network-pre.target:"
        systemd-analyze critical-chain --no-pager network-pre.target 2>&1 | while IFS= read -r i; do echo "        $i"; done

        g_link_path "$BOOT_IDX"
        BOOT_PATH=$GOT
        check "the boot NIC is on the bus (ListLinks)" test -n "$BOOT_PATH"
        check "busctl tree lists it" await 1 present g_in_tree "$BOOT_PATH"
}

# check_link IF PATH WHAT CHANNELS: kernel and bus agree with each other and with the policy.
check_link() {
        local ifc=$1 path=$2 what=$3 want_ch=$4
        snap_kernel "$ifc"
        snap_bus "$path"
        want_xps "$K_CH"
        check "$what: ethtool -l: $want_ch channels as the policy says" expect_eq combined "$K_CH" "$want_ch"
        check "$what: XPS as the policy says" expect_eq xps_cpus "$K_XPS" "$W_XPS"
        check "$what: MTU is the device's maximum (MTU=max)" expect_eq mtu "$K_MTU" "$K_MAXMTU"
        check "$what: ethtool -k: tso, gso, gro on" expect_eq "tso gso gro" "$K_TSO $K_GSO $K_GRO" "on on on"
        check "$what: bus State" expect_eq State "$B_STATE" tuned
        check "$what: bus Name, Driver = kernel" expect_eq "Name Driver" "$B_NAME $B_DRIVER" "$ifc $K_DRIVER"
        check "$what: bus Channels, MaxChannels = ethtool -l" expect_eq "Channels MaxChannels" \
                "$B_CH $B_CHMAX" "$K_CH $K_CHMAX"
        check "$what: bus TxQueues = sysfs" expect_eq TxQueues "$B_TXQ" "$K_TXQ"
        check "$what: bus XPS = sysfs" expect_eq XPS "$B_XPS_NORM" "$K_XPS"
        check "$what: bus MTU, MaxMTU = ip -d link" expect_eq "MTU MaxMTU" "$B_MTU $B_MAXMTU" "$K_MTU $K_MAXMTU"
        check "$what: bus Offloads = ethtool -k" expect_eq "tso gso gro" "$B_TSO $B_GSO $B_GRO" "$K_TSO $K_GSO $K_GRO"
        check "$what: bus LastError empty" expect_eq LastError "$B_LASTERROR" ""
}

check_sysctls_match_policy() {
        local key
        snap_manager
        read_online
        check "bus OnlineCPUs = sysfs" expect_eq OnlineCPUs "$B_ONLINE" "$ONLINE_SPEC"
        for key in "${!POLICY_SYSCTL[@]}"; do
                g_sysctl "$key"
                check "sysctl $key as the policy says, and on the bus" expect_eq "$key (kernel, bus)" \
                        "$GOT, ${B_SYSCTL[$key]:-}" "${POLICY_SYSCTL[$key]}, ${POLICY_SYSCTL[$key]}"
        done
}

# kill -9, restart by systemd, then Revert: everything back to what the guest booted with.
check_restart_and_revert() {
        local pid1 n key mac=$BOOT_MAC

        unit_props vnettune-guestd.service MainPID NRestarts
        pid1=${UP[MainPID]} n=${UP[NRestarts]}
        kill -9 "$pid1"
        restarted() {
                unit_props vnettune-guestd.service MainPID ActiveState NRestarts
                GOT=no
                [ "${UP[MainPID]}" != "$pid1" ] && [ "${UP[MainPID]}" != 0 ] && [ "${UP[ActiveState]}" = active ] &&
                        ((UP[NRestarts] > n)) && GOT=yes
        }
        check "kill -9: systemd restarts the agent (new MainPID, NRestarts up)" await 30 yes restarted
        note "agent pid $pid1 -> ${UP[MainPID]}, NRestarts ${UP[NRestarts]}"
        check "... back on the bus with the boot NIC" await 10 "$BOOT_PATH" g_link_path "$BOOT_IDX"

        mark
        check "Revert i 0" guest_call Revert i 0
        snap_kernel "$BOOT_IF"
        check "channels back to the boot value" expect_eq channels "$K_CH" "${BOOT[$mac/channels]}"
        check "XPS back to the boot value" expect_eq xps "$K_XPS" "${BOOT[$mac/xps]}"
        check "MTU back to the boot value" expect_eq mtu "$K_MTU" "${BOOT[$mac/mtu]}"
        check "offloads back to the boot values" expect_eq "tso gso gro lro" "$K_TSO $K_GSO $K_GRO $K_LRO" \
                "${BOOT[$mac/offload:tso]} ${BOOT[$mac/offload:gso]} ${BOOT[$mac/offload:gro]} ${BOOT[$mac/offload:lro]}"
        for key in "${!POLICY_SYSCTL[@]}"; do
                g_sysctl "$key"
                check "sysctl $key back to the boot value" expect_eq "$key" "$GOT" "${BOOT[sysctl:$key]}"
        done
        check "the link is reverted on the bus" await 5 reverted g_link_state "$BOOT_IDX"
        jload "$MARK"
        jshow "*"
        check "the reverts are in the journal: reason api, the caller's uid" \
                expect_count_ge 1 "$MID_REVERTED" "*" "?*" api
        jcount "$MID_REVERTED" "*" "?*" "*" >/dev/null
        local total=$JC
        check "... every one with reason api" expect_count "$total" "$MID_REVERTED" "*" "?*" api
        check "... and the uid of the caller (0)" expect_eq uid "${J_UID[0]:-}" 0
        check "... with every field" jfields "$MID_REVERTED" "*"
}

# ---------------------------------------------------------------------------------------------------
# Boot A: -smp 4, the boot NIC with 4 queues and host_mtu=9000

boot_a() {
        local key was n ifc idx path usec t i

        check_agent_at_boot || return
        want_channels 4
        check_link "$BOOT_IF" "$BOOT_PATH" "boot NIC" "$W_CH"
        check_sysctls_match_policy

        # The journal of the boot: one entry per change, each with the documented fields.
        note "the agent's changes at boot:"
        jload 0
        jshow "*"
        check "change entries at boot carry MESSAGE_ID, VNETTUNE_* (and INTERFACE, IFINDEX for links)" \
                jfields "$MID_CHANGED" "*"
        for key in "${!POLICY_SYSCTL[@]}"; do
                was=${BOOT[sysctl:$key]:-}
                if [ "$was" = "${POLICY_SYSCTL[$key]}" ]; then
                        check "sysctl $key: no change entry (it had the value already)" \
                                expect_count 0 "$MID_CHANGED" "" "sysctl:$key" "*"
                else
                        check "sysctl $key: one change entry, reason boot, $was -> ${POLICY_SYSCTL[$key]}" \
                                expect_count 1 "$MID_CHANGED" "" "sysctl:$key" boot "$was" "${POLICY_SYSCTL[$key]}"
                fi
        done

        # The host's view at rest: the VM, its tap, its vCPU threads, the tier, the tap's queues and MTU.
        check "host: vnettune-hostd sees this VM, its tap and its 4 vCPUs" host_do check-vm vt0 4 4

        # Jumbo frames end to end: guest MTU 9000, the tap at 9000 (kept by vnettune-hostd).
        ip addr add "$GUEST_IP/24" dev "$BOOT_IF"
        ip link set dev "$BOOT_IF" up
        check "a 9000-byte frame reaches the host unfragmented" ping -c 2 -i 0.5 -W 5 -M "do" -s 8972 "$HOST_IP"
        check "host: the tap's MTU is set to 1500 by hand and comes back" host_do tap-mtu-drift vt0
        check "... jumbo frames pass again" ping -c 1 -W 5 -M "do" -s 8972 "$HOST_IP"

        # Someone else's ethtool -L: re-asserted (Drift=enforce), one change entry, a drift entry.
        n=$W_CH
        mark
        ethtool -L "$BOOT_IF" combined 1
        check "someone's ethtool -L combined 1 is undone" await 10 "$n" g_txq "$BOOT_IF"
        want_xps "$n"
        check "... XPS as the policy says again" await 5 "$W_XPS" g_xps "$BOOT_IF"
        # Someone's MTU and GRO changes too.
        ip link set dev "$BOOT_IF" mtu 1500
        check "someone's MTU 1500 goes back to 9000" await 10 9000 g_mtu "$BOOT_IF"
        ethtool -K "$BOOT_IF" gro off
        check "someone's GRO off goes back on" await 10 on g_offload "$BOOT_IF" gro
        nap 1
        jload "$MARK"
        jshow "$BOOT_IDX"
        check "one channels change 1 -> $n, reason drift" \
                expect_count 1 "$MID_CHANGED" "$BOOT_IDX" channels drift "*1" "*$n"
        check "... announced by a drift entry" expect_count 1 "$MID_DRIFT" "$BOOT_IDX" channels drift
        check "one mtu change 1500 -> 9000, reason drift" \
                expect_count 1 "$MID_CHANGED" "$BOOT_IDX" mtu drift 1500 9000
        check "one gro change, reason drift" expect_count 1 "$MID_CHANGED" "$BOOT_IDX" "*gro" drift "off" "on"
        for ((i = 0; i < n; i++)); do
                check "at most one xps:tx-$i change" expect_count_le 1 "$MID_CHANGED" "$BOOT_IDX" "xps:tx-$i" drift
        done
        check "the change and drift entries carry every field" jfields "?*" "$BOOT_IDX"

        # A second NIC hot-plugged over QMP (its own policy by MAC address: Channels=2), then removed.
        mark
        check "host: a second NIC is hot-plugged" host_do hotplug-nic
        check "the hot-plugged NIC appears" await 30 yes has_hotplug_nic
        if [ -n "$HP_IDX" ]; then
                idx=$HP_IDX
                check "it is on the bus and tuned" await 10 tuned g_link_state "$idx"
                # By now udev has renamed it (the kernel's eth0 becomes enp1s0): look it up again.
                g_nic "$HOTPLUG_MAC"
                ifc=$GOT
                note "hot-plugged NIC: $ifc (ifindex $idx)"
                g_link_path "$idx"
                path=$GOT
                check "busctl tree lists it" await 1 present g_in_tree "$path"
                check_link "$ifc" "$path" "hot-plugged NIC" 2
                check "its policy is the file matching its MAC address" \
                        expect_eq Policy "${B_POLICY##*/}" 10-vm-hotplug.link
                usec=$(udevadm info -q property -p "/sys/class/net/$ifc" | while IFS="=" read -r k v; do
                        [ "$k" = USEC_INITIALIZED ] && echo "$v"; done)
                jload "$MARK"
                jshow "$idx"
                t=
                for ((i = 0; i < ${#J_MID[@]}; i++)); do
                        [ "${J_MID[i]}" = "$MID_CHANGED" ] && [ "${J_IDX[i]}" = "$idx" ] && t=${J_MONO[i]}
                done
                check "its changes are logged with reason hotplug" expect_count_ge 1 "$MID_CHANGED" "$idx" "?*" hotplug
                jcount "$MID_CHANGED" "$idx" "?*" "*" >/dev/null
                local all=$JC
                jcount "$MID_CHANGED" "$idx" "?*" hotplug
                check "... all of them" expect_eq "hotplug entries" "$JC" "$all"
                check "... with every field" jfields "$MID_CHANGED" "$idx"
                check "tuned within 2 s of udev announcing it" \
                        expect_le "last change - USEC_INITIALIZED (us)" "$((${t:-99999999999} - ${usec:-0}))" 2000000
                check "host: vnettune-hostd sees the second tap on the same VM, 2 queues" host_do check-tap vt1 2

                check "host: the NIC is unplugged" host_do unplug-nic
                check "the NIC is gone" await 30 "" g_nic "$HOTPLUG_MAC"
                check "its D-Bus object is gone from busctl tree" await 5 absent g_in_tree "$path"
                jload "$MARK"
                check "its removal is in the journal" expect_count 1 "$MID_GONE" "$idx" "" ""
                check "the boot NIC is still tuned" await 1 tuned g_link_state "$BOOT_IDX"
        fi

        # A CPU goes offline and comes back: the driver rewrites XPS, the agent puts the policy back.
        mark
        echo 0 >/sys/devices/system/cpu/cpu3/online
        check "cpu3 offline: channels follow the online CPUs (3)" await 10 3 g_txq "$BOOT_IF"
        want_xps 3
        check "cpu3 offline: XPS as the policy says for 3 CPUs" await 5 "$W_XPS" g_xps "$BOOT_IF"
        snap_manager
        check "bus OnlineCPUs follows" expect_eq OnlineCPUs "$B_ONLINE" 0-2
        check "host: the tap's active queues follow (3)" host_do expect-queues vt0 3
        jload "$MARK"
        jshow "$BOOT_IDX"
        check "a drift with reason cpu is logged" expect_count_ge 1 "$MID_DRIFT" "$BOOT_IDX" "?*" cpu
        check "channels 4 -> 3 logged with reason cpu" expect_count 1 "$MID_CHANGED" "$BOOT_IDX" channels cpu "*4" "*3"

        mark
        echo 1 >/sys/devices/system/cpu/cpu3/online
        check "cpu3 online: channels back to 4" await 10 4 g_txq "$BOOT_IF"
        want_xps 4
        check "cpu3 online: the driver's XPS rewrite undone" await 5 "$W_XPS" g_xps "$BOOT_IF"
        check "host: the tap's active queues follow (4)" host_do expect-queues vt0 4
        jload "$MARK"
        jshow "$BOOT_IDX"
        check "a drift with reason cpu is logged" expect_count_ge 1 "$MID_DRIFT" "$BOOT_IDX" "?*" cpu
        check "channels 3 -> 4 logged with reason cpu" expect_count 1 "$MID_CHANGED" "$BOOT_IDX" channels cpu "*3" "*4"
        check "XPS restores logged with reason cpu" expect_count_ge 1 "$MID_CHANGED" "$BOOT_IDX" "xps:*" cpu
        check "... with every field" jfields "?*" "$BOOT_IDX"
        check_link "$BOOT_IF" "$BOOT_PATH" "boot NIC after the CPU came back" 4

        check_restart_and_revert
        check "host: the tap's queues follow the revert" host_do expect-queues vt0 "${BOOT[$BOOT_MAC/channels]}"
}

HP_IDX=
has_hotplug_nic() {     # the NIC with HOTPLUG_MAC exists: HP_IDX is its ifindex (its name may change)
        g_nic "$HOTPLUG_MAC"
        [ -n "$GOT" ] && read -r HP_IDX <"/sys/class/net/$GOT/ifindex" 2>/dev/null && GOT=yes
}

# ---------------------------------------------------------------------------------------------------
# Boot B: -smp 2,maxcpus=4, then two vCPUs hot-added over QMP and brought online here

boot_b() {
        local cpu

        check_agent_at_boot || return
        want_channels 4
        check "2 CPUs online, 2 channels" expect_eq "online channels" "${#ONLINE[@]} $W_CH" "2 2"
        check_link "$BOOT_IF" "$BOOT_PATH" "boot NIC with 2 CPUs" "$W_CH"
        check "host: vnettune-hostd sees this VM with 2 vCPUs, the tap at 2 queues" host_do check-vm vt0 2 2

        check "host: two vCPUs are hot-added" host_do hotplug-cpus 2
        have_cpu3() { GOT=no; [ -e /sys/devices/system/cpu/cpu3/online ] && GOT=yes; }
        check "they arrive, offline" await 30 yes have_cpu3
        g_txq "$BOOT_IF"
        check "... channels stay at 2" expect_eq channels "$GOT" 2
        mark
        for cpu in 2 3; do
                echo 1 >/sys/devices/system/cpu/cpu$cpu/online
                check "cpu$cpu online: channels grow to $((cpu + 1))" await 10 $((cpu + 1)) g_txq "$BOOT_IF"
                want_xps $((cpu + 1))
                check "cpu$cpu online: XPS as the policy says" await 5 "$W_XPS" g_xps "$BOOT_IF"
        done
        jload "$MARK"
        jshow "$BOOT_IDX"
        check "two channels changes, reason cpu" expect_count 2 "$MID_CHANGED" "$BOOT_IDX" channels cpu
        check "... with every field" jfields "?*" "$BOOT_IDX"
        check_link "$BOOT_IF" "$BOOT_PATH" "boot NIC with 4 CPUs" 4
        check "host: the tap's active queues follow (4), 4 vCPU threads" host_do check-vm vt0 4 4

        # The agent's originals survive a kill -9: Revert brings back 2 channels and the boot XPS.
        check_restart_and_revert
        check "host: the tap's active queues follow the revert (2)" host_do expect-queues vt0 2
        check "Apply i 0 tunes again" guest_call Apply i 0
        check "... 4 channels" await 10 4 g_txq "$BOOT_IF"
}

# ---------------------------------------------------------------------------------------------------

read_policy_sysctls
note "vm suite, boot $MODE: kernel $(uname -r), CPUs online $(</sys/devices/system/cpu/online), $(systemctl --version | head -n 1)"
case $MODE in
a)      boot_a ;;
b)      boot_b ;;
*)      check "known mode '$MODE'" false ;;
esac

journalctl -b --no-pager -o short-monotonic >"$SHARE/out/journal.txt" 2>&1
journalctl -b --no-pager -o json SYSLOG_IDENTIFIER=vnettune-guestd >"$SHARE/out/guestd-journal.json" 2>&1
systemctl --no-pager --failed >"$SHARE/out/failed-units.txt" 2>&1

note "$N_PASS checks passed, ${#FAILED[@]} failed"
for f in "${FAILED[@]}"; do
        note "  failed: $f"
done
((${#FAILED[@]} == 0))
