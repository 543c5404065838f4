#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks vnettunectl's JSON against what busctl reads from the daemons, value by value.

Usage: ctl-json-check.py KIND DAEMON JSON-FILE [IFINDEX]
  KIND    status, list, vms, show or plan (the vnettunectl command that wrote JSON-FILE)
  DAEMON  guest or host (the key in the JSON); IFINDEX only for plan (0 for everything)
Reads the bus address from $VNT_BUS_ADDRESS and the API contract from $VNT_SRCDIR/dbus/. Prints the
number of values compared; exits 1 on the first difference, and when nothing was compared."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

NAMES = {"guest": "Guest1", "host": "Host1"}


def busctl(*args):
    out = subprocess.run(["busctl", "--address=" + os.environ["VNT_BUS_ADDRESS"], "--json=short", *args],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def contract_properties(daemon, iface):
    tree = ET.parse(os.path.join(os.environ["VNT_SRCDIR"], "dbus", f"org.vnettune.{NAMES[daemon]}.xml"))
    for i in tree.getroot().iter("interface"):
        if i.get("name") == iface:
            return [p.get("name") for p in i.findall("property")]
    raise SystemExit(f"{iface} is not in the contract")


def encode(prefix, number):
    s = str(number)
    return f"{prefix}/_3{s[0]}{s[1:]}"   # sd_bus_path_encode escapes the leading digit only


class Checker:
    def __init__(self, daemon):
        self.daemon = daemon
        self.bus_name = f"org.vnettune.{NAMES[daemon]}"
        self.root = f"/org/vnettune/{NAMES[daemon]}"
        self.n = 0

    def same(self, what, mine, theirs):
        if mine != theirs:
            raise SystemExit(f"FAIL: {what}: vnettunectl says {mine!r}, busctl says {theirs!r}")
        self.n += 1

    def properties(self, what, obj, path, iface):
        names = contract_properties(self.daemon, iface)
        self.same(f"{what}: property names", sorted(obj), sorted(names))
        values = busctl("get-property", self.bus_name, path, iface, *names)
        for name, v in zip(names, values):
            self.same(f"{what}.{name}", obj[name], v["data"])

    def manager_call(self, method, *args):
        return busctl("call", self.bus_name, self.root, f"{self.bus_name}.Manager", method, *args)[0]["data"][0]

    def link(self, obj):
        self.properties(f"link {obj.get('Name')}", obj, encode(self.root + "/link", obj["Index"]),
                        f"{self.bus_name}.Link")

    def vm(self, obj):
        self.properties(f"VM {obj.get('Name')}", obj, encode(self.root + "/vm", obj["Pid"]), f"{self.bus_name}.VM")


def main():
    kind, daemon, path = sys.argv[1:4]
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    c = Checker(daemon)
    mine = data[daemon]

    if kind == "list":
        links = c.manager_call("ListLinks")
        c.same("link indexes in order", [x["Index"] for x in mine], sorted(x[0] for x in links))
        for obj in mine:
            c.link(obj)
    elif kind == "vms":
        vms = c.manager_call("ListVMs")
        c.same("VM pids in order", [x["Pid"] for x in mine], sorted(x[0] for x in vms))
        for obj in mine:
            c.vm(obj)
    elif kind == "show":
        for obj in mine.get("Links", []):
            c.link(obj)
        for obj in mine.get("VMs", []):
            c.vm(obj)
    elif kind == "status":
        c.properties("manager", mine["Manager"], c.root, f"{c.bus_name}.Manager")
        links = c.manager_call("ListLinks")
        c.same("link count", mine["Links"], len(links))
        states = {}
        for x in links:
            states[x[-2]] = states.get(x[-2], 0) + 1
        c.same("link states", mine["LinkStates"], states)
        if daemon == "host":
            c.same("VM count", mine["VMs"], len(c.manager_call("ListVMs")))
    elif kind == "plan":
        rows = c.manager_call("Plan", "i", sys.argv[4])
        names = {x[0]: x[1] for x in c.manager_call("ListLinks")}
        c.same("plan rows", len(mine), len(rows))
        for m, (ifindex, setting, current, desired, refused) in zip(mine, rows):
            c.same("plan row", m, {"Index": ifindex, "Link": names.get(ifindex, ""), "Setting": setting,
                                   "Current": current, "Desired": desired, "Refused": refused})
    else:
        raise SystemExit(f"unknown kind {kind}")

    if c.n == 0:
        raise SystemExit("FAIL: nothing compared")
    print(f"{kind} --json ({daemon}): {c.n} values equal to busctl's")


if __name__ == "__main__":
    main()
