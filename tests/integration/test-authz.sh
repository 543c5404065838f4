#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Authorization of both daemons, with the method lists derived from the API contract: every method
# of dbus/org.vnettune.{Guest1,Host1}.xml that the shipped bus policy (dbus/*.conf) does not open to
# everyone is "mutating", so a method added later is covered without touching this test.
#   - every mutating method called by an unprivileged user (nobody) is denied and changes nothing;
#   - every read method, Introspect, GetManagedObjects and every property of every object type
#     answer for nobody;
#   - the same again with a bus policy that lets everything through, so that the daemons' own check
#     (the second lock) is what denies: each daemon must answer AccessDenied itself.
# Usage: test-authz.sh BUILD_DIR
VNT_BUILD_DIR=$(readlink -f "${1:?build dir}")
export VNT_BUILD_DIR
HERE=$(dirname "$(readlink -f "$0")")

# Two sandboxes: the shipped bus policy, then one that opens everything (phase "daemon").
if [ "${VNT_SANDBOX:-0}" != 1 ]; then
        open_policy=$(mktemp /tmp/vnt-open-policy.XXXXXX.conf) || exit 1
        trap 'rm -f "$open_policy"' EXIT
        cat >"$open_policy" <<'EOC'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- test-authz.sh: lets every caller send anything to the vnettune daemons, so they must deny. -->
<busconfig>
  <policy context="default">
    <allow send_destination="org.vnettune.Guest1"/>
    <allow send_destination="org.vnettune.Host1"/>
  </policy>
</busconfig>
EOC
        chmod 644 "$open_policy"
        VNT_AUTHZ_PHASE=policy bash "$HERE/../helpers/sandbox.sh" --host-pid -- bash "$(readlink -f "$0")" "$VNT_BUILD_DIR"
        rc1=$?
        [ $rc1 = 77 ] && exit 77
        VNT_AUTHZ_PHASE=daemon bash "$HERE/../helpers/sandbox.sh" --host-pid --bus-policy "$open_policy" -- \
                bash "$(readlink -f "$0")" "$VNT_BUILD_DIR"
        rc2=$?
        [ $rc1 = 0 ] && [ $rc2 = 0 ] && exit 0
        echo "phase policy: exit $rc1, phase daemon: exit $rc2" >&2
        exit 1
fi

source "$HERE/../helpers/lib.sh"
SRC=$VNT_SRCDIR
PHASE=${VNT_AUTHZ_PHASE:-policy}
command -v runuser >/dev/null || { echo "SKIP: runuser (util-linux) missing" >&2; exit 77; }
echo "==== phase $PHASE: $([ "$PHASE" = policy ] && echo "the shipped bus policy denies" || echo "the bus lets everything through, the daemons deny") ===="

# nobody must be able to read the client.
cp "$HERE/dbus-raw.py" "$WORK/dbus-raw.py"
chmod 755 "$WORK" "$WORK/dbus-raw.py"
as_nobody() { runuser -u nobody -- "$PYTHON3" "$WORK/dbus-raw.py" --address "$VNT_BUS_ADDRESS" "$@"; }
runuser -u nobody -- "$PYTHON3" -c 'pass' || { echo "SKIP: nobody cannot run $PYTHON3" >&2; exit 77; }

printf '[Match]\nName=az*\n[Link]\nMTU=9000\n' >"$CONF_ROOT/etc/vnettune/50-authz.link"
printf '[Match]\nDriver=tun\n[Link]\nTxQueueLength=4000\n' >"$CONF_ROOT/etc/vnettune/60-tap.link"
ip link add az0 type veth peer az0p
ip link set az0 mtu 1400
start_tap_holder vzt0 2 --vcpus 1 --vhost 1
start_guestd
start_hostd
wait_until 10 bash -c '[ "$(cat /sys/class/net/az0/mtu)" = 9000 ]' || fail "az0 not tuned"
wait_until 10 bash -c '[ "$(cat /sys/class/net/vzt0/tx_queue_len)" = 4000 ]' || fail "vzt0 not tuned"
gidx=$(ifindex az0)
hidx=$(ifindex vzt0)
gpath=$(bus_path "$gidx")
hpath=${gpath/Guest1/Host1}
hpath=${hpath%/*}/$(basename "$(bus_path "$hidx")")
vmpath=$(host_call ListVMs | grep -o '"/org[^"]*"' | head -1 | tr -d '"')
[ -n "$vmpath" ] || fail "hostd lists no VM"

state() { echo "$(cat /sys/class/net/az0/mtu) $(cat /sys/class/net/vzt0/tx_queue_len) $(ls -A "$STATE_DIR/links" "$STATE_DIR/host/links" 2>/dev/null | tr '\n' ' ')"; }
before=$(state)

n_mutating=0
n_read=0
for daemon in Guest1 Host1; do
        dest=org.vnettune.$daemon
        mgr=/org/vnettune/$daemon
        idx=$gidx
        [ $daemon = Host1 ] && idx=$hidx
        "$PYTHON3" "$WORK/dbus-raw.py" --address "$VNT_BUS_ADDRESS" methods "$SRC/dbus/$dest.xml" "$SRC/dbus/$dest.conf" \
                >"$WORK/methods-$daemon" || fail "cannot derive the methods of $dest"
        grep -q '^mutating' "$WORK/methods-$daemon" || fail "no mutating method derived for $dest: the derivation is broken"
        while read -r kind iface member sig; do
                args=null
                # ifindex arguments get a real link, so that only authorization can refuse the call
                [ "$sig" = i ] && args="[$idx]"
                if [ "$kind" = mutating ]; then
                        out=$(as_nobody call "$dest" "$mgr" "$iface" "$member" "$sig" "$args" 2>&1)
                        echo "nobody: $iface.$member -> $out"
                        [[ $out == "error org.freedesktop.DBus.Error.AccessDenied"* ]] ||
                                fail "nobody calling mutating $iface.$member was not denied: $out"
                        n_mutating=$((n_mutating + 1))
                else
                        [ "$sig" = iu ] && args="[$idx, 10]"
                        [ "$sig" = uu ] && args="[$(vm_prop_pid=$(host_call ListVMs | awk '{print $3}'); echo "${vm_prop_pid:-0}"), 10]"
                        out=$(as_nobody call "$dest" "$mgr" "$iface" "$member" "$sig" "$args" 2>&1)
                        echo "nobody: $iface.$member -> $out"
                        [ "$out" = return ] || fail "nobody cannot call read method $iface.$member: $out"
                        n_read=$((n_read + 1))
                fi
                N_CHECKS=$((N_CHECKS + 1))
        done <"$WORK/methods-$daemon"
        check "nothing changed after nobody's calls to $dest" [ "$(state)" = "$before" ]

        # Everything readable stays readable for nobody.
        objects=("$mgr:org.vnettune.$daemon.Manager")
        if [ $daemon = Guest1 ]; then
                objects+=("$gpath:org.vnettune.Guest1.Link")
        else
                objects+=("$hpath:org.vnettune.Host1.Link" "$vmpath:org.vnettune.Host1.VM")
        fi
        for o in "${objects[@]}"; do
                path=${o%%:*}
                iface=${o#*:}
                out=$(as_nobody call "$dest" "$path" org.freedesktop.DBus.Properties GetAll s "[\"$iface\"]" 2>&1)
                [ "$out" = return ] || fail "nobody cannot GetAll $iface on $path: $out"
                out=$(as_nobody call "$dest" "$path" org.freedesktop.DBus.Introspectable Introspect - 2>&1)
                [ "$out" = return ] || fail "nobody cannot introspect $path: $out"
                # every property declared in the contract, one by one
                for p in $("$PYTHON3" -c 'import sys, xml.etree.ElementTree as E
for i in E.parse(sys.argv[1]).getroot().iter("interface"):
    if i.get("name") == sys.argv[2]:
        print(" ".join(p.get("name") for p in i.iter("property")))' "$SRC/dbus/$dest.xml" "$iface"); do
                        out=$(as_nobody call "$dest" "$path" org.freedesktop.DBus.Properties Get ss "[\"$iface\", \"$p\"]" 2>&1)
                        [ "$out" = return ] || fail "nobody cannot read $iface.$p: $out"
                done
                out=$(as_nobody call "$dest" "$path" org.freedesktop.DBus.Properties Set ssv "[\"$iface\", \"Name\", [\"s\", \"x\"]]" 2>&1)
                [[ $out == error* ]] || fail "nobody could Set a property of $iface: $out"
                N_CHECKS=$((N_CHECKS + 1))
        done
        out=$(as_nobody call "$dest" "$mgr" org.freedesktop.DBus.ObjectManager GetManagedObjects - 2>&1)
        check "nobody can GetManagedObjects of $dest" [ "$out" = return ]
done

total=$(cat "$WORK"/methods-* | wc -l)
echo "$n_mutating mutating methods denied, $n_read read methods answered ($total in the contract)"
check "every method of the contract was tried" [ $((n_mutating + n_read)) = "$total" ]
check "root still can" bash -c "busctl --address=$VNT_BUS_ADDRESS call org.vnettune.Guest1 /org/vnettune/Guest1 org.vnettune.Guest1.Manager Apply i 0"
check "daemons alive" kill -0 "$GUESTD_PID" "$HOSTD_PID"
echo "$N_CHECKS checks passed"
