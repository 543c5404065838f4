#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vnettunectl as a user runs it, against the real vnettune-guestd on a private bus with the shipped
# policy: every command; the JSON read back equal to busctl's values; the exit status of every error
# class; what a non-root user sees and may do; colour and pager only on a terminal; --no-legend; the
# bash completion; and the human tables compared with the snapshots in tests/bus/expected/.
# Usage: test-ctl-guest.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
source "$(dirname "$(readlink -f "$0")")/../helpers/lib.sh"
require_sandbox "$(readlink -f "$0")" "$VNT_BUILD_DIR"
HERE=$VNT_SRCDIR/tests/bus

for tool in runuser python3 script; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool missing" >&2; exit 77; }
done
unset NO_COLOR PAGER SYSTEMD_PAGER VNETTUNECTL_ROOT_CHECK
export TERM=xterm

vctl() { "$VNETTUNECTL" "$@"; }
nobody() { runuser -u nobody -- "$@"; }
normalise() { python3 "$HERE/normalise.py" "$@"; }
has() { grep -q -- "$1" "$2" || fail "$2 lacks '$1': $(head -c 1000 "$2")"; N_CHECKS=$((N_CHECKS + 1)); }
sysfs() { cat "/sys/class/net/$1/$2"; }
link_state() { link_prop "$1" State; }

cat >"$CONF_ROOT/etc/vnettune/guestd.conf" <<'EOC'
[Guest]
Drift=enforce
[Sysctl]
net.ipv4.tcp_fin_timeout=30
net.core.netdev_max_backlog=5000
EOC
# va/vb are tuned and only reported when they drift; vc/vd ask for more channels than they have.
cat >"$CONF_ROOT/etc/vnettune/50-veth.link" <<'EOC'
[Match]
Name=va vb
[Link]
Channels=2
MTU=9000
TSO=on
GSO=on
GRO=off
Drift=report
EOC
printf '[Match]\nName=vc vd\n[Link]\nChannels=4\n' >"$CONF_ROOT/etc/vnettune/40-small.link"

# In a fresh network namespace the indexes are fixed: lo 1, vb 2, va 3, vd 4, vc 5.
ip link add va address 02:00:00:00:00:0a numtxqueues 4 numrxqueues 4 type veth \
        peer vb address 02:00:00:00:00:0b numtxqueues 4 numrxqueues 4
ip link add vc address 02:00:00:00:00:0c numtxqueues 2 numrxqueues 2 type veth \
        peer vd address 02:00:00:00:00:0d numtxqueues 2 numrxqueues 2

# ---- no daemon: exit status 3 for every command, nothing on stdout ----
for args in "" "status" "list" "--guest list" "show va" "plan" "--json=short status"; do
        # shellcheck disable=SC2086
        expect_status 3 "'vnettunectl $args' without a daemon" vctl $args
        check "'$args' without a daemon prints nothing on stdout" [ ! -s "$WORK/stdout" ]
done
has "No vnettune daemon is running" "$WORK/stderr"
expect_status 3 "apply without a daemon" vctl apply
expect_status 3 "no system bus at all" env DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent "$VNETTUNECTL" list
has "Cannot connect to the system bus" "$WORK/stderr"

# ---- usage errors: exit status 2, before anything else ----
expect_status 2 "unknown command" vctl frobnicate
has "Unknown command 'frobnicate'" "$WORK/stderr"
expect_status 2 "unknown option" vctl --frobnicate list
expect_status 2 "--json without a mode" vctl list --json
expect_status 2 "unknown --json mode" vctl --json=xml list
expect_status 2 "show without an argument" vctl show
expect_status 2 "too many arguments" vctl plan va vb
expect_status 2 "list takes no argument" vctl list va
expect_status 2 "--guest with --host" vctl --guest --host status
expect_status 2 "--json with a changing command" vctl --json=short apply
expect_status 2 "vms is not for the guest" vctl --guest vms
expect_status 2 "usage errors come before the root check" nobody "$VNETTUNECTL" apply va vb
expect_status 0 "--help" vctl --help
for verb in status list vms show plan apply revert reload; do
        has "  $verb" "$WORK/stdout"
done
for opt in --guest --host --json=MODE --no-pager --no-legend --no-color; do
        has "$opt" "$WORK/stdout"
done
expect_status 0 "--version" vctl --version
has "vnettunectl [0-9]" "$WORK/stdout"

start_guestd
settled() { ! guest_call ListLinks | grep -q '"pending"'; }
check "links settled" wait_until 10 settled
check "va tuned" wait_until 5 bash -c "[ \"\$(busctl --address=$VNT_BUS_ADDRESS get-property org.vnettune.Guest1 \
        /org/vnettune/Guest1/link/_33 org.vnettune.Guest1.Link State)\" = 's \"tuned\"' ]"
check "va at MTU 9000" [ "$(sysfs va mtu)" = 9000 ]

# ---- human output: snapshots (piped, so no colour and no pager) ----
vctl status >"$WORK/status.out" || fail "status"
normalise --field Version --field "Online CPUs" <"$WORK/status.out" >"$WORK/status.txt"
compare_snapshot guest-status.txt "$WORK/status.txt"
expect_status 0 "no command means status" vctl
check "no command prints what status prints" cmp -s "$WORK/stdout" "$WORK/status.out"

vctl list >"$WORK/list.txt" || fail "list"
compare_snapshot guest-list.txt "$WORK/list.txt"
vctl show va | normalise --field XPS >"$WORK/show-va.txt" || fail "show va"
compare_snapshot guest-show-va.txt "$WORK/show-va.txt"
vctl show vc | normalise --field XPS >"$WORK/show-vc.txt" || fail "show vc"
compare_snapshot guest-show-vc.txt "$WORK/show-vc.txt"
vctl show 3 | normalise --field XPS >"$WORK/show-3.txt" || fail "show 3"
check "show by ifindex equals show by name" cmp -s "$WORK/show-3.txt" "$WORK/show-va.txt"
for f in status.out list.txt show-va.txt; do
        check "no escape sequences when not a terminal ($f)" bash -c "! grep -q $'\e' '$WORK/$f'"
done

# va drifts and is only reported (Drift=report): the plan shows the way back.
ip link set va mtu 1500
check "va drifted" wait_until 5 bash -c "[ \"\$(busctl --address=$VNT_BUS_ADDRESS get-property org.vnettune.Guest1 \
        /org/vnettune/Guest1/link/_33 org.vnettune.Guest1.Link State)\" = 's \"drifted\"' ]"
vctl plan >"$WORK/plan.txt" || fail "plan"
compare_snapshot guest-plan.txt "$WORK/plan.txt"
check "plan changed nothing" [ "$(sysfs va mtu)" = 1500 ]
vctl plan va >"$WORK/plan-va.txt" || fail "plan va"
compare_snapshot guest-plan-va.txt "$WORK/plan-va.txt"
vctl plan vb >"$WORK/plan-vb.txt" || fail "plan vb"
check "a tuned link has nothing to change" grep -qx "Nothing to change: every setting matches the policy." \
        "$WORK/plan-vb.txt"

# ---- --no-legend: rows only ----
vctl list >"$WORK/list-now.txt" || fail "list"
vctl list --no-legend >"$WORK/list-nolegend.txt" || fail "list --no-legend"
check "--no-legend: one line per link" [ "$(wc -l <"$WORK/list-nolegend.txt")" = 4 ]
check "--no-legend: no header" bash -c "! grep -q IDX '$WORK/list-nolegend.txt'"
check "--no-legend: the rows of list" bash -c "grep -v -e IDX -e listed -e '^\$' '$WORK/list-now.txt' | \
        cmp -s - '$WORK/list-nolegend.txt'"
vctl --no-legend plan vb >"$WORK/plan-nolegend.txt" || fail "plan --no-legend"
check "--no-legend: an empty plan prints nothing" [ ! -s "$WORK/plan-nolegend.txt" ]

# ---- JSON: parses, short and pretty agree, every value equals what busctl reads ----
for cmd in status list "show va" "show 5" plan "plan va"; do
        # shellcheck disable=SC2086
        vctl --json=short $cmd >"$WORK/short.json" || fail "$cmd --json=short"
        # shellcheck disable=SC2086
        vctl $cmd --json=pretty >"$WORK/pretty.json" || fail "$cmd --json=pretty"
        check "$cmd: short JSON is one line" [ "$(wc -l <"$WORK/short.json")" = 1 ]
        check "$cmd: pretty JSON is indented" grep -q '^  "guest"' "$WORK/pretty.json"
        check "$cmd: short and pretty JSON agree" python3 -c 'import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
sys.exit(a != b or list(a) != ["guest"])' "$WORK/short.json" "$WORK/pretty.json"
        # shellcheck disable=SC2086
        case $cmd in
        "plan va") check_ctl_json plan guest "$(ifindex va)" -- $cmd ;;
        plan) check_ctl_json plan guest 0 -- $cmd ;;
        *) check_ctl_json "${cmd%% *}" guest -- $cmd ;;
        esac
done
vctl --json=short plan >"$WORK/plan.json"
check "plan JSON has va's MTU row" python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["guest"]
sys.exit(not any(r["Link"] == "va" and r["Setting"] == "mtu" and r["Current"] == "1500" and r["Desired"] == "9000"
                 for r in rows))' "$WORK/plan.json"

# ---- unknown links: exit status 5 ----
for cmd in "show nosuch" "plan nosuch" "apply nosuch" "revert nosuch" "show 999" "--guest show nosuch"; do
        # shellcheck disable=SC2086
        expect_status 5 "$cmd" vctl $cmd
done
has "No link 'nosuch' on vnettune-guestd" "$WORK/stderr"
expect_status 5 "unknown link with --json" vctl --json=short show vnt-nothing
check "nothing on stdout for an unknown link" [ ! -s "$WORK/stdout" ]

# ---- the other daemon is absent: exit status 3 ----
expect_status 3 "--host without vnettune-hostd" vctl --host list
has "vnettune-hostd is not running" "$WORK/stderr"
expect_status 3 "vms without vnettune-hostd" vctl vms
expect_status 3 "--host apply without vnettune-hostd" vctl --host apply
expect_status 0 "--guest list" vctl --guest list
check "--guest list equals list" cmp -s "$WORK/stdout" "$WORK/list-now.txt"

# ---- a non-root user: reads everything, changes nothing ----
for cmd in status list "show va" "plan" "plan va" "--json=short list" "--json=pretty status"; do
        # shellcheck disable=SC2086
        vctl $cmd >"$WORK/root.out" 2>&1
        # shellcheck disable=SC2086
        expect_status 0 "'$cmd' as nobody" nobody "$VNETTUNECTL" $cmd
        check "'$cmd' shows nobody what it shows root" cmp -s "$WORK/stdout" "$WORK/root.out"
done
for cmd in apply "apply va" revert "revert va" reload; do
        # shellcheck disable=SC2086
        expect_status 4 "'$cmd' as nobody" nobody "$VNETTUNECTL" $cmd
        has "needs root" "$WORK/stderr"
        # Past our own check, the bus policy (and the daemon) say no: still 4.
        # shellcheck disable=SC2086
        expect_status 4 "'$cmd' as nobody, refused by the bus" nobody env VNETTUNECTL_ROOT_CHECK=0 "$VNETTUNECTL" $cmd
        has "access denied" "$WORK/stderr"
done
check "nobody changed nothing" [ "$(sysfs va mtu)" = 1500 ]

# ---- apply, revert, reload ----
expect_status 0 "apply va" vctl apply va
check "apply: va back at 9000" [ "$(sysfs va mtu)" = 9000 ]
check "apply: va tuned" [ "$(link_state va)" = '"tuned"' ]
check "apply printed nothing" [ ! -s "$WORK/stdout" ]
expect_status 0 "revert va" vctl revert va
check "revert: va's original MTU" [ "$(sysfs va mtu)" = 1500 ]
check "revert: va reverted" [ "$(link_state va)" = '"reverted"' ]
check "revert: vb untouched" [ "$(sysfs vb mtu)" = 9000 ]
vctl list >"$WORK/list-reverted.txt"
check "list shows the reverted state" grep -Eq '^  3  va +veth +reverted ' "$WORK/list-reverted.txt"
expect_status 0 "apply by ifindex" vctl apply 3
check "apply 3: va at 9000" [ "$(sysfs va mtu)" = 9000 ]
expect_status 0 "revert everything" vctl revert
check "revert: vb's original MTU" [ "$(sysfs vb mtu)" = 1500 ]
check "revert: sysctl restored" [ "$(sysctl -n net.ipv4.tcp_fin_timeout)" = 60 ]
expect_status 0 "apply everything" vctl --guest apply
check "apply: vb at 9000" [ "$(sysfs vb mtu)" = 9000 ]
check "apply: sysctl set" [ "$(sysctl -n net.ipv4.tcp_fin_timeout)" = 30 ]
sed -i 's/^MTU=9000/MTU=8000/' "$CONF_ROOT/etc/vnettune/50-veth.link"
expect_status 0 "reload" vctl reload
check "reload: the new MTU" [ "$(sysfs va mtu)" = 8000 ]

# A reload the daemon refuses is a plain failure: exit status 1, with its reason.
mv "$CONF_ROOT/etc/vnettune" "$CONF_ROOT/etc/vnettune.saved"
echo "not a directory" >"$CONF_ROOT/etc/vnettune"
expect_status 1 "a failed reload" vctl reload
has "last good policy" "$WORK/stderr"
rm -f "$CONF_ROOT/etc/vnettune"
mv "$CONF_ROOT/etc/vnettune.saved" "$CONF_ROOT/etc/vnettune"

# ---- colour and pager: only on a terminal ----
on_tty() { script -qec "$*" /dev/null </dev/null; }
# less(1) writes escape sequences of its own: the colour checks go without a pager.
on_tty "PAGER=cat $VNETTUNECTL list" >"$WORK/tty.out"
check "colour on a terminal: tuned in green" grep -q $'\e\[0;32mtuned' "$WORK/tty.out"
check "colour on a terminal: degraded in yellow" grep -q $'\e\[0;33mdegraded' "$WORK/tty.out"
on_tty "NO_COLOR=1 PAGER=cat $VNETTUNECTL list" >"$WORK/tty.out"
check "NO_COLOR: no colour" bash -c "! grep -q $'\e' '$WORK/tty.out'"
on_tty "$VNETTUNECTL --no-pager --no-color list" >"$WORK/tty.out"
check "--no-color: no colour" bash -c "! grep -q $'\e' '$WORK/tty.out'"
on_tty "TERM=dumb $VNETTUNECTL --no-pager list" >"$WORK/tty.out"
check "TERM=dumb: no colour" bash -c "! grep -q $'\e' '$WORK/tty.out'"
on_tty "PAGER='sed s/^/paged:/' $VNETTUNECTL --no-color list" >"$WORK/tty.out"
check "a pager on a terminal (PAGER)" grep -q '^paged:IDX' "$WORK/tty.out"
on_tty "SYSTEMD_PAGER='sed s/^/sd:/' PAGER=false $VNETTUNECTL --no-color list" >"$WORK/tty.out"
check "SYSTEMD_PAGER before PAGER" grep -q '^sd:IDX' "$WORK/tty.out"
on_tty "PAGER='sed s/^/paged:/' $VNETTUNECTL --no-pager --no-color list" >"$WORK/tty.out"
check "--no-pager: no pager" bash -c "grep -q '^IDX' '$WORK/tty.out' && ! grep -q paged: '$WORK/tty.out'"
on_tty "PAGER=cat $VNETTUNECTL --no-color list" >"$WORK/tty.out"
check "PAGER=cat: plain output" grep -q '^IDX' "$WORK/tty.out"
PAGER='sed s/^/paged:/' vctl list >"$WORK/pipe.out"
check "no pager when not a terminal" bash -c "! grep -q paged: '$WORK/pipe.out'"

# ---- bash completion: commands, options, link names from the daemon ----
complete_words() {      # complete_words WORD...: the completions offered for the last word
        PATH=$VNT_BUILD_DIR/ctl:$PATH bash -c 'source "$1"; shift
                COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                _vnettunectl; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$VNT_SRCDIR/ctl/vnettunectl.bash" "$@"
}
check "completes commands" [ "$(complete_words vnettunectl s | tr '\n' ' ')" = "show status " ]
check "completes all commands" [ "$(complete_words vnettunectl '' | wc -l)" = 8 ]
check "completes options" [ "$(complete_words vnettunectl --no- | tr '\n' ' ')" = "--no-color --no-legend --no-pager " ]
check "completes --json modes" [ "$(complete_words vnettunectl --json = '' | tr '\n' ' ')" = "pretty short " ]
check "completes link names" [ "$(complete_words vnettunectl show '' | tr '\n' ' ')" = "va vb vc vd " ]
words=$(complete_words vnettunectl --guest apply v | tr '\n' ' ')
check "completes link names after options" [ "$words" = "va vb vc vd " ]
check "one argument only" [ -z "$(complete_words vnettunectl show va '')" ]
check "nothing to complete for reload" [ -z "$(complete_words vnettunectl reload '')" ]
words=$(nobody bash -c "PATH=$VNT_BUILD_DIR/ctl:\$PATH; source $VNT_SRCDIR/ctl/vnettunectl.bash
        COMP_WORDS=(vnettunectl plan vc); COMP_CWORD=2; _vnettunectl; echo \${COMPREPLY[*]}")
check "completion as nobody" [ "$words" = vc ]

check "daemon alive" kill -0 "$GUESTD_PID"
echo "$N_CHECKS checks passed"
